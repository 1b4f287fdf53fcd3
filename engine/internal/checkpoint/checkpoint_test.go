package checkpoint

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
)

func TestLogAddGetRefusesOverwrite(t *testing.T) {
	l, err := NewLog(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Add(0, []byte("v1\n{\"a\":1}")); err != nil {
		t.Fatal(err)
	}
	err = l.Add(0, []byte("v1\n{\"a\":2}"))
	if !errors.Is(err, ErrBatchExists) {
		t.Fatalf("second Add(0) = %v, want ErrBatchExists", err)
	}
	got, err := l.Get(0)
	if err != nil || string(got) != "v1\n{\"a\":1}" {
		t.Fatalf("Get(0) = %q, %v; want the first content", got, err)
	}
	if _, err := l.Get(1); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get(1) = %v, want ErrNotFound", err)
	}
	if err := l.Add(1, []byte("not a log entry")); err == nil {
		t.Fatal("Add accepted content without a version line")
	}
	// No temporary file is left behind.
	entries, _ := os.ReadDir(l.Dir())
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !reflect.DeepEqual(names, []string{"0"}) {
		t.Fatalf("log directory holds %v, want [0]", names)
	}
}

func TestLogConcurrentAddOneWins(t *testing.T) {
	l, err := NewLog(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	results := make([]error, 8)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = l.Add(5, []byte("v1\n"+`{"writer":`+string(rune('0'+i))+"}"))
		}()
	}
	wg.Wait()
	wins := 0
	for _, err := range results {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, ErrBatchExists):
			t.Fatalf("unexpected error %v", err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d concurrent writers succeeded, want exactly 1", wins)
	}
}

func TestLogListLatestPurge(t *testing.T) {
	dir := t.TempDir()
	l, err := NewLog(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i := int64(0); i < 12; i++ {
		if err := l.Add(i, []byte("v1\n-")); err != nil {
			t.Fatal(err)
		}
	}
	// Temporary and foreign files are not entries.
	os.WriteFile(filepath.Join(dir, ".12.abc.tmp"), []byte("v1\n{"), 0o644)
	os.WriteFile(filepath.Join(dir, "README"), []byte("x"), 0o644)
	ids, err := l.List()
	if err != nil || len(ids) != 12 || ids[0] != 0 || ids[11] != 11 {
		t.Fatalf("List = %v, %v", ids, err)
	}
	id, content, ok, err := l.Latest()
	if err != nil || !ok || id != 11 || string(content) != "v1\n-" {
		t.Fatalf("Latest = %d %q %v %v", id, content, ok, err)
	}
	if err := l.KeepLast(3); err != nil {
		t.Fatal(err)
	}
	ids, _ = l.List()
	if !reflect.DeepEqual(ids, []int64{9, 10, 11}) {
		t.Fatalf("after KeepLast(3): %v", ids)
	}
	if err := l.Purge(11); err != nil {
		t.Fatal(err)
	}
	ids, _ = l.List()
	if !reflect.DeepEqual(ids, []int64{11}) {
		t.Fatalf("after Purge(11): %v", ids)
	}
}

func TestLogTornLastEntryIsAbsent(t *testing.T) {
	dir := t.TempDir()
	l, err := NewLog(dir)
	if err != nil {
		t.Fatal(err)
	}
	l.Add(0, []byte("v1\n{\"a\":0}"))
	l.Add(1, []byte("v1\n{\"a\":1}"))
	for _, torn := range []string{"", "v", "v1\n{\"a\":", "\x00\x00\x00"} {
		os.WriteFile(filepath.Join(dir, "2"), []byte(torn), 0o644)
		id, content, ok, err := l.Latest()
		if err != nil || !ok || id != 1 || string(content) != "v1\n{\"a\":1}" {
			t.Fatalf("torn %q: Latest = %d %q %v %v, want batch 1", torn, id, content, ok, err)
		}
		if has, err := l.Has(2); has || err != nil {
			t.Fatalf("torn %q: Has(2) = %v %v", torn, has, err)
		}
		if _, err := l.Get(2); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("torn %q: Get(2) = %v, want ErrCorrupt", torn, err)
		}
	}
	// A torn entry may be written again.
	if err := l.Add(2, []byte("v1\n{\"a\":2}")); err != nil {
		t.Fatalf("rewriting torn entry: %v", err)
	}
	if id, _, _, _ := l.Latest(); id != 2 {
		t.Fatalf("Latest after rewrite = %d", id)
	}
	// Damage before the last entry is an error, not silently skipped.
	os.WriteFile(filepath.Join(dir, "2"), []byte("v1\n{"), 0o644)
	os.WriteFile(filepath.Join(dir, "1"), []byte("v1\n{"), 0o644)
	if _, _, _, err := l.Latest(); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Latest with two damaged entries = %v, want ErrCorrupt", err)
	}
}

func TestOpenKeepsID(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cp")
	c, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "metadata"))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"id":"` + c.ID() + `"}`; string(b) != want || len(c.ID()) != 36 {
		t.Fatalf("metadata = %q, want %q", b, want)
	}
	c2, err := Open(dir)
	if err != nil || c2.ID() != c.ID() {
		t.Fatalf("reopen: id %q, %v; want %q", c2.ID(), err, c.ID())
	}
	for _, sub := range []string{"offsets", "commits"} {
		if fi, err := os.Stat(filepath.Join(dir, sub)); err != nil || !fi.IsDir() {
			t.Fatalf("%s directory missing: %v", sub, err)
		}
	}
}

func TestOffsetsAndCommitsFormat(t *testing.T) {
	c, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	o := OffsetSeq{
		WatermarkMs: 5000,
		TimestampMs: 1700000000123,
		Conf:        map[string]string{"spark.sql.shuffle.partitions": "200", "spark.sql.streaming.multipleWatermarkPolicy": "min"},
		Offsets:     []string{"{\n  \"logOffset\": 3\n}", "", `{"topic":{"0":17}}`},
	}
	if err := c.WriteOffsets(0, o); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(c.Dir(), "offsets", "0"))
	want := "v1\n" +
		`{"batchWatermarkMs":5000,"batchTimestampMs":1700000000123,"conf":{"spark.sql.shuffle.partitions":"200","spark.sql.streaming.multipleWatermarkPolicy":"min"}}` + "\n" +
		`{"logOffset":3}` + "\n-\n" + `{"topic":{"0":17}}`
	if string(b) != want {
		t.Fatalf("offsets/0 =\n%s\nwant\n%s", b, want)
	}
	got, err := c.ReadOffsets(0)
	if err != nil {
		t.Fatal(err)
	}
	o.Offsets[0] = `{"logOffset":3}`
	if !reflect.DeepEqual(got, o) {
		t.Fatalf("ReadOffsets = %+v, want %+v", got, o)
	}
	if err := c.WriteOffsets(0, o); !errors.Is(err, ErrBatchExists) {
		t.Fatalf("rewriting offsets/0: %v", err)
	}
	if err := c.WriteOffsets(1, OffsetSeq{Offsets: []string{"not json"}}); err == nil {
		t.Fatal("WriteOffsets accepted an offset that is not JSON")
	}

	if err := c.WriteCommit(0, 7000); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(filepath.Join(c.Dir(), "commits", "0"))
	if string(b) != "v1\n{\"nextBatchWatermarkMs\":7000}" {
		t.Fatalf("commits/0 = %q", b)
	}
	id, wm, ok, err := c.LatestCommit()
	if err != nil || !ok || id != 0 || wm != 7000 {
		t.Fatalf("LatestCommit = %d %d %v %v", id, wm, ok, err)
	}

	// A Spark-written entry of a newer version is refused with Spark's message.
	os.WriteFile(filepath.Join(c.Dir(), "commits", "1"), []byte("v2\n{\"nextBatchWatermarkMs\":1}"), 0o644)
	if _, err := c.ReadCommit(1); err == nil || !strings.HasPrefix(err.Error(), "reading ") ||
		!strings.Contains(err.Error(), "UnsupportedLogVersion: maximum supported log version is v1, but encountered v2.") {
		t.Fatalf("ReadCommit(v2) = %v", err)
	}
}

func TestResume(t *testing.T) {
	c, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	rp, err := c.Resume()
	if err != nil || !reflect.DeepEqual(rp, ResumePoint{}) {
		t.Fatalf("fresh Resume = %+v, %v", rp, err)
	}

	// Batch 0 planned, not committed: re-run 0 with its offsets.
	c.WriteOffsets(0, OffsetSeq{WatermarkMs: 0, TimestampMs: 1000, Offsets: []string{`{"n":1}`, ""}})
	rp, err = c.Resume()
	want := ResumePoint{BatchID: 0, Rerun: true, End: []string{`{"n":1}`, ""}, TimestampMs: 1000, Conf: map[string]string{}}
	if err != nil || !reflect.DeepEqual(rp, want) {
		t.Fatalf("Resume after offsets/0 = %+v, %v; want %+v", rp, err, want)
	}

	// Committed: continue with batch 1 from 0's offsets and the committed watermark.
	c.WriteCommit(0, 4000)
	rp, err = c.Resume()
	want = ResumePoint{BatchID: 1, Start: []string{`{"n":1}`, ""}, WatermarkMs: 4000, Conf: map[string]string{}}
	if err != nil || !reflect.DeepEqual(rp, want) {
		t.Fatalf("Resume after commits/0 = %+v, %v; want %+v", rp, err, want)
	}

	// Batch 1 planned: re-run it, starting where 0 ended.
	c.WriteOffsets(1, OffsetSeq{WatermarkMs: 4000, TimestampMs: 2000, Offsets: []string{`{"n":2}`, `{"m":1}`}})
	rp, err = c.Resume()
	want = ResumePoint{BatchID: 1, Rerun: true, Start: []string{`{"n":1}`, ""}, End: []string{`{"n":2}`, `{"m":1}`},
		WatermarkMs: 4000, TimestampMs: 2000, Conf: map[string]string{}}
	if err != nil || !reflect.DeepEqual(rp, want) {
		t.Fatalf("Resume after offsets/1 = %+v, %v; want %+v", rp, err, want)
	}

	// A torn commits/1 is absent: still a re-run of 1.
	os.WriteFile(filepath.Join(c.Dir(), "commits", "1"), []byte("v1\n{\"nextBatch"), 0o644)
	if rp2, err := c.Resume(); err != nil || !reflect.DeepEqual(rp2, want) {
		t.Fatalf("Resume with torn commits/1 = %+v, %v; want %+v", rp2, err, want)
	}
	// And it may then be written.
	if err := c.WriteCommit(1, 9000); err != nil {
		t.Fatal(err)
	}
	// A torn offsets/2 is absent: continue with batch 2 (to be planned anew).
	os.WriteFile(filepath.Join(c.Dir(), "offsets", "2"), []byte("v1\n"), 0o644)
	rp, err = c.Resume()
	want = ResumePoint{BatchID: 2, Start: []string{`{"n":2}`, `{"m":1}`}, WatermarkMs: 9000, Conf: map[string]string{}}
	if err != nil || !reflect.DeepEqual(rp, want) {
		t.Fatalf("Resume with torn offsets/2 = %+v, %v; want %+v", rp, err, want)
	}
	if err := c.WriteOffsets(2, OffsetSeq{Offsets: []string{`{"n":3}`, `{"m":1}`}}); err != nil {
		t.Fatalf("planning batch 2 over a torn entry: %v", err)
	}
	// Temp files from a crash mid-write are ignored.
	os.WriteFile(filepath.Join(c.Dir(), "offsets", ".3.1234.tmp"), []byte("v1\n{}"), 0o644)
	rp, _ = c.Resume()
	if rp.BatchID != 2 || !rp.Rerun {
		t.Fatalf("Resume = %+v, want re-run of batch 2", rp)
	}
}

func TestPurgeOld(t *testing.T) {
	c, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for i := int64(0); i < 105; i++ {
		c.WriteOffsets(i, OffsetSeq{Offsets: []string{"1"}})
		c.WriteCommit(i, 0)
	}
	if err := c.PurgeOld(104); err != nil {
		t.Fatal(err)
	}
	for _, l := range []*Log{c.Offsets, c.Commits} {
		ids, _ := l.List()
		if len(ids) != 101 || ids[0] != 4 || ids[100] != 104 {
			t.Fatalf("%s after PurgeOld(104): %d entries from %d", l.Dir(), len(ids), ids[0])
		}
	}
}

func TestOffsetConf(t *testing.T) {
	got := OffsetConf(map[string]string{"spark.sql.shuffle.partitions": "4", "spark.app.name": "x"})
	if len(got) != 9 || got["spark.sql.shuffle.partitions"] != "4" || got["spark.sql.streaming.multipleWatermarkPolicy"] != "min" {
		t.Fatalf("OffsetConf = %v", got)
	}
	if _, ok := got["spark.app.name"]; ok {
		t.Fatal("OffsetConf kept an unrelated setting")
	}
}

func TestOpenTornMetadata(t *testing.T) {
	dir := t.TempDir()
	// Torn before any batch was planned: a new id is written.
	os.WriteFile(filepath.Join(dir, "metadata"), []byte(`{"id":"12`), 0o644)
	c, err := Open(dir)
	if err != nil || len(c.ID()) != 36 {
		t.Fatalf("Open with torn metadata and no offsets: %v, id %q", err, c.ID())
	}
	// Torn after batches ran: the query id is lost, which must not pass silently.
	c.WriteOffsets(0, OffsetSeq{})
	os.WriteFile(filepath.Join(dir, "metadata"), nil, 0o644)
	if _, err := Open(dir); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Open with torn metadata after batch 0 = %v, want ErrCorrupt", err)
	}
}
