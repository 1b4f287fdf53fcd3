package reliability

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const (
	fileCrashKills   = 15 // per sink format
	fileCrashChunk   = 60 // files written at first, and whenever a run took them all
	fileCrashPerFile = 10 // rows per file
)

// TestFileToFileSinksSurviveSIGKILL runs a checkpointed JSON files -> csv/json file sink
// query (the engine's real driver, source log, sink log and commits) in a child process,
// SIGKILLs it at random points and restarts it: the sink's committed output, read back
// through spark.Read(), holds every input row exactly once. (The parquet sink has the
// same test with the engine's stateful operators in engine/restart_test.go.)
func TestFileToFileSinksSurviveSIGKILL(t *testing.T) {
	for i, format := range []string{"csv", "json"} {
		t.Run(format, func(t *testing.T) {
			dir := t.TempDir()
			in := filepath.Join(dir, "in")
			if err := os.Mkdir(in, 0o755); err != nil {
				t.Fatal(err)
			}
			files := 0
			refill := func() {
				for range fileCrashChunk {
					var b strings.Builder
					for r := range fileCrashPerFile {
						id := files*fileCrashPerFile + r
						fmt.Fprintf(&b, "{\"id\":%d,\"name\":\"n%d, \\\"q\\\"\"}\n", id, id)
					}
					writeAt(t, in, fmt.Sprintf("%05d.json", files), []byte(b.String()), int64(files))
					files++
				}
			}
			refill()
			start := time.Now()
			kills, runs := killLoop(t, "file|"+dir+"|"+format, fileCrashKills, randomDelay(uint64(i+5), 40*time.Millisecond, 200*time.Millisecond), refill)

			s := newSession(t)
			r := s.Read().Format(format).SchemaDDL("id LONG, name STRING")
			rows, err := r.Load(filepath.Join(dir, "out-"+format)).Collect()
			if err != nil {
				t.Fatal(err)
			}
			seen := map[int64]int{}
			for _, row := range rows {
				id := row.Get("id").(int64)
				if want := fmt.Sprintf("N%d, \"Q\"", id); row.Get("name") != want {
					t.Fatalf("row %d: name %q, want %q", id, row.Get("name"), want)
				}
				seen[id]++
			}
			total := files * fileCrashPerFile
			lost, dup := 0, 0
			for id := range int64(total) {
				switch n := seen[id]; {
				case n == 0:
					lost++
				case n > 1:
					dup += n - 1
				}
			}
			if lost != 0 || dup != 0 || len(rows) != total {
				t.Fatalf("after %d kills: %d rows, %d lost, %d duplicated (want %d, 0, 0)", kills, len(rows), lost, dup, total)
			}
			t.Logf("%s: %d kills in %d runs, %v; %d rows exactly once, 0 lost", format, kills, runs, time.Since(start).Round(time.Millisecond), total)
		})
	}
}
