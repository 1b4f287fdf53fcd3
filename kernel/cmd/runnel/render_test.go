package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/runnel-go/runnel/kernel"
	"github.com/runnel-go/runnel/magics"
)

// pubLog is a kernel.Publisher that records every message; its Active is the
// publisher of the cell executing now, as the kernel's is.
type pubLog struct {
	name string
	k    *fakeKernel
	mu   sync.Mutex
	msgs []pubMsg
	sent chan pubMsg
}

type pubMsg struct {
	kind, id, cell string
	data           kernel.MIMEBundle
	text           string
}

// fakeKernel knows which cell executes.
type fakeKernel struct {
	mu      sync.Mutex
	running *pubLog
}

func (k *fakeKernel) newPub(name string) *pubLog {
	return &pubLog{name: name, k: k, sent: make(chan pubMsg, 1000)}
}

func (p *pubLog) add(m pubMsg) {
	m.cell = p.name
	p.mu.Lock()
	p.msgs = append(p.msgs, m)
	p.mu.Unlock()
	p.sent <- m
}

func (p *pubLog) Stream(name, text string) { p.add(pubMsg{kind: "stream", text: text}) }
func (p *pubLog) Display(data kernel.MIMEBundle, md map[string]any, id string) {
	p.add(pubMsg{kind: "display", id: id, data: data})
}
func (p *pubLog) UpdateDisplay(data kernel.MIMEBundle, md map[string]any, id string) {
	p.add(pubMsg{kind: "update", id: id, data: data})
}
func (p *pubLog) ClearOutput(wait bool) { p.add(pubMsg{kind: "clear"}) }
func (p *pubLog) Input(ctx context.Context, prompt string, password bool) (string, error) {
	return "", kernel.ErrStdinNotAllowed
}
func (p *pubLog) Active() kernel.Publisher {
	p.k.mu.Lock()
	defer p.k.mu.Unlock()
	if p.k.running != nil {
		return p.k.running
	}
	return p
}

// next waits for p's next message of kind.
func (p *pubLog) next(t *testing.T, kind string) pubMsg {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case m := <-p.sent:
			if m.kind == kind {
				return m
			}
		case <-timeout:
			t.Fatalf("cell %s: no %s message", p.name, kind)
		}
	}
}

type displaySession struct {
	t *testing.T
	k *fakeKernel
	s kernel.Handler
	n int
}

func startDisplaySession(t *testing.T) *displaySession {
	t.Helper()
	s, closeDisplay, err := newSession(magics.New())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Shutdown(false); closeDisplay() })
	return &displaySession{t: t, k: &fakeKernel{}, s: s}
}

// exec runs a cell under pub, which is the executing publisher meanwhile.
func (d *displaySession) exec(pub *pubLog, code string) kernel.ExecuteResult {
	d.t.Helper()
	d.n++
	d.k.mu.Lock()
	d.k.running = pub
	d.k.mu.Unlock()
	res := d.s.Execute(context.Background(), kernel.ExecuteRequest{Code: code, ExecutionCount: d.n}, pub)
	d.k.mu.Lock()
	d.k.running = nil
	d.k.mu.Unlock()
	if res.Status != "ok" {
		d.t.Fatalf("cell %q: %s: %s", code, res.Ename, res.Evalue)
	}
	return res
}

const tableHTML = "<table border='1'>\n<tr><th>word</th><th>count</th></tr>\n<tr><td>a</td><td>1</td></tr>\n<tr><td>b</td><td>2</td></tr>\n</table>\n"
const tableText = "+----+-----+\n|word|count|\n+----+-----+\n|   a|    1|\n|   b|    2|\n+----+-----+\n"

// A DataFrame as a cell's value and Show in a cell give the HTML table with Spark's text.
func TestDataFrameRendering(t *testing.T) {
	d := startDisplaySession(t)
	d.exec(d.k.newPub("prelude"), prelude+"\ncounts := words.GroupBy(\"word\").Count().OrderBy(\"word\")")
	res := d.exec(d.k.newPub("value"), "counts")
	if res.Data["text/html"] != tableHTML || res.Data["text/plain"] != tableText {
		t.Errorf("value rendered as %q", res.Data)
	}
	show := d.k.newPub("show")
	d.exec(show, "counts.Show()")
	show.mu.Lock()
	msgs := show.msgs
	show.mu.Unlock()
	if len(msgs) != 1 || msgs[0].kind != "display" || msgs[0].data["text/html"] != tableHTML || msgs[0].data["text/plain"] != tableText+"\n" {
		t.Errorf("Show sent %+v", msgs)
	}
	res = d.exec(d.k.newPub("table"), "import \"github.com/runnel-go/runnel/display\"\ndisplay.Table(counts, 1)")
	if !strings.HasSuffix(res.Data["text/html"].(string), "</table>\nonly showing top 1 row\n") {
		t.Errorf("display.Table rendered as %q", res.Data)
	}
	stream := d.k.newPub("stream")
	res = d.exec(stream, "spark.ReadStream().Format(\"rate\").Load()")
	if !strings.Contains(res.Data["text/plain"].(string), "streaming DataFrame") {
		t.Errorf("a streaming DataFrame rendered as %q", res.Data)
	}
	clear := d.k.newPub("clear")
	d.exec(clear, "display.Display(display.HTML(\"<b>x</b>\"))\ndisplay.ClearOutput(true)")
	if m := clear.next(t, "display"); m.data["text/html"] != "<b>x</b>" {
		t.Errorf("display.Display sent %+v", m)
	}
	clear.next(t, "clear")
}

// A query started in cell A sends its ForeachBatch output (text and Show's table) to A
// while cell B runs; its live view, shown in cell C, is updated through the executing
// cell (B while it runs) and ends with a final update.
func TestQueryOutputRouting(t *testing.T) {
	d := startDisplaySession(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "1.txt"), []byte("a b\nb\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	d.exec(d.k.newPub("prelude"), prelude)
	a := d.k.newPub("A")
	d.exec(a, `lines := spark.ReadStream().Format("text").Load(`+"`"+dir+"`"+`)
counts := lines.Select(F.Explode(F.Split(lines.Col("value"), " ")).Alias("word")).GroupBy("word").Count()
q, err := counts.WriteStream().OutputMode("complete").QueryName("wc").ForeachBatch(func(df *engine.DataFrame, id int64) error {
	fmt.Println("Batch:", id)
	return df.OrderBy("word").Show()
}).Start()`)
	if m := a.next(t, "stream"); m.text != "Batch: 0\n" {
		t.Errorf("A got %q", m.text)
	}
	if m := a.next(t, "display"); m.data["text/plain"] != tableText+"\n" {
		t.Errorf("A got %+v", m)
	}
	c := d.k.newPub("C")
	res := d.exec(c, "q")
	if res.Data != nil {
		t.Errorf("a query as a value makes no execute_result, got %v", res.Data)
	}
	live := c.next(t, "display")
	if live.id == "" || !strings.Contains(live.data["text/html"].(string), `class="runnel-live"`) {
		t.Fatalf("live view %+v", live)
	}

	// display.Live and display.LineChart as a cell's value: shown with their own ids.
	views := d.k.newPub("views")
	if res := d.exec(views, "import \"github.com/runnel-go/runnel/display\"\ndisplay.Live(q)"); res.Data != nil {
		t.Errorf("display.Live(q) made an execute_result %v", res.Data)
	}
	if m := views.next(t, "display"); m.id == "" || m.id == live.id || !strings.Contains(m.data["text/plain"].(string), "Query: wc") {
		t.Errorf("display.Live sent %+v", m)
	}
	d.exec(views, "display.LineChart(q, \"count\", \"count\")")
	if m := views.next(t, "display"); m.id == "" || !strings.HasPrefix(m.data["image/svg+xml"].(string), "<svg ") {
		t.Errorf("display.LineChart sent %+v", m)
	}

	// (yaegi cannot compile "_, err := f()" in a top-level loop: a function does it)
	d.exec(d.k.newPub("helper"), "import (\"os\"; \"time\")\nfunc exists(path string) bool { _, err := os.Stat(path); return err == nil }")
	b := d.k.newPub("B")
	stop := filepath.Join(t.TempDir(), "stop")
	done := make(chan struct{})
	go func() {
		defer close(done)
		d.exec(b, `fmt.Println("B running")
for i := 0; i < 400 && !exists(`+"`"+stop+"`"+`); i++ {
	time.Sleep(25 * time.Millisecond)
}
q.Stop()`)
	}()
	// Batch 1 must end while B runs.
	if m := b.next(t, "stream"); m.text != "B running\n" {
		t.Fatalf("B printed %q", m.text)
	}
	// Written aside and renamed: the source must not see the file empty.
	aside := filepath.Join(t.TempDir(), "2.txt")
	if err := os.WriteFile(aside, []byte("c\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(aside, filepath.Join(dir, "2.txt")); err != nil {
		t.Fatal(err)
	}
	if m := a.next(t, "stream"); m.text != "Batch: 1\n" {
		t.Errorf("A got %q", m.text)
	}
	a.next(t, "display")
	// Each view (this one, display.Live's and the chart) is updated through B.
	up := b.next(t, "update")
	for up.id != live.id || !strings.Contains(up.data["text/plain"].(string), "Batch: 1 ") {
		up = b.next(t, "update")
	}
	if !strings.Contains(up.data["text/plain"].(string), "|   c|    1|") {
		t.Errorf("update through B: %+v", up)
	}
	if err := os.WriteFile(stop, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	<-done
	// The final update arrives through B if it still ran, else through C.
	final := false
	for !final {
		select {
		case m := <-b.sent:
			final = m.kind == "update" && strings.Contains(m.data["text/plain"].(string), "Status: Stopped")
		case m := <-c.sent:
			final = m.kind == "update" && strings.Contains(m.data["text/plain"].(string), "Status: Stopped")
		case <-time.After(20 * time.Second):
			t.Fatal("no final update")
		}
	}
	// B got only updates and its own line: the query's output stayed in A.
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, m := range b.msgs {
		if m.kind != "update" && m.text != "B running\n" {
			t.Errorf("B got %+v", m)
		}
	}
}
