package engine

import (
	"context"
	"os"
	"sync"
	"time"

	"github.com/runnel-go/runnel/engine/internal/runtime"
)

// QueryProgress is Spark's StreamingQueryProgress; JSON() gives Spark's JSON.
type QueryProgress = runtime.Progress

// QueryStatus is Spark's StreamingQueryStatus.
type QueryStatus = runtime.Status

// StreamingQuery is a running (or finished) streaming query.
type StreamingQuery struct {
	q   *runtime.Query
	mgr *StreamingQueryManager
}

// ID is the query's id, stable across restarts from the same checkpoint.
func (sq *StreamingQuery) ID() string { return sq.q.ID() }

// RunID is new for every start.
func (sq *StreamingQuery) RunID() string { return sq.q.RunID() }

// Name is the queryName, or "".
func (sq *StreamingQuery) Name() string { return sq.q.Name() }

// IsActive reports whether the query is running.
func (sq *StreamingQuery) IsActive() bool { return sq.q.IsActive() }

// Stop stops the query and waits for its goroutine to end.
func (sq *StreamingQuery) Stop() error { return sq.q.Stop() }

// AwaitTermination waits for the query to end and returns its error.
func (sq *StreamingQuery) AwaitTermination() error { return sq.q.AwaitTermination() }

// AwaitTerminationTimeout waits at most d; terminated tells whether it ended.
func (sq *StreamingQuery) AwaitTerminationTimeout(d time.Duration) (terminated bool, err error) {
	return sq.q.AwaitTerminationTimeout(d)
}

// AwaitTerminationContext is AwaitTermination that also returns (ctx.Err()) when ctx
// ends first, as an interrupted notebook cell needs.
func (sq *StreamingQuery) AwaitTerminationContext(ctx context.Context) error {
	return sq.q.AwaitTerminationContext(ctx)
}

// ProcessAllAvailable waits until everything available now has been processed.
func (sq *StreamingQuery) ProcessAllAvailable() error { return sq.q.ProcessAllAvailable() }

// ProcessAllAvailableContext is ProcessAllAvailable bounded by ctx.
func (sq *StreamingQuery) ProcessAllAvailableContext(ctx context.Context) error {
	return sq.q.ProcessAllAvailableContext(ctx)
}

// Done is closed once the query has ended.
func (sq *StreamingQuery) Done() <-chan struct{} { return sq.q.Done() }

// Exception is the error that ended the query, or nil.
func (sq *StreamingQuery) Exception() error { return sq.q.Exception() }

// Status is the query's current status.
func (sq *StreamingQuery) Status() QueryStatus { return sq.q.Status() }

// LastProgress is the latest progress report, or nil before the first.
func (sq *StreamingQuery) LastProgress() *QueryProgress { return sq.q.LastProgress() }

// RecentProgress lists the latest progress reports, oldest first.
func (sq *StreamingQuery) RecentProgress() []QueryProgress { return sq.q.RecentProgress() }

// String describes the query as Spark's repr does.
func (sq *StreamingQuery) String() string {
	return "<StreamingQuery id=" + sq.ID() + " runId=" + sq.RunID() + " name=" + sq.Name() + ">"
}

// StreamingQueryManager lists and waits on a session's queries (spark.streams).
type StreamingQueryManager struct {
	session *Session
	m       *runtime.Manager

	mu      sync.Mutex
	wrapped map[*runtime.Query]*StreamingQuery
}

func (m *StreamingQueryManager) wrap(q *runtime.Query) *StreamingQuery {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.wrapped == nil {
		m.wrapped = map[*runtime.Query]*StreamingQuery{}
	}
	sq, ok := m.wrapped[q]
	if !ok {
		sq = &StreamingQuery{q: q, mgr: m}
		m.wrapped[q] = sq
	}
	// Forget wrappers of queries that ended and are no longer listed.
	for k := range m.wrapped {
		if k != q && !k.IsActive() {
			delete(m.wrapped, k)
		}
	}
	return sq
}

// Active lists the running queries.
func (m *StreamingQueryManager) Active() []*StreamingQuery {
	var out []*StreamingQuery
	for _, q := range m.m.Active() {
		out = append(out, m.wrap(q))
	}
	return out
}

// Get returns the active query with id, or nil.
func (m *StreamingQueryManager) Get(id string) *StreamingQuery {
	q := m.m.Get(id)
	if q == nil {
		return nil
	}
	return m.wrap(q)
}

// AwaitAnyTermination waits until any query ends (or one ended since the last
// ResetTerminated) and returns its error.
func (m *StreamingQueryManager) AwaitAnyTermination() error { return m.m.AwaitAnyTermination() }

// AwaitAnyTerminationTimeout waits at most d.
func (m *StreamingQueryManager) AwaitAnyTerminationTimeout(d time.Duration) (bool, error) {
	return m.m.AwaitAnyTerminationTimeout(d)
}

// AwaitAnyTerminationContext is AwaitAnyTermination bounded by ctx.
func (m *StreamingQueryManager) AwaitAnyTerminationContext(ctx context.Context) (bool, error) {
	return m.m.AwaitAnyTerminationContext(ctx)
}

// ResetTerminated forgets past terminations for AwaitAnyTermination.
func (m *StreamingQueryManager) ResetTerminated() { m.m.ResetTerminated() }

// QueryEvent is what listeners receive (Spark's StreamingQueryListener events).
type QueryEvent struct {
	// Kind is "started", "progress" or "terminated".
	Kind  string
	Query *StreamingQuery
	// Progress is set for progress events.
	Progress *QueryProgress
	// Result is, for the progress event of a trigger that ran a batch, the rows the sink
	// received, as a static DataFrame; nil otherwise.
	Result *DataFrame
	// Err is the error that ended the query (terminated events), nil for a stop.
	Err error
}

// AddListener calls fn with the events of every query of the session, on the query's
// goroutine (fn must not block for long); remove stops the calls.
func (m *StreamingQueryManager) AddListener(fn func(QueryEvent)) (remove func()) {
	return m.m.AddListener(func(ev runtime.Event) {
		qe := QueryEvent{Query: m.wrap(ev.Query), Progress: ev.Progress, Err: ev.Exception}
		switch ev.Kind {
		case runtime.EventStarted:
			qe.Kind = "started"
		case runtime.EventProgress:
			qe.Kind = "progress"
		case runtime.EventTerminated:
			qe.Kind = "terminated"
		}
		if ev.Result != nil {
			qe.Result = &DataFrame{session: m.session, plan: staticRelation(ev.Result)}
		}
		fn(qe)
	})
}

// AddListener calls fn with this query's events (see StreamingQueryManager.AddListener).
func (sq *StreamingQuery) AddListener(fn func(QueryEvent)) (remove func()) {
	if sq.mgr == nil {
		return func() {}
	}
	return sq.mgr.AddListener(func(ev QueryEvent) {
		// Compared by the running query: once it has ended, its event may come with a new
		// wrapper (wrap forgets those of ended queries).
		if ev.Query != nil && ev.Query.q == sq.q {
			fn(ev)
		}
	})
}

func dirHasFiles(path string) bool {
	entries, err := os.ReadDir(path)
	return err == nil && len(entries) > 0
}

func removeAll(path string) error { return os.RemoveAll(path) }
