package runtime

import (
	"context"
	"errors"
	"fmt"
	goruntime "runtime"
	"strconv"
	"sync"
	"time"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/internal/source"
	"github.com/runnel-go/runnel/engine/types"
)

// fakeSource holds rows of one long column "v"; its offset is the number of rows as a
// JSON object {"n":N}. maxPerTrigger limits a batch like maxFilesPerTrigger.
type fakeSource struct {
	mu            sync.Mutex
	desc          string
	rows          []int64
	maxPerTrigger int
	// prepared is the end fixed by PrepareForAvailableNow (-1: none).
	prepared  int
	commits   []source.Offset
	getBatch  [][2]source.Offset
	closed    bool
	latestErr error
	// block makes LatestOffset wait for ctx (or, with ignoreCtx, for Close).
	block     bool
	ignoreCtx bool
	closeCh   chan struct{}
	// arrival records when rows became visible, for the latency benchmark.
	clock Clock
}

var fakeSchema = types.NewStructType().Add("v", "long")

func newFakeSource(desc string) *fakeSource {
	return &fakeSource{desc: desc, prepared: -1, closeCh: make(chan struct{})}
}

func offsetOf(n int) source.Offset {
	if n == 0 {
		return ""
	}
	return source.Offset(`{"n":` + strconv.Itoa(n) + `}`)
}

func countOf(o source.Offset) int {
	if o == "" {
		return 0
	}
	var n int
	if _, err := fmt.Sscanf(string(o), `{"n":%d}`, &n); err != nil {
		panic("bad fake offset " + string(o))
	}
	return n
}

func (s *fakeSource) add(vs ...int64) {
	s.mu.Lock()
	s.rows = append(s.rows, vs...)
	s.mu.Unlock()
}

func (s *fakeSource) Schema() *types.StructType { return fakeSchema }

func (s *fakeSource) LatestOffset(ctx context.Context, start source.Offset) (source.Offset, error) {
	if s.block {
		if s.ignoreCtx {
			<-s.closeCh
			return start, errors.New("source closed")
		}
		<-ctx.Done()
		return start, ctx.Err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.latestErr != nil {
		return start, s.latestErr
	}
	end := len(s.rows)
	if s.prepared >= 0 {
		end = min(end, s.prepared)
	}
	if s.maxPerTrigger > 0 {
		end = min(end, countOf(start)+s.maxPerTrigger)
	}
	return offsetOf(max(end, countOf(start))), nil
}

func (s *fakeSource) GetBatch(_ context.Context, start, end source.Offset) ([]*batch.Batch, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.getBatch = append(s.getBatch, [2]source.Offset{start, end})
	b := batch.New(fakeSchema, 0)
	for _, v := range s.rows[countOf(start):countOf(end)] {
		b.AppendRow([]any{v})
	}
	return []*batch.Batch{b}, nil
}

func (s *fakeSource) Commit(end source.Offset) error {
	s.mu.Lock()
	s.commits = append(s.commits, end)
	s.mu.Unlock()
	return nil
}

func (s *fakeSource) Description() string { return s.desc }

func (s *fakeSource) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		close(s.closeCh)
	}
	return nil
}

// availableNowSource is a fakeSource that can fix its data for AvailableNow.
type availableNowSource struct{ *fakeSource }

func (s availableNowSource) PrepareForAvailableNow(context.Context) error {
	s.mu.Lock()
	s.prepared = len(s.rows)
	s.mu.Unlock()
	return nil
}

// fakeExecutor passes the rows of every source through. Event times: each source i is a
// watermark node whose event time (micros) is the row's value. It records each input.
type fakeExecutor struct {
	mu      sync.Mutex
	delays  []int64
	inputs  []BatchInput
	pending func(wm int64) bool
	// failAt and panicAt make RunBatch fail at that batch id (-1: never).
	failAt, panicAt int64
	// onBatch runs inside RunBatch (to advance a fake clock, say).
	onBatch  func(in BatchInput)
	stateOps []StateOperatorProgress
	stats    bool
}

func newFakeExecutor() *fakeExecutor { return &fakeExecutor{failAt: -1, panicAt: -1} }

func (e *fakeExecutor) RunBatch(_ context.Context, in BatchInput) (BatchOutput, error) {
	e.mu.Lock()
	e.inputs = append(e.inputs, in)
	onBatch := e.onBatch
	e.mu.Unlock()
	if onBatch != nil {
		onBatch(in)
	}
	if in.BatchID == e.failAt {
		return BatchOutput{}, errors.New("executor failed on purpose")
	}
	if in.BatchID == e.panicAt {
		panic("executor kaput")
	}
	out := BatchOutput{Result: batch.New(fakeSchema, 0), StateOps: e.stateOps}
	var all []int64
	for i, bs := range in.Sources {
		et := EventTime{}
		for _, b := range bs {
			for r := 0; r < b.N; r++ {
				v := b.Cols[0].I64[r]
				out.Result.AppendRow([]any{v})
				all = append(all, v)
				if !et.OK || v > et.Micros {
					et = EventTime{Micros: v, OK: true}
				}
			}
		}
		if i < len(e.delays) {
			out.MaxEventTime = append(out.MaxEventTime, et)
		}
	}
	if e.stats && len(all) > 0 {
		st := &EventTimeStats{Min: all[0], Max: all[0]}
		var sum int64
		for _, v := range all {
			st.Min = min(st.Min, v)
			st.Max = max(st.Max, v)
			sum += v
		}
		st.Avg = sum / int64(len(all))
		out.EventTimeStats = st
	}
	return out, nil
}

func (e *fakeExecutor) WatermarkDelays() []int64 { return e.delays }

func (e *fakeExecutor) HasPendingEviction(wm int64) bool {
	if e.pending == nil {
		return false
	}
	return e.pending(wm)
}

func (e *fakeExecutor) recorded() []BatchInput {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]BatchInput(nil), e.inputs...)
}

// fakeSink records batches: id and values.
type fakeSink struct {
	mu      sync.Mutex
	ids     []int64
	values  [][]int64
	err     error
	panics  bool
	added   chan int64
	onBatch func(id int64)
}

func newFakeSink() *fakeSink { return &fakeSink{added: make(chan int64, 1000)} }

func (s *fakeSink) AddBatch(_ context.Context, id int64, data *batch.Batch) error {
	if s.onBatch != nil {
		s.onBatch(id)
	}
	s.mu.Lock()
	err, panics := s.err, s.panics
	s.mu.Unlock()
	if panics {
		panic(fmt.Sprintf("sink panicked at batch %d", id))
	}
	if err != nil {
		return err
	}
	var vs []int64
	for r := 0; r < data.N; r++ {
		vs = append(vs, data.Cols[0].I64[r])
	}
	s.mu.Lock()
	s.ids = append(s.ids, id)
	s.values = append(s.values, vs)
	s.mu.Unlock()
	select {
	case s.added <- id:
	default:
	}
	return nil
}

func (s *fakeSink) Description() string { return "FakeSink" }

func (s *fakeSink) snapshot() ([]int64, [][]int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int64(nil), s.ids...), append([][]int64(nil), s.values...)
}

// fakeClock is a manual clock. With auto set, a timer fires at once and moves the clock
// to its deadline (simulated time that runs as fast as the driver asks).
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	auto    bool
	waiters []fakeWaiter
}

type fakeWaiter struct {
	at time.Time
	c  chan time.Time
}

func newFakeClock(start time.Time, auto bool) *fakeClock { return &fakeClock{now: start, auto: auto} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.fireLocked()
	c.mu.Unlock()
}

func (c *fakeClock) fireLocked() {
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if !w.at.After(c.now) {
			w.c <- c.now
		} else {
			kept = append(kept, w)
		}
	}
	c.waiters = kept
}

func (c *fakeClock) Timer(d time.Duration) (<-chan time.Time, func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if c.auto {
		if d > 0 {
			c.now = c.now.Add(d)
		}
		ch <- c.now
		return ch, func() {}
	}
	c.waiters = append(c.waiters, fakeWaiter{at: c.now.Add(d), c: ch})
	c.fireLocked()
	return ch, func() {}
}

// waitForTimer blocks until the driver waits on the (manual) clock.
func (c *fakeClock) waitForTimer() {
	for {
		c.mu.Lock()
		n := len(c.waiters)
		c.mu.Unlock()
		if n > 0 {
			return
		}
		time.Sleep(100 * time.Microsecond)
	}
}

func goruntimeNumGoroutine() int { return goruntime.NumGoroutine() }
