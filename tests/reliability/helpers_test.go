// Package reliability holds the fault, bad-input, crash and load tests of issue 8 that span
// packages: they drive the engine through its public API (and the kernel through its
// binary, in the test_*.py files next to this one, which tests/run_all.sh runs).
//
// Everything runs in `go test ./...` within a bounded time (about 40 s on 2 cores). The
// concurrent-queries test runs 15 s; for a soak, give it a Go duration:
//
//	RUNNEL_SOAK=30m go test -run TestTwentyConcurrentQueries -timeout 0 ./tests/reliability
package reliability

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/runnel-go/runnel/engine"
)

// newSession is a session in UTC, stopped when the test ends.
func newSession(t *testing.T) *engine.Session {
	t.Helper()
	s := engine.NewSession()
	s.Conf().Set("spark.sql.session.timeZone", "UTC")
	t.Cleanup(s.Stop)
	return s
}

// writeAt writes a file through a rename (so a listing never sees it half written) with
// a modification time sec seconds after a fixed base, which orders the file source's
// listing.
func writeAt(t *testing.T, dir, name string, data []byte, sec int64) string {
	t.Helper()
	tmp := filepath.Join(t.TempDir(), "tmp")
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		t.Fatal(err)
	}
	mt := time.Unix(1_600_000_000+sec, 0)
	if err := os.Chtimes(tmp, mt, mt); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.Rename(tmp, p); err != nil {
		t.Fatal(err)
	}
	return p
}

// collector gathers the rows a ForeachBatch query produces, rendered as text.
type collector struct {
	mu      sync.Mutex
	rows    []string
	batches int
}

func (c *collector) fn(df *engine.DataFrame, _ int64) error {
	rows, err := df.Collect()
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.batches++
	for _, r := range rows {
		c.rows = append(c.rows, render(r.Values()))
	}
	return nil
}

func (c *collector) sorted() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := append([]string(nil), c.rows...)
	sort.Strings(out)
	return out
}

// render prints values as "a|b|<nil>", long strings abbreviated by length.
func render(vals []any) string {
	parts := make([]string, len(vals))
	for i, v := range vals {
		if s, ok := v.(string); ok && len(s) > 200 {
			v = fmt.Sprintf("<%d bytes>", len(s))
		}
		parts[i] = fmt.Sprint(v)
	}
	return strings.Join(parts, "|")
}

// runToEnd runs df as an AvailableNow query into a collector and returns the query's
// exception (nil when it read everything).
func runToEnd(t *testing.T, df *engine.DataFrame, cp string) (*collector, error) {
	t.Helper()
	c := &collector{}
	w := df.WriteStream().ForeachBatch(c.fn).Trigger(engine.AvailableNow())
	if cp != "" {
		w = w.Option("checkpointLocation", cp)
	}
	q, err := w.Start()
	if err != nil {
		t.Fatal(err)
	}
	// A query that hangs fails the test (after the package's go test timeout) rather
	// than passing: AwaitTermination has no deadline of its own here on purpose.
	err = q.AwaitTermination()
	if q.IsActive() {
		t.Fatal("query still active after AwaitTermination")
	}
	return c, err
}

// equalLines compares rows in any order.
func equalLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	got, want = append([]string(nil), got...), append([]string(nil), want...)
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\n got %q\nwant %q", what, got, want)
	}
}

// goroutinesBackTo waits until at most n goroutines run and returns the count.
func goroutinesBackTo(n int, within time.Duration) int {
	deadline := time.Now().Add(within)
	for {
		g := runtime.NumGoroutine()
		if g <= n || time.Now().After(deadline) {
			return g
		}
		time.Sleep(10 * time.Millisecond)
	}
}
