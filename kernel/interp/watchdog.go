package interp

import (
	"context"
	"fmt"
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
	if err := s.stopInterpreter(); err != nil {
		return
	}
	s.router.interrupt()
	time.Sleep(100 * time.Millisecond) // let the recursion unwind before frames may run again
	s.resyncLocked()
	if last != nil {
		last.out.write("stderr", []byte("stack overflow: the goroutine stacks passed the kernel's limit (runaway recursion?); every interpreted goroutine was stopped\n"))
	}
}

// stopInterpreter stops every interpreted frame; execMu is held. The interpreter has no
// call for that but ExecuteWithContext, which stops them all when its context ends
// first. Its program here blocks in rt.Hold until ExecuteWithContext has returned: so
// the context always wins (a program that ended first would make the stop a coin
// toss), and the program's goroutine writes ExecuteWithContext's results only after
// ExecuteWithContext itself did (it writes them from both goroutines: a data race
// when the program ends while the cancelled call returns).
func (s *Session) stopInterpreter() error {
	f, err := parser.ParseFile(s.in.FileSet(), s.fileName(), "package main; func main() { hold() }", 0)
	if err != nil {
		return fmt.Errorf("parsing the stop program: %w", err)
	}
	body := f.Decls[0].(*ast.FuncDecl).Body
	call := body.List[0].(*ast.ExprStmt).X.(*ast.CallExpr)
	call.Fun = rtCall(call.Pos(), "Hold", nil, call.Lparen, call.Rparen).Fun
	prog, err := s.compile(body)
	if err != nil {
		return err
	}
	release := make(chan struct{})
	s.holdMu.Lock()
	s.held = release
	s.holdMu.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s.stops.cuts.Add(1) // before the stop: see RunCallback
	s.in.ExecuteWithContext(ctx, prog)
	close(release)
	return nil
}

// hold is rt.Hold: it blocks the stop program until stopInterpreter releases it.
func (s *Session) hold() {
	s.holdMu.Lock()
	release := s.held
	s.holdMu.Unlock()
	if release != nil {
		<-release
	}
}
