package engine

import (
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
	q *runtime.Query
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

// ProcessAllAvailable waits until everything available now has been processed.
func (sq *StreamingQuery) ProcessAllAvailable() error { return sq.q.ProcessAllAvailable() }

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
		sq = &StreamingQuery{q: q}
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

// ResetTerminated forgets past terminations for AwaitAnyTermination.
func (m *StreamingQueryManager) ResetTerminated() { m.m.ResetTerminated() }

func dirHasFiles(path string) bool {
	entries, err := os.ReadDir(path)
	return err == nil && len(entries) > 0
}

func removeAll(path string) error { return os.RemoveAll(path) }
