package reliability

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/runnel-go/runnel/engine"
)

// malformedCase is one file format with a good file and a file of mixed good and bad
// lines, and the rows each parse mode gives.
type malformedCase struct {
	format, schema      string
	good, bad           string
	permissive          []string // rows of both files, sorted
	dropMalformed       []string
	failLine            int    // the first bad line of the bad file
	failRecord          string // and its text
	permissiveNoCorrupt []string
}

var malformedCases = []malformedCase{{
	format: "csv",
	schema: "a INT, b STRING, _corrupt_record STRING",
	good:   "10,ten\n",
	bad:    "1,ok\nx,bad int\n3\n4,too,many\n5,fine\n",
	permissive: []string{
		"1|ok|<nil>", "10|ten|<nil>", "3|<nil>|3", "4|too|4,too,many", "5|fine|<nil>", "<nil>|bad int|x,bad int",
	},
	dropMalformed: []string{"1|ok|<nil>", "10|ten|<nil>", "5|fine|<nil>"},
	failLine:      2,
	failRecord:    "x,bad int",
}, {
	format: "json",
	schema: "a INT, b STRING, _corrupt_record STRING",
	good:   `{"a":10,"b":"ten"}` + "\n",
	bad:    `{"a":1,"b":"x"}` + "\n" + `{"a":"text","b":"y"}` + "\n" + `{"a":2,"b":` + "\n" + "[1,2]\n\n" + `{"a":3,"b":"z"}` + "\n",
	permissive: []string{
		`1|x|<nil>`, `10|ten|<nil>`, `3|z|<nil>`, `<nil>|<nil>|[1,2]`, `<nil>|<nil>|{"a":2,"b":`, `<nil>|y|{"a":"text","b":"y"}`,
	},
	dropMalformed: []string{`1|x|<nil>`, `10|ten|<nil>`, `3|z|<nil>`},
	failLine:      2,
	failRecord:    `{"a":"text","b":"y"}`,
}}

// TestMalformedLinesThroughAStreamingQuery runs each parse mode end to end: a file source
// with a good file then a bad one, one file per batch, into ForeachBatch.
func TestMalformedLinesThroughAStreamingQuery(t *testing.T) {
	for _, c := range malformedCases {
		t.Run(c.format, func(t *testing.T) {
			dir := t.TempDir()
			writeAt(t, dir, "1-good."+c.format, []byte(c.good), 0)
			badPath := writeAt(t, dir, "2-bad."+c.format, []byte(c.bad), 1)
			read := func(mode string) *engine.DataFrame {
				r := newSession(t).ReadStream().Format(c.format).SchemaDDL(c.schema).Option("maxFilesPerTrigger", 1)
				if mode != "" {
					r = r.Option("mode", mode)
				}
				return r.Load(dir)
			}

			got, err := runToEnd(t, read(""), "")
			if err != nil {
				t.Fatalf("PERMISSIVE (default): %v", err)
			}
			equalLines(t, "PERMISSIVE rows", got.sorted(), c.permissive)

			got, err = runToEnd(t, read("DROPMALFORMED"), "")
			if err != nil {
				t.Fatalf("DROPMALFORMED: %v", err)
			}
			equalLines(t, "DROPMALFORMED rows", got.sorted(), c.dropMalformed)

			got, err = runToEnd(t, read("FAILFAST"), "")
			want := fmt.Sprintf("%s:%d: Malformed records are detected in record parsing: %s. Parse Mode: FAILFAST.", badPath, c.failLine, c.failRecord)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("FAILFAST error\n got %v\nwant it to contain %q", err, want)
			}
			// The good file's batch completed before the bad one stopped the query.
			equalLines(t, "FAILFAST rows", got.sorted(), []string{c.permissive[1]})
		})
	}
}

// TestCorruptColumnOnlyWhenInTheSchema: without the corrupt-record column, PERMISSIVE keeps
// the rows with nulls; with another name set by columnNameOfCorruptRecord, that column
// gets the raw line.
func TestCorruptColumnOnlyWhenInTheSchema(t *testing.T) {
	dir := t.TempDir()
	writeAt(t, dir, "a.json", []byte(`{"a":1}`+"\n"+`{"a":true}`+"\n"+"not json\n"), 0)
	s := newSession(t)
	got, err := runToEnd(t, s.ReadStream().SchemaDDL("a INT").JSON(dir), "")
	if err != nil {
		t.Fatal(err)
	}
	equalLines(t, "no corrupt column", got.sorted(), []string{"1", "<nil>", "<nil>"})
	got, err = runToEnd(t, s.ReadStream().SchemaDDL("a INT, raw STRING").Option("columnNameOfCorruptRecord", "raw").JSON(dir), "")
	if err != nil {
		t.Fatal(err)
	}
	equalLines(t, "raw column", got.sorted(), []string{"1|<nil>", "<nil>|not json", `<nil>|{"a":true}`})
}

// TestEmptyFiles: empty and blank files add no rows and no error, in every mode, for
// line formats, CSV with a header, and parquet's sibling formats.
func TestEmptyFiles(t *testing.T) {
	for _, format := range []string{"csv", "json", "text"} {
		for _, mode := range []string{"PERMISSIVE", "DROPMALFORMED", "FAILFAST"} {
			t.Run(format+"/"+mode, func(t *testing.T) {
				dir := t.TempDir()
				writeAt(t, dir, "0-empty", nil, 0)
				writeAt(t, dir, "1-newlines", []byte("\n\n\n"), 1)
				good := map[string]string{"csv": "a\n7\n", "json": `{"a":7}` + "\n", "text": "7\n"}[format]
				writeAt(t, dir, "2-good", []byte(good), 2)
				writeAt(t, dir, "3-empty", nil, 3)
				r := newSession(t).ReadStream().Format(format).Option("mode", mode).Option("maxFilesPerTrigger", 1)
				switch format {
				case "csv":
					r = r.SchemaDDL("a INT").Option("header", true)
				case "json":
					r = r.SchemaDDL("a INT")
				}
				got, err := runToEnd(t, r.Load(dir), "")
				if err != nil {
					t.Fatal(err)
				}
				want := []string{"7"}
				if format == "text" {
					// Spark's text source keeps blank lines as empty strings.
					want = []string{"", "", "", "7"}
				}
				equalLines(t, "rows", got.sorted(), want)
				if got.batches != 4 {
					t.Errorf("%d batches, want one per file (4)", got.batches)
				}
			})
		}
	}
	// A directory of nothing but empty files.
	dir := t.TempDir()
	writeAt(t, dir, "a.json", nil, 0)
	got, err := runToEnd(t, newSession(t).ReadStream().SchemaDDL("a INT").JSON(dir), "")
	if err != nil || len(got.rows) != 0 {
		t.Fatalf("only empty files: rows %q, err %v", got.rows, err)
	}
}

// hugeLine is the length of the one long line the huge-line test writes (50 MiB).
const hugeLine = 50 << 20

// TestHugeLine reads a 50 MiB line between short ones, in CSV and JSON, whole; and a
// huge malformed line under FAILFAST gives an error of bounded size that still names the
// file and line.
func TestHugeLine(t *testing.T) {
	big := strings.Repeat("x", hugeLine)
	files := map[string]string{
		"csv":  "1,a\n2," + big + "\n3,c\n",
		"json": `{"id":1,"s":"a"}` + "\n" + `{"id":2,"s":"` + big + `"}` + "\n" + `{"id":3,"s":"c"}` + "\n",
	}
	for _, format := range []string{"csv", "json"} {
		t.Run(format, func(t *testing.T) {
			dir := t.TempDir()
			writeAt(t, dir, "big."+format, []byte(files[format]), 0)
			got, err := runToEnd(t, newSession(t).ReadStream().Format(format).SchemaDDL("id INT, s STRING").Load(dir), "")
			if err != nil {
				t.Fatal(err)
			}
			equalLines(t, "rows", got.sorted(), []string{"1|a", fmt.Sprintf("2|<%d bytes>", hugeLine), "3|c"})
		})
	}
	t.Run("failfast", func(t *testing.T) {
		dir := t.TempDir()
		p := writeAt(t, dir, "big.json", []byte(`{"id":1}`+"\n"+`{"id":"`+big+`"}`+"\n"), 0)
		_, err := runToEnd(t, newSession(t).ReadStream().SchemaDDL("id INT").Option("mode", "FAILFAST").JSON(dir), "")
		if err == nil || !strings.Contains(err.Error(), p+":2: Malformed records are detected in record parsing: ") {
			t.Fatalf("got %.300v", err)
		}
		if n := len(err.Error()); n > 4096 {
			t.Errorf("the error is %d bytes long: a notebook would print the whole 50 MiB line", n)
		}
	})
}

// failingAt is a ForeachBatch function that fails batch epoch, leaving it planned (in
// the offsets log) but not committed, so a restart re-reads its files.
func failingAt(epoch int64) func(*engine.DataFrame, int64) error {
	return func(df *engine.DataFrame, id int64) error {
		if id == epoch {
			return errors.New("planned failure")
		}
		_, err := df.Collect()
		return err
	}
}

// TestFileGoneOrUnreadableAfterListing: a file taken into a batch (listed, in the
// source's log) that is then deleted or made unreadable fails the re-run of the batch
// with an error naming the file; ignoreMissingFiles and ignoreCorruptFiles skip it.
func TestFileGoneOrUnreadableAfterListing(t *testing.T) {
	for _, fault := range []string{"deleted", "unreadable", "fifo"} {
		t.Run(fault, func(t *testing.T) {
			dir, cp := t.TempDir(), filepath.Join(t.TempDir(), "cp")
			writeAt(t, dir, "a.csv", []byte("1\n"), 0)
			victim := writeAt(t, dir, "b.csv", []byte("2\n"), 1)
			read := func(opt string) *engine.DataFrame {
				r := newSession(t).ReadStream().SchemaDDL("v INT").Option("maxFilesPerTrigger", 1)
				if opt != "" {
					r = r.Option(opt, true)
				}
				return r.CSV(dir)
			}
			q, err := read("").WriteStream().ForeachBatch(failingAt(1)).Option("checkpointLocation", cp).Trigger(engine.AvailableNow()).Start()
			if err != nil {
				t.Fatal(err)
			}
			if err := q.AwaitTermination(); err == nil || !strings.Contains(err.Error(), "planned failure") {
				t.Fatalf("first run: %v", err)
			}

			var want, skip string
			switch fault {
			case "deleted":
				if err := os.Remove(victim); err != nil {
					t.Fatal(err)
				}
				want, skip = "[FAILED_READ_FILE.FILE_NOT_EXIST] Encountered error while reading file file://"+victim, "ignoreMissingFiles"
			case "unreadable":
				makeUnreadable(t, victim)
				want, skip = victim, "ignoreCorruptFiles"
			case "fifo":
				// A named pipe without a writer: opening it for reading would block for ever.
				if err := os.Remove(victim); err != nil {
					t.Fatal(err)
				}
				if err := syscall.Mkfifo(victim, 0o644); err != nil {
					t.Fatal(err)
				}
				want, skip = "open "+victim+": not a regular file", "ignoreCorruptFiles"
			}
			_, err = runToEnd(t, read(""), cp)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("re-run of the batch: got %v, want an error naming %s", err, want)
			}
			if fault == "deleted" && !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("%v does not wrap fs.ErrNotExist", err)
			}
			writeAt(t, dir, "c.csv", []byte("3\n"), 2)
			got, err := runToEnd(t, read(skip), cp)
			if err != nil {
				t.Fatalf("with %s: %v", skip, err)
			}
			equalLines(t, "rows after the skipped file", got.sorted(), []string{"3"})
		})
	}
}

// makeUnreadable makes the file at p fail to read: chmod 000, or, where that does not
// stop reads (the tests run as root), a directory in its place.
func makeUnreadable(t *testing.T, p string) {
	t.Helper()
	if err := os.Chmod(p, 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(p, 0o644) })
	if f, err := os.Open(p); err == nil {
		f.Close()
		t.Logf("chmod 000 does not stop reads here (root?): %s becomes a directory instead", p)
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
		if err := os.Mkdir(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}
