package interp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/runnel-go/runnel/kernel"
)

// cell is one execution: where its output goes. A cell outlives its execute request:
// goroutines it started keep writing to it, and their output keeps landing under the
// request that started them (frontends keep listening to a finished cell).
type cell struct {
	id    int64 // unique in the session
	count int
	pub   kernel.Publisher
	ctx   context.Context // the request's context; Input waits on it
	out   *streams
	// cancel ends the cell's context; the stack watchdog uses it, with overflow set.
	cancel   context.CancelFunc
	overflow atomic.Bool

	mu       sync.Mutex
	stdin    []byte   // rest of the last line read from the frontend
	panics   []string // yaegi's panic trace lines written by the cell's own goroutine
	result   []any    // values of the final expression, set by rt.Result
	hasValue bool
	at       int      // index of the top-level statement running, set by rt.At
	mainG    int64    // goroutine running the cell's top-level statements
	stmtPos  []string // positions of the top-level statements ("In[3]:2:1")
}

func (c *cell) setResult(vs []any) {
	c.mu.Lock()
	c.result, c.hasValue = vs, true
	c.mu.Unlock()
}

// routine is a goroutine started by a cell's `go` statement.
type routine struct {
	cell   *cell
	panics []string
}

// router sends what interpreted code writes to the cell that owns the writing goroutine:
// goroutines started by cell code are registered under their goroutine id; any other
// goroutine (the one running the cell, compiled code's own goroutines) writes to the
// cell running now, or to the last one when none runs.
type router struct {
	interval time.Duration

	mu       sync.Mutex
	current  *cell
	last     *cell
	routines map[int64]*routine
	// interrupted is closed (and replaced) by each interrupt; blocking calls that the
	// interpreter cannot cancel (time.Sleep) watch it.
	interrupted chan struct{}
}

func newRouter(interval time.Duration) *router {
	return &router{interval: interval, routines: map[int64]*routine{}, interrupted: make(chan struct{})}
}

// begin makes c the running cell.
func (r *router) begin(c *cell) {
	r.mu.Lock()
	r.current, r.last = c, c
	r.mu.Unlock()
}

// end marks that no cell runs; c stays the target of unattributed output.
func (r *router) end() {
	r.mu.Lock()
	r.current = nil
	r.mu.Unlock()
}

// interrupt wakes every call waiting on the interrupt channel.
func (r *router) interrupt() {
	r.mu.Lock()
	close(r.interrupted)
	r.interrupted = make(chan struct{})
	r.mu.Unlock()
}

func (r *router) interruptChan() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.interrupted
}

// cellFor returns the cell the calling goroutine writes to, and its routine record when
// a cell's go statement started it.
func (r *router) cellFor() (*cell, *routine) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.routines) > 0 {
		if rt, ok := r.routines[goid()]; ok {
			return rt.cell, rt
		}
	}
	if r.current != nil {
		return r.current, nil
	}
	return r.last, nil
}

func (r *router) register(id int64, rt *routine) {
	r.mu.Lock()
	r.routines[id] = rt
	r.mu.Unlock()
}

func (r *router) unregister(id int64) {
	r.mu.Lock()
	delete(r.routines, id)
	r.mu.Unlock()
}

// streamWriter is os.Stdout or os.Stderr as interpreted code sees them.
type streamWriter struct {
	r    *router
	name string
}

func (w streamWriter) Write(p []byte) (int, error) {
	c, _ := w.r.cellFor()
	if c == nil {
		return len(p), nil
	}
	c.out.write(w.name, p)
	return len(p), nil
}

func (w streamWriter) WriteString(s string) (int, error) { return w.Write([]byte(s)) }

// panicLog receives the interpreter's own trace lines ("In[3]:2:5: panic: main.f(...)"),
// one per interpreted frame a panic unwinds; they become the traceback.
type panicLog struct{ r *router }

// maxTraceLines bounds the trace kept per goroutine (recovered panics also log).
const maxTraceLines = 32

func (l panicLog) Write(p []byte) (int, error) {
	c, rt := l.r.cellFor()
	line := cleanPos(strings.TrimRight(string(p), "\n"))
	switch {
	case rt != nil:
		l.r.mu.Lock()
		rt.panics = appendBounded(rt.panics, line)
		l.r.mu.Unlock()
	case c != nil:
		c.mu.Lock()
		c.panics = appendBounded(c.panics, line)
		c.mu.Unlock()
	}
	return len(p), nil
}

func appendBounded(lines []string, line string) []string {
	if len(lines) >= maxTraceLines {
		lines = lines[1:]
	}
	return append(lines, line)
}

// stdinReader is os.Stdin of interpreted code: each time its buffer runs dry it asks
// the frontend of the reading goroutine's cell for a line.
type stdinReader struct{ r *router }

// errNoStdin is returned when no cell can take input.
var errNoStdin = errors.New("stdin: no cell to read from")

func (s stdinReader) Read(p []byte) (int, error) {
	c, _ := s.r.cellFor()
	if c == nil {
		return 0, errNoStdin
	}
	c.mu.Lock()
	if len(c.stdin) == 0 {
		c.mu.Unlock()
		// The prompt the code just printed must reach the frontend before the input box.
		c.out.flush(true)
		line, err := c.pub.Input(c.ctx, "", false)
		if err != nil {
			return 0, fmt.Errorf("reading stdin: %w", err)
		}
		c.mu.Lock()
		c.stdin = append(c.stdin, line...)
		c.stdin = append(c.stdin, '\n')
	}
	n := copy(p, c.stdin)
	c.stdin = c.stdin[n:]
	c.mu.Unlock()
	return n, nil
}

// streams buffers one cell's stdout and stderr, in the order written, and sends them
// at most interval after the first unsent write (and at once on flush).
type streams struct {
	pub      kernel.Publisher
	interval time.Duration

	sendMu sync.Mutex // held while sending, so that flushes never reorder text

	mu     sync.Mutex
	chunks []chunk
	timer  *time.Timer
}

type chunk struct {
	name string
	text []byte
}

func newStreams(pub kernel.Publisher, interval time.Duration) *streams {
	return &streams{pub: pub, interval: interval}
}

func (s *streams) write(name string, p []byte) {
	if len(p) == 0 {
		return
	}
	s.mu.Lock()
	if n := len(s.chunks); n > 0 && s.chunks[n-1].name == name {
		s.chunks[n-1].text = append(s.chunks[n-1].text, p...)
	} else {
		s.chunks = append(s.chunks, chunk{name: name, text: append([]byte(nil), p...)})
	}
	if s.timer == nil {
		s.timer = time.AfterFunc(s.interval, func() { s.flush(false) })
	}
	s.mu.Unlock()
}

// flush sends what is buffered. Unless final, an incomplete UTF-8 sequence at the end
// of a chunk waits for its remaining bytes.
func (s *streams) flush(final bool) {
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	s.mu.Lock()
	chunks := s.chunks
	s.chunks = nil
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	if !final && len(chunks) > 0 {
		last := &chunks[len(chunks)-1]
		if cut := incompleteTail(last.text); cut > 0 {
			tail := append([]byte(nil), last.text[len(last.text)-cut:]...)
			last.text = last.text[:len(last.text)-cut]
			s.chunks = []chunk{{name: last.name, text: tail}}
			s.timer = time.AfterFunc(s.interval, func() { s.flush(false) })
		}
	}
	s.mu.Unlock()
	for _, c := range chunks {
		if len(c.text) > 0 {
			s.pub.Stream(c.name, string(c.text))
		}
	}
}

// incompleteTail returns how many bytes at the end of b start a UTF-8 sequence that is
// not complete yet.
func incompleteTail(b []byte) int {
	for i := 1; i <= utf8.UTFMax-1 && i <= len(b); i++ {
		c := b[len(b)-i]
		if c < utf8.RuneSelf {
			return 0
		}
		if utf8.RuneStart(c) {
			if utf8.FullRune(b[len(b)-i:]) {
				return 0
			}
			return i
		}
	}
	return 0
}

// goid returns the calling goroutine's id, read from its stack header
// ("goroutine 123 [running]:"). Go offers no other way; it costs about a microsecond.
func goid() int64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	if i := bytes.IndexByte(b, ' '); i > 0 {
		b = b[:i]
	}
	id, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return -1
	}
	return id
}

var (
	_ io.Writer = streamWriter{}
	_ io.Reader = stdinReader{}
)

// cellPublisher is a cell's Publisher for compiled code (the display layer): its
// stream text goes through the cell's buffered streams, and everything else first
// flushes them, so that text and displays arrive in the order they were made.
type cellPublisher struct{ c *cell }

func (p cellPublisher) Stream(name, text string) { p.c.out.write(name, []byte(text)) }

func (p cellPublisher) Display(data kernel.MIMEBundle, metadata map[string]any, displayID string) {
	p.c.out.flush(true)
	p.c.pub.Display(data, metadata, displayID)
}

func (p cellPublisher) UpdateDisplay(data kernel.MIMEBundle, metadata map[string]any, displayID string) {
	p.c.out.flush(true)
	p.c.pub.UpdateDisplay(data, metadata, displayID)
}

func (p cellPublisher) ClearOutput(wait bool) {
	p.c.out.flush(true)
	p.c.pub.ClearOutput(wait)
}

func (p cellPublisher) Input(ctx context.Context, prompt string, password bool) (string, error) {
	p.c.out.flush(true)
	return p.c.pub.Input(ctx, prompt, password)
}

func (p cellPublisher) Active() kernel.Publisher { return p.c.pub.Active() }

// cellWriter writes to one cell's stream, whoever calls it: a writer handed to work
// that outlives the call that created it (a query's console output).
type cellWriter struct {
	c    *cell
	name string
}

func (w cellWriter) Write(p []byte) (int, error) {
	w.c.out.write(w.name, p)
	return len(p), nil
}

func (w cellWriter) WriteString(s string) (int, error) { return w.Write([]byte(s)) }
