package engine_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/runnel-go/runnel/engine"
	F "github.com/runnel-go/runnel/engine/functions"
	T "github.com/runnel-go/runnel/engine/types"
)

// syncBuffer is a bytes.Buffer safe for a query goroutine and the test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newSession gives a test its own session printing to a buffer, in UTC.
func newSession(t *testing.T) (*engine.Session, *syncBuffer) {
	t.Helper()
	buf := &syncBuffer{}
	engine.SetOutput(func() io.Writer { return buf })
	t.Cleanup(func() { engine.SetOutput(nil) })
	s := engine.NewSession()
	s.Conf().Set("spark.sql.session.timeZone", "UTC")
	t.Cleanup(s.Stop)
	return s, buf
}

// table is the text Show prints for df.
func table(t *testing.T, df *engine.DataFrame) string {
	t.Helper()
	s, err := df.ShowString(20, 20)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func expectTable(t *testing.T, df *engine.DataFrame, want string) {
	t.Helper()
	got := table(t, df)
	want = strings.TrimLeft(want, "\n")
	if got != want {
		t.Errorf("got table\n%s\nwant\n%s", got, want)
	}
}

func expectErr(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %q", want)
	}
	if err.Error() != want {
		t.Fatalf("error\n%s\nwant\n%s", err.Error(), want)
	}
}

func ts(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04:05", s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestCreateDataFrameInferenceAndPrintSchema(t *testing.T) {
	s, buf := newSession(t)
	df := s.CreateDataFrame([][]any{
		{"LiLei", 12, int32(3), 75.5, float32(1.5), true, ts("2020-12-21 08:11:00"), []any{"a", "b"}, nil},
		{"Lily", 15, int32(4), 68.0, float32(2), false, ts("2020-12-21 08:12:00"), []any{}, "x"},
	}, "name", "age", "n", "score", "f", "ok", "dt", "tags")
	if err := df.Err(); err != nil {
		t.Fatal(err)
	}
	df.PrintSchema()
	want := `root
 |-- name: string (nullable = true)
 |-- age: long (nullable = true)
 |-- n: integer (nullable = true)
 |-- score: double (nullable = true)
 |-- f: float (nullable = true)
 |-- ok: boolean (nullable = true)
 |-- dt: timestamp (nullable = true)
 |-- tags: array (nullable = true)
 |    |-- element: string (containsNull = true)
 |-- _9: string (nullable = true)

`
	if buf.String() != want {
		t.Errorf("got\n%q\nwant\n%q", buf.String(), want)
	}
	rows, err := df.Collect()
	if err != nil {
		t.Fatal(err)
	}
	r := rows[0]
	if r.Get("name") != "LiLei" || r.Get("age") != int64(12) || r.Get("n") != int32(3) || r.Get("score") != 75.5 ||
		r.Get("f") != float32(1.5) || r.Get("ok") != true || !r.Get("dt").(time.Time).Equal(ts("2020-12-21 08:11:00")) || r.Get("_9") != nil {
		t.Errorf("row 0 = %v", r)
	}
	if got := rows[1].String(); got != "Row(name='Lily', age=15, n=4, score=68.0, f=2.0, ok=False, dt='2020-12-21 08:12:00', tags=[], _9='x')" {
		t.Errorf("row 1 = %s", got)
	}
	bad := s.CreateDataFrame([][]any{{"a", 1}}).ToDF("x")
	expectErr(t, bad.Err(), "[LENGTH_MISMATCH] Number of columns doesn't match.\nOld column names (2): _1, _2\nNew column names (1): x")
	expectErr(t, s.CreateDataFrame([][]any{{"a"}, {1}}).Err(), "[CANNOT_MERGE_TYPE] Can not merge type string and bigint.")
}

func students(s *engine.Session) *engine.DataFrame {
	return s.CreateDataFrame([][]any{
		{"LiLei", int32(12), 75.5}, {"Hanmeimei", int32(16), 90.0}, {"Lily", int32(15), 68.0},
		{"Michael", int32(20), 70.5}, {"Andy", int32(17), 80.0}, {"Justin", int32(19), 87.0},
	}, "name string, age int, score double")
}

func TestShowText(t *testing.T) {
	s, buf := newSession(t)
	df := students(s)
	if err := df.Show(); err != nil {
		t.Fatal(err)
	}
	want := `+---------+---+-----+
|     name|age|score|
+---------+---+-----+
|    LiLei| 12| 75.5|
|Hanmeimei| 16| 90.0|
|     Lily| 15| 68.0|
|  Michael| 20| 70.5|
|     Andy| 17| 80.0|
|   Justin| 19| 87.0|
+---------+---+-----+

`
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}
	expectTable(t, df.Select("name").Limit(2), `
+---------+
|     name|
+---------+
|    LiLei|
|Hanmeimei|
+---------+
`)
	got, err := df.ShowString(2, 20)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(got, "+\nonly showing top 2 rows\n") {
		t.Errorf("no footer: %q", got)
	}
}

func TestExplodeGroupByCount(t *testing.T) {
	s, _ := newSession(t)
	df := s.CreateDataFrame([][]any{{[]any{"eat", "pyspark", "eat"}}, {[]any{"in", "eat"}}}, "words")
	wc := df.Select(F.Explode(df.Col("words")).Alias("word")).GroupBy("word").Count()
	expectTable(t, wc, `
+-------+-----+
|   word|count|
+-------+-----+
|    eat|    3|
|pyspark|    1|
|     in|    1|
+-------+-----+
`)
	if got := wc.Schema().TreeString(); got != "root\n |-- word: string (nullable = true)\n |-- count: long (nullable = false)\n" {
		t.Errorf("schema %q", got)
	}
	n, err := wc.Count()
	if err != nil || n != 3 {
		t.Errorf("count = %d, %v", n, err)
	}
}

// writeFiles writes each text into dir as <i>.json (or the given extension) atomically,
// with increasing modification times so the file source takes them in order.
func writeFiles(t *testing.T, dir, ext string, texts ...string) {
	t.Helper()
	for i, text := range texts {
		name := filepath.Join(dir, fmt.Sprintf("%d.%s", i, ext))
		tmp := filepath.Join(t.TempDir(), "tmp")
		if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		mt := time.Unix(1_600_000_000+int64(i), 0)
		if err := os.Chtimes(tmp, mt, mt); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, name); err != nil {
			t.Fatal(err)
		}
	}
}

func TestStreamingWindowAggregationAvailableNow(t *testing.T) {
	s, buf := newSession(t)
	dir := t.TempDir()
	writeFiles(t, dir, "json",
		`{"dt":"2020-12-21 08:11:00","amount":100}`,
		`{"dt":"2020-12-21 07:51:00","amount":50}`,
		`{"dt":"2020-12-21 08:12:00","amount":10}`,
	)
	schema := T.NewStructType().Add("dt", "timestamp").Add("amount", "integer")
	df := s.ReadStream().Schema(schema).Option("maxFilesPerTrigger", 1).JSON(dir)
	agg := df.GroupBy(F.Window(df.Col("dt"), "10 minutes", "5 minutes")).Agg(F.Sum("amount").Alias("amount"))
	q, err := agg.WriteStream().OutputMode("complete").Format("console").Trigger(engine.AvailableNow()).Start()
	if err != nil {
		t.Fatal(err)
	}
	if err := q.AwaitTermination(); err != nil {
		t.Fatal(err)
	}
	t.Log(buf.String())
}

// writeNamed writes one file atomically into dir with a modification time of second sec
// after the series writeFiles uses.
func writeNamed(t *testing.T, dir, name, text string, sec int64) {
	t.Helper()
	tmp := filepath.Join(t.TempDir(), "tmp")
	if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	mt := time.Unix(1_600_000_000+sec, 0)
	if err := os.Chtimes(tmp, mt, mt); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
}

func TestCreateDataFrameWithSchema(t *testing.T) {
	s, _ := newSession(t)
	schema := T.NewStructType().Add("name", "string").Add("age", "integer").Add("score", "double").Add("tags", "array<string>")
	df := s.CreateDataFrameWithSchema([][]any{{"LiLei", 12, 75, []any{"a"}}, {"Lily", nil, 68.5, nil}}, schema)
	expectTable(t, df, `
+-----+----+-----+----+
| name| age|score|tags|
+-----+----+-----+----+
|LiLei|  12| 75.0| [a]|
| Lily|NULL| 68.5|NULL|
+-----+----+-----+----+
`)
	expectErr(t, s.CreateDataFrameWithSchema([][]any{{"x", "y", 1.0, nil}}, schema).Err(),
		"CreateDataFrame: row 0, column age: [FIELD_DATA_TYPE_UNACCEPTABLE] int can not accept object y in type string")
}
