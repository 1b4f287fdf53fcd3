package main

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/runnel-go/runnel/kernel"
	"github.com/runnel-go/runnel/kernel/interp"
)

// A ForeachBatch function that loops for ever, started by a cell that has finished
// (issue 8.2): a later cell's Stop and an interrupt of the idle kernel both end it.

const spinQuery = `import (
	"fmt"
	"time"
	"github.com/runnel-go/runnel/engine"
)
spark := engine.NewSession()
spark.Conf().Set("spark.sql.streaming.stopTimeout", "3000")
entered := make(chan bool, 1)
spins := 0
rate := spark.ReadStream().Format("rate").Option("rowsPerSecond", 10).Load()
spin, err := rate.WriteStream().ForeachBatch(func(d *engine.DataFrame, id int64) error {
	select {
	case entered <- true:
	default:
	}
	for {
		spins++
	}
}).Start()
err`

// waitSpinning runs cells until the batch function has started to loop.
func waitSpinning(t *testing.T, is *interpSession) {
	t.Helper()
	if _, out := is.run(`<-entered; "looping"`); out != "" {
		t.Fatalf("waiting cell printed %q", out)
	}
}

// stillCounting tells whether the loop still runs: spins grows within 200 ms.
func stillCounting(t *testing.T, is *interpSession) bool {
	t.Helper()
	res, _ := is.run(`a := spins; time.Sleep(200 * time.Millisecond); spins != a`)
	return res.Data["text/plain"] == "true"
}

func TestStopEndsLoopingForeachBatch(t *testing.T) {
	is := startSession(t)
	is.run(spinQuery)
	waitSpinning(t, is)
	if !stillCounting(t, is) {
		t.Fatal("the batch function is not looping")
	}
	// Without the kernel's help Stop would return Spark's timeout error after 3 s and
	// the query would stay active.
	res, out := is.run(`fmt.Println(spin.Stop(), spin.IsActive(), spin.Exception())`)
	if out != "<nil> false <nil>\n" {
		t.Fatalf("Stop, IsActive, Exception printed %q (result %v)", out, res.Data)
	}
	if stillCounting(t, is) {
		t.Error("the batch function still loops after Stop")
	}
	// A batch function asleep ends too.
	is.run(`napping := make(chan bool, 1)
nap, err := rate.WriteStream().ForeachBatch(func(d *engine.DataFrame, id int64) error {
	napping <- true
	time.Sleep(time.Hour)
	return nil
}).Start()
err`)
	_, out = is.run(`<-napping; fmt.Println(nap.Stop(), nap.IsActive(), nap.Exception())`)
	if out != "<nil> false <nil>\n" {
		t.Errorf("Stop of a sleeping batch function: Stop, IsActive, Exception printed %q", out)
	}
	assertUsable(t, is)
}

func TestIdleInterruptEndsLoopingForeachBatch(t *testing.T) {
	is := startSession(t)
	rec := runRecorded(t, is, spinQuery)
	waitSpinning(t, is)
	// An interrupt_request that finds no cell running: the cell that started the
	// query is told at once why the query fails.
	is.s.(*interp.Session).InterruptIdle()
	if got := rec.String(); got != "kernel: interrupt: stopping a callback of a query started by this cell; the query fails\n" {
		t.Errorf("the starting cell got %q", got)
	}
	_, out := is.run(`ended, err := spin.AwaitTerminationTimeout(10 * time.Second)
fmt.Println(ended, err != nil, spin.IsActive())
fmt.Println(spin.Exception())`)
	if !strings.HasPrefix(out, "true true false\n") || !strings.HasSuffix(out, "panic in foreachBatch function: interrupted\n") {
		t.Fatalf("after the interrupt the query printed %q", out)
	}
	if stillCounting(t, is) {
		t.Error("the batch function still loops after the interrupt")
	}
	assertUsable(t, is)
}

// assertUsable runs a new query with a ForeachBatch function until its first batch.
func assertUsable(t *testing.T, is *interpSession) {
	t.Helper()
	_, out := is.run(`
got := make(chan int64, 1)
ok, err := rate.WriteStream().ForeachBatch(func(d *engine.DataFrame, id int64) error {
	for i := 0; i < 3; i++ {
	}
	select {
	case got <- id:
	default:
	}
	return nil
}).Start()
fmt.Println(err, <-got, ok.Stop(), ok.IsActive(), ok.Exception())`)
	if out != "<nil> 0 <nil> false <nil>\n" {
		t.Errorf("a new query after the stop printed %q", out)
	}
}

// runRecorded runs a cell and returns its publisher, which keeps what the cell's
// queries print after it ended.
func runRecorded(t *testing.T, is *interpSession, code string) *recorder {
	t.Helper()
	is.n++
	rec := &recorder{}
	res := is.s.Execute(context.Background(), kernel.ExecuteRequest{Code: code, StoreHistory: true, ExecutionCount: is.n}, rec)
	if res.Status == "error" {
		t.Fatalf("cell %q: %s: %s", code, res.Ename, res.Evalue)
	}
	return rec
}

// signaller is a recorder that tells when a cell printed a text.
type signaller struct {
	recorder
	text string
	seen chan struct{}
	once sync.Once
}

func (s *signaller) Stream(name, text string) {
	s.recorder.Stream(name, text)
	if strings.Contains(s.recorder.String(), s.text) {
		s.once.Do(func() { close(s.seen) })
	}
}

func (s *signaller) Active() kernel.Publisher { return s }

// An interrupt of the running cell stops every interpreted frame, the looping batch
// function's too: the query fails, rather than take the cut batch for done.
func TestCellInterruptFailsQueryOfCutCallback(t *testing.T) {
	is := startSession(t)
	is.run(`import (
	"fmt"
	"time"
	"github.com/runnel-go/runnel/engine"
)
spark := engine.NewSession()
rate := spark.ReadStream().Format("rate").Option("rowsPerSecond", 10).Load()`)
	is.n++
	pub := &signaller{text: "looping\n", seen: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The watcher is owned by the test: it ends when the cell printed or the test ends.
	go func() {
		select {
		case <-pub.seen:
			cancel()
		case <-ctx.Done():
		}
	}()
	res := is.s.Execute(ctx, kernel.ExecuteRequest{Code: `spin, err := rate.WriteStream().ForeachBatch(func(d *engine.DataFrame, id int64) error {
	fmt.Println("looping")
	for {
	}
}).Start()
spin.AwaitTermination()`, ExecutionCount: is.n}, pub)
	if res.Ename != "Interrupted" {
		t.Fatalf("the awaiting cell ended with %+v", res)
	}
	_, out := is.run(`ended, err := spin.AwaitTerminationTimeout(10 * time.Second)
fmt.Println(ended, spin.IsActive())
fmt.Println(spin.Exception())`)
	if !strings.HasPrefix(out, "true false\n") || !strings.HasSuffix(out, "foreachBatch function: interrupted (an interrupt of a running cell stops every interpreted goroutine)\n") {
		t.Errorf("after the interrupt the query printed %q", out)
	}
}

// A batch function blocked in a channel receive is out of the kernel's reach: Stop
// times out as Spark's does, and the cell that started the query is told.
func TestStopOfBlockedForeachBatchIsReported(t *testing.T) {
	is := startSession(t)
	rec := runRecorded(t, is, `import (
	"fmt"
	"time"
	"github.com/runnel-go/runnel/engine"
)
spark := engine.NewSession()
spark.Conf().Set("spark.sql.streaming.stopTimeout", "3000")
entered := make(chan bool, 1)
never := make(chan bool)
blocked, err := spark.ReadStream().Format("rate").Load().WriteStream().ForeachBatch(func(d *engine.DataFrame, id int64) error {
	entered <- true
	<-never
	return nil
}).Start()
err`)
	_, out := is.run(`<-entered; fmt.Println(blocked.Stop() != nil, blocked.IsActive())`)
	if out != "true true\n" {
		t.Fatalf("Stop of a blocked batch function printed %q", out)
	}
	const notice = "kernel: a callback of a stopped or interrupted query did not stop: it is blocked where the kernel cannot end it"
	for deadline := time.Now().Add(10 * time.Second); !strings.HasPrefix(rec.String(), notice); {
		if time.Now().After(deadline) {
			t.Fatalf("the starting cell got %q", rec.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	_, out = is.run(`close(never); ended, err := blocked.AwaitTerminationTimeout(10 * time.Second); fmt.Println(ended, err)`)
	if out != "true <nil>\n" {
		t.Errorf("after the release the query printed %q", out)
	}
}
