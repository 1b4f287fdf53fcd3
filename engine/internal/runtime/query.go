package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/internal/checkpoint"
)

// Query is one running streaming query (Spark's StreamingQuery). It owns the goroutine
// that runs its batches; Stop ends it.
type Query struct {
	cfg   Config
	id    string
	runID string
	clock Clock
	cp    *checkpoint.Checkpoint

	// Settings read from cfg.Conf at start.
	useMaxWatermark  bool
	noDataBatches    bool
	pollingDelay     time.Duration
	noDataProgressMs int64
	maxProgress      int
	stopTimeout      time.Duration

	ctx    context.Context
	cancel context.CancelFunc
	// exited is closed when the query's goroutine has returned.
	exited chan struct{}
	// goid is the query goroutine's id (see goroutineID).
	goid atomic.Int64
	// wake is signalled by Waker sources when new data arrives.
	wake chan struct{}

	closeSourcesOnce sync.Once

	mu       sync.Mutex
	status   Status
	progress []Progress
	// lastResult is the result of the latest trigger that ran a batch (the rows its
	// progress event carried), kept for a view that starts following the query late.
	lastResult      *batch.Batch
	lastResultBatch int64
	err             *QueryError
	terminated      bool
	// triggerSeq counts the triggers started; idleSeq is the number of the last trigger
	// that found nothing to run. ProcessAllAvailable waits for an idle trigger that
	// started after it was called, so data added just before the call is never missed.
	triggerSeq int64
	idleSeq    int64
	// triggerDone is closed and replaced at the end of every trigger and at termination.
	triggerDone chan struct{}
	mgr         *Manager
}

// Start validates cfg and starts the query on its own goroutine. With a checkpoint, the
// query id is the one recorded there (a new checkpoint records cfg.ID, or a new id).
func Start(cfg Config) (*Query, error) {
	q, err := newQuery(cfg)
	if err != nil {
		return nil, err
	}
	q.launch()
	return q, nil
}

func newQuery(cfg Config) (*Query, error) {
	if len(cfg.Sources) == 0 {
		return nil, errors.New("runtime: a streaming query needs at least one source")
	}
	for i, s := range cfg.Sources {
		if s == nil {
			return nil, fmt.Errorf("runtime: source %d is nil", i)
		}
	}
	if cfg.Executor == nil {
		return nil, errors.New("runtime: a streaming query needs an executor")
	}
	if cfg.Sink == nil {
		return nil, errors.New("runtime: a streaming query needs a sink")
	}
	switch cfg.Trigger.Kind {
	case TriggerDefault, TriggerOnce, TriggerAvailableNow:
	case TriggerProcessingTime:
		if cfg.Trigger.IntervalMicros < 0 {
			return nil, errors.New("interval cannot be negative")
		}
	case TriggerContinuous:
		if cfg.Trigger.IntervalMicros < 0 {
			return nil, errors.New("the interval of trigger should not be negative")
		}
	default:
		return nil, fmt.Errorf("runtime: unknown trigger kind %d", cfg.Trigger.Kind)
	}
	if cfg.Output == nil {
		cfg.Output = os.Stdout
	}
	q := &Query{cfg: cfg, clock: cfg.Clock, runID: cfg.RunID, wake: make(chan struct{}, 1)}
	if q.clock == nil {
		q.clock = wallClock{}
	}
	var err error
	if q.useMaxWatermark, err = parseWatermarkPolicy(cfg.Conf); err != nil {
		return nil, err
	}
	if q.noDataBatches, err = parseBoolConf(cfg.Conf, confNoDataBatches, true); err != nil {
		return nil, err
	}
	if q.pollingDelay, err = parseDurationConf(cfg.Conf, confPollingDelay, 10*time.Millisecond, time.Millisecond); err != nil {
		return nil, err
	}
	noData, err := parseDurationConf(cfg.Conf, confNoDataProgressEvery, 10*time.Second, time.Millisecond)
	if err != nil {
		return nil, err
	}
	q.noDataProgressMs = noData.Milliseconds()
	if q.maxProgress, err = parseIntConf(cfg.Conf, confRecentProgress, 100); err != nil {
		return nil, err
	}
	q.maxProgress = max(q.maxProgress, 1)
	if q.stopTimeout, err = parseDurationConf(cfg.Conf, confStopTimeout, defaultStopTimeout, time.Millisecond); err != nil {
		return nil, err
	}

	q.cp = cfg.Checkpoint
	if q.cp == nil && cfg.CheckpointDir != "" {
		if q.cp, err = checkpoint.Open(cfg.CheckpointDir); err != nil {
			return nil, err
		}
	}
	switch {
	case q.cp != nil:
		q.id = q.cp.ID()
	case cfg.ID != "":
		q.id = cfg.ID
	default:
		q.id = uuid.NewString()
	}
	if q.runID == "" {
		q.runID = uuid.NewString()
	}
	q.ctx, q.cancel = context.WithCancel(context.Background())
	q.exited = make(chan struct{})
	q.triggerDone = make(chan struct{})
	q.status = Status{Message: msgInitializing}
	return q, nil
}

// launch starts the query goroutine.
func (q *Query) launch() {
	go q.run()
}

func (q *Query) run() {
	defer close(q.exited)
	q.goid.Store(goroutineID())
	var err error
	if q.cfg.Trigger.Kind == TriggerContinuous {
		d := newContDriver(q)
		err = protect("driver", func() error { return d.run(q.ctx) })
	} else {
		d := newDriver(q)
		err = protect("driver", func() error { return d.run(q.ctx) })
	}
	q.closeSources()
	if cerr := q.closeSink(); cerr != nil && err == nil && q.ctx.Err() == nil {
		err = cerr
	}
	q.finish(err)
}

// closeSink closes a sink that holds resources (an io.Closer such as the Kafka
// producer) once the query has ended, whether it finished, failed or was stopped.
func (q *Query) closeSink() error {
	c, ok := q.cfg.Sink.(io.Closer)
	if !ok {
		return nil
	}
	if err := protect("sink", c.Close); err != nil {
		return fmt.Errorf("closing the sink: %w", err)
	}
	return nil
}

// finish records the end of the query: its exception (unless it was stopped), the
// "Stopped" status, and tells the waiters, the manager and the listeners.
func (q *Query) finish(err error) {
	q.mu.Lock()
	if err != nil && q.ctx.Err() == nil {
		q.err = &QueryError{ID: q.id, RunID: q.runID, Name: q.cfg.Name, Cause: err}
	}
	q.terminated = true
	q.status = Status{Message: msgStopped}
	close(q.triggerDone)
	q.triggerDone = make(chan struct{})
	mgr := q.mgr
	qerr := q.err
	q.mu.Unlock()
	q.cancel()
	if mgr != nil {
		var e error
		if qerr != nil {
			e = qerr
		}
		mgr.terminated(q, e)
	}
}

// closeSources closes every source once; it may run while a source call is blocked, to
// unblock a source that ignores its context.
func (q *Query) closeSources() {
	q.closeSourcesOnce.Do(func() {
		for i, s := range q.cfg.Sources {
			// A source that fails to close has nothing left for the query to do with it.
			_ = protect(fmt.Sprintf("source %d", i), s.Close)
		}
	})
}

// ID is the query id, stable across restarts from the same checkpoint.
func (q *Query) ID() string { return q.id }

// RunID is new for every start.
func (q *Query) RunID() string { return q.runID }

// Name is the query name ("" when none was given).
func (q *Query) Name() string { return q.cfg.Name }

// Sink is the query's sink (the engine reads the memory sink's rows through it).
func (q *Query) Sink() Sink { return q.cfg.Sink }

// Config returns the configuration the query was started with.
func (q *Query) Config() Config { return q.cfg }

// Done returns a channel closed once the query's goroutine has ended (after its
// Terminated event), for callers that select on several things.
func (q *Query) Done() <-chan struct{} { return q.exited }

// IsActive reports whether the query is still running.
func (q *Query) IsActive() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return !q.terminated
}

// stopGrace is how long Stop waits for the query to notice its cancelled context before
// it closes the sources to unblock one that ignores the context.
const stopGrace = 500 * time.Millisecond

// defaultStopTimeout bounds Stop when spark.sql.streaming.stopTimeout is not set. (Spark
// waits forever by default; a notebook cell should not.)
const defaultStopTimeout = 5 * time.Second

// Stop stops the query and waits until its goroutine has ended. A query stopped this way
// has no exception. Called from the query's own goroutine (a sink or a listener), it only
// asks the query to stop: the query ends when that call returns. If a sink, executor or
// source call ignores the cancellation for longer than spark.sql.streaming.stopTimeout
// (default 5 s here; 0 or less waits forever), Stop returns Spark's timeout error and the
// query ends when that call returns.
func (q *Query) Stop() error {
	q.cancel()
	if goroutineID() == q.goid.Load() {
		return nil
	}
	grace := time.NewTimer(stopGrace)
	defer grace.Stop()
	select {
	case <-q.exited:
		return nil
	case <-grace.C:
	}
	q.closeSources()
	var limit <-chan time.Time
	if q.stopTimeout > 0 {
		t := time.NewTimer(max(q.stopTimeout-stopGrace, 0))
		defer t.Stop()
		limit = t.C
	}
	select {
	case <-q.exited:
		return nil
	case <-limit:
		return fmt.Errorf("Stream Execution thread for stream %s failed to stop within %d milliseconds (specified by %s). See the cause on what was being executed in the streaming query thread.",
			prettyIDString(q.cfg.Name, q.id, q.runID), q.stopTimeout.Milliseconds(), confStopTimeout)
	}
}

// errOwnGoroutine is returned by the waiting methods when called from the query's own
// goroutine, where waiting would never end.
var errOwnGoroutine = errors.New("cannot wait for a streaming query from inside its own batch or listener")

// AwaitTermination waits until the query has ended and returns its exception (nil when
// it was stopped or finished its Once/AvailableNow work).
func (q *Query) AwaitTermination() error {
	return q.AwaitTerminationContext(context.Background())
}

// AwaitTerminationContext is AwaitTermination that gives up when ctx ends (a notebook
// cell interrupted while it waits), returning ctx's error.
func (q *Query) AwaitTerminationContext(ctx context.Context) error {
	if goroutineID() == q.goid.Load() {
		return errOwnGoroutine
	}
	select {
	case <-q.exited:
		return q.Exception()
	case <-ctx.Done():
		select {
		case <-q.exited: // both were ready
			return q.Exception()
		default:
			return ctx.Err()
		}
	}
}

// AwaitTerminationTimeout waits at most d; terminated reports whether the query ended, and
// err is its exception.
func (q *Query) AwaitTerminationTimeout(d time.Duration) (terminated bool, err error) {
	if goroutineID() == q.goid.Load() {
		return false, errOwnGoroutine
	}
	t := time.NewTimer(max(d, 0))
	defer t.Stop()
	select {
	case <-q.exited:
		return true, q.Exception()
	case <-t.C:
		// Both may be ready: an ended query is reported as ended.
		select {
		case <-q.exited:
			return true, q.Exception()
		default:
			return false, nil
		}
	}
}

// ProcessAllAvailable blocks until the query has processed everything its sources had
// when a trigger found no new data (every source's latest offset committed), or until the
// query ended; it returns the query's exception if it failed.
// A continuous query has no idle trigger: it returns once an epoch that started after the
// call has committed (rows that were available at the call have been read by then).
func (q *Query) ProcessAllAvailable() error {
	return q.ProcessAllAvailableContext(context.Background())
}

// ProcessAllAvailableContext is ProcessAllAvailable that gives up when ctx ends.
func (q *Query) ProcessAllAvailableContext(ctx context.Context) error {
	if goroutineID() == q.goid.Load() {
		return errOwnGoroutine
	}
	q.mu.Lock()
	since := q.triggerSeq
	for {
		if q.err != nil {
			err := q.err
			q.mu.Unlock()
			return err
		}
		if q.terminated || q.idleSeq > since {
			q.mu.Unlock()
			return nil
		}
		ch := q.triggerDone
		q.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
		q.mu.Lock()
	}
}

// Exception returns the error that stopped the query (a *QueryError), or nil.
func (q *Query) Exception() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.err == nil {
		return nil
	}
	return q.err
}

// Status returns the query's current status.
func (q *Query) Status() Status {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.status
}

// LastProgress returns the most recent progress, or nil before the first one.
func (q *Query) LastProgress() *Progress {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.progress) == 0 {
		return nil
	}
	p := q.progress[len(q.progress)-1].clone()
	return &p
}

// LastResult returns the rows of the latest batch that ran, as its progress event
// carried them (read-only), and that batch's id; nil before the first.
func (q *Query) LastResult() (*batch.Batch, int64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.lastResult, q.lastResultBatch
}

// RecentProgress returns the most recent progress reports, oldest first (at most
// spark.sql.streaming.numRecentProgressUpdates, default 100).
func (q *Query) RecentProgress() []Progress {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := make([]Progress, len(q.progress))
	for i := range q.progress {
		out[i] = q.progress[i].clone()
	}
	return out
}

// setStatus changes the status under the lock.
func (q *Query) setStatus(f func(s *Status)) {
	q.mu.Lock()
	f(&q.status)
	q.mu.Unlock()
}

// addProgress records p and tells the listeners, with the batch's result if one ran.
func (q *Query) addProgress(p Progress, result *batch.Batch) {
	q.mu.Lock()
	q.progress = append(q.progress, p)
	if result != nil {
		q.lastResult, q.lastResultBatch = result, p.BatchID
	}
	if over := len(q.progress) - q.maxProgress; over > 0 {
		q.progress = append(q.progress[:0:0], q.progress[over:]...)
	}
	mgr := q.mgr
	q.mu.Unlock()
	if mgr != nil {
		c := p.clone()
		mgr.emit(Event{Kind: EventProgress, Query: q, Progress: &c, Result: result})
	}
}

// triggerStarted marks the start of a trigger (its status and number).
func (q *Query) triggerStarted() int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.triggerSeq++
	q.status.IsTriggerActive = true
	return q.triggerSeq
}

// triggerFinished wakes the waiters of ProcessAllAvailable; idle says trigger seq found
// nothing to run.
func (q *Query) triggerFinished(seq int64, idle bool) {
	q.mu.Lock()
	if idle {
		q.idleSeq = seq
	}
	close(q.triggerDone)
	q.triggerDone = make(chan struct{})
	q.mu.Unlock()
}

// wakeup is the function Waker sources call.
func (q *Query) wakeup() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}
