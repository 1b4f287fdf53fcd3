package engine_test

import (
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/runnel-go/runnel/engine"
	F "github.com/runnel-go/runnel/engine/functions"
)

// The restart test runs a query in a child process (this test binary, re-executed),
// kills it with SIGKILL at random points, restarts it on the same checkpoint, and checks
// that every input row reached the parquet sinks exactly once: the file source's log,
// the operators' state stores and the sink's metadata log together make the output
// exactly-once.

const childEnv = "RUNNEL_RESTART_CHILD"

const (
	restartFiles       = 1000
	restartRowsPerFile = 5
)

// TestRestartChild is the child's body; it does nothing in a normal test run.
func TestRestartChild(t *testing.T) {
	dir := os.Getenv(childEnv)
	if dir == "" {
		return
	}
	s := engine.NewSession()
	s.Conf().Set("spark.sql.session.timeZone", "UTC")
	in := s.ReadStream().SchemaDDL("id long, ts timestamp").Option("maxFilesPerTrigger", 2).JSON(filepath.Join(dir, "in"))
	rows, err := in.SelectExpr("id", "id * 2 AS twice").WriteStream().Format("parquet").
		Option("checkpointLocation", filepath.Join(dir, "cp-rows")).Option("path", filepath.Join(dir, "rows")).
		Trigger(engine.AvailableNow()).Start()
	if err != nil {
		t.Fatal(err)
	}
	windows, err := in.WithWatermark("ts", "0 seconds").GroupBy(F.Window("ts", "10 seconds")).Count().
		Select("window.start", "count").WriteStream().Format("parquet").
		Option("checkpointLocation", filepath.Join(dir, "cp-windows")).Option("path", filepath.Join(dir, "windows")).
		Trigger(engine.AvailableNow()).Start()
	if err != nil {
		t.Fatal(err)
	}
	if err := rows.AwaitTermination(); err != nil {
		t.Fatal(err)
	}
	if err := windows.AwaitTermination(); err != nil {
		t.Fatal(err)
	}
}

// latestCommit is the newest batch id in a checkpoint's commits directory, or -1.
func latestCommit(dir string) int {
	entries, _ := os.ReadDir(dir)
	latest := -1
	for _, e := range entries {
		if n, err := strconv.Atoi(e.Name()); err == nil && n > latest {
			latest = n
		}
	}
	return latest
}

func TestRestartAfterSIGKILLIsExactlyOnce(t *testing.T) {
	if os.Getenv(childEnv) != "" {
		return
	}
	dir := t.TempDir()
	inDir := filepath.Join(dir, "in")
	if err := os.MkdirAll(inDir, 0o755); err != nil {
		t.Fatal(err)
	}
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for f := 0; f < restartFiles; f++ {
		var b strings.Builder
		for r := 0; r < restartRowsPerFile; r++ {
			id := f*restartRowsPerFile + r
			// One second of event time per row: windows of 10 seconds hold 10 rows.
			fmt.Fprintf(&b, "{\"id\":%d,\"ts\":%q}\n", id, base.Add(time.Duration(id)*time.Second).Format("2006-01-02 15:04:05"))
		}
		writeNamed(t, inDir, fmt.Sprintf("%03d.json", f), b.String(), int64(f))
	}
	run := func(kill time.Duration) (killed bool) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestRestartChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), childEnv+"="+dir)
		out := &syncBuffer{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		if kill > 0 {
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("child failed: %v\n%s", err, out.String())
				}
				return false
			case <-time.After(kill):
				cmd.Process.Signal(syscall.SIGKILL)
				<-done
				return true
			}
		}
		if err := <-done; err != nil {
			t.Fatalf("child failed: %v\n%s", err, out.String())
		}
		return false
	}
	rng := rand.New(rand.NewSource(42))
	// Kill until 20 runs died with the query part-way (new batches committed, not all).
	kills, last := 0, -1
	var progress []int
	wait := 30 // ms before a kill, grown when the child had not started its batches yet
	for runs := 0; kills < 20 && runs < 100; runs++ {
		killed := run(time.Duration(wait+rng.Intn(wait+20)) * time.Millisecond)
		// Old commit files are purged: progress is the newest batch id committed.
		committed := latestCommit(filepath.Join(dir, "cp-windows", "commits"))
		switch {
		case killed && committed > last:
			kills++
			// A fast machine commits many batches before the kill: kill sooner, so that
			// 20 kills fit in the input.
			if committed-last > restartFiles/2/40 && wait > 10 {
				wait /= 2
			}
		case killed:
			wait += 50
		}
		last = committed
		progress = append(progress, last)
	}
	if kills < 20 {
		t.Errorf("only %d runs were killed part-way; batches committed after each run: %v", kills, progress)
	}
	run(0)
	t.Logf("batches committed after each killed run: %v", progress)

	s, _ := newSession(t)
	rows, err := s.Read().SchemaDDL("id long, twice long").Parquet(filepath.Join(dir, "rows")).Collect()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int64]int{}
	for _, r := range rows {
		id := r.Get("id").(int64)
		seen[id]++
		if r.Get("twice").(int64) != 2*id {
			t.Errorf("row %v", r)
		}
	}
	total := restartFiles * restartRowsPerFile
	if len(rows) != total || len(seen) != total {
		t.Errorf("%d rows, %d distinct ids, want %d", len(rows), len(seen), total)
	}
	for id, n := range seen {
		if n != 1 || id < 0 || id >= int64(total) {
			t.Errorf("id %d seen %d times", id, n)
		}
	}
	// Windows close once the watermark (the newest event time) passes their end: all but
	// the last one, each exactly once with its 10 rows.
	windows, err := s.Read().SchemaDDL("start timestamp, count long").Parquet(filepath.Join(dir, "windows")).Collect()
	if err != nil {
		t.Fatal(err)
	}
	starts := map[time.Time]int{}
	for _, w := range windows {
		starts[w.Get("start").(time.Time)]++
		if w.Get("count").(int64) != 10 {
			t.Errorf("window %v", w)
		}
	}
	if want := total/10 - 1; len(windows) != want || len(starts) != want {
		t.Errorf("%d windows (%d distinct), want %d", len(windows), len(starts), want)
	}
}
