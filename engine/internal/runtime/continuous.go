package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/internal/checkpoint"
	"github.com/runnel-go/runnel/engine/internal/source"
)

// This file is the continuous driver (Spark's ContinuousExecution), run for
// Trigger.Continuous. Each source partition has a reader goroutine that pushes rows as
// soon as they exist; the query goroutine runs each pushed batch through the executor
// (map-like plans only: the engine checks that) into the sink at once. Every checkpoint
// interval ends an epoch: the readers' positions are merged into offsets/N, the sink
// commits the epoch, and commits/N is written. A restart resumes at the last committed
// epoch's offsets, so rows of an uncommitted epoch are processed again: at-least-once.

// ContinuousSink is implemented by sinks that take rows as soon as they are computed in
// continuous processing (foreach, Kafka, noop). Other sinks (console, memory) get an
// epoch's rows in one AddBatch(epoch, rows) when the epoch commits, as Spark's do.
type ContinuousSink interface {
	Sink
	// WriteRows hands over rows of epoch; it may return before they are durable.
	WriteRows(ctx context.Context, epoch int64, data *batch.Batch) error
	// CommitEpoch returns once every row written for epoch is durable.
	CommitEpoch(ctx context.Context, epoch int64) error
}

// msgRunning is the status message of a running continuous query.
const msgRunning = "Running"

// contItem is what a reader goroutine pushes: rows and the position after them, or the
// error that ended the reader (io.EOF for a partition that ended).
type contItem struct {
	src, part int
	bs        []*batch.Batch
	off       source.PartitionOffset
	err       error
}

// contDriver is the state of a continuous run; only the query goroutine touches it.
type contDriver struct {
	q       *Query
	cfg     *Config
	clock   Clock
	streams []source.ContinuousStream
	sink    ContinuousSink // nil: the sink gets whole epochs through AddBatch

	epoch int64
	// restoredCommit is the last epoch committed when the run started (-1: none): offsets
	// entries after it were never committed and may be written again.
	restoredCommit int64
	// pos holds each reader's position; finished marks readers that ended.
	pos      [][]source.PartitionOffset
	finished [][]bool
	open     int // readers not finished

	// Per-epoch bookkeeping.
	seq          int64
	epochStartMs int64
	startOffs    []source.Offset
	buffered     []*batch.Batch
	rows         []int64
	outputRows   int64
	addBatchMs   time.Duration
	available    bool // rows came in this epoch (status isDataAvailable)
}

func newContDriver(q *Query) *contDriver {
	d := &contDriver{q: q, cfg: &q.cfg, clock: q.clock, restoredCommit: -1}
	if cs, ok := q.cfg.Sink.(ContinuousSink); ok {
		d.sink = cs
	}
	return d
}

// run restores the start offsets, starts the readers and processes their rows until the
// context ends, a reader or the sink fails, or every reader has ended.
func (d *contDriver) run(ctx context.Context) error {
	n := len(d.cfg.Sources)
	d.streams = make([]source.ContinuousStream, n)
	for i, s := range d.cfg.Sources {
		cs, ok := s.(source.ContinuousStream)
		if !ok {
			return fmt.Errorf("Data source %s does not support continuous processing.", describe(s))
		}
		d.streams[i] = cs
	}
	start, err := d.restore()
	if err != nil {
		return err
	}
	d.startOffs = start
	d.rows = make([]int64, n)

	rctx, rcancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var readers []source.PartitionReader
	defer func() {
		// Cancel first so that blocked Next calls return, close to unblock readers that
		// wait on something else, then wait: no reader goroutine outlives the run.
		rcancel()
		for _, r := range readers {
			_ = protect("source reader", r.Close)
		}
		wg.Wait()
	}()
	items := make(chan contItem, 64)
	d.pos = make([][]source.PartitionOffset, n)
	d.finished = make([][]bool, n)
	for i, cs := range d.streams {
		var rs []source.PartitionReader
		err := protect(sourceWhere(cs), func() (err error) {
			rs, err = cs.ContinuousReaders(ctx, start[i])
			return err
		})
		readers = append(readers, rs...)
		if err != nil {
			return err
		}
		d.pos[i] = make([]source.PartitionOffset, len(rs))
		d.finished[i] = make([]bool, len(rs))
		for j, r := range rs {
			if err := protect(sourceWhere(cs), func() error { d.pos[i][j] = r.Initial(); return nil }); err != nil {
				return err
			}
		}
		d.open += len(rs)
		for j, r := range rs {
			wg.Add(1)
			go d.read(rctx, &wg, items, i, j, r)
		}
	}

	interval := time.Duration(d.cfg.Trigger.IntervalMicros) * time.Microsecond
	// A zero interval would commit in a busy loop; a millisecond is as often as is useful.
	interval = max(interval, time.Millisecond)
	d.startEpoch()
	tick, stopTick := d.clock.Timer(interval)
	defer func() { stopTick() }()
	for {
		select {
		case <-ctx.Done():
			return nil // the open epoch is not committed: its rows are read again on restart
		case it := <-items:
			if err := d.handle(ctx, it); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return err
			}
			if d.open == 0 {
				// Every partition ended (the socket peer closed): commit what was read.
				return d.commitEpoch(ctx)
			}
		case <-tick:
			stopTick()
			if err := d.commitEpoch(ctx); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return err
			}
			d.startEpoch()
			tick, stopTick = d.clock.Timer(interval)
		}
	}
}

// read is a reader goroutine: it pushes what r returns until r fails or ctx ends.
func (d *contDriver) read(ctx context.Context, wg *sync.WaitGroup, items chan<- contItem, src, part int, r source.PartitionReader) {
	defer wg.Done()
	where := sourceWhere(d.cfg.Sources[src])
	for {
		it := contItem{src: src, part: part}
		it.err = protect(where, func() (err error) {
			it.bs, it.off, err = r.Next(ctx)
			return err
		})
		select {
		case items <- it:
		case <-ctx.Done():
			return
		}
		if it.err != nil {
			return
		}
	}
}

// restore reads where the last committed epoch ended (Spark's getStartOffsets): the run
// continues with the next epoch from its offsets; without a commit it starts at epoch 0
// from the sources' initial positions.
func (d *contDriver) restore() ([]source.Offset, error) {
	start := make([]source.Offset, len(d.cfg.Sources))
	if d.q.cp == nil {
		return start, nil
	}
	last, _, ok, err := d.q.cp.LatestCommit()
	if err != nil || !ok {
		return start, err
	}
	offs, err := d.q.cp.ReadOffsets(last)
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: epoch %d was committed without its offsets: %w", d.q.cp.Dir(), last, err)
	}
	if len(offs.Offsets) != len(start) {
		return nil, fmt.Errorf("checkpoint %s: its offsets have %d sources but the query has %d", d.q.cp.Dir(), len(offs.Offsets), len(start))
	}
	for i, o := range offs.Offsets {
		start[i] = source.Offset(o)
	}
	d.epoch = last + 1
	d.restoredCommit = last
	return start, nil
}

// handle processes one pushed item: rows go through the executor into the sink.
func (d *contDriver) handle(ctx context.Context, it contItem) error {
	if it.err != nil {
		if errors.Is(it.err, io.EOF) {
			if !d.finished[it.src][it.part] {
				d.finished[it.src][it.part] = true
				d.open--
			}
			return nil
		}
		return it.err
	}
	in := BatchInput{
		BatchID:         d.epoch,
		Sources:         make([][]*batch.Batch, len(d.cfg.Sources)),
		TimestampMicros: d.clock.Now().UnixMicro(),
	}
	in.Sources[it.src] = it.bs
	for _, b := range it.bs {
		if b != nil {
			d.rows[it.src] += int64(b.N)
		}
	}
	t0 := time.Now()
	var out BatchOutput
	err := protect("executor", func() (err error) {
		out, err = d.cfg.Executor.RunBatch(ctx, in)
		return err
	})
	if err != nil {
		return err
	}
	if res := out.Result; res != nil && res.N > 0 {
		d.outputRows += int64(res.N)
		if d.sink != nil {
			err = protect("sink", func() error { return d.sink.WriteRows(ctx, d.epoch, res) })
		} else {
			d.buffered = append(d.buffered, res)
		}
	}
	d.addBatchMs += time.Since(t0)
	if err != nil {
		return err
	}
	d.pos[it.src][it.part] = it.off
	if !d.available {
		d.available = true
		d.q.setStatus(func(s *Status) { s.IsDataAvailable = true })
	}
	return nil
}

// startEpoch resets the per-epoch bookkeeping.
func (d *contDriver) startEpoch() {
	d.epochStartMs = d.clock.Now().UnixMilli()
	clear(d.rows)
	d.buffered = nil
	d.outputRows = 0
	d.addBatchMs = 0
	d.available = false
	d.seq = d.q.triggerStarted()
	d.q.setStatus(func(s *Status) { *s = Status{Message: msgRunning, IsTriggerActive: true} })
}

// commitEpoch ends the current epoch (Spark's EpochCoordinator commit): offsets/N, the
// sink's commit, commits/N, the sources' commit, and the epoch's progress.
func (d *contDriver) commitEpoch(ctx context.Context) error {
	commitStart := time.Now()
	offs := make([]source.Offset, len(d.streams))
	for i, cs := range d.streams {
		err := protect(sourceWhere(cs), func() (err error) {
			offs[i], err = cs.MergeOffsets(d.pos[i])
			return err
		})
		if err != nil {
			return err
		}
	}
	if err := d.writeOffsets(offs); err != nil {
		return err
	}
	var result *batch.Batch
	err := protect("sink", func() error {
		if d.sink != nil {
			return d.sink.CommitEpoch(ctx, d.epoch)
		}
		if len(d.buffered) > 0 {
			result = batch.Concat(d.buffered[0].Schema, d.buffered)
		}
		return d.cfg.Sink.AddBatch(ctx, d.epoch, result)
	})
	if err != nil {
		return err
	}
	if cp := d.q.cp; cp != nil {
		if err := cp.WriteCommit(d.epoch, 0); err != nil {
			return err
		}
		if err := cp.PurgeOld(d.epoch); err != nil {
			return err
		}
	}
	for i, s := range d.cfg.Sources {
		if offs[i] == "" {
			continue
		}
		if err := protect(sourceWhere(s), func() error { return s.Commit(offs[i]) }); err != nil {
			return err
		}
	}
	d.report(offs, time.Since(commitStart), result)
	d.startOffs = offs
	d.epoch++
	return nil
}

// writeOffsets writes offsets/N. An entry after the last commit found at start is left
// from a run that stopped before committing it, and is replaced.
func (d *contDriver) writeOffsets(offs []source.Offset) error {
	cp := d.q.cp
	if cp == nil {
		return nil
	}
	seq := checkpoint.OffsetSeq{TimestampMs: d.epochStartMs, Conf: offsetsConf(d.cfg.Conf), Offsets: make([]string, len(offs))}
	for i, o := range offs {
		seq.Offsets[i] = string(o)
	}
	err := cp.WriteOffsets(d.epoch, seq)
	if errors.Is(err, checkpoint.ErrBatchExists) {
		committed, herr := cp.Commits.Has(d.epoch)
		if herr != nil {
			return herr
		}
		if committed || d.epoch <= d.restoredCommit {
			return fmt.Errorf("concurrent update to the log: multiple streaming jobs detected for epoch %d in %s", d.epoch, cp.Dir())
		}
		b, eerr := checkpoint.EncodeOffsets(seq)
		if eerr != nil {
			return eerr
		}
		err = checkpoint.WriteFileAtomic(cp.Offsets.Path(d.epoch), b)
	}
	if err != nil {
		return fmt.Errorf("writing the offsets of epoch %d: %w", d.epoch, err)
	}
	return nil
}

// report records the epoch's progress and wakes ProcessAllAvailable's waiters: an epoch
// that started after their call has committed everything read before it.
func (d *contDriver) report(offs []source.Offset, commitDur time.Duration, result *batch.Batch) {
	endMs := d.clock.Now().UnixMilli()
	epochMs := max(endMs-d.epochStartMs, 0)
	epochSec := float64(max(epochMs, 1)) / 1000
	procSec := max(d.addBatchMs.Seconds(), 0.001)
	p := Progress{
		ID:            d.q.id,
		RunID:         d.q.runID,
		Name:          d.cfg.Name,
		Timestamp:     formatTimestamp(d.epochStartMs),
		BatchID:       d.epoch,
		BatchDuration: epochMs,
		DurationMs: map[string]int64{
			"addBatch":         d.addBatchMs.Milliseconds(),
			"triggerExecution": epochMs,
			"walCommit":        commitDur.Milliseconds(),
		},
		Sink: SinkProgress{Description: sinkDescription(d.cfg.Sink), NumOutputRows: d.outputRows},
	}
	if isUncounted(d.cfg.Sink) {
		p.Sink.NumOutputRows = -1
	}
	for i, s := range d.cfg.Sources {
		rows := d.rows[i]
		sp := SourceProgress{
			Description:            describe(s),
			StartOffset:            string(d.startOffs[i]),
			EndOffset:              string(offs[i]),
			LatestOffset:           string(offs[i]),
			NumInputRows:           rows,
			InputRowsPerSecond:     float64(rows) / epochSec,
			ProcessedRowsPerSecond: float64(rows) / procSec,
		}
		p.Sources = append(p.Sources, sp)
		p.NumInputRows += rows
		p.InputRowsPerSecond += sp.InputRowsPerSecond
		p.ProcessedRowsPerSecond += sp.ProcessedRowsPerSecond
	}
	d.q.addProgress(p, result)
	d.q.triggerFinished(d.seq, true)
}

func isUncounted(s Sink) bool {
	u, ok := s.(UncountedSink)
	if !ok {
		return false
	}
	uncounted := false
	_ = protect("sink", func() error { uncounted = u.OutputRowsUncounted(); return nil })
	return uncounted
}

func sinkDescription(s Sink) string {
	desc := ""
	_ = protect("sink", func() error { desc = s.Description(); return nil })
	return desc
}
