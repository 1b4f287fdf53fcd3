package engine_test

import (
	"testing"

	"github.com/runnel-go/runnel/engine"
	F "github.com/runnel-go/runnel/engine/functions"
	T "github.com/runnel-go/runnel/engine/types"
)

// memoryRun runs df to completion (AvailableNow) into a memory table and returns the
// query.
func memoryRun(t *testing.T, df *engine.DataFrame, name, mode string) *engine.StreamingQuery {
	t.Helper()
	q, err := df.WriteStream().Format("memory").QueryName(name).OutputMode(mode).Trigger(engine.AvailableNow()).Start()
	if err != nil {
		t.Fatal(err)
	}
	if err := q.AwaitTermination(); err != nil {
		t.Fatal(err)
	}
	return q
}

func TestStreamingDropDuplicatesWithWatermark(t *testing.T) {
	s, _ := newSession(t)
	dir := t.TempDir()
	writeFiles(t, dir, "json",
		`{"id":"a","ts":"2024-01-01 10:00:00"}
{"id":"b","ts":"2024-01-01 10:01:00"}
{"id":"a","ts":"2024-01-01 10:00:00"}`,
		`{"id":"a","ts":"2024-01-01 10:00:00"}
{"id":"c","ts":"2024-01-01 09:55:00"}
{"id":"d","ts":"2024-01-01 10:20:00"}`,
		`{"id":"a","ts":"2024-01-01 10:00:00"}
{"id":"e","ts":"2024-01-01 10:16:00"}`,
	)
	schema := T.NewStructType().Add("id", "string").Add("ts", "timestamp")
	df := s.ReadStream().Schema(schema).Option("maxFilesPerTrigger", 1).JSON(dir).
		WithWatermark("ts", "5 minutes").DropDuplicates("id", "ts")
	q := memoryRun(t, df, "dedup", "append")
	expectTable(t, s.Table("dedup"), `
+---+-------------------+
| id|                 ts|
+---+-------------------+
|  a|2024-01-01 10:00:00|
|  b|2024-01-01 10:01:00|
|  d|2024-01-01 10:20:00|
|  e|2024-01-01 10:16:00|
+---+-------------------+
`)
	var dropped, removed int64
	var total int64 = -1
	for _, p := range q.RecentProgress() {
		if len(p.StateOperators) == 1 {
			dropped += p.StateOperators[0].NumRowsDroppedByWatermark
			removed += p.StateOperators[0].NumRowsRemoved
			total = p.StateOperators[0].NumRowsTotal
		}
	}
	// c (09:55) is late in batch 1 and a (10:00) in batch 2; a and b leave the state once
	// the watermark (10:15) passes them.
	if dropped != 2 || removed != 2 || total != 2 {
		t.Errorf("dropped %d, removed %d, total %d", dropped, removed, total)
	}
}

func adStreams(t *testing.T, s *engine.Session) (imps, clicks *engine.DataFrame) {
	t.Helper()
	impDir, clickDir := t.TempDir(), t.TempDir()
	writeFiles(t, impDir, "json",
		`{"adId":1,"impTime":"2024-01-01 10:00:00"}
{"adId":2,"impTime":"2024-01-01 10:01:00"}`,
		`{"adId":3,"impTime":"2024-01-01 12:00:00"}`)
	writeFiles(t, clickDir, "json",
		`{"clickAdId":2,"clickTime":"2024-01-01 10:05:00"}`,
		`{"clickAdId":3,"clickTime":"2024-01-01 12:10:00"}`)
	imps = s.ReadStream().SchemaDDL("adId int, impTime timestamp").Option("maxFilesPerTrigger", 1).JSON(impDir)
	clicks = s.ReadStream().SchemaDDL("clickAdId int, clickTime timestamp").Option("maxFilesPerTrigger", 1).JSON(clickDir)
	return imps, clicks
}

func TestStreamStreamInnerJoin(t *testing.T) {
	s, _ := newSession(t)
	imps, clicks := adStreams(t, s)
	joined := imps.Join(clicks, F.Expr("clickAdId = adId AND clickTime >= impTime AND clickTime <= impTime + interval 1 hour"))
	memoryRun(t, joined, "joined", "append")
	expectTable(t, s.Table("joined"), `
+----+-------------------+---------+-------------------+
|adId|            impTime|clickAdId|          clickTime|
+----+-------------------+---------+-------------------+
|   2|2024-01-01 10:01:00|        2|2024-01-01 10:05:00|
|   3|2024-01-01 12:00:00|        3|2024-01-01 12:10:00|
+----+-------------------+---------+-------------------+
`)
}

func TestStreamStreamLeftOuterJoinEmitsAtEviction(t *testing.T) {
	s, _ := newSession(t)
	imps, clicks := adStreams(t, s)
	imps = imps.WithWatermark("impTime", "10 minutes")
	clicks = clicks.WithWatermark("clickTime", "20 minutes")
	joined := imps.Join(clicks, F.Expr("clickAdId = adId AND clickTime >= impTime AND clickTime <= impTime + interval 1 hour"), "leftOuter")
	q := memoryRun(t, joined, "outer", "append")
	// Impression 1 never gets a click: it comes out null-padded once the watermark (11:50
	// after the second batch) passes 10:00 + 1 hour, in the no-data batch that follows.
	expectTable(t, s.Table("outer"), `
+----+-------------------+---------+-------------------+
|adId|            impTime|clickAdId|          clickTime|
+----+-------------------+---------+-------------------+
|   2|2024-01-01 10:01:00|        2|2024-01-01 10:05:00|
|   3|2024-01-01 12:00:00|        3|2024-01-01 12:10:00|
|   1|2024-01-01 10:00:00|     NULL|               NULL|
+----+-------------------+---------+-------------------+
`)
	if n := len(q.RecentProgress()); n != 3 {
		t.Errorf("%d batches, want 2 with data and a no-data one", n)
	}
}

func TestSessionWindows(t *testing.T) {
	s, _ := newSession(t)
	rows := [][]any{
		{"u1", ts("2024-01-01 10:00:00")}, {"u1", ts("2024-01-01 10:03:00")},
		{"u1", ts("2024-01-01 10:20:00")}, {"u2", ts("2024-01-01 10:01:00")},
	}
	df := s.CreateDataFrame(rows, "user", "ts")
	sessions := df.GroupBy(F.SessionWindow("ts", "5 minutes"), "user").Count().
		Select("session_window.start", "session_window.end", "user", "count")
	expectTable(t, sessions, `
+-------------------+-------------------+----+-----+
|              start|                end|user|count|
+-------------------+-------------------+----+-----+
|2024-01-01 10:00:00|2024-01-01 10:08:00|  u1|    2|
|2024-01-01 10:20:00|2024-01-01 10:25:00|  u1|    1|
|2024-01-01 10:01:00|2024-01-01 10:06:00|  u2|    1|
+-------------------+-------------------+----+-----+
`)

	// Streaming, append mode: a session comes out once the watermark passes its end; a
	// later event that bridges two sessions merges them first.
	dir := t.TempDir()
	writeFiles(t, dir, "json",
		`{"user":"u1","ts":"2024-01-01 10:00:00"}
{"user":"u1","ts":"2024-01-01 10:10:00"}`,
		`{"user":"u1","ts":"2024-01-01 10:04:00"}
{"user":"u1","ts":"2024-01-01 10:07:00"}`,
		`{"user":"u1","ts":"2024-01-01 11:00:00"}`)
	st := s.ReadStream().SchemaDDL("user string, ts timestamp").Option("maxFilesPerTrigger", 1).JSON(dir).
		WithWatermark("ts", "10 minutes")
	agg := st.GroupBy(F.SessionWindow("ts", "5 minutes"), "user").Count().
		Select("session_window.start", "session_window.end", "user", "count")
	memoryRun(t, agg, "sessions", "append")
	expectTable(t, s.Table("sessions"), `
+-------------------+-------------------+----+-----+
|              start|                end|user|count|
+-------------------+-------------------+----+-----+
|2024-01-01 10:00:00|2024-01-01 10:15:00|  u1|    4|
+-------------------+-------------------+----+-----+
`)
}

func TestStreamingSQLCompleteIntoMemoryAndConsoleOptions(t *testing.T) {
	s, out := newSession(t)
	dfstudents := studentsStream(t, s)
	if err := dfstudents.CreateOrReplaceTempView("students"); err != nil {
		t.Fatal(err)
	}
	byAge := s.SQL("select age > 16 as older, count(*) as n, max(score) as best from students group by age > 16 order by older")
	memoryRun(t, byAge, "byage", "complete")
	expectTable(t, s.SQL("select * from byage"), `
+-----+---+----+
|older|  n|best|
+-----+---+----+
|false|  3|90.0|
| true|  3|87.0|
+-----+---+----+
`)
	runOnce(t, dfstudents.WriteStream().Format("console").Option("numRows", 2).Option("truncate", false))
	want := `-------------------------------------------
Batch: 0
-------------------------------------------
+---------+---+-----+
|name     |age|score|
+---------+---+-----+
|LiLei    |12 |75.5 |
|Hanmeimei|16 |90.0 |
+---------+---+-----+
only showing top 2 rows

`
	if got := out.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestCompleteModeSortAndLimit(t *testing.T) {
	s, _ := newSession(t)
	dir := t.TempDir()
	writeFiles(t, dir, "txt", "b a b\n", "c b a\n")
	lines := s.ReadStream().Option("maxFilesPerTrigger", 1).Text(dir)
	top := lines.Select(F.Explode(F.Split("value", " ")).Alias("word")).GroupBy("word").Count().
		OrderBy(F.Col("count").Desc(), F.Col("word")).Limit(2)
	memoryRun(t, top, "top", "complete")
	expectTable(t, s.Table("top"), `
+----+-----+
|word|count|
+----+-----+
|   b|    3|
|   a|    2|
+----+-----+
`)
}

func TestStreamStreamFullOuterJoin(t *testing.T) {
	s, _ := newSession(t)
	impDir, clickDir := t.TempDir(), t.TempDir()
	writeFiles(t, impDir, "json",
		`{"adId":1,"impTime":"2024-01-01 10:00:00"}
{"adId":2,"impTime":"2024-01-01 10:01:00"}`,
		`{"adId":3,"impTime":"2024-01-01 12:00:00"}`)
	writeFiles(t, clickDir, "json",
		`{"clickAdId":2,"clickTime":"2024-01-01 10:05:00"}
{"clickAdId":9,"clickTime":"2024-01-01 10:30:00"}`,
		`{"clickAdId":3,"clickTime":"2024-01-01 12:10:00"}`)
	imps := s.ReadStream().SchemaDDL("adId int, impTime timestamp").Option("maxFilesPerTrigger", 1).JSON(impDir).
		WithWatermark("impTime", "10 minutes")
	clicks := s.ReadStream().SchemaDDL("clickAdId int, clickTime timestamp").Option("maxFilesPerTrigger", 1).JSON(clickDir).
		WithWatermark("clickTime", "20 minutes")
	cond := F.Expr("clickAdId = adId AND clickTime >= impTime AND clickTime <= impTime + interval 1 hour")
	expectErr(t, start(imps.Join(clicks, F.Expr("clickAdId = adId"), "full"), "append"),
		"Stream-stream FullOuter join between two streaming DataFrame/Datasets is not supported without a watermark in the join keys, or a watermark on the nullable side and an appropriate range condition")
	memoryRun(t, imps.Join(clicks, cond, "full"), "full", "append")
	expectTable(t, s.Table("full"), `
+----+-------------------+---------+-------------------+
|adId|            impTime|clickAdId|          clickTime|
+----+-------------------+---------+-------------------+
|   2|2024-01-01 10:01:00|        2|2024-01-01 10:05:00|
|   3|2024-01-01 12:00:00|        3|2024-01-01 12:10:00|
|   1|2024-01-01 10:00:00|     NULL|               NULL|
|NULL|               NULL|        9|2024-01-01 10:30:00|
+----+-------------------+---------+-------------------+
`)
}

func TestStreamStaticRightOuterAndSemiJoins(t *testing.T) {
	s, _ := newSession(t)
	dfstudents := studentsStream(t, s)
	dfclasses := s.CreateDataFrame([][]any{{"LiLei", "class1"}, {"Lily", "class3"}, {"Nobody", "class9"}}).ToDF("name", "class")
	memoryRun(t, dfclasses.Join(dfstudents, "name", "right"), "right", "append")
	expectTable(t, s.Table("right"), `
+---------+------+---+-----+
|     name| class|age|score|
+---------+------+---+-----+
|    LiLei|class1| 12| 75.5|
|Hanmeimei|  NULL| 16| 90.0|
|     Lily|class3| 15| 68.0|
|  Michael|  NULL| 20| 70.5|
|     Andy|  NULL| 17| 80.0|
|   Justin|  NULL| 19| 87.0|
+---------+------+---+-----+
`)
	memoryRun(t, dfstudents.Join(dfclasses, "name", "left_semi"), "semi", "append")
	expectTable(t, s.Table("semi"), `
+-----+---+-----+
| name|age|score|
+-----+---+-----+
|LiLei| 12| 75.5|
| Lily| 15| 68.0|
+-----+---+-----+
`)
}

// A limit over a stream in append mode counts across batches and restarts.
func TestStreamingLimitAcrossBatchesAndRestart(t *testing.T) {
	s, _ := newSession(t)
	dir, cp := t.TempDir(), t.TempDir()
	writeFiles(t, dir, "txt", "a\nb\n", "c\n")
	run := func() {
		q, err := s.ReadStream().Option("maxFilesPerTrigger", 1).Text(dir).Limit(3).WriteStream().
			Format("memory").QueryName("lim").Option("checkpointLocation", cp).Trigger(engine.AvailableNow()).Start()
		if err != nil {
			t.Fatal(err)
		}
		if err := q.AwaitTermination(); err != nil {
			t.Fatal(err)
		}
	}
	run()
	expectTable(t, s.Table("lim"), "\n+-----+\n|value|\n+-----+\n|    a|\n|    b|\n|    c|\n+-----+\n")
	writeNamed(t, dir, "9.txt", "d\n", 9)
	run()
	n, err := s.Table("lim").Count()
	if err != nil || n != 0 {
		t.Errorf("after the restart the limit was already reached, yet %d rows came (%v)", n, err)
	}
}
