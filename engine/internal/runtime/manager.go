package runtime

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/runnel-go/runnel/engine/internal/batch"
)

// EventKind tells the listener events apart.
type EventKind int

const (
	// EventStarted: the query was started (posted before its first trigger).
	EventStarted EventKind = iota
	// EventProgress: a trigger made progress; Event.Progress holds it.
	EventProgress
	// EventTerminated: the query ended; Event.Exception holds its error, nil when it was
	// stopped or finished.
	EventTerminated
)

// Event is what listeners receive (Spark's StreamingQueryListener events).
type Event struct {
	Kind     EventKind
	Query    *Query
	Progress *Progress
	// Result is, for a progress event of a trigger that ran a batch, the rows the sink
	// received (read-only: the sink may keep them); nil otherwise.
	Result    *batch.Batch
	Exception error
	// Timestamp is the event time, ISO-8601 UTC (Started only).
	Timestamp string
}

// Manager is Spark's StreamingQueryManager: the session's active queries, the waiting on
// any of them, and the listeners.
type Manager struct {
	mu     sync.Mutex
	active []*Query
	// anyTerminated is closed and replaced whenever a query ends.
	anyTerminated chan struct{}
	// terminatedSinceReset and lastErr are Spark's lastTerminatedQueryException: set when a
	// query ends; the error stays once a query failed, until ResetTerminated.
	terminatedSinceReset bool
	lastErr              error
	listeners            []*listener
}

type listener struct{ fn func(Event) }

// NewManager returns an empty manager.
func NewManager() *Manager {
	return &Manager{anyTerminated: make(chan struct{})}
}

// Start starts a query from cfg and registers it, refusing a name or id already active,
// with Spark's messages. Listeners receive its Started event before its first batch.
func (m *Manager) Start(cfg Config) (*Query, error) {
	q, err := newQuery(cfg)
	if err != nil {
		return nil, err
	}
	if err := m.Register(q); err != nil {
		q.cancel()
		return nil, err
	}
	m.emit(Event{Kind: EventStarted, Query: q, Timestamp: formatTimestamp(q.clock.Now().UnixMilli())})
	q.launch()
	return q, nil
}

// Register adds a query started with Start to the active ones. A query already ended is
// counted as terminated at once.
func (m *Manager) Register(q *Query) error {
	m.mu.Lock()
	for _, a := range m.active {
		if q.Name() != "" && a.Name() == q.Name() {
			m.mu.Unlock()
			return fmt.Errorf("Cannot start query with name %s as a query with that name is already active in this SparkSession", q.Name())
		}
		if a.ID() == q.ID() {
			m.mu.Unlock()
			return fmt.Errorf("Cannot start query with id %s as another query with same id is already active. Perhaps you are attempting to restart a query from checkpoint that is already active.", q.ID())
		}
	}
	q.mu.Lock()
	done := q.terminated
	if !done {
		q.mgr = m
	}
	qerr := q.err
	q.mu.Unlock()
	if !done {
		m.active = append(m.active, q)
	}
	m.mu.Unlock()
	if done {
		var e error
		if qerr != nil {
			e = qerr
		}
		m.terminated(q, e)
	}
	return nil
}

// Deregister removes q from the active queries without waiting for it.
func (m *Manager) Deregister(q *Query) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.remove(q)
}

func (m *Manager) remove(q *Query) bool {
	for i, a := range m.active {
		if a == q {
			m.active = append(m.active[:i], m.active[i+1:]...)
			return true
		}
	}
	return false
}

// terminated is called by a query (on its own goroutine) when it ends.
func (m *Manager) terminated(q *Query, err error) {
	m.mu.Lock()
	m.remove(q)
	if !m.terminatedSinceReset || err != nil {
		m.lastErr = err
	}
	m.terminatedSinceReset = true
	close(m.anyTerminated)
	m.anyTerminated = make(chan struct{})
	m.mu.Unlock()
	m.emit(Event{Kind: EventTerminated, Query: q, Exception: err})
}

// Active returns the active queries in the order they started.
func (m *Manager) Active() []*Query {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]*Query(nil), m.active...)
}

// Get returns the active query with this id, or nil.
func (m *Manager) Get(id string) *Query {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, q := range m.active {
		if q.ID() == id {
			return q
		}
	}
	return nil
}

// AwaitAnyTermination waits until a query has ended since the manager was made or since
// ResetTerminated, and returns the exception of a query that failed in that time.
func (m *Manager) AwaitAnyTermination() error {
	_, err := m.AwaitAnyTerminationContext(context.Background())
	return err
}

// AwaitAnyTerminationTimeout is AwaitAnyTermination waiting at most d; terminated says
// whether a query ended.
func (m *Manager) AwaitAnyTerminationTimeout(d time.Duration) (terminated bool, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), max(d, 0))
	defer cancel()
	terminated, err = m.AwaitAnyTerminationContext(ctx)
	if !terminated {
		return false, nil
	}
	return true, err
}

// AwaitAnyTerminationContext is AwaitAnyTermination that gives up when ctx ends
// (terminated false, ctx's error).
func (m *Manager) AwaitAnyTerminationContext(ctx context.Context) (terminated bool, err error) {
	for {
		m.mu.Lock()
		if m.terminatedSinceReset {
			err := m.lastErr
			m.mu.Unlock()
			return true, err
		}
		ch := m.anyTerminated
		m.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			m.mu.Lock()
			defer m.mu.Unlock()
			if m.terminatedSinceReset { // both were ready
				return true, m.lastErr
			}
			return false, ctx.Err()
		}
	}
}

// ResetTerminated forgets the queries that ended, so AwaitAnyTermination waits for a new one.
func (m *Manager) ResetTerminated() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.terminatedSinceReset = false
	m.lastErr = nil
}

// AddListener registers fn for the events of the queries this manager started or
// registered; remove unregisters it. fn runs on the query's goroutine right after the
// event (a progress event after each trigger that reports one), so it must return
// quickly; a panic in fn is recovered and ignored.
func (m *Manager) AddListener(fn func(Event)) (remove func()) {
	l := &listener{fn: fn}
	m.mu.Lock()
	m.listeners = append(m.listeners, l)
	m.mu.Unlock()
	return func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		for i, x := range m.listeners {
			if x == l {
				m.listeners = append(m.listeners[:i], m.listeners[i+1:]...)
				return
			}
		}
	}
}

func (m *Manager) emit(ev Event) {
	m.mu.Lock()
	ls := append([]*listener(nil), m.listeners...)
	m.mu.Unlock()
	for _, l := range ls {
		_ = protect("listener", func() error { l.fn(ev); return nil })
	}
}
