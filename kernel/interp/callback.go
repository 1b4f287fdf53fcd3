package interp

import (
	"context"
	"errors"
	"go/ast"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/runnel-go/runnel/kernel"
)

// Stopping one interpreted goroutine. yaegi v0.16.1 cancels by a global run id: its
// stop (what an interrupted ExecuteWithContext does) ends every interpreted frame at
// once; a frame keeps the id it was made with, so a function literal defined inside a
// call made before a stop returns zero values, without running, from then on. It has
// no way to end one goroutine's frames: a func literal that compiled code calls (a
// query's ForeachBatch) gets its frame's id from the frame it was defined in, and only
// the global id can end its loop. When the cell that started a query has finished, a
// global stop would also end the frames of the cell running now (the one calling
// q.Stop), silently skipping the rest of it; and it would end every other query's
// callback and every goroutine of the cells.
//
// So the kernel stops goroutines itself: every loop of a cell starts its body with
// `if *rt.Stopping { rt.Poll() }`. The flag is a plain read: a tight loop's iteration
// takes about 39 ns with it instead of 30 (BenchmarkLoopIteration), where a call into
// compiled code on each iteration would take 120. rt.Poll, reached only while some
// goroutine is asked to stop, panics with interrupted{} on that goroutine, which
// unwinds it and runs its deferred calls. time.Sleep ends too (see sleep). What the
// poll cannot reach: a callback blocked in a channel operation or select, or in
// compiled code; the kernel then says so in the callback's cell (see RunCallback).

// stopNoticeDelay is how long a stopped callback may take to end before its cell is
// told that it did not.
const stopNoticeDelay = 2 * time.Second

var _ kernel.IdleInterrupter = (*Session)(nil)

// stopper holds the goroutines asked to stop and the callbacks running now.
type stopper struct {
	// flag is *rt.Stopping: true while some goroutine is asked to stop. Interpreted
	// loops read it without synchronization (it is only a hint: Poll decides under mu),
	// so the race detector may report those reads.
	flag bool

	// cuts counts the interpreter's own stops (an interrupt of a running cell, the
	// watchdog's stop): each ends every interpreted frame, and a callback running then
	// returns early, with zero values, as if it had finished. An interrupted cell
	// counts its stop after it happened (yaegi stops when the cell's context ends);
	// RunCallback also looks at that context.
	cuts atomic.Int64

	mu        sync.Mutex
	targets   map[int64]chan struct{} // goroutine id -> closed when it is asked to stop
	callbacks map[int64]*cell         // goroutines running a query's callback -> its cell
}

// poll is rt.Poll: it ends the calling goroutine if it was asked to stop. The request
// stays until the goroutine's callback returns: code that recovers the panic and loops
// on is stopped again.
func (s *Session) poll() {
	if ch := s.stopChan(); ch != nil && isClosed(ch) {
		panic(interrupted{})
	}
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// updateFlagLocked sets the flag when a registered goroutine is asked to stop.
func (s *Session) updateFlagLocked() {
	on := false
	for _, ch := range s.stops.targets {
		if isClosed(ch) {
			on = true
			break
		}
	}
	s.stops.flag = on
}

// watch registers goroutine id as one that may be asked to stop; the returned channel
// is closed when it is.
func (s *Session) watch(id int64) chan struct{} {
	ch := make(chan struct{})
	s.stops.mu.Lock()
	if s.stops.targets == nil {
		s.stops.targets = map[int64]chan struct{}{}
	}
	s.stops.targets[id] = ch
	s.stops.mu.Unlock()
	return ch
}

// unwatch forgets goroutine id, whether or not it was asked to stop.
func (s *Session) unwatch(id int64) {
	s.stops.mu.Lock()
	delete(s.stops.targets, id)
	s.updateFlagLocked()
	s.stops.mu.Unlock()
}

// ask asks goroutine id, registered by watch, to stop at its next loop iteration or
// sleep; it reports whether id was registered.
func (s *Session) ask(id int64) bool {
	s.stops.mu.Lock()
	defer s.stops.mu.Unlock()
	ch, ok := s.stops.targets[id]
	if !ok {
		return false
	}
	if !isClosed(ch) {
		close(ch)
	}
	s.stops.flag = true
	return true
}

// stopChan is the channel closed when the calling goroutine is asked to stop; nil
// when it is not registered.
func (s *Session) stopChan() <-chan struct{} {
	id := goid()
	s.stops.mu.Lock()
	defer s.stops.mu.Unlock()
	return s.stops.targets[id]
}

// RunCallback runs call, user code on a query's goroutine, for the cell of w (a
// CellWriter), as RunFor does; it is engine.SetCallbackContextHook's hook. When ctx
// ends (the query is stopped) while call runs, the interpreted code of call stops at
// its next loop iteration or sleep, by a panic the engine reports as the callback's;
// an interrupt while no cell runs stops it likewise (see InterruptIdle). If call has
// not returned stopNoticeDelay after that, its cell is told. The error says that an
// interrupt of a running cell cut call short (errCut).
func (s *Session) RunCallback(ctx context.Context, w io.Writer, call func()) error {
	cw, ok := w.(cellWriter)
	if !ok {
		call()
		return nil
	}
	cuts := s.stops.cuts.Load()
	id := goid()
	stop := s.watch(id)
	s.stops.mu.Lock()
	if s.stops.callbacks == nil {
		s.stops.callbacks = map[int64]*cell{}
	}
	s.stops.callbacks[id] = cw.c
	s.stops.mu.Unlock()
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	// The watcher is owned by this call: it ends when call returns.
	go func() {
		defer wg.Done()
		select {
		case <-done:
			return
		case <-ctx.Done():
			s.ask(id)
		case <-stop:
		}
		t := time.NewTimer(stopNoticeDelay)
		defer t.Stop()
		select {
		case <-done:
		case <-t.C:
			cw.c.out.write("stderr", []byte("kernel: a callback of a stopped or interrupted query did not stop: "+
				"it is blocked where the kernel cannot end it (a channel operation, select, or a call into compiled code); "+
				"it ends if that ever returns\n"))
		}
	}()
	defer func() {
		close(done)
		wg.Wait()
		s.stops.mu.Lock()
		delete(s.stops.callbacks, id)
		s.stops.mu.Unlock()
		s.unwatch(id)
	}()
	s.RunFor(w, call)
	if s.stops.cuts.Load() != cuts || s.cellInterrupted() {
		return errCut
	}
	return nil
}

// cellInterrupted tells whether the running cell's context ended: the interpreter then
// stops (or stopped) every interpreted frame.
func (s *Session) cellInterrupted() bool {
	s.router.mu.Lock()
	c := s.router.current
	s.router.mu.Unlock()
	return c != nil && c.ctx.Err() != nil
}

// errCut is RunCallback's error when the interpreter stopped every interpreted frame
// while the callback ran: its end did not run.
var errCut = errors.New("interrupted (an interrupt of a running cell stops every interpreted goroutine)")

// InterruptIdle is an interrupt while no cell runs (kernel.IdleInterrupter): every
// callback of a query running now stops at its next loop iteration or sleep, and its
// cell is told; the query fails with the callback's panic. Goroutines of cells' go
// statements are left alone: asking one that never loops again would keep every loop
// of the kernel polling (see stopper.flag) for as long as it lives.
func (s *Session) InterruptIdle() {
	s.stops.mu.Lock()
	cells := map[int64]*cell{}
	for id, c := range s.stops.callbacks {
		cells[id] = c
	}
	s.stops.mu.Unlock()
	for id, c := range cells {
		if s.ask(id) {
			c.out.write("stderr", []byte("kernel: interrupt: stopping a callback of a query started by this cell; the query fails\n"))
			c.out.flush(true) // before the interrupt_reply: the frontend sees why the query failed
		}
	}
}

// insertPolls starts the body of every loop under root with `if *rt.Stopping {
// rt.Poll() }`, so that a goroutine asked to stop ends at its next iteration.
func insertPolls(root ast.Node) {
	ast.Inspect(root, func(n ast.Node) bool {
		var body *ast.BlockStmt
		switch l := n.(type) {
		case *ast.ForStmt:
			body = l.Body
		case *ast.RangeStmt:
			body = l.Body
		default:
			return true
		}
		if body == nil {
			return true
		}
		pos := body.Lbrace
		flag := &ast.StarExpr{Star: pos, X: &ast.SelectorExpr{
			X: &ast.Ident{NamePos: pos, Name: rtName}, Sel: &ast.Ident{NamePos: pos, Name: "Stopping"}}}
		check := &ast.IfStmt{If: pos, Cond: flag, Body: &ast.BlockStmt{Lbrace: pos, Rbrace: pos,
			List: []ast.Stmt{&ast.ExprStmt{X: rtCall(pos, "Poll", nil, pos, pos)}}}}
		body.List = append([]ast.Stmt{check}, body.List...)
		return true
	})
}
