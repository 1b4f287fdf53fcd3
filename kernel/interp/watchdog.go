package interp

import (
	"context"
	"go/ast"
	"go/parser"
	"runtime/metrics"
	"time"
)

// Interpreted calls run on Go's stack, and Go ends the whole process when a goroutine's
// stack passes its limit (1 GB): a runaway recursion in a cell would kill the kernel.
// The watchdog samples the memory held by all goroutine stacks and, past stackLimit,
// stops interpreted code as an interrupt does; the cell then reports a stack overflow.

const (
	stackLimit    = 256 << 20
	watchInterval = 10 * time.Millisecond
)

const stacksMetric = "/memory/classes/heap/stacks:bytes"

// watchStacks runs until stop is closed.
func (s *Session) watchStacks(stop <-chan struct{}) {
	sample := []metrics.Sample{{Name: stacksMetric}}
	t := time.NewTicker(watchInterval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 || sample[0].Value.Uint64() < stackLimit {
			continue
		}
		s.stopRunaway()
		// Give the stacks time to unwind (and the GC to shrink them) before looking again.
		select {
		case <-stop:
			return
		case <-time.After(time.Second):
		}
	}
}

// stopRunaway stops interpreted code: the running cell, with its overflow flag set so
// that it reports why, or else every interpreted goroutine.
func (s *Session) stopRunaway() {
	s.router.mu.Lock()
	c, last := s.router.current, s.router.last
	s.router.mu.Unlock()
	if c != nil && c.cancel != nil {
		c.overflow.Store(true)
		c.cancel()
		return
	}
	if !s.execMu.TryLock() {
		return
	}
	defer s.execMu.Unlock()
	f, err := parser.ParseFile(s.in.FileSet(), s.fileName(), "package main; func main() {}", 0)
	if err != nil {
		return
	}
	prog, err := s.compile(f.Decls[0].(*ast.FuncDecl).Body)
	if err != nil {
		return
	}
	// Running a program under a cancelled context stops every interpreted frame.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s.in.ExecuteWithContext(ctx, prog)
	s.router.interrupt()
	time.Sleep(100 * time.Millisecond) // let the recursion unwind before frames may run again
	s.resyncLocked()
	if last != nil {
		last.out.write("stderr", []byte("stack overflow: the goroutine stacks passed the kernel's limit (runaway recursion?); every interpreted goroutine was stopped\n"))
	}
}
