package file

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/internal/checkpoint"
	"github.com/runnel-go/runnel/engine/internal/source"
	"github.com/runnel-go/runnel/engine/types"
)

// The crash test re-executes the test binary as a child that runs a miniature micro-batch
// loop (offsets log, file sink, commits log) over a fixed input, kills it with SIGKILL at
// random moments, restarts it on the same checkpoint, and finally checks that every input
// row is in the files the sink log lists exactly once.

const (
	crashChildEnv = "RUNNEL_FILESINK_CRASH_CHILD" // "<format>|<checkpoint>|<out>"
	crashRows     = 4000
)

var crashSchema = types.NewStructType().Add("id", "long").Add("payload", "string")

// crashBatchRows is batch id's size: varied, and the same on every run, so a re-run of a
// planned batch takes exactly the same rows.
func crashBatchRows(id int64) int64 { return 1 + (id*37)%60 }

type crashOffset struct {
	Row int64 `json:"row"`
}

func TestMain(m *testing.M) {
	if spec := os.Getenv(crashChildEnv); spec != "" {
		if err := crashChild(spec); err != nil {
			fmt.Fprintln(os.Stderr, "crash child:", err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// crashChild is the restarted "query": Resume, plan (offsets), write (sink), commit.
func crashChild(spec string) error {
	parts := strings.Split(spec, "|")
	format, cpDir, outDir := parts[0], parts[1], parts[2]
	cp, err := checkpoint.Open(cpDir)
	if err != nil {
		return err
	}
	sink, err := New(format, outDir, nil, crashSchema, nil)
	if err != nil {
		return err
	}
	ctx := context.Background()
	for {
		rp, err := cp.Resume()
		if err != nil {
			return err
		}
		var start, end crashOffset
		if len(rp.Start) > 0 && rp.Start[0] != "" {
			if err := json.Unmarshal([]byte(rp.Start[0]), &start); err != nil {
				return err
			}
		}
		if rp.Rerun {
			if err := json.Unmarshal([]byte(rp.End[0]), &end); err != nil {
				return err
			}
			// Record the re-run, and whether the sink already has the batch (a kill
			// between the sink's log entry and the commit), for the parent's report.
			latest, ok, err := sink.Log().Latest()
			if err != nil {
				return err
			}
			event := fmt.Sprintf("rerun %d %t\n", rp.BatchID, ok && latest >= rp.BatchID)
			f, err := os.OpenFile(filepath.Join(filepath.Dir(cpDir), "events"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
			if err != nil {
				return err
			}
			f.WriteString(event)
			f.Close()
		} else {
			if start.Row >= crashRows {
				return nil
			}
			end.Row = min(start.Row+crashBatchRows(rp.BatchID), crashRows)
			off, _ := json.Marshal(end)
			if err := cp.WriteOffsets(rp.BatchID, checkpoint.OffsetSeq{TimestampMs: time.Now().UnixMilli(), Offsets: []string{string(off)}}); err != nil {
				return err
			}
		}
		b := batch.New(crashSchema, int(end.Row-start.Row))
		for id := start.Row; id < end.Row; id++ {
			b.AppendRow([]any{id, fmt.Sprintf("row %d, \"quoted\"", id)})
		}
		if err := sink.AddBatch(ctx, rp.BatchID, b); err != nil {
			return err
		}
		if err := cp.WriteCommit(rp.BatchID, 0); err != nil {
			return err
		}
	}
}

func TestCrashConsistency(t *testing.T) {
	for _, format := range []string{"parquet", "csv", "json"} {
		t.Run(format, func(t *testing.T) { crashRun(t, format) })
	}
}

func crashRun(t *testing.T, format string) {
	root := t.TempDir()
	cpDir, outDir := filepath.Join(root, "checkpoint"), filepath.Join(root, "out")
	rng := rand.New(rand.NewPCG(uint64(len(format)), 7))
	kills, runs := 0, 0
	for {
		runs++
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+format+"|"+cpDir+"|"+outDir)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		var err error
		if kills < 25 {
			delay := time.Duration(2+rng.IntN(40)) * time.Millisecond
			select {
			case err = <-done:
			case <-time.After(delay):
				cmd.Process.Signal(syscall.SIGKILL)
				err = <-done
				if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
					kills++
					continue
				}
			}
		} else {
			err = <-done
		}
		if err != nil {
			t.Fatalf("run %d: child failed: %v\n%s", runs, err, stderr.String())
		}
		break // the child finished all the input
	}
	if kills < 20 {
		t.Fatalf("only %d kills landed before the child finished (in %d runs)", kills, runs)
	}
	files, ok, err := CommittedFiles(outDir)
	if err != nil || !ok {
		t.Fatalf("CommittedFiles: %v %v", ok, err)
	}
	// spark.Read() lists a sink's output with the source package's reader: same files.
	if read, ok, err := source.ListSinkLog(outDir); err != nil || !ok || !slices.Equal(read, files) {
		t.Fatalf("source.ListSinkLog = %d files, %v, %v; the sink log lists %d", len(read), ok, err, len(files))
	}
	seen := make([]int, crashRows)
	for _, f := range files {
		for _, id := range readIDs(t, format, f) {
			if id < 0 || id >= crashRows {
				t.Fatalf("%s: id %d out of range", f, id)
			}
			seen[id]++
		}
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("row %d appears %d times in the committed files (after %d kills)", id, n, kills)
		}
	}
	events, _ := os.ReadFile(filepath.Join(root, "events"))
	reruns := strings.Count(string(events), "rerun ")
	skipped := strings.Count(string(events), " true\n")
	if reruns == 0 {
		t.Fatalf("no kill interrupted a planned batch in %d kills: the test did not exercise re-runs", kills)
	}
	all, _ := os.ReadDir(outDir)
	t.Logf("%s: %d kills in %d runs; %d batches re-run (%d already in the sink, skipped); %d committed files, %d entries in the output directory",
		format, kills, runs, reruns, skipped, len(files), len(all))
}

// readIDs reads the id column of one committed file, checking each row's payload.
func readIDs(t *testing.T, format, path string) []int64 {
	t.Helper()
	var ids []int64
	check := func(id int64, payload string) {
		if want := fmt.Sprintf("row %d, \"quoted\"", id); payload != want {
			t.Fatalf("%s: row %d payload %q, want %q", path, id, payload, want)
		}
		ids = append(ids, id)
	}
	switch format {
	case "parquet":
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		fi, _ := f.Stat()
		pf, err := parquet.OpenFile(f, fi.Size())
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		for _, row := range readParquetRows(t, pf) {
			check(row[0].(int64), row[1].(string))
		}
	case "csv":
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
			idText, rest, _ := strings.Cut(line, ",")
			id, err := strconv.ParseInt(idText, 10, 64)
			if err != nil {
				t.Fatalf("%s: line %q", path, line)
			}
			if len(rest) < 2 || rest[0] != '"' || rest[len(rest)-1] != '"' {
				t.Fatalf("%s: payload not quoted: %q", path, line)
			}
			payload := strings.ReplaceAll(rest[1:len(rest)-1], `\"`, `"`)
			check(id, payload)
		}
	case "json":
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			var r struct {
				ID      int64  `json:"id"`
				Payload string `json:"payload"`
			}
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			check(r.ID, r.Payload)
		}
	}
	return ids
}
