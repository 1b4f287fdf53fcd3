package exec

import (
	"context"
	"fmt"
	"math/rand"
	"sort"
	"testing"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/internal/expr"
	"github.com/runnel-go/runnel/engine/internal/plan"
	"github.com/runnel-go/runnel/engine/internal/runtime"
	"github.com/runnel-go/runnel/engine/types"
)

const minute = int64(60_000_000)

func lit(s string) expr.Node { return &expr.Literal{Value: s, Type: types.StringType} }
func ref(s string) expr.Node { return &expr.ColumnRef{Parts: []string{s}, Pos: -1} }

func eventSchema() *types.StructType {
	return types.NewStructType().Add("k", types.StringType).Add("ts", types.TimestampType).Add("v", types.LongType)
}

func relation(b *batch.Batch) *plan.Relation {
	return &plan.Relation{Out: b.Schema, Data: func() ([]*batch.Batch, error) { return []*batch.Batch{b}, nil }}
}

// windowAgg builds groupBy(window(ts, size, slide, start), k).agg(sum(v), count(1)).
func windowAgg(t *testing.T, child plan.Node, size, slide, start string) plan.Node {
	t.Helper()
	win := &expr.Call{Name: "window", Args: []expr.Node{ref("ts"), lit(size), lit(slide), lit(start)}}
	sum := &expr.Call{Name: "sum", Args: []expr.Node{ref("v")}}
	cnt := &expr.Call{Name: "count", Args: []expr.Node{&expr.Star{}}}
	p, err := plan.NewAggregate(child, []expr.Node{win, ref("k")},
		[]expr.Node{&expr.GetField{X: win, Field: "start"}, ref("k"), sum, cnt}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPaneWindowsMatchDirectAssignment compares pane-based sliding windows with Spark's
// assignment (every window containing the row) computed directly, on random data.
func TestPaneWindowsMatchDirectAssignment(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for _, c := range []struct{ size, slide, start int64 }{
		{10, 5, 0}, {10, 10, 0}, {60, 1, 0}, {10, 3, 1}, {7, 2, -1}, {12, 5, 4},
	} {
		b := batch.New(eventSchema(), 500)
		type key struct {
			start int64
			k     string
		}
		sums, counts := map[key]int64{}, map[key]int64{}
		for i := 0; i < 500; i++ {
			ts := (rng.Int63n(400) - 100) * minute / 2
			k := fmt.Sprint("k", rng.Intn(3))
			v := rng.Int63n(100)
			b.AppendRow([]any{k, ts, v})
			// Spark's window assignment (ResolveTimeWindows).
			slide, size, start := c.slide*minute, c.size*minute, c.start*minute
			rem := (ts - start) % slide
			if rem < 0 {
				rem += slide
			}
			last := ts - rem
			for i := int64(0); i < (size+slide-1)/slide; i++ {
				ws := last - i*slide
				if ws <= ts && ts < ws+size {
					sums[key{ws, k}] += v
					counts[key{ws, k}]++
				}
			}
		}
		p := windowAgg(t, relation(b), fmt.Sprintf("%d minutes", c.size), fmt.Sprintf("%d minutes", c.slide), fmt.Sprintf("%d minutes", c.start))
		out, err := Run(context.Background(), p, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if out.N != len(sums) {
			t.Errorf("%+v: %d windows, want %d", c, out.N, len(sums))
		}
		for i := 0; i < out.N; i++ {
			r := out.Row(i)
			k := key{r[0].(int64), r[1].(string)}
			if r[2].(int64) != sums[k] || r[3].(int64) != counts[k] {
				t.Errorf("%+v: window %v: sum %v count %v, want %d %d", c, k, r[2], r[3], sums[k], counts[k])
			}
		}
	}
}

// TestStateStaysFlatUnderWatermark runs many micro-batches whose event time moves forward
// with the watermark: the state (and the slots behind it) stays bounded.
func TestStateStaysFlatUnderWatermark(t *testing.T) {
	src := &plan.StreamSource{Format: "memory", Out: eventSchema()}
	wm, err := plan.NewWatermark(src, "ts", "10 minutes")
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{plan.Append, plan.Update} {
		inc, err := NewIncremental(windowAgg(t, wm, "10 minutes", "5 minutes", "0 minutes"), mode, []*plan.StreamSource{src}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		agg := inc.stateful[0].(*aggOp)
		var watermark int64
		maxRows, maxSlots := int64(0), 0
		for n := 0; n < 2000; n++ {
			b := batch.New(eventSchema(), 100)
			for i := 0; i < 100; i++ {
				b.AppendRow([]any{fmt.Sprint("k", i%5), int64(n)*minute + int64(i)*1000, int64(1)})
			}
			out, err := inc.RunBatch(context.Background(), runtime.BatchInput{BatchID: int64(n), Sources: [][]*batch.Batch{{b}}, WatermarkMicros: watermark})
			if err != nil {
				t.Fatal(err)
			}
			if e := out.MaxEventTime[0]; e.OK && e.Micros-inc.WatermarkDelays()[0] > watermark {
				watermark = e.Micros - inc.WatermarkDelays()[0]
			}
			if n > 100 {
				maxRows = max(maxRows, out.StateOps[0].NumRowsTotal)
				maxSlots = max(maxSlots, agg.table.slots())
			}
		}
		// 5 keys x panes within 10 minutes of watermark + window: a few dozen rows.
		if maxRows > 5*6 || maxSlots > 5*8 {
			t.Errorf("%s: state grew to %d rows in %d slots", mode, maxRows, maxSlots)
		}
	}
}

// BenchmarkStreamingWindowState runs 10-minute windows sliding by 5 minutes over batches
// of 1000 rows whose event time advances one minute per batch under a 10-minute
// watermark, and reports the state's memory after the run: it stays at the size of the
// open windows however many batches ran.
func BenchmarkStreamingWindowState(b *testing.B) {
	src := &plan.StreamSource{Format: "memory", Out: eventSchema()}
	wmNode, err := plan.NewWatermark(src, "ts", "10 minutes")
	if err != nil {
		b.Fatal(err)
	}
	win := &expr.Call{Name: "window", Args: []expr.Node{ref("ts"), lit("10 minutes"), lit("5 minutes")}}
	p, err := plan.NewAggregate(wmNode, []expr.Node{win, ref("k")}, []expr.Node{win, ref("k"), &expr.Call{Name: "sum", Args: []expr.Node{ref("v")}}}, nil)
	if err != nil {
		b.Fatal(err)
	}
	inc, err := NewIncremental(p, plan.Update, []*plan.StreamSource{src}, Options{})
	if err != nil {
		b.Fatal(err)
	}
	in := batch.New(eventSchema(), 1000)
	for i := 0; i < 1000; i++ {
		in.AppendRow([]any{fmt.Sprint("k", i%50), int64(i) * 60_000, int64(i)})
	}
	var watermark int64
	var mem int64
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		shift := int64(n) * minute
		ts := in.Cols[1].I64
		for i := range ts {
			ts[i] = int64(i)*60_000 + shift
		}
		out, err := inc.RunBatch(context.Background(), runtime.BatchInput{BatchID: int64(n), Sources: [][]*batch.Batch{{in}}, WatermarkMicros: watermark})
		if err != nil {
			b.Fatal(err)
		}
		watermark = max(watermark, out.MaxEventTime[0].Micros-inc.WatermarkDelays()[0])
		mem = out.StateOps[0].MemoryUsedBytes
	}
	b.ReportMetric(float64(mem), "stateBytes")
	b.ReportMetric(float64(1000*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// rowsKey renders a batch's rows in a canonical order for comparison.
func rowsKey(b *batch.Batch) []string {
	out := make([]string, b.N)
	for i := 0; i < b.N; i++ {
		out[i] = fmt.Sprint(b.Row(i))
	}
	sort.Strings(out)
	return out
}

// TestIncrementalMatchesStatic runs aggregations and deduplication over random data cut
// into random micro-batches: complete mode's last result, and the union of update or
// append outputs, equal what one static run computes.
func TestIncrementalMatchesStatic(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	src := &plan.StreamSource{Format: "memory", Out: eventSchema()}
	all := batch.New(eventSchema(), 1000)
	for i := 0; i < 1000; i++ {
		all.AppendRow([]any{fmt.Sprint("k", rng.Intn(20)), rng.Int63n(120) * minute, rng.Int63n(10)})
	}
	var batches []*batch.Batch
	for lo := 0; lo < all.N; {
		hi := min(all.N, lo+1+rng.Intn(150))
		idx := make([]int, 0, hi-lo)
		for i := lo; i < hi; i++ {
			idx = append(idx, i)
		}
		batches = append(batches, all.Take(idx))
		lo = hi
	}
	sum := func(x string) expr.Node { return &expr.Call{Name: "sum", Args: []expr.Node{ref(x)}} }
	build := func(child plan.Node, kind string) plan.Node {
		var p plan.Node
		var err error
		switch kind {
		case "groupBy":
			p, err = plan.NewAggregate(child, []expr.Node{ref("k")}, []expr.Node{ref("k"), sum("v"),
				&expr.Call{Name: "max", Args: []expr.Node{ref("ts")}}, &expr.Call{Name: "collect_set", Args: []expr.Node{ref("v")}}}, nil)
		case "window":
			win := &expr.Call{Name: "window", Args: []expr.Node{ref("ts"), lit("30 minutes"), lit("10 minutes")}}
			p, err = plan.NewAggregate(child, []expr.Node{win, ref("k")}, []expr.Node{win, ref("k"), sum("v")}, nil)
		case "dedupe":
			p, err = plan.NewDeduplicate(child, []string{"k", "v"})
		}
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, kind := range []string{"groupBy", "window", "dedupe"} {
		want, err := Run(context.Background(), build(relation(all), kind), Options{})
		if err != nil {
			t.Fatal(err)
		}
		modes := []string{plan.Complete, plan.Update}
		if kind == "dedupe" {
			modes = []string{plan.Append}
		}
		for _, mode := range modes {
			inc, err := NewIncremental(build(src, kind), mode, []*plan.StreamSource{src}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			latest := map[string]string{} // update mode: the last row emitted per group
			var last *batch.Batch
			var appended []string
			for n, b := range batches {
				out, err := inc.RunBatch(context.Background(), runtime.BatchInput{BatchID: int64(n), Sources: [][]*batch.Batch{{b}}})
				if err != nil {
					t.Fatal(err)
				}
				last = out.Result
				for i := 0; i < out.Result.N; i++ {
					r := out.Result.Row(i)
					groupCols := 1
					if kind == "window" {
						groupCols = 2
					}
					latest[fmt.Sprint(r[:groupCols])] = fmt.Sprint(r)
					appended = append(appended, fmt.Sprint(r))
				}
			}
			var got []string
			switch mode {
			case plan.Complete:
				got = rowsKey(last)
			case plan.Update:
				for _, r := range latest {
					got = append(got, r)
				}
				sort.Strings(got)
			case plan.Append:
				got = appended
				sort.Strings(got)
			}
			if w := rowsKey(want); fmt.Sprint(got) != fmt.Sprint(w) {
				t.Errorf("%s in %s mode: %d rows differ from the static %d rows", kind, mode, len(got), len(w))
			}
		}
	}
}
