package engine_test

import (
	"strings"
	"testing"

	"github.com/runnel-go/runnel/engine"
	F "github.com/runnel-go/runnel/engine/functions"
	T "github.com/runnel-go/runnel/engine/types"
)

// sales: per shop, the item sold and when. Shop a ties on day 3 (the later row, w, wins,
// as in Spark's MaxMinBy); shop b's day-4 row has a null item; shop c has no day at all.
func sales(t *testing.T, s *engine.Session) *engine.DataFrame {
	t.Helper()
	schema := T.NewStructType().Add("shop", "string").Add("item", "string").Add("day", "int")
	df := s.CreateDataFrameWithSchema([][]any{
		{"a", "x", 1}, {"a", "y", 3}, {"b", "p", 2}, {"c", "q", nil}, {"a", "z", 2},
		{"b", nil, 4}, {"a", "w", 3}, {"b", "r", nil}, {"b", "s", 1},
	}, schema)
	if err := df.Err(); err != nil {
		t.Fatal(err)
	}
	return df
}

func TestMaxByMinBy(t *testing.T) {
	s, _ := newSession(t)
	df := sales(t, s)
	if err := df.CreateOrReplaceTempView("sales"); err != nil {
		t.Fatal(err)
	}
	want := `
+----+-----------------+-----------------+
|shop|max_by(item, day)|min_by(item, day)|
+----+-----------------+-----------------+
|   a|                w|                x|
|   b|             NULL|                s|
|   c|             NULL|             NULL|
+----+-----------------+-----------------+
`
	expectTable(t, s.SQL("select shop, max_by(item, day), min_by(item, day) from sales group by shop order by shop"), want)
	expectTable(t, df.GroupBy("shop").Agg(F.MaxBy("item", "day"), F.MinBy(F.Col("item"), F.Col("day"))).OrderBy("shop"), want)
	// Over all rows, with expressions for both arguments, and the ordering a string: x and
	// s tie on day 1, s comes later.
	expectTable(t, s.SQL("select max_by(upper(item), -day) as first_sold, min_by(day, item) as day_of_p, max_by(shop, item) from sales"), `
+----------+--------+------------------+
|first_sold|day_of_p|max_by(shop, item)|
+----------+--------+------------------+
|         S|       2|                 a|
+----------+--------+------------------+
`)
	// The result type is the value's.
	if got := s.SQL("select max_by(day, item) as d from sales").Schema().Fields[0].DataType.SimpleString(); got != "int" {
		t.Errorf("max_by(day, item) is %s, want int", got)
	}
}

func TestMaxByErrors(t *testing.T) {
	s, _ := newSession(t)
	if err := sales(t, s).CreateOrReplaceTempView("sales"); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]string{
		"select max_by(item) from sales": "[WRONG_NUM_ARGS.WITHOUT_SUGGESTION] The `max_by` requires 2 parameters but the actual number is 1.",
		"select min_by(item, map(day, 1)) from sales": "[DATATYPE_MISMATCH.INVALID_ORDERING_TYPE] Cannot resolve \"min_by(item, map(day, 1))\" due to data type mismatch: " +
			"The `min_by` does not support ordering on type \"MAP<INT, INT>\".",
		"select max_by(item, max(day)) from sales": "[NESTED_AGGREGATE_FUNCTION]",
	} {
		err := s.SQL(q).Err()
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %s", q, err, want)
		}
	}
}

// salesStream reads sales as JSON lines, one file per batch.
func salesStream(s *engine.Session, dir string) *engine.DataFrame {
	schema := T.NewStructType().Add("shop", "string").Add("item", "string").Add("day", "int")
	return s.ReadStream().Schema(schema).Option("maxFilesPerTrigger", 1).JSON(dir)
}

// In update mode each batch writes the shops it touched, with the values over every
// batch so far (the state).
func TestStreamingMaxByUpdate(t *testing.T) {
	s, _ := newSession(t)
	dir := t.TempDir()
	writeFiles(t, dir, "json",
		`{"shop":"a","item":"x","day":1}
{"shop":"a","item":"y","day":3}
{"shop":"b","item":"p"}
`,
		`{"shop":"a","item":"z","day":2}
{"shop":"b","item":"q","day":5}
{"shop":"c","item":"r","day":0}
`,
		`{"shop":"a","item":"v","day":3}
{"shop":"b","item":"u","day":0}
`)
	df := salesStream(s, dir).GroupBy("shop").Agg(F.MaxBy("item", "day").Alias("latest"), F.MinBy("item", "day").Alias("earliest"))
	q := memoryRun(t, df, "by_update", "update")
	if n := len(q.RecentProgress()); n != 3 {
		t.Fatalf("%d batches, want 3", n)
	}
	expectTable(t, s.SQL("select * from by_update"), `
+----+------+--------+
|shop|latest|earliest|
+----+------+--------+
|   a|     y|       x|
|   b|  NULL|    NULL|
|   a|     y|       x|
|   b|     q|       q|
|   c|     r|       r|
|   a|     v|       x|
|   b|     q|       u|
+----+------+--------+
`)
}

// Complete mode from a checkpoint: the state (value and ordering of each group) is
// saved and loaded back by the restarted query.
func TestStreamingMaxByCompleteRestart(t *testing.T) {
	s, _ := newSession(t)
	dir, cp := t.TempDir(), t.TempDir()
	writeFiles(t, dir, "json",
		`{"shop":"a","item":"x","day":1}
{"shop":"a","item":"y","day":3}
{"shop":"b","item":"p"}
`,
		`{"shop":"b","item":"q","day":5}
`)
	run := func() {
		t.Helper()
		df := salesStream(s, dir).GroupBy("shop").Agg(F.MaxBy("item", "day").Alias("latest"), F.MinBy("item", "day").Alias("earliest"))
		q, err := df.WriteStream().Format("memory").QueryName("by_complete").OutputMode("complete").
			Option("checkpointLocation", cp).Trigger(engine.AvailableNow()).Start()
		if err != nil {
			t.Fatal(err)
		}
		if err := q.AwaitTermination(); err != nil {
			t.Fatal(err)
		}
	}
	run()
	expectTable(t, s.SQL("select * from by_complete order by shop"), `
+----+------+--------+
|shop|latest|earliest|
+----+------+--------+
|   a|     y|       x|
|   b|     q|       q|
+----+------+--------+
`)
	writeNamed(t, dir, "7.json", `{"shop":"a","item":"w","day":2}
{"shop":"b","item":"o","day":4}
{"shop":"c","item":"n"}
{"shop":"a","item":"t","day":0}
`, 7)
	run()
	expectTable(t, s.SQL("select * from by_complete order by shop"), `
+----+------+--------+
|shop|latest|earliest|
+----+------+--------+
|   a|     y|       t|
|   b|     q|       o|
|   c|  NULL|    NULL|
+----+------+--------+
`)
}

// Sliding windows combine the panes of a window (the accumulators' merge).
func TestMaxByOverSlidingWindows(t *testing.T) {
	s, _ := newSession(t)
	schema := T.NewStructType().Add("t", "timestamp").Add("item", "string").Add("price", "double")
	df := s.CreateDataFrameWithSchema([][]any{
		{ts("2024-01-01 10:00:00"), "a", 5.0}, {ts("2024-01-01 10:00:01"), "b", 7.0},
		{ts("2024-01-01 10:00:01"), "c", 1.0}, {ts("2024-01-01 10:00:02"), "d", 6.0},
	}, schema)
	got := df.GroupBy(F.Window("t", "2 seconds", "1 second")).
		Agg(F.MaxBy("item", "price").Alias("dearest"), F.MinBy("item", "price").Alias("cheapest")).
		SelectExpr("window.start", "dearest", "cheapest").OrderBy("start")
	expectTable(t, got, `
+-------------------+-------+--------+
|              start|dearest|cheapest|
+-------------------+-------+--------+
|2024-01-01 09:59:59|      a|       a|
|2024-01-01 10:00:00|      b|       c|
|2024-01-01 10:00:01|      b|       c|
|2024-01-01 10:00:02|      d|       d|
+-------------------+-------+--------+
`)
}
