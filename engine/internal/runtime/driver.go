package runtime

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/internal/checkpoint"
	"github.com/runnel-go/runnel/engine/internal/source"
)

// driver is the state of the micro-batch loop (Spark's MicroBatchExecution); only the
// query goroutine touches it.
type driver struct {
	q       *Query
	cfg     *Config
	clock   Clock
	sources []source.Source

	batchID int64
	// committed holds each source's end offset of the last committed batch: where the
	// next batch starts. available holds the end offsets of the batch being run.
	committed []source.Offset
	available []source.Offset
	latest    []source.Offset
	// constructed is true when batch batchID's offsets are fixed (written) but it has not
	// run yet.
	constructed bool
	// batchWatermarkMs and batchTimestampMs are the batch's offsets metadata.
	batchWatermarkMs int64
	batchTimestampMs int64
	wm               *watermarkTracker
	hasEventTime     bool

	// lastExecution: whether a batch ran in this run, the watermark it ran with, and its
	// state operator figures (reported again by idle triggers).
	hasLastExecution    bool
	lastExecWatermarkMs int64
	lastStateOps        []StateOperatorProgress

	// availableNowEnd caps, for AvailableNow, sources that cannot prepare themselves: the
	// end offset fixed at start; capped[i] says whether source i is capped.
	availableNowEnd []source.Offset
	capped          []bool

	// Per-trigger bookkeeping for progress.
	triggerStartMs     int64
	lastTriggerStartMs int64
	durations          map[string]int64
	rowsPerSource      []int64
	outputRows         int64
	result             *batch.Batch
	eventStats         *EventTimeStats
	triggerStartOffs   []source.Offset
	lastNoExecReportMs int64
	reportedNoExec     bool

	// restoredWatermarkMs and restoredConf come from the checkpoint (zero without one).
	restoredWatermarkMs int64
	restoredConf        map[string]string
}

func newDriver(q *Query) *driver {
	n := len(q.cfg.Sources)
	return &driver{
		q:                  q,
		cfg:                &q.cfg,
		clock:              q.clock,
		sources:            q.cfg.Sources,
		committed:          make([]source.Offset, n),
		available:          make([]source.Offset, n),
		latest:             make([]source.Offset, n),
		rowsPerSource:      make([]int64, n),
		triggerStartMs:     -1,
		lastTriggerStartMs: -1,
	}
}

func (d *driver) nowMs() int64 { return d.clock.Now().UnixMilli() }

// run is the query's life: restore from the checkpoint, then triggers until the trigger
// says stop, the context is cancelled or something fails.
func (d *driver) run(ctx context.Context) error {
	var delays []int64
	if err := protect("executor", func() error { delays = d.cfg.Executor.WatermarkDelays(); return nil }); err != nil {
		return err
	}
	d.hasEventTime = len(delays) > 0
	if err := d.restore(); err != nil {
		return err
	}
	d.wm = newWatermarkTracker(delays, d.q.useMaxWatermark)
	d.wm.restore(d.restoredWatermarkMs)
	for _, s := range d.sources {
		if w, ok := s.(Waker); ok {
			w.SetWakeup(d.q.wakeup)
		}
	}
	if d.cfg.Trigger.Kind == TriggerAvailableNow {
		if err := d.prepareAvailableNow(ctx); err != nil {
			return err
		}
	}
	interval := time.Duration(d.cfg.Trigger.IntervalMicros) * time.Microsecond
	for {
		if ctx.Err() != nil {
			return nil
		}
		start := d.clock.Now()
		executed, err := d.trigger(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil // stopping: whatever the interrupted call said is no failure
			}
			return err
		}
		if !executed && d.allFinished() {
			return nil // every source ran out of data for good (a closed socket)
		}
		switch d.cfg.Trigger.Kind {
		case TriggerOnce:
			return nil
		case TriggerAvailableNow:
			if !executed {
				return nil
			}
			continue
		case TriggerProcessingTime:
			if interval > 0 {
				// Spark's ProcessingTimeExecutor: triggers fall on multiples of the
				// interval; a batch that overran starts the next one at once.
				next := nextBatchTime(start, interval)
				wait := next.Sub(d.clock.Now())
				if !executed {
					wait = max(wait, d.q.pollingDelay)
				}
				if wait > 0 {
					d.q.setStatus(func(s *Status) { s.Message = msgWaitingTrigger })
					if !d.sleep(ctx, wait, false) {
						return nil
					}
				}
				continue
			}
		}
		if !executed && !d.sleep(ctx, d.q.pollingDelay, true) {
			return nil
		}
	}
}

// allFinished reports whether every source is a source.Finisher that has finished: the
// query then ends cleanly once it has processed everything.
func (d *driver) allFinished() bool {
	for _, s := range d.sources {
		f, ok := s.(source.Finisher)
		if !ok {
			return false
		}
		done := false
		if protect(sourceWhere(s), func() error { done = f.Finished(); return nil }) != nil || !done {
			return false
		}
	}
	return true
}

// nextBatchTime is Spark's ProcessingTimeExecutor.nextBatchTime: the next multiple of
// interval after now.
func nextBatchTime(now time.Time, interval time.Duration) time.Time {
	ms := now.UnixMilli()
	iv := interval.Milliseconds()
	if iv <= 0 {
		return now
	}
	return time.UnixMilli((ms/iv + 1) * iv)
}

// sleep waits d on the clock (or until a Waker source signals, when wakeable); false when
// the context was cancelled.
func (d *driver) sleep(ctx context.Context, dur time.Duration, wakeable bool) bool {
	c, stop := d.clock.Timer(dur)
	defer stop()
	var wake chan struct{}
	if wakeable {
		wake = d.q.wake
	}
	select {
	case <-ctx.Done():
		return false
	case <-c:
	case <-wake:
	}
	return true
}

// restore positions the driver on the checkpoint: Spark's populateStartOffsets.
func (d *driver) restore() error {
	if d.q.cp == nil {
		return nil
	}
	rp, err := d.q.cp.Resume()
	if err != nil {
		return err
	}
	if rp.Conf == nil {
		return nil // a fresh checkpoint
	}
	if _, ok := rp.Conf[confWatermarkPolicy]; ok {
		// The policy is fixed for the life of a checkpoint, as in Spark.
		useMax, err := parseWatermarkPolicy(rp.Conf)
		if err != nil {
			return err
		}
		d.q.useMaxWatermark = useMax
		d.restoredConf = rp.Conf
	}
	offs := rp.End
	if offs == nil {
		offs = rp.Start
	}
	if len(offs) != len(d.sources) {
		return fmt.Errorf("checkpoint %s: its offsets have %d sources but the query has %d", d.q.cp.Dir(), len(offs), len(d.sources))
	}
	if rp.Start != nil {
		if len(rp.Start) != len(d.sources) {
			return fmt.Errorf("checkpoint %s: its offsets have %d sources but the query has %d", d.q.cp.Dir(), len(rp.Start), len(d.sources))
		}
		for i, o := range rp.Start {
			d.committed[i] = source.Offset(o)
		}
	}
	d.batchID = rp.BatchID
	d.restoredWatermarkMs = rp.WatermarkMs
	if rp.Rerun {
		for i, o := range rp.End {
			d.available[i] = source.Offset(o)
		}
		d.constructed = true
		d.batchWatermarkMs = rp.WatermarkMs
		d.batchTimestampMs = rp.TimestampMs
	}
	return nil
}

// prepareAvailableNow fixes the data an AvailableNow query processes: sources that can
// prepare themselves do; the others are capped at the end offset they report now.
func (d *driver) prepareAvailableNow(ctx context.Context) error {
	d.availableNowEnd = make([]source.Offset, len(d.sources))
	d.capped = make([]bool, len(d.sources))
	for i, s := range d.sources {
		if an, ok := s.(source.AvailableNow); ok {
			if err := protect(sourceWhere(s), func() error { return an.PrepareForAvailableNow(ctx) }); err != nil {
				return err
			}
			continue
		}
		start := d.committed[i]
		if d.constructed {
			start = d.available[i]
		}
		var end source.Offset
		err := protect(sourceWhere(s), func() (err error) {
			end, err = s.LatestOffset(ctx, start)
			return err
		})
		if err != nil {
			return err
		}
		d.availableNowEnd[i] = end
		d.capped[i] = true
	}
	return nil
}

// describe is a source's Description, guarded against a panic.
func describe(s source.Source) string {
	desc := "?"
	_ = protect("source", func() error { desc = s.Description(); return nil })
	return desc
}

func sourceWhere(s source.Source) string { return "source " + describe(s) }

// timed adds the clock time f takes to the trigger's duration key.
func (d *driver) timed(key string, f func() error) error {
	t0 := d.nowMs()
	err := f()
	d.durations[key] += max(d.nowMs()-t0, 0)
	return err
}

// trigger is one trigger: construct the next batch if there is one to run, run it, and
// report progress. executed says whether a batch ran.
func (d *driver) trigger(ctx context.Context) (executed bool, err error) {
	d.lastTriggerStartMs = d.triggerStartMs
	d.triggerStartMs = d.nowMs()
	d.durations = map[string]int64{}
	clear(d.rowsPerSource)
	d.outputRows = 0
	d.result = nil
	d.eventStats = nil
	seq := d.q.triggerStarted()

	hasNewData := false
	err = d.timed("triggerExecution", func() error {
		if !d.constructed {
			ok, err := d.constructNextBatch(ctx)
			if err != nil {
				return err
			}
			d.constructed = ok
		}
		// The offsets this trigger covers, for progress, before committed moves on.
		d.triggerStartOffs = slices.Clone(d.committed)
		if !d.constructed {
			copy(d.available, d.committed)
		}
		hasNewData = d.constructed && !slices.Equal(d.available, d.committed)
		d.q.setStatus(func(s *Status) { s.IsDataAvailable = hasNewData })
		if !d.constructed {
			d.q.setStatus(func(s *Status) { s.Message = msgWaitingData })
			return nil
		}
		if hasNewData {
			d.q.setStatus(func(s *Status) { s.Message = msgProcessing })
		} else {
			d.q.setStatus(func(s *Status) { s.Message = msgNoDataBatch })
		}
		return d.runBatch(ctx, hasNewData)
	})
	if err != nil {
		return false, err
	}
	executed = d.constructed
	d.finishTrigger(hasNewData, executed)
	d.q.triggerFinished(seq, !executed)
	if executed {
		d.batchID++
		d.constructed = false
	}
	return executed, nil
}

// constructNextBatch asks each source for its latest offset and decides whether a batch
// runs: when any source has new data, or, without new data, when the watermark moved and
// the executor has state to evict (a no-data batch). It writes offsets/N before it
// returns true.
func (d *driver) constructNextBatch(ctx context.Context) (bool, error) {
	d.batchWatermarkMs = d.wm.globalMs
	d.batchTimestampMs = d.triggerStartMs
	d.durations["latestOffset"] += 0
	for i, s := range d.sources {
		if d.capped != nil && d.capped[i] {
			d.available[i] = d.availableNowEnd[i]
			continue
		}
		desc := describe(s)
		d.q.setStatus(func(st *Status) { st.Message = msgGettingOffsets + desc })
		var end source.Offset
		err := d.timed("latestOffset", func() error {
			return protect("source "+desc, func() (err error) {
				end, err = s.LatestOffset(ctx, d.committed[i])
				return err
			})
		})
		if err != nil {
			return false, err
		}
		d.available[i] = end
		if r, ok := s.(LatestReporter); ok {
			d.latest[i] = r.ReportLatestOffset()
		}
	}
	hasNewData := !slices.Equal(d.available, d.committed)
	if !hasNewData {
		due := false
		if d.q.noDataBatches && d.hasLastExecution && d.batchWatermarkMs > d.lastExecWatermarkMs {
			wm := d.batchWatermarkMs * 1000
			err := protect("executor", func() error { due = d.cfg.Executor.HasPendingEviction(wm); return nil })
			if err != nil {
				return false, err
			}
		}
		if !due {
			return false, nil
		}
	}
	if d.q.cp != nil {
		offs := make([]string, len(d.available))
		for i, o := range d.available {
			offs[i] = string(o)
		}
		conf := offsetsConf(d.cfg.Conf)
		for k, v := range d.restoredConf {
			if _, ok := conf[k]; ok {
				conf[k] = v
			}
		}
		err := d.timed("walCommit", func() error {
			err := d.q.cp.WriteOffsets(d.batchID, checkpoint.OffsetSeq{
				WatermarkMs: d.batchWatermarkMs, TimestampMs: d.batchTimestampMs, Conf: conf, Offsets: offs,
			})
			if errors.Is(err, checkpoint.ErrBatchExists) {
				return fmt.Errorf("concurrent update to the log: multiple streaming jobs detected for batch %d in %s", d.batchID, d.q.cp.Dir())
			}
			return err
		})
		if err != nil {
			return false, err
		}
	}
	return true, nil
}

// runBatch reads the batch's data, runs the executor and the sink, and commits.
func (d *driver) runBatch(ctx context.Context, hasNewData bool) error {
	d.durations["walCommit"] += 0
	in := BatchInput{
		BatchID:         d.batchID,
		Sources:         make([][]*batch.Batch, len(d.sources)),
		WatermarkMicros: d.batchWatermarkMs * 1000,
		TimestampMicros: d.batchTimestampMs * 1000,
		NoData:          !hasNewData,
	}
	err := d.timed("getBatch", func() error {
		for i, s := range d.sources {
			if d.available[i] == d.committed[i] {
				continue
			}
			var bs []*batch.Batch
			err := protect(sourceWhere(s), func() (err error) {
				bs, err = s.GetBatch(ctx, d.committed[i], d.available[i])
				return err
			})
			if err != nil {
				return err
			}
			in.Sources[i] = bs
			for _, b := range bs {
				if b != nil {
					d.rowsPerSource[i] += int64(b.N)
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	// The executor compiles its plan once per query, so planning a batch costs nothing.
	d.durations["queryPlanning"] += 0
	var out BatchOutput
	err = d.timed("addBatch", func() error {
		err := protect("executor", func() (err error) {
			out, err = d.cfg.Executor.RunBatch(ctx, in)
			return err
		})
		if err != nil {
			return err
		}
		return protect("sink", func() error { return d.cfg.Sink.AddBatch(ctx, d.batchID, out.Result) })
	})
	if err != nil {
		return err
	}
	d.result = out.Result
	if out.Result != nil {
		d.outputRows = int64(out.Result.N)
	}
	if hasNewData {
		d.eventStats = out.EventTimeStats
	}
	d.lastStateOps = slices.Clone(out.StateOps)
	d.hasLastExecution = true
	d.lastExecWatermarkMs = d.batchWatermarkMs

	// Spark's markMicroBatchEnd: the watermark for the next batch, then commits/N.
	d.wm.update(out.MaxEventTime)
	if d.q.cp != nil {
		if err := d.q.cp.WriteCommit(d.batchID, d.wm.globalMs); err != nil {
			return err
		}
		if err := d.q.cp.PurgeOld(d.batchID); err != nil {
			return err
		}
	}
	copy(d.committed, d.available)
	for i, s := range d.sources {
		if d.committed[i] == "" {
			continue
		}
		end := d.committed[i]
		if err := protect(sourceWhere(s), func() error { return s.Commit(end) }); err != nil {
			return err
		}
	}
	return nil
}

// finishTrigger builds the trigger's progress (Spark's ProgressReporter.finishTrigger):
// always for a trigger that ran a batch, and for idle triggers at most once per
// spark.sql.streaming.noDataProgressEventInterval.
func (d *driver) finishTrigger(hasNewData, executed bool) {
	endMs := d.nowMs()
	processingMs := endMs - d.triggerStartMs
	processingSec := float64(max(1, processingMs)) / 1000
	inputSec := math.Inf(1)
	if d.lastTriggerStartMs >= 0 {
		inputSec = float64(d.triggerStartMs-d.lastTriggerStartMs) / 1000
	}
	report := executed
	if executed {
		d.lastNoExecReportMs = endMs
		d.reportedNoExec = true
	} else if !d.reportedNoExec || endMs-d.q.noDataProgressMs >= d.lastNoExecReportMs {
		d.lastNoExecReportMs = endMs
		d.reportedNoExec = true
		report = true
	}
	d.q.setStatus(func(s *Status) { s.IsTriggerActive = false })
	if !report {
		return
	}
	p := Progress{
		ID:            d.q.id,
		RunID:         d.q.runID,
		Name:          d.cfg.Name,
		Timestamp:     formatTimestamp(d.triggerStartMs),
		BatchID:       d.batchID,
		BatchDuration: processingMs,
		DurationMs:    d.durations,
		Sink:          SinkProgress{Description: d.sinkDescription()},
	}
	switch {
	case d.uncountedSink():
		p.Sink.NumOutputRows = -1
	case executed:
		p.Sink.NumOutputRows = d.outputRows
	case !d.hasLastExecution:
		// Spark reports -1 (unknown) until the sink has committed a batch.
		p.Sink.NumOutputRows = -1
	}
	for i, s := range d.sources {
		rows := int64(0)
		if hasNewData {
			rows = d.rowsPerSource[i]
		}
		sp := SourceProgress{
			Description:            describe(s),
			StartOffset:            string(d.triggerStartOffs[i]),
			EndOffset:              string(d.available[i]),
			LatestOffset:           string(d.latest[i]),
			NumInputRows:           rows,
			InputRowsPerSecond:     float64(rows) / inputSec,
			ProcessedRowsPerSecond: float64(rows) / processingSec,
		}
		p.Sources = append(p.Sources, sp)
		p.NumInputRows += sp.NumInputRows
		p.InputRowsPerSecond += sp.InputRowsPerSecond
		p.ProcessedRowsPerSecond += sp.ProcessedRowsPerSecond
	}
	if d.hasEventTime {
		p.EventTime = map[string]string{"watermark": formatTimestamp(d.batchWatermarkMs)}
		if hasNewData && d.eventStats != nil {
			p.EventTime["max"] = formatTimestamp(d.eventStats.Max / 1000)
			p.EventTime["min"] = formatTimestamp(d.eventStats.Min / 1000)
			p.EventTime["avg"] = formatTimestamp(d.eventStats.Avg / 1000)
		}
	}
	p.StateOperators = slices.Clone(d.lastStateOps)
	if !executed {
		for i := range p.StateOperators {
			p.StateOperators[i].NumRowsUpdated = 0
			p.StateOperators[i].NumRowsDroppedByWatermark = 0
		}
	}
	d.q.addProgress(p, d.result)
}

func (d *driver) uncountedSink() bool {
	u, ok := d.cfg.Sink.(UncountedSink)
	if !ok {
		return false
	}
	uncounted := false
	_ = protect("sink", func() error { uncounted = u.OutputRowsUncounted(); return nil })
	return uncounted
}

func (d *driver) sinkDescription() string {
	desc := ""
	_ = protect("sink", func() error { desc = d.cfg.Sink.Description(); return nil })
	return desc
}
