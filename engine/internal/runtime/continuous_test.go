package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/internal/checkpoint"
	"github.com/runnel-go/runnel/engine/internal/source"
)

// contData is the data behind fake continuous sources: rows per partition, kept across
// restarts so that a restarted query can replay them.
type contData struct {
	mu     sync.Mutex
	rows   [][]int64
	ended  []bool
	failed error
	notify chan struct{} // closed and replaced when rows arrive
}

func newContData(parts int) *contData {
	return &contData{rows: make([][]int64, parts), ended: make([]bool, parts), notify: make(chan struct{})}
}

func (d *contData) push(part int, vs ...int64) {
	d.mu.Lock()
	d.rows[part] = append(d.rows[part], vs...)
	close(d.notify)
	d.notify = make(chan struct{})
	d.mu.Unlock()
}

func (d *contData) end(part int) {
	d.mu.Lock()
	d.ended[part] = true
	close(d.notify)
	d.notify = make(chan struct{})
	d.mu.Unlock()
}

func (d *contData) fail(err error) {
	d.mu.Lock()
	d.failed = err
	close(d.notify)
	d.notify = make(chan struct{})
	d.mu.Unlock()
}

// fakeContSource reads contData continuously; its offset is a JSON array of the rows
// read per partition.
type fakeContSource struct {
	*fakeSource
	data *contData

	mu     sync.Mutex
	starts []source.Offset // what ContinuousReaders was asked for
}

func newFakeContSource(data *contData) *fakeContSource {
	return &fakeContSource{fakeSource: newFakeSource("FakeCont"), data: data}
}

func (s *fakeContSource) ContinuousReaders(_ context.Context, start source.Offset) ([]source.PartitionReader, error) {
	s.mu.Lock()
	s.starts = append(s.starts, start)
	s.mu.Unlock()
	pos := make([]int, len(s.data.rows))
	if start != "" {
		if err := json.Unmarshal([]byte(start), &pos); err != nil {
			return nil, err
		}
	}
	var out []source.PartitionReader
	for i := range pos {
		out = append(out, &fakeContReader{data: s.data, part: i, pos: pos[i]})
	}
	return out, nil
}

func (s *fakeContSource) MergeOffsets(parts []source.PartitionOffset) (source.Offset, error) {
	texts := make([]string, len(parts))
	for i, p := range parts {
		texts[i] = string(p)
	}
	return source.Offset("[" + strings.Join(texts, ",") + "]"), nil
}

type fakeContReader struct {
	data *contData
	part int
	pos  int
}

func (r *fakeContReader) Initial() source.PartitionOffset {
	return source.PartitionOffset(fmt.Sprint(r.pos))
}

func (r *fakeContReader) Next(ctx context.Context) ([]*batch.Batch, source.PartitionOffset, error) {
	for {
		d := r.data
		d.mu.Lock()
		rows, ended, failed, notify := d.rows[r.part], d.ended[r.part], d.failed, d.notify
		d.mu.Unlock()
		if failed != nil {
			return nil, "", failed
		}
		if r.pos < len(rows) {
			b := batch.New(fakeSchema, 0)
			for _, v := range rows[r.pos:] {
				b.AppendRow([]any{v})
			}
			r.pos = len(rows)
			return []*batch.Batch{b}, source.PartitionOffset(fmt.Sprint(r.pos)), nil
		}
		if ended {
			return nil, "", io.EOF
		}
		select {
		case <-ctx.Done():
			return nil, "", ctx.Err()
		case <-notify:
		}
	}
}

func (r *fakeContReader) Close() error { return nil }

// contSink records continuous writes and epoch commits, and whether it was closed.
type contSink struct {
	mu      sync.Mutex
	events  []string
	closed  int
	changed chan struct{}
}

func newContSink() *contSink { return &contSink{changed: make(chan struct{}, 1000)} }

func (s *contSink) record(e string) {
	s.mu.Lock()
	s.events = append(s.events, e)
	s.mu.Unlock()
	s.changed <- struct{}{}
}

func (s *contSink) WriteRows(_ context.Context, epoch int64, data *batch.Batch) error {
	s.record(fmt.Sprintf("write %d %v", epoch, data.Cols[0].I64[:data.N]))
	return nil
}

func (s *contSink) CommitEpoch(_ context.Context, epoch int64) error {
	s.record(fmt.Sprintf("commit %d", epoch))
	return nil
}

func (s *contSink) AddBatch(context.Context, int64, *batch.Batch) error {
	return errors.New("AddBatch called on a continuous sink")
}

func (s *contSink) Description() string { return "ContSink" }

func (s *contSink) Close() error {
	s.mu.Lock()
	s.closed++
	s.mu.Unlock()
	return nil
}

func (s *contSink) snapshot() ([]string, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.events), s.closed
}

// waitEvents waits until the sink has recorded n events.
func (s *contSink) waitEvents(t *testing.T, n int) []string {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		ev, _ := s.snapshot()
		if len(ev) >= n {
			return ev
		}
		select {
		case <-s.changed:
		case <-deadline:
			t.Fatalf("sink events %q, waiting for %d", ev, n)
		}
	}
}

// waitProgress waits for the progress of epoch id.
func waitProgress(t *testing.T, q *Query, id int64) *Progress {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if p := q.LastProgress(); p != nil && p.BatchID >= id {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("no progress for epoch %d", id)
		}
		time.Sleep(time.Millisecond)
	}
}

func contConfig(src source.Source, sink Sink, clock Clock, cp string) Config {
	cfg := baseConfig(src, newFakeExecutor(), sink)
	cfg.ID, cfg.RunID = "a", "b"
	cfg.Trigger = Trigger{Kind: TriggerContinuous, IntervalMicros: 1e6}
	cfg.Clock = clock
	cfg.CheckpointDir = cp
	return cfg
}

func TestContinuousNeedsContinuousSources(t *testing.T) {
	q := mustStart(t, contConfig(newFakeSource("Fake"), newFakeSink(), nil, ""))
	err := q.AwaitTermination()
	if err == nil || err.Error() != "Query q [id = a, runId = b] terminated with exception: Data source Fake does not support continuous processing." {
		t.Fatalf("got %v", err)
	}
}

// TestContinuousRowsFlowAtOnceAndEpochsCommit: rows reach a continuous sink as they
// arrive, without any clock tick; a tick ends the epoch with offsets/N, the sink's
// commit and commits/N, in that order.
func TestContinuousRowsFlowAtOnceAndEpochsCommit(t *testing.T) {
	data := newContData(1)
	sink := newContSink()
	clock := newFakeClock(time.UnixMilli(1_000_000), false)
	cp := t.TempDir()
	q := mustStart(t, contConfig(newFakeContSource(data), sink, clock, cp))
	data.push(0, 1)
	sink.waitEvents(t, 1)
	data.push(0, 2, 3)
	sink.waitEvents(t, 2)
	c, err := checkpoint.Open(cp)
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := c.Offsets.Has(0); ok {
		t.Fatal("offsets/0 written before the epoch ended")
	}
	clock.waitForTimer()
	clock.Advance(time.Second)
	ev := sink.waitEvents(t, 3)
	want := []string{"write 0 [1]", "write 0 [2 3]", "commit 0"}
	if !slices.Equal(ev, want) {
		t.Fatalf("events %q, want %q", ev, want)
	}
	// The commit is written after the sink's commit; wait for the progress.
	waitProgress(t, q, 0)
	o, err := c.ReadOffsets(0)
	if err != nil || !slices.Equal(o.Offsets, []string{"[3]"}) {
		t.Fatalf("offsets/0 %v, %v", o.Offsets, err)
	}
	if ok, err := c.Commits.Has(0); !ok || err != nil {
		t.Fatalf("commits/0: %v %v", ok, err)
	}
	p := q.LastProgress()
	if p.BatchID != 0 || p.NumInputRows != 3 || p.Sink.NumOutputRows != 3 || p.Sources[0].StartOffset != "" || p.Sources[0].EndOffset != "[3]" ||
		p.Timestamp != "1970-01-01T00:16:40.000Z" || p.BatchDuration != 1000 {
		t.Fatalf("progress %s", p.JSON())
	}
	if st := q.Status(); st.Message != "Running" || !st.IsTriggerActive {
		t.Fatalf("status %+v", st)
	}
	if err := q.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, closed := sink.snapshot(); closed != 1 {
		t.Fatalf("sink closed %d times", closed)
	}
}

// TestContinuousRestartIsAtLeastOnce: a restart resumes at the last committed epoch's
// offsets, so the rows of the epoch that did not commit are processed again and none is
// lost. The console-like sink gets each epoch's rows in one AddBatch.
func TestContinuousRestartIsAtLeastOnce(t *testing.T) {
	data := newContData(2)
	cp := t.TempDir()
	clock := newFakeClock(time.UnixMilli(0), false)
	run := func() (*Query, *fakeSink, *fakeContSource, *fakeExecutor) {
		sink := newFakeSink()
		src := newFakeContSource(data)
		cfg := contConfig(src, sink, clock, cp)
		ex := newFakeExecutor()
		cfg.Executor = ex
		return mustStart(t, cfg), sink, src, ex
	}
	waitRows := func(ex *fakeExecutor, n int) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			got := 0
			for _, in := range ex.recorded() {
				for _, bs := range in.Sources {
					for _, b := range bs {
						got += b.N
					}
				}
			}
			if got >= n {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("executor saw %d rows, want %d", got, n)
			}
			time.Sleep(time.Millisecond)
		}
	}
	tick := func() {
		clock.waitForTimer()
		clock.Advance(time.Second)
	}
	sorted := func(vs []int64) []int64 { return slices.Sorted(slices.Values(vs)) }

	q, sink, _, ex := run()
	data.push(0, 1, 2)
	data.push(1, 10)
	waitRows(ex, 3)
	tick()
	if id := <-sink.added; id != 0 {
		t.Fatalf("first epoch %d", id)
	}
	// Epoch 1 reads a row but stops before it commits.
	data.push(1, 11)
	waitRows(ex, 4)
	if err := q.Stop(); err != nil {
		t.Fatal(err)
	}
	ids, values := sink.snapshot()
	if !slices.Equal(ids, []int64{0}) || !slices.Equal(sorted(values[0]), []int64{1, 2, 10}) {
		t.Fatalf("first run wrote %v %v", ids, values)
	}

	q, sink, src, ex := run()
	data.push(0, 3)
	waitRows(ex, 2)
	tick()
	if id := <-sink.added; id != 1 {
		t.Fatalf("epoch after restart %d", id)
	}
	src.mu.Lock()
	starts := src.starts
	src.mu.Unlock()
	if !slices.Equal(starts, []source.Offset{"[2,1]"}) {
		t.Fatalf("restart read from %q", starts)
	}
	ids, values = sink.snapshot()
	if !slices.Equal(ids, []int64{1}) || !slices.Equal(sorted(values[0]), []int64{3, 11}) {
		t.Fatalf("second run wrote %v %v", ids, values)
	}
	p := waitProgress(t, q, 1)
	if p.BatchID != 1 || p.Sources[0].StartOffset != "[2,1]" || p.Sources[0].EndOffset != "[3,2]" || p.NumInputRows != 2 {
		t.Fatalf("progress %s", p.JSON())
	}
}

// TestContinuousEndsWhenEveryPartitionEnds: the last rows are committed in a final epoch
// and the query ends without an exception.
func TestContinuousEndsWhenEveryPartitionEnds(t *testing.T) {
	data := newContData(2)
	sink := newContSink()
	clock := newFakeClock(time.UnixMilli(0), false)
	q := mustStart(t, contConfig(newFakeContSource(data), sink, clock, ""))
	data.push(0, 5)
	sink.waitEvents(t, 1)
	data.end(0)
	data.end(1)
	if err := q.AwaitTermination(); err != nil {
		t.Fatal(err)
	}
	ev, closed := sink.snapshot()
	if !slices.Equal(ev, []string{"write 0 [5]", "commit 0"}) || closed != 1 {
		t.Fatalf("events %q, closed %d", ev, closed)
	}
}

func TestContinuousReaderErrorFailsTheQuery(t *testing.T) {
	data := newContData(1)
	sink := newContSink()
	q := mustStart(t, contConfig(newFakeContSource(data), sink, nil, ""))
	data.fail(errors.New("broker gone"))
	err := q.AwaitTermination()
	if err == nil || err.Error() != "Query q [id = a, runId = b] terminated with exception: broker gone" {
		t.Fatalf("got %v", err)
	}
	if _, closed := sink.snapshot(); closed != 1 {
		t.Fatalf("sink closed %d times", closed)
	}
}

// closingSink is a micro-batch sink that records Close.
type closingSink struct {
	*fakeSink
	mu     sync.Mutex
	closed int
}

func (s *closingSink) Close() error {
	s.mu.Lock()
	s.closed++
	s.mu.Unlock()
	return nil
}

func (s *closingSink) closes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// TestMicroBatchClosesTheSink: the sink is closed once however the query ends.
func TestMicroBatchClosesTheSink(t *testing.T) {
	for _, end := range []string{"once", "failed", "stopped"} {
		src := newFakeSource("Fake")
		src.add(1)
		sink := &closingSink{fakeSink: newFakeSink()}
		cfg := baseConfig(src, newFakeExecutor(), sink)
		switch end {
		case "once":
			cfg.Trigger = Trigger{Kind: TriggerOnce}
		case "failed":
			sink.err = errors.New("full")
		}
		q := mustStart(t, cfg)
		if end == "stopped" {
			if err := q.ProcessAllAvailable(); err != nil {
				t.Fatal(err)
			}
			if err := q.Stop(); err != nil {
				t.Fatal(err)
			}
		}
		err := q.AwaitTermination()
		if (err != nil) != (end == "failed") {
			t.Fatalf("%s: %v", end, err)
		}
		if n := sink.closes(); n != 1 {
			t.Fatalf("%s: sink closed %d times", end, n)
		}
	}
}
