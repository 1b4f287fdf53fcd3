package display

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/runnel-go/runnel/engine"
	F "github.com/runnel-go/runnel/engine/functions"
	T "github.com/runnel-go/runnel/engine/types"
)

func newSession(t testing.TB) *engine.Session {
	t.Helper()
	s := engine.NewSession()
	s.Conf().Set("spark.sql.session.timeZone", "UTC")
	t.Cleanup(s.Stop)
	return s
}

func TestTableHTMLAndText(t *testing.T) {
	s := newSession(t)
	df := s.CreateDataFrame([][]any{{"<b>Li & Lei</b>", 12}, {`"Lily's"`, 15}, {"Andy", 17}}, "name<", "age")
	tbl, err := Table(df, 2)
	if err != nil {
		t.Fatal(err)
	}
	wantHTML := "<table border='1'>\n" +
		"<tr><th>name&lt;</th><th>age</th></tr>\n" +
		"<tr><td>&lt;b&gt;Li &amp; Lei&lt;/b&gt;</td><td>12</td></tr>\n" +
		"<tr><td>&#34;Lily&#39;s&#34;</td><td>15</td></tr>\n" +
		"</table>\n" +
		"only showing top 2 rows\n"
	if got := tbl.HTML(); got != wantHTML {
		t.Errorf("HTML:\n%s\nwant:\n%s", got, wantHTML)
	}
	wantText := "+---------------+---+\n" +
		"|          name<|age|\n" +
		"+---------------+---+\n" +
		"|<b>Li & Lei</b>| 12|\n" +
		"|       \"Lily's\"| 15|\n" +
		"+---------------+---+\n" +
		"only showing top 2 rows\n"
	if got := tbl.Text(); got != wantText {
		t.Errorf("Text:\n%s\nwant:\n%s", got, wantText)
	}
	b := tbl.MIMEBundle()
	if b["text/html"] != wantHTML || b["text/plain"] != wantText || len(b) != 2 {
		t.Errorf("bundle %v", b)
	}
}

// A table with all its rows has no footer, and one shown row says "row".
func TestTableFooter(t *testing.T) {
	s := newSession(t)
	df := s.CreateDataFrame([][]any{{1}, {2}}, "n")
	all, err := Table(df)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := all.HTML(), "<table border='1'>\n<tr><th>n</th></tr>\n<tr><td>1</td></tr>\n<tr><td>2</td></tr>\n</table>\n"; got != want {
		t.Errorf("HTML %q, want %q", got, want)
	}
	one, err := Table(df, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(one.HTML(), "</table>\nonly showing top 1 row\n") {
		t.Errorf("HTML %q", one.HTML())
	}
}

func TestTableErrors(t *testing.T) {
	s := newSession(t)
	stream := s.ReadStream().Format("rate").Load()
	if _, err := Table(stream); !errors.Is(err, ErrStreaming) {
		t.Errorf("streaming DataFrame: %v, want ErrStreaming", err)
	}
	bad := s.CreateDataFrame([][]any{{1}}, "n").Select("nope")
	if _, err := Table(bad); err == nil || err.Error() != bad.Err().Error() {
		t.Errorf("bad DataFrame: %v, want %v", err, bad.Err())
	}
	o := New(Options{})
	b, ok := o.Render(stream)
	if !ok || !strings.Contains(b["text/plain"].(string), "streaming DataFrame") {
		t.Errorf("Render(streaming) = %v, %v", b, ok)
	}
}

func TestRender(t *testing.T) {
	s := newSession(t)
	o := New(Options{})
	df := s.CreateDataFrame([][]any{{"a"}}, "x")
	b, ok := o.Render(df)
	want := "<table border='1'>\n<tr><th>x</th></tr>\n<tr><td>a</td></tr>\n</table>\n"
	if !ok || b["text/html"] != want || b["text/plain"] != "+---+\n|  x|\n+---+\n|  a|\n+---+\n" {
		t.Errorf("Render(df) = %q, %v", b, ok)
	}
	if b, ok := o.Render(HTML("<i>x</i>")); !ok || b["text/html"] != "<i>x</i>" {
		t.Errorf("Render(HTML) = %v, %v", b, ok)
	}
	if _, ok := o.Render(42); ok {
		t.Error("Render(42) must fall back to the kernel's text")
	}
}

// recorder is a Target that records what it is sent; its Active is another recorder
// (the executing cell), as a kernel's is while another cell runs.
type recorder struct {
	name   string
	active *recorder
	mu     sync.Mutex
	msgs   []msg
	sent   chan msg
}

type msg struct {
	kind, target, id string
	data             map[string]any
}

func newRecorder(name string) *recorder { return &recorder{name: name, sent: make(chan msg, 100)} }

func (r *recorder) record(kind string, data map[string]any, id string) {
	m := msg{kind: kind, target: r.name, id: id, data: data}
	r.mu.Lock()
	r.msgs = append(r.msgs, m)
	r.mu.Unlock()
	r.sent <- m
}

func (r *recorder) Display(data, _ map[string]any, id string) { r.record("display", data, id) }
func (r *recorder) Update(data, _ map[string]any, id string)  { r.record("update", data, id) }
func (r *recorder) Clear(wait bool)                           { r.record("clear", nil, "") }
func (r *recorder) Active() Target {
	if r.active != nil {
		return r.active
	}
	return r
}

func (r *recorder) next(t *testing.T) msg {
	t.Helper()
	select {
	case m := <-r.sent:
		return m
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: nothing sent", r.name)
		return msg{}
	}
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.msgs)
}

// fakeQuery is a query whose batches and end the test makes.
type fakeQuery struct {
	done      chan struct{}
	mu        sync.Mutex
	listeners map[int]func(engine.QueryEvent)
	nextID    int
	err       error
	// what LastProgress and LastResult give
	lastProgress *engine.QueryProgress
	lastResult   *engine.DataFrame
	lastBatch    int64
}

func newFakeQuery() *fakeQuery {
	return &fakeQuery{done: make(chan struct{}), listeners: map[int]func(engine.QueryEvent){}}
}

func (q *fakeQuery) ID() string   { return "id-1" }
func (q *fakeQuery) Name() string { return "prices" }
func (q *fakeQuery) Status() engine.QueryStatus {
	return engine.QueryStatus{Message: "Waiting for data to arrive"}
}
func (q *fakeQuery) Exception() error      { return q.err }
func (q *fakeQuery) Done() <-chan struct{} { return q.done }
func (q *fakeQuery) stop(err error)        { q.err = err; close(q.done) }
func (q *fakeQuery) LastProgress() *engine.QueryProgress {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.lastProgress
}
func (q *fakeQuery) LastResult() (*engine.DataFrame, int64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.lastResult, q.lastBatch
}

// terminate ends the query as the engine does: the terminated event (on the query's
// goroutine, here the test's), then Done.
func (q *fakeQuery) terminate(err error) {
	q.err = err
	for _, l := range q.listenersNow() {
		l(engine.QueryEvent{Kind: "terminated", Err: err})
	}
	close(q.done)
}

func (q *fakeQuery) listenersNow() []func(engine.QueryEvent) {
	q.mu.Lock()
	defer q.mu.Unlock()
	ls := make([]func(engine.QueryEvent), 0, len(q.listeners))
	for _, l := range q.listeners {
		ls = append(ls, l)
	}
	return ls
}
func (q *fakeQuery) listenerCount() int { q.mu.Lock(); defer q.mu.Unlock(); return len(q.listeners) }
func (q *fakeQuery) AddListener(fn func(engine.QueryEvent)) func() {
	q.mu.Lock()
	defer q.mu.Unlock()
	id := q.nextID
	q.nextID++
	q.listeners[id] = fn
	return func() {
		q.mu.Lock()
		defer q.mu.Unlock()
		delete(q.listeners, id)
	}
}

func (q *fakeQuery) batch(id int64, result *engine.DataFrame) {
	ls := q.listenersNow()
	p := &engine.QueryProgress{BatchID: id, NumInputRows: 10, InputRowsPerSecond: 2.5, ProcessedRowsPerSecond: 100,
		EventTime:      map[string]string{"watermark": "2024-01-01T10:00:00.000Z"},
		StateOperators: []engine.StateOperatorProgress{{NumRowsTotal: 3}, {NumRowsTotal: 4}}}
	for _, l := range ls {
		l(engine.QueryEvent{Kind: "progress", Progress: p, Result: result})
	}
}

// fakeClock is Options.After: each call hands the test a channel to fire.
type fakeClock struct{ calls chan chan time.Time }

func (c *fakeClock) after(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	c.calls <- ch
	return ch
}

func (c *fakeClock) waitCall(t *testing.T) chan time.Time {
	t.Helper()
	select {
	case ch := <-c.calls:
		return ch
	case <-time.After(10 * time.Second):
		t.Fatal("the updater never waited")
		return nil
	}
}

func batchOf(m msg) string {
	s := m.data["text/plain"].(string)
	_, rest, _ := strings.Cut(s, "Batch: ")
	b, _, _ := strings.Cut(rest, " ")
	return b
}

// Batches that end while the view waits out its interval make one update, with the
// latest; the final state is always sent; updates go to the executing cell.
func TestLiveCoalescing(t *testing.T) {
	s := newSession(t)
	starter, running := newRecorder("starter"), newRecorder("running")
	starter.active = running
	clock := &fakeClock{calls: make(chan chan time.Time, 10)}
	o := New(Options{Target: func() Target { return starter }, After: clock.after})
	defer o.Close()
	q := newFakeQuery()
	v := o.newView(q, nil)
	if _, ok := o.Render(v); !ok {
		t.Fatal("a View renders")
	}
	first := starter.next(t)
	if first.kind != "display" || first.id != v.DisplayID() || batchOf(first) != "-" {
		t.Fatalf("first message %+v", first)
	}

	q.batch(0, s.CreateDataFrame([][]any{{"a", 1}}, "k", "n"))
	if m := running.next(t); m.kind != "update" || m.id != v.DisplayID() || batchOf(m) != "0" {
		t.Fatalf("update %+v", m)
	}
	fire := clock.waitCall(t) // the updater now waits out its interval
	for i := int64(1); i <= 3; i++ {
		q.batch(i, s.CreateDataFrame([][]any{{"a", i + 1}}, "k", "n"))
	}
	if n := running.count(); n != 1 {
		t.Fatalf("%d updates while waiting, want 1", n)
	}
	fire <- time.Time{}
	m := running.next(t)
	if batchOf(m) != "3" || !strings.Contains(m.data["text/plain"].(string), "|  a|  4|") {
		t.Fatalf("coalesced update %q", m.data["text/plain"])
	}
	clock.waitCall(t) <- time.Time{} // nothing new: no update
	q.stop(nil)
	last := running.next(t)
	if !strings.Contains(last.data["text/plain"].(string), "Status: Stopped\nBatch: 3 ") {
		t.Fatalf("final update %q", last.data["text/plain"])
	}
	o.Close() // waits for the updater, which has ended with the query
	if running.count() != 3 || starter.count() != 1 || q.listenerCount() != 0 {
		t.Errorf("updates %d, starter messages %d, listeners left %d", running.count(), starter.count(), q.listenerCount())
	}
}

// Close ends the updater of a query that still runs.
func TestCloseStopsUpdater(t *testing.T) {
	tgt := newRecorder("cell")
	o := New(Options{Target: func() Target { return tgt }})
	q := newFakeQuery()
	v := o.newView(q, nil)
	v.show(tgt)
	tgt.next(t)
	o.Close()
	if q.listenerCount() != 0 {
		t.Error("the listener outlived Close")
	}
	// Shown after Close: displayed once, never followed.
	o.newView(q, nil).show(tgt)
	if tgt.next(t).kind != "display" || q.listenerCount() != 0 {
		t.Error("a view shown after Close must not follow its query")
	}
}

func TestLiveBundle(t *testing.T) {
	s := newSession(t)
	res, err := s.CreateDataFrame([][]any{{"<x>", 2}}, "word", "count").ShowCells(20, 20)
	if err != nil {
		t.Fatal(err)
	}
	st := liveState{name: "a&b", id: "id-1", status: "Processing new data", resultBatch: 7, result: res,
		progress: &engine.QueryProgress{BatchID: 7, InputRowsPerSecond: 12.25, ProcessedRowsPerSecond: math.NaN(),
			StateOperators: []engine.StateOperatorProgress{{NumRowsTotal: 5}}}}
	b := liveBundle(st)
	wantText := "Query: a&b  id: id-1\nStatus: Processing new data\n" +
		"Batch: 7  Input: 12.2 rows/s  Processed: - rows/s  Watermark: -  State rows: 5\n" +
		"Result of batch 7:\n+----+-----+\n|word|count|\n+----+-----+\n| <x>|    2|\n+----+-----+\n"
	if b["text/plain"] != wantText {
		t.Errorf("text:\n%s\nwant:\n%s", b["text/plain"], wantText)
	}
	wantHTML := "<div class=\"runnel-live\" data-query-id=\"id-1\">\n" +
		"<p><b>Query</b> a&amp;b &middot; <b>id</b> <code>id-1</code> &middot; <b>status</b> <span class=\"runnel-status\">Processing new data</span></p>\n" +
		"<table border='1' class=\"runnel-progress\">\n" +
		"<tr><th>batch</th><th>input rows/s</th><th>processed rows/s</th><th>watermark</th><th>state rows</th></tr>\n" +
		"<tr><td class=\"runnel-batch\">7</td><td>12.2</td><td>-</td><td>-</td><td>5</td></tr>\n</table>\n" +
		"<p>Result of batch 7:</p>\n" +
		"<table border='1'>\n<tr><th>word</th><th>count</th></tr>\n<tr><td>&lt;x&gt;</td><td>2</td></tr>\n</table>\n" +
		"</div>\n"
	if b["text/html"] != wantHTML {
		t.Errorf("html:\n%s\nwant:\n%s", b["text/html"], wantHTML)
	}

	empty := liveBundle(liveState{id: "id-2", status: "Failed: boom <1>"})
	if got := empty["text/plain"]; got != "Query: (unnamed)  id: id-2\nStatus: Failed: boom <1>\n"+
		"Batch: -  Input: - rows/s  Processed: - rows/s  Watermark: -  State rows: -\nResult: no batch yet\n" {
		t.Errorf("empty text %q", got)
	}
	if !strings.Contains(empty["text/html"].(string), "<span class=\"runnel-status\">Failed: boom &lt;1&gt;</span>") {
		t.Errorf("empty html %q", empty["text/html"])
	}
}

func ts(s string) time.Time {
	t, err := time.Parse(time.DateTime, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestChartSVG(t *testing.T) {
	s := newSession(t)
	schema := T.NewStructType().Add("start", "timestamp").Add("avg_price", "double")
	c := &chart{x: "start", y: "avg_price"}
	// Out of order, and a later row for 10:00:01 replaces the earlier one.
	c.add(s.CreateDataFrameWithSchema([][]any{{ts("2024-01-01 10:00:02"), 30.0}, {ts("2024-01-01 10:00:01"), 15.0}}, schema))
	c.add(s.CreateDataFrameWithSchema([][]any{{ts("2024-01-01 10:00:01"), 10.0}, {ts("2024-01-01 10:00:00"), nil}}, schema))
	if c.err != nil {
		t.Fatal(c.err)
	}
	st := liveState{name: "<btc>", progress: &engine.QueryProgress{BatchID: 2}, points: c.points}
	b := c.bundle(st)
	want := `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="320" viewBox="0 0 640 320" font-family="sans-serif" font-size="12">
<text x="350" y="20" text-anchor="middle" font-size="14">avg_price by start · &lt;btc&gt; · batch 2</text>
<line x1="80" y1="270" x2="620" y2="270" stroke="#333"/>
<line x1="80" y1="40" x2="80" y2="270" stroke="#333"/>
<text x="350" y="312" text-anchor="middle">start</text>
<text x="16" y="155" text-anchor="middle" transform="rotate(-90 16 155)">avg_price</text>
<text x="76" y="54.5" text-anchor="end">30</text>
<text x="76" y="263.5" text-anchor="end">10</text>
<text x="80" y="286" text-anchor="start">2024-01-01 10:00:01</text>
<text x="620" y="286" text-anchor="end">2024-01-01 10:00:02</text>
<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="80.0,259.5 620.0,50.5"/>
<circle cx="80.0" cy="259.5" r="3" fill="#1f77b4"/>
<circle cx="620.0" cy="50.5" r="3" fill="#1f77b4"/>
</svg>
`
	if got := b["image/svg+xml"]; got != want {
		t.Errorf("svg:\n%s\nwant:\n%s", got, want)
	}
	// nbconvert's HTML export strips the SVG of image/svg+xml: text/html carries it too.
	if got := b["text/html"]; got != want {
		t.Errorf("html:\n%s\nwant:\n%s", got, want)
	}
	if got := b["text/plain"]; got != "avg_price by start · <btc> · batch 2\n2 points, start from 2024-01-01 10:00:01 to 2024-01-01 10:00:02; last avg_price = 30\n" {
		t.Errorf("text %q", got)
	}

	bad := &chart{x: "start", y: "price"}
	bad.add(s.CreateDataFrameWithSchema([][]any{{ts("2024-01-01 10:00:02"), 30.0}}, schema))
	svg := bad.bundle(liveState{chartErr: bad.err})["image/svg+xml"].(string)
	if !strings.Contains(svg, `fill="#b00">display.LineChart: no column &#34;price&#34; in the query&#39;s result (columns: start, avg_price)</text>`) {
		t.Errorf("error svg %s", svg)
	}
}

func TestChartKeepsLastPoints(t *testing.T) {
	c := &chart{}
	for i := maxPoints + 9; i >= 0; i-- {
		c.put(point{x: float64(i), y: 1})
	}
	if len(c.points) != maxPoints || c.points[0].x != 10 || c.points[maxPoints-1].x != maxPoints+9 {
		t.Errorf("kept %d points from %v to %v", len(c.points), c.points[0].x, c.points[len(c.points)-1].x)
	}
}

// numbersQuery starts a query counting the numbers of the text files written with the
// returned function (complete mode, to memory).
func numbersQuery(t *testing.T) (*engine.StreamingQuery, func(name, text string)) {
	t.Helper()
	s := newSession(t)
	dir := t.TempDir()
	// Files are written aside and renamed: the source must not see one empty.
	write := func(name, text string) {
		t.Helper()
		aside := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(aside, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(aside, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	write("1.txt", "1\n2\n1\n")
	lines := s.ReadStream().Format("text").Load(dir)
	q, err := lines.SelectExpr("cast(value as int) as n").GroupBy("n").Count().
		WriteStream().OutputMode("complete").Format("memory").QueryName("numbers").Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Stop() })
	return q, write
}

// sentNow is what r has recorded so far, without waiting.
func (r *recorder) sentNow() []msg {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]msg(nil), r.msgs...)
}

// lastTexts is the text of the last message of each display id.
func lastTexts(ms []msg) map[string]string {
	last := map[string]string{}
	for _, m := range ms {
		last[m.id] = m.data["text/plain"].(string)
	}
	return last
}

// The final state of the numbers query after its batches 0 (1, 2, 1) and 1 (2, 3).
func checkFinalNumbers(t *testing.T, q *engine.StreamingQuery, view, chart string) {
	t.Helper()
	if !strings.HasPrefix(view, "Query: numbers  id: "+q.ID()+"\nStatus: Stopped\nBatch: 1 ") {
		t.Errorf("final view:\n%s", view)
	}
	// complete mode: the rows' order is the aggregation's
	for _, row := range []string{"|  1|    2|", "|  2|    2|", "|  3|    1|"} {
		if !strings.Contains(view, row) {
			t.Errorf("final view lacks %s:\n%s", row, view)
		}
	}
	if want := "count by n · numbers · batch 1 · Stopped\n3 points, n from 1 to 3; last count = 1\n"; chart != want {
		t.Errorf("final chart %q, want %q", chart, want)
	}
}

// A real query: the view follows its batches and shows how it ended, before Stop
// returns (from the query's terminated event), so that the cell calling Stop gets it.
func TestLiveRealQuery(t *testing.T) {
	q, write := numbersQuery(t)
	tgt := newRecorder("cell")
	o := New(Options{Target: func() Target { return tgt }})
	defer o.Close()
	chartView, err := o.LineChart(q, "n", "count")
	if err != nil {
		t.Fatal(err)
	}
	view, err := o.Live(q)
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Display(view); err != nil {
		t.Fatal(err)
	}
	if err := o.Display(chartView); err != nil {
		t.Fatal(err)
	}
	if err := q.ProcessAllAvailable(); err != nil {
		t.Fatal(err)
	}
	write("2.txt", "2\n3\n")
	if err := q.ProcessAllAvailable(); err != nil {
		t.Fatal(err)
	}
	if err := q.Stop(); err != nil {
		t.Fatal(err)
	}
	sent := tgt.sentNow()
	last := lastTexts(sent)
	checkFinalNumbers(t, q, last[view.DisplayID()], last[chartView.DisplayID()])
	o.Close()
	if n := tgt.count(); n != len(sent) {
		t.Errorf("%d messages after Stop returned, want none", n-len(sent))
	}
}

// A view of a query that has run batches starts from its latest progress and result.
func TestLiveOfQueryThatRan(t *testing.T) {
	q, write := numbersQuery(t)
	if err := q.ProcessAllAvailable(); err != nil {
		t.Fatal(err)
	}
	write("2.txt", "2\n3\n")
	if err := q.ProcessAllAvailable(); err != nil {
		t.Fatal(err)
	}
	tgt := newRecorder("cell")
	o := New(Options{Target: func() Target { return tgt }})
	defer o.Close()
	view, err := o.Live(q)
	if err != nil {
		t.Fatal(err)
	}
	chartView, err := o.LineChart(q, "n", "count")
	if err != nil {
		t.Fatal(err)
	}
	// As a cell's last value: a StreamingQuery is shown as a live view.
	if b, ok := o.Render(q); !ok || b != nil {
		t.Fatalf("Render(query) = %v, %v", b, ok)
	}
	if err := o.Display(view); err != nil {
		t.Fatal(err)
	}
	if err := o.Display(chartView); err != nil {
		t.Fatal(err)
	}
	shown := tgt.sentNow()
	if len(shown) != 3 {
		t.Fatalf("%d messages, want 3 displays", len(shown))
	}
	for _, m := range shown[:2] {
		text := m.data["text/plain"].(string)
		if m.kind != "display" || !strings.Contains(text, "\nBatch: 1  Input: ") ||
			!strings.Contains(text, "\nResult of batch 1:\n") || !strings.Contains(text, "|  3|    1|") {
			t.Errorf("shown %s:\n%s", m.kind, text)
		}
	}
	if got, want := shown[2].data["text/plain"], "count by n · numbers · batch 1\n3 points, n from 1 to 3; last count = 1\n"; got != want {
		t.Errorf("chart %q, want %q", got, want)
	}
	if err := q.Stop(); err != nil {
		t.Fatal(err)
	}
	last := lastTexts(tgt.sentNow())
	checkFinalNumbers(t, q, last[view.DisplayID()], last[chartView.DisplayID()])
}

// The end of a query is sent at once from its terminated event, before the query's
// Stop returns: not after the updater has waited out its interval.
func TestLiveFinalUpdateAtOnce(t *testing.T) {
	s := newSession(t)
	starter, running := newRecorder("starter"), newRecorder("running")
	starter.active = running
	clock := &fakeClock{calls: make(chan chan time.Time, 10)}
	o := New(Options{Target: func() Target { return starter }, After: clock.after})
	defer o.Close()
	q := newFakeQuery()
	v := o.newView(q, nil)
	if _, ok := o.Render(v); !ok {
		t.Fatal("a View renders")
	}
	starter.next(t)
	q.batch(0, s.CreateDataFrame([][]any{{"a", 1}}, "k", "n"))
	if m := running.next(t); batchOf(m) != "0" {
		t.Fatalf("update %+v", m)
	}
	clock.waitCall(t) // the updater waits out its interval: the clock never fires
	q.terminate(errors.New("boom"))
	sent := running.sentNow()
	if len(sent) != 2 {
		t.Fatalf("%d updates when the query had ended, want 2", len(sent))
	}
	if text := sent[1].data["text/plain"].(string); sent[1].kind != "update" ||
		!strings.Contains(text, "Status: Failed: boom\nBatch: 0 ") || !strings.Contains(text, "|  a|  1|") {
		t.Errorf("final update %s %q", sent[1].kind, text)
	}
	o.Close() // the updater has ended with the query
	if running.count() != 2 || starter.count() != 1 || q.listenerCount() != 0 {
		t.Errorf("updates %d, starter messages %d, listeners left %d", running.count(), starter.count(), q.listenerCount())
	}
}

// A view shown before a query's first batch says so; one of a fake query with batches
// behind it starts from them.
func TestLiveSeed(t *testing.T) {
	s := newSession(t)
	tgt := newRecorder("cell")
	o := New(Options{Target: func() Target { return tgt }})
	defer o.Close()
	q := newFakeQuery()
	q.lastProgress = &engine.QueryProgress{BatchID: 4, InputRowsPerSecond: 1, ProcessedRowsPerSecond: 2}
	q.lastResult, q.lastBatch = s.CreateDataFrame([][]any{{"b", 7}}, "k", "n"), 4
	o.newView(q, nil).show(tgt)
	text := tgt.next(t).data["text/plain"].(string)
	if want := "Query: prices  id: id-1\nStatus: Waiting for data to arrive\n" +
		"Batch: 4  Input: 1.0 rows/s  Processed: 2.0 rows/s  Watermark: -  State rows: -\n" +
		"Result of batch 4:\n+---+---+\n|  k|  n|\n+---+---+\n|  b|  7|\n+---+---+\n"; text != want {
		t.Errorf("shown:\n%s\nwant:\n%s", text, want)
	}
}

// The dashboard's chart: average price per 1-second window against the window's start.
func TestChartOfWindows(t *testing.T) {
	s := newSession(t)
	schema := T.NewStructType().Add("dt", "timestamp").Add("price", "double")
	trades := s.CreateDataFrameWithSchema([][]any{
		{ts("2024-01-01 10:00:01"), 30.0}, {ts("2024-01-01 10:00:00"), 10.0},
		{ts("2024-01-01 10:00:00"), 20.0}, {ts("2024-01-01 10:00:01"), 50.0},
	}, schema)
	avg := trades.GroupBy(F.Window(trades.Col("dt"), "1 second")).Agg(F.Avg("price").Alias("avg_price")).
		SelectExpr("window.start as start", "avg_price")
	c := &chart{x: "start", y: "avg_price"}
	c.add(avg)
	if c.err != nil {
		t.Fatal(c.err)
	}
	got := c.bundle(liveState{name: "btc", points: c.points})["text/plain"]
	if want := "avg_price by start · btc\n2 points, start from 2024-01-01 10:00:00 to 2024-01-01 10:00:01; last avg_price = 40\n"; got != want {
		t.Errorf("chart text %q, want %q", got, want)
	}
}

// A query that has ended is shown once, in its final state, with nothing to follow.
func TestLiveOfEndedQuery(t *testing.T) {
	tgt := newRecorder("cell")
	o := New(Options{Target: func() Target { return tgt }})
	defer o.Close()
	q := newFakeQuery()
	q.stop(errors.New("boom"))
	v := o.newView(q, nil)
	if err := o.Display(v); err != nil {
		t.Fatal(err)
	}
	o.Close()
	if m := tgt.next(t); m.kind != "display" || !strings.Contains(m.data["text/plain"].(string), "Status: Failed: boom\n") {
		t.Errorf("shown %+v", m)
	}
	if tgt.count() != 1 || q.listenerCount() != 0 {
		t.Errorf("%d messages, %d listeners", tgt.count(), q.listenerCount())
	}
}
