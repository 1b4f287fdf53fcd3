package engine_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runnel-go/runnel/engine"
	F "github.com/runnel-go/runnel/engine/functions"
	T "github.com/runnel-go/runnel/engine/types"
)

// The seed tutorial's examples (shared/seed/4-2-first-look-at-structured-streaming.md) as
// tests with exact output.

const (
	tf      = "eat tensorflow2 in 30 days"
	pytorch = "eat pytorch in 20 days"
	pyspark = "eat pyspark in 10 days"
)

func lines(groups ...[]string) []string {
	var out []string
	for _, g := range groups {
		out = append(out, strings.Join(g, "\n")+"\n")
	}
	return out
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func cat(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// TestSeedWordCount runs the tutorial's word count: files arrive while the query runs, the
// counts are kept in complete mode and each batch is printed from foreachBatch. The
// batches carry the sentences that give the tutorial's counts.
func TestSeedWordCount(t *testing.T) {
	s, out := newSession(t)
	dataPath := t.TempDir()
	schema := T.NewStructType().Add("value", "string")
	dflines := s.ReadStream().Option("sep", ".").Schema(schema).CSV(dataPath)
	dflines.PrintSchema()
	fmt.Fprintln(out, dflines.IsStreaming())

	dfwords := dflines.Select(F.Explode(F.Split(dflines.Col("value"), " ")).Alias("word"))
	dfwordCounts := dfwords.GroupBy("word").Count()
	query, err := dfwordCounts.WriteStream().OutputMode("complete").
		ForeachBatch(func(df *engine.DataFrame, epochID int64) error {
			fmt.Fprintln(out, "Batch: ", epochID)
			return df.Show()
		}).Start()
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(out, query.IsActive())
	batches := lines(
		cat(repeat(tf, 3), repeat(pytorch, 4), repeat(pyspark, 3)),
		cat(repeat(tf, 2), repeat(pyspark, 1)),
		cat(repeat(pytorch, 1), repeat(pyspark, 1)),
		cat(repeat(pytorch, 1), repeat(pyspark, 2)),
		cat(repeat(pytorch, 1), repeat(pyspark, 1)),
	)
	for i, text := range batches {
		tmp := filepath.Join(t.TempDir(), "f.txt")
		if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(dataPath, fmt.Sprintf("%d.txt", i))); err != nil {
			t.Fatal(err)
		}
		if err := query.ProcessAllAvailable(); err != nil {
			t.Fatal(err)
		}
	}
	if err := query.Stop(); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(out, query.IsActive())

	table := func(counts ...int) string {
		words := []string{"eat", "tensorflow2", "in", "30", "days", "pytorch", "20", "pyspark", "10"}
		var b strings.Builder
		b.WriteString("+-----------+-----+\n|       word|count|\n+-----------+-----+\n")
		for i, w := range words {
			fmt.Fprintf(&b, "|%11s|%5d|\n", w, counts[i])
		}
		b.WriteString("+-----------+-----+\n\n")
		return b.String()
	}
	want := "root\n |-- value: string (nullable = true)\n\ntrue\ntrue\n" +
		"Batch:  0\n" + table(10, 3, 10, 3, 10, 4, 4, 3, 3) +
		"Batch:  1\n" + table(13, 5, 13, 5, 13, 4, 4, 4, 4) +
		"Batch:  2\n" + table(15, 5, 15, 5, 15, 5, 5, 5, 5) +
		"Batch:  3\n" + table(18, 5, 18, 5, 18, 6, 6, 7, 7) +
		"Batch:  4\n" + table(20, 5, 20, 5, 20, 7, 7, 8, 8) +
		"false\n"
	if got := out.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

const studentsJSON = `{"name":"LiLei","age":12,"score":75.5}
{"name":"Hanmeimei","age":16,"score":90.0}
{"name":"Lily","age":15,"score":68.0}
{"name":"Michael","age":20,"score":70.5}
{"name":"Andy","age":17,"score":80.0}
{"name":"Justin","age":19,"score":87.0}
`

const studentsTable = `+---------+---+-----+
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

func studentsStream(t *testing.T, s *engine.Session) *engine.DataFrame {
	t.Helper()
	dir := t.TempDir()
	writeFiles(t, dir, "json", studentsJSON)
	schema := T.NewStructType().Add("name", "string").Add("age", "integer").Add("score", "double")
	return s.ReadStream().Schema(schema).JSON(dir)
}

func runOnce(t *testing.T, w *engine.DataStreamWriter) *engine.StreamingQuery {
	t.Helper()
	q, err := w.Trigger(engine.AvailableNow()).Start()
	if err != nil {
		t.Fatal(err)
	}
	if err := q.AwaitTermination(); err != nil {
		t.Fatal(err)
	}
	return q
}

func TestSeedStudentsSQLOverTempView(t *testing.T) {
	s, out := newSession(t)
	dfstudents := studentsStream(t, s)
	if err := dfstudents.CreateOrReplaceTempView("students"); err != nil {
		t.Fatal(err)
	}
	old := s.SQL("select * from students where age >25")
	if err := old.Err(); err != nil {
		t.Fatal(err)
	}
	if !old.IsStreaming() {
		t.Error("a SQL query over a streaming view must stream")
	}
	older := s.SQL("select name, age from students where age > 16")
	runOnce(t, older.WriteStream().Format("console"))
	want := `-------------------------------------------
Batch: 0
-------------------------------------------
+-------+---+
|   name|age|
+-------+---+
|Michael| 20|
|   Andy| 17|
| Justin| 19|
+-------+---+

`
	if got := out.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestSeedStudentsMemorySink(t *testing.T) {
	s, out := newSession(t)
	dfstudents := studentsStream(t, s)
	runOnce(t, dfstudents.WriteStream().QueryName("dfstudents").OutputMode("append").Format("memory"))
	if err := s.SQL("select * from dfstudents").Show(); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != studentsTable+"\n" {
		t.Errorf("got\n%s\nwant\n%s", got, studentsTable)
	}
}

func TestSeedStudentsConsoleAndForeachBatch(t *testing.T) {
	s, out := newSession(t)
	dfstudents := studentsStream(t, s)
	q := runOnce(t, dfstudents.WriteStream().Format("console").Trigger(engine.ProcessingTime("2 seconds")))
	want := "-------------------------------------------\nBatch: 0\n-------------------------------------------\n" + studentsTable + "\n"
	if got := out.String(); got != want {
		t.Errorf("console got\n%s\nwant\n%s", got, want)
	}
	if p := q.LastProgress(); p == nil || p.NumInputRows != 6 || p.Sink.NumOutputRows != 6 {
		t.Errorf("progress %+v", p)
	}

	s2, out2 := newSession(t)
	dfstudents = studentsStream(t, s2)
	runOnce(t, dfstudents.WriteStream().ForeachBatch(func(df *engine.DataFrame, epochID int64) error {
		fmt.Fprintln(out2, "epoch_id = ", epochID)
		if err := df.Show(); err != nil {
			return err
		}
		n, err := df.Count()
		fmt.Fprintln(out2, "rows = ", n)
		return err
	}))
	want = "epoch_id =  0\n" + studentsTable + "\nrows =  6\n"
	if got := out2.String(); got != want {
		t.Errorf("foreachBatch got\n%s\nwant\n%s", got, want)
	}
}

func TestSeedStudentsJoins(t *testing.T) {
	s, out := newSession(t)
	dfstudents := studentsStream(t, s)
	dfclasses := s.CreateDataFrame([][]any{{"LiLei", "class1"}, {"Hanmeimei", "class2"}, {"Lily", "class3"}}).ToDF("name", "class")
	dfjoinInner := dfstudents.Join(dfclasses, "name", "inner")
	dfjoinInner.PrintSchema()
	fmt.Fprintln(out, dfjoinInner.IsStreaming())
	runOnce(t, dfjoinInner.WriteStream().OutputMode("append").Format("console"))
	runOnce(t, dfstudents.Join(dfclasses, "name", "left").WriteStream().OutputMode("append").Format("console"))

	dfhometown := dfstudents.SelectExpr("name", "if(age>16,'China','USA') as hometown")
	dfhometown.PrintSchema()
	runOnce(t, dfstudents.Join(dfhometown, "name", "inner").WriteStream().OutputMode("append").Format("console"))
	banner := "-------------------------------------------\nBatch: 0\n-------------------------------------------\n"
	want := `root
 |-- name: string (nullable = true)
 |-- age: integer (nullable = true)
 |-- score: double (nullable = true)
 |-- class: string (nullable = true)

true
` + banner + `+---------+---+-----+------+
|     name|age|score| class|
+---------+---+-----+------+
|    LiLei| 12| 75.5|class1|
|Hanmeimei| 16| 90.0|class2|
|     Lily| 15| 68.0|class3|
+---------+---+-----+------+

` + banner + `+---------+---+-----+------+
|     name|age|score| class|
+---------+---+-----+------+
|    LiLei| 12| 75.5|class1|
|Hanmeimei| 16| 90.0|class2|
|     Lily| 15| 68.0|class3|
|  Michael| 20| 70.5|  NULL|
|     Andy| 17| 80.0|  NULL|
|   Justin| 19| 87.0|  NULL|
+---------+---+-----+------+

root
 |-- name: string (nullable = true)
 |-- hometown: string (nullable = false)

` + banner + `+---------+---+-----+--------+
|     name|age|score|hometown|
+---------+---+-----+--------+
|    LiLei| 12| 75.5|     USA|
|Hanmeimei| 16| 90.0|     USA|
|     Lily| 15| 68.0|     USA|
|  Michael| 20| 70.5|   China|
|     Andy| 17| 80.0|   China|
|   Justin| 19| 87.0|   China|
+---------+---+-----+--------+

`
	if got := out.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestSeedStudentsFileSinks(t *testing.T) {
	s, _ := newSession(t)
	dfstudents := studentsStream(t, s)
	for _, format := range []string{"parquet", "csv", "json"} {
		out, cp := t.TempDir(), t.TempDir()
		runOnce(t, dfstudents.WriteStream().Format(format).Option("checkpointLocation", cp).Option("path", out))
		back := s.Read().Format(format).SchemaDDL("name string, age int, score double").Load(out)
		expectTable(t, back.OrderBy("age"), `
+---------+---+-----+
|     name|age|score|
+---------+---+-----+
|    LiLei| 12| 75.5|
|     Lily| 15| 68.0|
|Hanmeimei| 16| 90.0|
|     Andy| 17| 80.0|
|   Justin| 19| 87.0|
|  Michael| 20| 70.5|
+---------+---+-----+
`)
	}
	_, err := dfstudents.WriteStream().Format("parquet").Option("path", t.TempDir()).Start()
	expectErr(t, err, `checkpointLocation must be specified either through option("checkpointLocation", ...) or SparkSession.conf.set("spark.sql.streaming.checkpointLocation", ...)`)
	_, err = dfstudents.GroupBy("age").Count().WriteStream().OutputMode("complete").Format("parquet").
		Option("path", t.TempDir()).Option("checkpointLocation", t.TempDir()).Start()
	expectErr(t, err, "Data source parquet does not support Complete output mode")
}
