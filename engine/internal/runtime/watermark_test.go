package runtime

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/runnel-go/runnel/engine/internal/checkpoint"
	"github.com/runnel-go/runnel/engine/internal/source"
)

func et(ms int64) EventTime { return EventTime{Micros: ms * 1000, OK: true} }

var none = EventTime{}

func TestWatermarkTrackerMinAndMax(t *testing.T) {
	// Two watermark nodes: delays 10 s and 5 s. Each step is one batch's max event times.
	steps := [][]EventTime{
		{et(100_000), none},        // node 1 has no data yet: counts as 0
		{et(90_000), et(50_000)},   // node 0 does not go back down
		{none, et(200_000)},        // node 1 moves; node 0 keeps 90 s
		{et(300_000), et(250_000)}, // both move
		{et(1_000), et(1_000)},     // late batch: nothing moves
	}
	wantMin := []int64{0, 45_000, 90_000, 245_000, 245_000}
	wantMax := []int64{90_000, 90_000, 195_000, 290_000, 290_000}
	for _, tc := range []struct {
		useMax bool
		want   []int64
	}{{false, wantMin}, {true, wantMax}} {
		w := newWatermarkTracker([]int64{10_000_000, 5_000_000}, tc.useMax)
		var got []int64
		for _, s := range steps {
			w.update(s)
			got = append(got, w.globalMs)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("max=%v: watermarks %v, want %v", tc.useMax, got, tc.want)
		}
	}
}

func TestWatermarkCutsToMilliseconds(t *testing.T) {
	w := newWatermarkTracker([]int64{1_500}, false) // 1.5 ms delay counts as 1 ms
	w.update([]EventTime{{Micros: 10_999, OK: true}})
	if w.globalMs != 9 {
		t.Fatalf("watermark %d ms, want 9", w.globalMs)
	}
	w = newWatermarkTracker([]int64{20_000_000}, false)
	w.update([]EventTime{et(5_000)}) // negative candidate: the watermark stays 0
	if w.globalMs != 0 {
		t.Fatalf("watermark %d ms, want 0", w.globalMs)
	}
}

func TestWatermarkPolicyConf(t *testing.T) {
	if _, err := Start(Config{Sources: []source.Source{newFakeSource("F")}, Executor: newFakeExecutor(), Sink: newFakeSink(),
		Conf: map[string]string{"spark.sql.streaming.multipleWatermarkPolicy": "median"}}); err == nil {
		t.Fatal("bad policy accepted")
	}
}

// The driver applies the watermark from the end of batch N in batch N+1, the minimum over
// two sources (each a watermark node), or the maximum with the policy set.
func TestWatermarkAcrossBatches(t *testing.T) {
	for _, tc := range []struct {
		policy string
		want   []int64
	}{{"min", []int64{0, 0, 40_000}}, {"MAX", []int64{0, 90_000, 90_000}}} {
		a, b := newFakeSource("A"), newFakeSource("B")
		ex := newFakeExecutor()
		ex.delays = []int64{10_000_000, 10_000_000}
		sink := newFakeSink()
		cfg := Config{Sources: []source.Source{a, b}, Executor: ex, Sink: sink,
			Conf: map[string]string{"spark.sql.streaming.multipleWatermarkPolicy": tc.policy}}
		q := mustStart(t, cfg)
		a.add(100_000_000)
		if err := q.ProcessAllAvailable(); err != nil {
			t.Fatal(err)
		}
		b.add(50_000_000)
		if err := q.ProcessAllAvailable(); err != nil {
			t.Fatal(err)
		}
		a.add(1)
		if err := q.ProcessAllAvailable(); err != nil {
			t.Fatal(err)
		}
		_ = q.Stop()
		var got []int64
		for _, in := range ex.recorded() {
			got = append(got, in.WatermarkMicros/1000)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("policy %s: batch watermarks %v ms, want %v", tc.policy, got, tc.want)
		}
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRestartResumesAfterTheLastCommit(t *testing.T) {
	dir := t.TempDir()
	src := newFakeSource("Fake")
	ex := newFakeExecutor()
	ex.delays = []int64{1_000_000}
	sink := newFakeSink()
	cfg := baseConfig(src, ex, sink)
	cfg.CheckpointDir = dir
	q := mustStart(t, cfg)
	src.add(10_000_000, 11_000_000)
	if err := q.ProcessAllAvailable(); err != nil {
		t.Fatal(err)
	}
	src.add(20_000_000)
	if err := q.ProcessAllAvailable(); err != nil {
		t.Fatal(err)
	}
	id := q.ID()
	_ = q.Stop()

	offs := readFile(t, filepath.Join(dir, "offsets", "1"))
	wantPrefix := "v1\n{\"batchWatermarkMs\":10000,\"batchTimestampMs\":"
	if len(offs) < len(wantPrefix) || offs[:len(wantPrefix)] != wantPrefix || offs[len(offs)-len("\n{\"n\":3}"):] != "\n{\"n\":3}" {
		t.Errorf("offsets/1:\n%s", offs)
	}
	if c := readFile(t, filepath.Join(dir, "commits", "1")); c != "v1\n{\"nextBatchWatermarkMs\":19000}" {
		t.Errorf("commits/1: %q", c)
	}

	// Restart: a new run of the same query continues with batch 2 after offset 3, with
	// the committed watermark.
	src2 := newFakeSource("Fake")
	src2.add(10_000_000, 11_000_000, 20_000_000, 30_000_000)
	ex2 := newFakeExecutor()
	ex2.delays = []int64{1_000_000}
	sink2 := newFakeSink()
	cfg2 := baseConfig(src2, ex2, sink2)
	cfg2.CheckpointDir = dir
	q2 := mustStart(t, cfg2)
	if err := q2.ProcessAllAvailable(); err != nil {
		t.Fatal(err)
	}
	_ = q2.Stop()
	if q2.ID() != id || q2.RunID() == q.RunID() {
		t.Errorf("ids: %s/%s then %s/%s", id, q.RunID(), q2.ID(), q2.RunID())
	}
	ins := ex2.recorded()
	if len(ins) != 1 || ins[0].BatchID != 2 || ins[0].WatermarkMicros != 19_000_000 || rowsIn(ins[0]) != 1 {
		t.Fatalf("after restart: %+v", ins)
	}
	if !reflect.DeepEqual(src2.getBatch, [][2]source.Offset{{`{"n":3}`, `{"n":4}`}}) {
		t.Errorf("GetBatch calls %v", src2.getBatch)
	}
}

func TestRestartRerunsAnUncommittedBatch(t *testing.T) {
	dir := t.TempDir()
	cp, err := checkpoint.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	// Batch 0 committed; batch 1's offsets written, then a crash before its commit.
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(cp.WriteOffsets(0, checkpoint.OffsetSeq{WatermarkMs: 0, TimestampMs: 1000, Offsets: []string{`{"n":2}`}}))
	must(cp.WriteCommit(0, 7000))
	must(cp.WriteOffsets(1, checkpoint.OffsetSeq{WatermarkMs: 7000, TimestampMs: 2000, Offsets: []string{`{"n":3}`}}))

	src := newFakeSource("Fake")
	src.add(1, 2, 3, 4, 5)
	ex := newFakeExecutor()
	ex.delays = []int64{0}
	sink := newFakeSink()
	cfg := baseConfig(src, ex, sink)
	cfg.Checkpoint = cp
	q := mustStart(t, cfg)
	if err := q.ProcessAllAvailable(); err != nil {
		t.Fatal(err)
	}
	_ = q.Stop()
	if q.ID() != cp.ID() {
		t.Errorf("id %s, checkpoint's %s", q.ID(), cp.ID())
	}
	ins := ex.recorded()
	if len(ins) != 2 {
		t.Fatalf("%d batches", len(ins))
	}
	// Batch 1 again, with exactly its recorded offsets, watermark and timestamp.
	if in := ins[0]; in.BatchID != 1 || in.WatermarkMicros != 7_000_000 || in.TimestampMicros != 2_000_000 || rowsIn(in) != 1 {
		t.Errorf("re-run: %+v", in)
	}
	if in := ins[1]; in.BatchID != 2 || rowsIn(in) != 2 {
		t.Errorf("next: %+v", in)
	}
	if !reflect.DeepEqual(src.getBatch, [][2]source.Offset{{`{"n":2}`, `{"n":3}`}, {`{"n":3}`, `{"n":5}`}}) {
		t.Errorf("GetBatch calls %v", src.getBatch)
	}
	if c := readFile(t, filepath.Join(dir, "commits", "1")); c != "v1\n{\"nextBatchWatermarkMs\":7000}" {
		t.Errorf("commits/1: %q", c)
	}
}

func TestRestartRefusesADifferentNumberOfSources(t *testing.T) {
	dir := t.TempDir()
	cp, err := checkpoint.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := cp.WriteOffsets(0, checkpoint.OffsetSeq{Offsets: []string{`{"n":1}`, `{"n":1}`}}); err != nil {
		t.Fatal(err)
	}
	cfg := baseConfig(newFakeSource("F"), newFakeExecutor(), newFakeSink())
	cfg.CheckpointDir = dir
	q := mustStart(t, cfg)
	if err := q.AwaitTermination(); err == nil {
		t.Fatal("no error")
	}
}
