package display

import (
	"context"
	"errors"
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"
	"sync"

	"github.com/google/uuid"
	"github.com/runnel-go/runnel/engine"
)

// query is what a view needs of an *engine.StreamingQuery (tests give a fake).
type query interface {
	ID() string
	Name() string
	Status() engine.QueryStatus
	Exception() error
	Done() <-chan struct{}
	LastProgress() *engine.QueryProgress
	LastResult() (*engine.DataFrame, int64)
	AddListener(fn func(engine.QueryEvent)) (remove func())
}

// View is a live display of a running query: shown once with a display id, starting
// from the query's latest progress and result, then updated in place after each batch
// (at most once per Options.MinInterval, the last state always sent) until the query
// ends, when a final update shows at once how it ended.
type View struct {
	o     *Output
	q     query
	id    string
	chart *chart // nil for the live table
	kick  chan struct{}

	// sendMu orders what the view sends: the display before any update, and nothing
	// after the final update (sent from the query's goroutine when it terminates).
	sendMu sync.Mutex
	final  bool // the final state was sent

	mu          sync.Mutex
	target      Target
	progress    *engine.QueryProgress
	result      *engine.DataFrame
	resultBatch int64
	ended       bool  // the terminated event came
	endErr      error // its error
}

// Live returns a live view of q: its name, id, status, batch number, input and
// processing rates, watermark, state rows and the latest batch's result table.
func (o *Output) Live(q *engine.StreamingQuery) (*View, error) {
	if q == nil {
		return nil, errors.New("display.Live: nil query")
	}
	return o.newView(q, nil), nil
}

func (o *Output) newView(q query, c *chart) *View {
	return &View{o: o, q: q, id: uuid.NewString(), chart: c, kick: make(chan struct{}, 1)}
}

// DisplayID is the display id of the view's outputs.
func (v *View) DisplayID() string { return v.id }

// String describes the view, for a program without a notebook.
func (v *View) String() string {
	if s, ok := v.bundle()["text/plain"].(string); ok {
		return s
	}
	return ""
}

// show displays the view on t. The first time, it starts following the query: the
// listener is added before the first state is read so that no batch is missed, and
// updates wait for the display (sendMu) so that none can precede it.
func (v *View) show(t Target) {
	v.mu.Lock()
	first := v.target == nil
	if first {
		v.target = t
	}
	v.mu.Unlock()
	if !first {
		t.Display(v.bundle(), map[string]any{}, v.id)
		return
	}
	v.sendMu.Lock()
	remove := v.q.AddListener(v.observe)
	v.seed()
	st := v.snapshot()
	t.Display(v.render(st), map[string]any{}, v.id)
	v.final = st.ended
	v.sendMu.Unlock()
	// A query that had ended when shown needs no updates.
	if st.ended || !v.o.goLive(func(ctx context.Context) {
		defer remove()
		v.run(ctx)
	}) {
		remove()
	}
}

// seed starts the view from the query's latest progress and result, for a query that
// ran batches before it was shown; what the listener has recorded already is newer.
func (v *View) seed() {
	p := v.q.LastProgress()
	res, batchID := v.q.LastResult()
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.progress == nil {
		v.progress = p
	}
	if v.result == nil && res != nil {
		v.result, v.resultBatch = res, batchID
		if v.chart != nil {
			v.chart.add(res)
		}
	}
}

// observe records a batch, on the query's goroutine: it must not block. The end of the
// query is sent at once from there, before Stop returns to the cell that called it
// (the cell a headless runner is reading), rather than after a coalescing wait.
func (v *View) observe(ev engine.QueryEvent) {
	if ev.Kind == "terminated" {
		v.mu.Lock()
		v.ended, v.endErr = true, ev.Err
		v.mu.Unlock()
		v.send()
		return
	}
	if ev.Kind != "progress" || ev.Progress == nil {
		return
	}
	v.mu.Lock()
	v.progress = ev.Progress
	if ev.Result != nil {
		v.result, v.resultBatch = ev.Result, ev.Progress.BatchID
		if v.chart != nil {
			v.chart.add(ev.Result)
		}
	}
	v.mu.Unlock()
	select {
	case v.kick <- struct{}{}:
	default: // an update is pending already: it will show this batch too
	}
}

// send updates the view with its current state to the executing cell, unless the final
// state was sent already; ended reports that the query has ended.
func (v *View) send() (ended bool) {
	v.sendMu.Lock()
	defer v.sendMu.Unlock()
	if v.final {
		return true
	}
	st := v.snapshot()
	v.target.Active().Update(v.render(st), map[string]any{}, v.id)
	v.final = st.ended
	return st.ended
}

// run sends an update for each batch, waiting MinInterval after each so that faster
// batches coalesce, until the query ends (after a final update, sent without waiting)
// or the Output closes.
func (v *View) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-v.kick:
		case <-v.q.Done():
		}
		if v.send() {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-v.o.opts.After(v.o.opts.MinInterval):
		case <-v.q.Done():
		}
	}
}

// liveState is what one rendering of a view shows.
type liveState struct {
	name, id    string
	status      string
	ended       bool
	progress    *engine.QueryProgress
	result      *engine.ShownTable
	resultErr   error
	resultBatch int64
	points      []point // a chart's
	chartErr    error
}

func (v *View) snapshot() liveState {
	st := liveState{name: v.q.Name(), id: v.q.ID()}
	// Done is read first: every batch the query ran was observed before it closed.
	select {
	case <-v.q.Done():
		st.ended = true
	default:
	}
	v.mu.Lock()
	st.ended = st.ended || v.ended
	endErr := v.endErr
	st.progress, st.resultBatch = v.progress, v.resultBatch
	result := v.result
	if v.chart != nil {
		st.points = append([]point(nil), v.chart.points...)
		st.chartErr = v.chart.err
	}
	v.mu.Unlock()
	err := v.q.Exception()
	if err == nil {
		err = endErr
	}
	switch {
	case st.ended && err != nil:
		st.status = "Failed: " + err.Error()
	case st.ended:
		st.status = "Stopped"
	default:
		st.status = v.q.Status().Message
	}
	if result != nil && v.chart == nil {
		st.result, st.resultErr = result.ShowCells(20, 20)
	}
	return st
}

func (v *View) bundle() map[string]any { return v.render(v.snapshot()) }

func (v *View) render(st liveState) map[string]any {
	if v.chart != nil {
		return v.chart.bundle(st)
	}
	return liveBundle(st)
}

// liveFields are the progress figures of a state, as shown: "-" when unknown.
func liveFields(st liveState) (batch, input, processed, watermark, stateRows string) {
	batch, input, processed, watermark, stateRows = "-", "-", "-", "-", "-"
	p := st.progress
	if p == nil {
		return
	}
	batch = strconv.FormatInt(p.BatchID, 10)
	input, processed = formatRate(p.InputRowsPerSecond), formatRate(p.ProcessedRowsPerSecond)
	if wm, ok := p.EventTime["watermark"]; ok {
		watermark = wm
	}
	if len(p.StateOperators) > 0 {
		var n int64
		for _, op := range p.StateOperators {
			n += op.NumRowsTotal
		}
		stateRows = strconv.FormatInt(n, 10)
	}
	return
}

func formatRate(r float64) string {
	if math.IsNaN(r) || math.IsInf(r, 0) {
		return "-"
	}
	return strconv.FormatFloat(r, 'f', 1, 64)
}

func queryName(name string) string {
	if name == "" {
		return "(unnamed)"
	}
	return name
}

// liveBundle renders a live table view as HTML and text.
func liveBundle(st liveState) map[string]any {
	batch, input, processed, watermark, stateRows := liveFields(st)

	var t strings.Builder
	fmt.Fprintf(&t, "Query: %s  id: %s\nStatus: %s\n", queryName(st.name), st.id, st.status)
	fmt.Fprintf(&t, "Batch: %s  Input: %s rows/s  Processed: %s rows/s  Watermark: %s  State rows: %s\n",
		batch, input, processed, watermark, stateRows)

	var h strings.Builder
	fmt.Fprintf(&h, "<div class=\"runnel-live\" data-query-id=\"%s\">\n", html.EscapeString(st.id))
	fmt.Fprintf(&h, "<p><b>Query</b> %s &middot; <b>id</b> <code>%s</code> &middot; <b>status</b> <span class=\"runnel-status\">%s</span></p>\n",
		html.EscapeString(queryName(st.name)), html.EscapeString(st.id), html.EscapeString(st.status))
	h.WriteString("<table border='1' class=\"runnel-progress\">\n<tr><th>batch</th><th>input rows/s</th><th>processed rows/s</th><th>watermark</th><th>state rows</th></tr>\n")
	fmt.Fprintf(&h, "<tr><td class=\"runnel-batch\">%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>\n</table>\n",
		batch, input, processed, html.EscapeString(watermark), stateRows)

	switch {
	case st.resultErr != nil:
		fmt.Fprintf(&t, "Result: %v\n", st.resultErr)
		fmt.Fprintf(&h, "<p class=\"runnel-error\">%s</p>\n", html.EscapeString(st.resultErr.Error()))
	case st.result == nil:
		t.WriteString("Result: no batch yet\n")
		h.WriteString("<p><i>no batch yet</i></p>\n")
	default:
		fmt.Fprintf(&t, "Result of batch %d:\n%s", st.resultBatch, st.result.Text)
		fmt.Fprintf(&h, "<p>Result of batch %d:</p>\n", st.resultBatch)
		writeHTMLTable(&h, st.result)
	}
	h.WriteString("</div>\n")
	return map[string]any{"text/html": h.String(), "text/plain": t.String()}
}
