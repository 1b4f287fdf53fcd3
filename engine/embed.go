package engine

import (
	"context"
	"io"
	"os"
	"sync"
)

// Embedding hooks. A program that embeds the engine (the Jupyter kernel) installs them
// once at start-up; they are process-wide because the engine's output (Show, PrintSchema,
// the console sink) has no other owner to ask. They are guarded by a lock and read each
// time they are used.

var hooks struct {
	sync.RWMutex
	output   func() io.Writer
	callback func(w io.Writer, call func())
	ctxHook  func(ctx context.Context, w io.Writer, call func()) error
	show     func(w io.Writer, df *DataFrame, text string) bool
}

// SetOutput sets the function that gives the writer for engine output: Show and
// PrintSchema outside queries call it each time; a query calls it once when it starts and
// prints there (console sink, Show inside ForeachBatch) for its whole life. nil restores
// os.Stdout.
func SetOutput(f func() io.Writer) {
	hooks.Lock()
	defer hooks.Unlock()
	hooks.output = f
}

// SetCallbackHook sets a wrapper for each call of user code on a query's goroutine
// (ForeachBatch and Foreach functions): hook must run call, and may route what call
// prints to w, the query's writer. nil removes the hook.
func SetCallbackHook(hook func(w io.Writer, call func())) {
	hooks.Lock()
	defer hooks.Unlock()
	hooks.callback = hook
}

// SetCallbackContextHook is SetCallbackHook whose hook also gets the query's context,
// which ends when the query is stopped, so that the hook may end user code that does
// not return by itself (call then panics, and the stopping query ignores it). The hook
// returns an error when call did not run to its end for another reason (an interrupt):
// it fails the query. When set, it is used instead of SetCallbackHook's hook. nil
// removes it.
func SetCallbackContextHook(hook func(ctx context.Context, w io.Writer, call func()) error) {
	hooks.Lock()
	defer hooks.Unlock()
	hooks.ctxHook = hook
}

// SetShowHook sets a function that Show calls with the writer it would print to, the
// DataFrame and Spark's text table; when it returns true it has displayed the table (for
// example as HTML and text in a notebook) and Show prints nothing. The DataFrame's Shown
// holds the cells of the text, from the same evaluation. nil removes the hook.
func SetShowHook(hook func(w io.Writer, df *DataFrame, text string) bool) {
	hooks.Lock()
	defer hooks.Unlock()
	hooks.show = hook
}

// currentOutput is the writer for output not tied to a query.
func currentOutput() io.Writer {
	hooks.RLock()
	f := hooks.output
	hooks.RUnlock()
	if f != nil {
		if w := f(); w != nil {
			return w
		}
	}
	return os.Stdout
}

// runCallback runs user code through the callback hook; ctx is the query's.
func runCallback(ctx context.Context, w io.Writer, call func()) error {
	hooks.RLock()
	h, ch := hooks.callback, hooks.ctxHook
	hooks.RUnlock()
	switch {
	case ch != nil:
		return ch(ctx, w, call)
	case h != nil:
		h(w, call)
	default:
		call()
	}
	return nil
}

func showHook() func(w io.Writer, df *DataFrame, text string) bool {
	hooks.RLock()
	defer hooks.RUnlock()
	return hooks.show
}

// sessions are the sessions made in this process, for StopAll.
var sessions struct {
	sync.Mutex
	all map[*Session]struct{}
}

func trackSession(s *Session) {
	sessions.Lock()
	defer sessions.Unlock()
	if sessions.all == nil {
		sessions.all = map[*Session]struct{}{}
	}
	sessions.all[s] = struct{}{}
}

// untrackSession forgets a stopped session, so that it and its ended queries can be
// collected; starting a query on it again tracks it again (see newSession).
func untrackSession(s *Session) {
	sessions.Lock()
	defer sessions.Unlock()
	delete(sessions.all, s)
}

// StopAll stops every active query of every session of this process and waits for them
// to end: the kernel calls it when it shuts down or restarts, so no query outlives it.
func StopAll() {
	sessions.Lock()
	all := make([]*Session, 0, len(sessions.all))
	for s := range sessions.all {
		all = append(all, s)
	}
	sessions.Unlock()
	for _, s := range all {
		for _, q := range s.streams.Active() {
			q.Stop()
		}
	}
}
