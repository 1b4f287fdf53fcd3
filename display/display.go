// Package display turns engine values into rich notebook output: a DataFrame as an HTML
// table next to Spark's text table, a running query as a live view that is updated in
// place after each batch, and a live SVG line chart of a query's result.
//
//	display.Table(df)                 // the first rows of a static DataFrame
//	display.Live(q)                   // status, rates, watermark, state and latest result of q
//	display.LineChart(q, "start", "avg_price")
//
// A value is shown when it is a notebook cell's last expression, or at once with
// Display. Output goes to a Target (the kernel adapts a notebook cell to it) that an
// Output gives for the calling goroutine; the kernel installs its Output with
// SetOutput. Without one, values are printed as text on os.Stdout.
//
// The package uses only the engine's public API: it knows nothing of Jupyter.
package display

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/runnel-go/runnel/engine"
)

// Target receives rich output: a notebook cell, for the kernel. Bundles map MIME types
// ("text/html", "text/plain", "image/svg+xml") to their data.
type Target interface {
	// Display shows data; a non-empty displayID lets Update replace it later.
	Display(data, metadata map[string]any, displayID string)
	// Update replaces every output that was shown with displayID.
	Update(data, metadata map[string]any, displayID string)
	// Clear clears the output of the target's cell; with wait, only when the next
	// output arrives (no flicker).
	Clear(wait bool)
	// Active is where updates of this target's displays go now: the target of the cell
	// that is executing at the time, or this one when none is. Frontends apply an
	// update to every output with its display id whichever cell it is parented to, but
	// a headless runner (nbclient) reads only the messages of the executing cell.
	Active() Target
}

// DefaultMinInterval is the shortest time between two updates of a live view (at most
// four per second): batches that end faster are coalesced into one update.
const DefaultMinInterval = 250 * time.Millisecond

// Options configure an Output.
type Options struct {
	// Target gives the target of the calling goroutine (the cell it works for). Nil, or
	// a nil result, means text on os.Stdout.
	Target func() Target
	// MinInterval is the shortest time between two updates of a live view; 0 means
	// DefaultMinInterval.
	MinInterval time.Duration
	// After is time.After; tests replace it to drive the coalescing.
	After func(time.Duration) <-chan time.Time
}

// Output sends values to targets and owns the goroutines that update live views: each
// ends when its query ends, and Close ends them all.
type Output struct {
	opts   Options
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex
	closed bool
}

// New makes an Output.
func New(opts Options) *Output {
	if opts.MinInterval <= 0 {
		opts.MinInterval = DefaultMinInterval
	}
	if opts.After == nil {
		opts.After = time.After
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Output{opts: opts, ctx: ctx, cancel: cancel}
}

// Close stops updating every live view and waits for their goroutines; later views are
// shown once, without updates.
func (o *Output) Close() {
	o.mu.Lock()
	o.closed = true
	o.mu.Unlock()
	o.cancel()
	o.wg.Wait()
}

// goLive starts f on a goroutine owned by o, unless o is closed.
func (o *Output) goLive(f func(ctx context.Context)) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return false
	}
	o.wg.Add(1)
	go func() {
		defer o.wg.Done()
		f(o.ctx)
	}()
	return true
}

// target is the calling goroutine's target.
func (o *Output) target() Target {
	if o.opts.Target != nil {
		if t := o.opts.Target(); t != nil {
			return t
		}
	}
	return textTarget{os.Stdout}
}

// textTarget prints the text/plain part of what it is given, for programs outside a
// notebook: an update is printed again below.
type textTarget struct{ w io.Writer }

func (t textTarget) Display(data, _ map[string]any, _ string) {
	if s, ok := data["text/plain"].(string); ok {
		fmt.Fprintln(t.w, s)
	}
}

func (t textTarget) Update(data, metadata map[string]any, id string) {
	t.Display(data, metadata, id)
}

func (textTarget) Clear(bool) {}

func (t textTarget) Active() Target { return t }

// HTML is HTML to display as it is.
type HTML string

// Markdown is Markdown text to display rendered.
type Markdown string

// Render turns v into a MIME bundle, as a notebook shows a cell's last value: a static
// DataFrame as its table, a DataTable, HTML and Markdown. A StreamingQuery or a View is
// shown at once as a live view on the calling goroutine's target, and Render returns a
// nil bundle. ok is false for other values.
func (o *Output) Render(v any) (bundle map[string]any, ok bool) {
	switch x := v.(type) {
	case *engine.DataFrame:
		t, err := Table(x)
		if err != nil {
			return textBundle(err.Error()), true
		}
		return t.MIMEBundle(), true
	case *DataTable:
		return x.MIMEBundle(), true
	case HTML:
		return map[string]any{"text/html": string(x), "text/plain": string(x)}, true
	case Markdown:
		return map[string]any{"text/markdown": string(x), "text/plain": string(x)}, true
	case *engine.StreamingQuery:
		view, err := o.Live(x)
		if err != nil {
			return textBundle(err.Error()), true
		}
		view.show(o.target())
		return nil, true
	case *View:
		if x == nil {
			return nil, false
		}
		x.show(o.target())
		return nil, true
	}
	return nil, false
}

func textBundle(s string) map[string]any { return map[string]any{"text/plain": s} }

// Display shows v now in the calling goroutine's cell: what Render renders, other
// values as text (fmt's %v).
func (o *Output) Display(v any) error {
	if x, ok := v.(*engine.DataFrame); ok {
		t, err := Table(x)
		if err != nil {
			return err
		}
		v = t
	}
	b, ok := o.Render(v)
	if !ok {
		b = textBundle(fmt.Sprint(v))
	}
	if b != nil {
		o.target().Display(b, map[string]any{}, "")
	}
	return nil
}

// ClearOutput clears the output of the calling goroutine's cell; with wait, only when
// the next output arrives.
func (o *Output) ClearOutput(wait bool) { o.target().Clear(wait) }

// current is the Output that the package's functions use: like the engine's output
// hooks, it is installed once by the program that embeds the package (the kernel).
var current atomic.Pointer[Output]

// fallback prints text on os.Stdout; its live views end with their queries.
var fallback = New(Options{})

// SetOutput installs o as the Output of the package's functions; nil restores text on
// os.Stdout.
func SetOutput(o *Output) { current.Store(o) }

func out() *Output {
	if o := current.Load(); o != nil {
		return o
	}
	return fallback
}

// Live returns a live view of q: shown (as a cell's last value or with Display), it is
// updated in place after each batch until q ends.
func Live(q *engine.StreamingQuery) (*View, error) { return out().Live(q) }

// LineChart returns a live SVG line chart of column y against column x of q's results
// (see Output.LineChart).
func LineChart(q *engine.StreamingQuery, x, y string) (*View, error) {
	return out().LineChart(q, x, y)
}

// Display shows v now in the calling goroutine's cell (see Output.Display).
func Display(v any) error { return out().Display(v) }

// ClearOutput clears the calling goroutine's cell; with wait, when the next output
// arrives.
func ClearOutput(wait bool) { out().ClearOutput(wait) }

// ErrStreaming is returned for a streaming DataFrame where rows are needed.
var ErrStreaming = errors.New("a streaming DataFrame has no rows until a query runs it: start one with WriteStream()...Start() and display the query (display.Live)")
