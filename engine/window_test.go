package engine_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/runnel-go/runnel/engine"
	F "github.com/runnel-go/runnel/engine/functions"
	T "github.com/runnel-go/runnel/engine/types"
)

// The tutorial's trading example on fixed data, one file per batch: 10-minute windows
// sliding every 5 minutes under a 20-minute watermark.
var trades = []string{
	`{"dt":"2020-12-21 08:20:05","amount":100,"price":10004.0}`, // batch 0; watermark after: 08:00:05
	`{"dt":"2020-12-21 08:00:15","amount":100,"price":96.0}`,    // batch 1
	`{"dt":"2020-12-21 08:20:25","amount":100,"price":10002.0}`, // batch 2; watermark after: 08:00:25
	`{"dt":"2020-12-21 07:59:35","amount":100,"price":99.0}`,    // batch 3: late for [07:50,08:00) only
	`{"dt":"2020-12-21 08:41:00","amount":100,"price":10000.0}`, // batch 4; watermark after: 08:21:00
	`{"dt":"2020-12-21 08:05:00","amount":100,"price":97.0}`,    // batch 5: late for both its windows
}

func tradingQuery(t *testing.T, s *engine.Session, watermark bool) *engine.DataFrame {
	t.Helper()
	dir := t.TempDir()
	writeFiles(t, dir, "json", trades...)
	schema := T.NewStructType().Add("dt", "string").Add("amount", "integer").Add("price", "double")
	raw := s.ReadStream().Schema(schema).Option("maxFilesPerTrigger", 1).JSON(dir)
	dfprice := raw.SelectExpr("cast(dt as timestamp) as dt", "amount", "price", "amount*price as volume")
	if watermark {
		dfprice = dfprice.WithWatermark("dt", "20 minutes")
	}
	return dfprice.GroupBy(F.Window(dfprice.Col("dt"), "10 minutes", "5 minutes")).
		Agg(F.Sum("amount").Alias("amount"), F.Sum("volume").Alias("volume")).
		SelectExpr("window", "window.start", "window.end", "volume/amount as avg_price")
}

// windowRow is one expected output row: the window's start and end times (HH:MM) on
// 2020-12-21 and avg_price as Spark prints it.
type windowRow struct{ start, end, avg string }

func consoleBatches(batches ...[]windowRow) string {
	var b strings.Builder
	for i, rows := range batches {
		fmt.Fprintf(&b, "-------------------------------------------\nBatch: %d\n-------------------------------------------\n", i)
		if len(rows) == 0 {
			b.WriteString("+------+-----+---+---------+\n|window|start|end|avg_price|\n+------+-----+---+---------+\n+------+-----+---+---------+\n\n")
			continue
		}
		w := 9
		for _, r := range rows {
			w = max(w, len(r.avg))
		}
		sep := "+--------------------+-------------------+-------------------+" + strings.Repeat("-", w) + "+\n"
		b.WriteString(sep)
		fmt.Fprintf(&b, "|              window|              start|                end|%*s|\n", w, "avg_price")
		b.WriteString(sep)
		for _, r := range rows {
			fmt.Fprintf(&b, "|{2020-12-21 %s...|2020-12-21 %s:00|2020-12-21 %s:00|%*s|\n", r.start, r.start, r.end, w, r.avg)
		}
		b.WriteString(sep + "\n")
	}
	return b.String()
}

func runTrading(t *testing.T, mode string, watermark bool) (string, *engine.StreamingQuery) {
	t.Helper()
	s, out := newSession(t)
	q, err := tradingQuery(t, s, watermark).WriteStream().OutputMode(mode).Format("console").
		Trigger(engine.AvailableNow()).Start()
	if err != nil {
		t.Fatal(err)
	}
	if err := q.AwaitTermination(); err != nil {
		t.Fatal(err)
	}
	return out.String(), q
}

func TestTradingWindowsUpdateMode(t *testing.T) {
	got, q := runTrading(t, "update", true)
	want := consoleBatches(
		[]windowRow{{"08:15", "08:25", "10004.0"}, {"08:20", "08:30", "10004.0"}},
		[]windowRow{{"07:55", "08:05", "96.0"}, {"08:00", "08:10", "96.0"}},
		[]windowRow{{"08:15", "08:25", "10003.0"}, {"08:20", "08:30", "10003.0"}},
		[]windowRow{{"07:55", "08:05", "97.5"}},
		[]windowRow{{"08:35", "08:45", "10000.0"}, {"08:40", "08:50", "10000.0"}},
		nil,
	)
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	progress := q.RecentProgress()
	dropped := map[int64]int64{}
	for _, p := range progress {
		if len(p.StateOperators) == 1 {
			dropped[p.BatchID] = p.StateOperators[0].NumRowsDroppedByWatermark
		}
	}
	if dropped[3] != 1 || dropped[5] != 2 || dropped[4] != 0 {
		t.Errorf("numRowsDroppedByWatermark per batch: %v", dropped)
	}
	last := progress[len(progress)-1]
	if last.EventTime["watermark"] != "2020-12-21T08:21:00.000Z" {
		t.Errorf("last watermark %v", last.EventTime)
	}
}

func TestTradingWindowsAppendMode(t *testing.T) {
	got, _ := runTrading(t, "append", true)
	want := consoleBatches(nil, nil, nil, nil, nil,
		[]windowRow{{"07:55", "08:05", "97.5"}, {"08:00", "08:10", "96.0"}})
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// Complete mode keeps every window and takes every row, watermark or not (Spark's
// watermark only drops and evicts in append and update modes): the 07:59:35 trade also
// opens [07:50, 08:00) and the 08:05 trade updates its windows.
func TestTradingWindowsCompleteMode(t *testing.T) {
	for _, watermark := range []bool{true, false} {
		got, q := runTrading(t, "complete", watermark)
		checkCompleteTrading(t, got)
		for _, p := range q.RecentProgress() {
			for _, op := range p.StateOperators {
				if op.NumRowsDroppedByWatermark != 0 || op.NumRowsRemoved != 0 {
					t.Errorf("watermark %v, batch %d: %+v", watermark, p.BatchID, op)
				}
			}
		}
	}
}

func checkCompleteTrading(t *testing.T, got string) {
	t.Helper()
	b0 := []windowRow{{"08:15", "08:25", "10004.0"}, {"08:20", "08:30", "10004.0"}}
	b1 := []windowRow{{"07:55", "08:05", "96.0"}, {"08:00", "08:10", "96.0"}, b0[0], b0[1]}
	b2 := []windowRow{b1[0], b1[1], {"08:15", "08:25", "10003.0"}, {"08:20", "08:30", "10003.0"}}
	b3 := []windowRow{{"07:50", "08:00", "99.0"}, {"07:55", "08:05", "97.5"}, b2[1], b2[2], b2[3]}
	b4 := append(append([]windowRow{}, b3...), windowRow{"08:35", "08:45", "10000.0"}, windowRow{"08:40", "08:50", "10000.0"})
	b5 := []windowRow{b4[0], b4[1], {"08:00", "08:10", "96.5"}, {"08:05", "08:15", "97.0"}, b4[3], b4[4], b4[5], b4[6]}
	if want := consoleBatches(b0, b1, b2, b3, b4, b5); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// A query restarted on its checkpoint resumes with its window state and watermark: the
// batches after the restart are those of an uninterrupted run.
func TestTradingWindowsRestartFromCheckpoint(t *testing.T) {
	s, out := newSession(t)
	dir, cp := t.TempDir(), t.TempDir()
	schema := T.NewStructType().Add("dt", "string").Add("amount", "integer").Add("price", "double")
	query := func() *engine.DataFrame {
		raw := s.ReadStream().Schema(schema).Option("maxFilesPerTrigger", 1).JSON(dir)
		dfprice := raw.SelectExpr("cast(dt as timestamp) as dt", "amount", "price", "amount*price as volume").
			WithWatermark("dt", "20 minutes")
		return dfprice.GroupBy(F.Window(dfprice.Col("dt"), "10 minutes", "5 minutes")).
			Agg(F.Sum("amount").Alias("amount"), F.Sum("volume").Alias("volume")).
			SelectExpr("window", "window.start", "window.end", "volume/amount as avg_price")
	}
	run := func() *engine.StreamingQuery {
		q, err := query().WriteStream().OutputMode("update").Format("console").
			Option("checkpointLocation", cp).Trigger(engine.AvailableNow()).Start()
		if err != nil {
			t.Fatal(err)
		}
		if err := q.AwaitTermination(); err != nil {
			t.Fatal(err)
		}
		return q
	}
	writeFiles(t, dir, "json", trades[:3]...)
	q1 := run()
	// The rest of the trades arrive while the query is down.
	for i, text := range trades[3:] {
		name := fmt.Sprintf("%d.json", i+3)
		writeNamed(t, dir, name, text, int64(10+i))
	}
	q2 := run()
	if q1.ID() != q2.ID() || q1.RunID() == q2.RunID() {
		t.Errorf("ids: %s/%s then %s/%s", q1.ID(), q1.RunID(), q2.ID(), q2.RunID())
	}
	want := consoleBatches(
		[]windowRow{{"08:15", "08:25", "10004.0"}, {"08:20", "08:30", "10004.0"}},
		[]windowRow{{"07:55", "08:05", "96.0"}, {"08:00", "08:10", "96.0"}},
		[]windowRow{{"08:15", "08:25", "10003.0"}, {"08:20", "08:30", "10003.0"}},
		[]windowRow{{"07:55", "08:05", "97.5"}},
		[]windowRow{{"08:35", "08:45", "10000.0"}, {"08:40", "08:50", "10000.0"}},
		nil,
	)
	if got := out.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// window() in a projection assigns rows to windows (one row per window); grouping by that
// column then behaves as grouping by window() directly.
func TestWindowColumnThenGroupBy(t *testing.T) {
	s, out := newSession(t)
	dir := t.TempDir()
	writeFiles(t, dir, "json", trades...)
	schema := T.NewStructType().Add("dt", "string").Add("amount", "integer").Add("price", "double")
	raw := s.ReadStream().Schema(schema).Option("maxFilesPerTrigger", 1).JSON(dir)
	dfprice := raw.SelectExpr("cast(dt as timestamp) as dt", "amount", "price", "amount*price as volume").
		WithWatermark("dt", "20 minutes").
		WithColumn("window", F.Window("dt", "10 minutes", "5 minutes"))
	agg := dfprice.GroupBy("window").Agg(F.Sum("amount").Alias("amount"), F.Sum("volume").Alias("volume")).
		SelectExpr("window", "window.start", "window.end", "volume/amount as avg_price")
	q, err := agg.WriteStream().OutputMode("update").Format("console").Trigger(engine.AvailableNow()).Start()
	if err != nil {
		t.Fatal(err)
	}
	if err := q.AwaitTermination(); err != nil {
		t.Fatal(err)
	}
	want := consoleBatches(
		[]windowRow{{"08:15", "08:25", "10004.0"}, {"08:20", "08:30", "10004.0"}},
		[]windowRow{{"07:55", "08:05", "96.0"}, {"08:00", "08:10", "96.0"}},
		[]windowRow{{"08:15", "08:25", "10003.0"}, {"08:20", "08:30", "10003.0"}},
		[]windowRow{{"07:55", "08:05", "97.5"}},
		[]windowRow{{"08:35", "08:45", "10000.0"}, {"08:40", "08:50", "10000.0"}},
		nil,
	)
	if got := out.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	static := s.CreateDataFrame([][]any{{ts("2020-12-21 08:20:05")}, {nil}}, "dt timestamp").
		Select(F.Window("dt", "10 minutes", "5 minutes").Alias("w"), "dt")
	expectTable(t, static.Select("w.start", "w.end", "dt"), `
+-------------------+-------------------+-------------------+
|              start|                end|                 dt|
+-------------------+-------------------+-------------------+
|2020-12-21 08:15:00|2020-12-21 08:25:00|2020-12-21 08:20:05|
|2020-12-21 08:20:00|2020-12-21 08:30:00|2020-12-21 08:20:05|
+-------------------+-------------------+-------------------+
`)
}

func TestWindowSchema(t *testing.T) {
	s, _ := newSession(t)
	agg := tradingQuery(t, s, true)
	want := `root
 |-- window: struct (nullable = false)
 |    |-- start: timestamp (nullable = true)
 |    |-- end: timestamp (nullable = true)
 |-- start: timestamp (nullable = true)
 |-- end: timestamp (nullable = true)
 |-- avg_price: double (nullable = true)
`
	if got := agg.Schema().TreeString(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestWindowOverStringTimes(t *testing.T) {
	s, _ := newSession(t)
	df := s.CreateDataFrame([][]any{{"2020-12-21 08:20:05", 1}, {"2020-12-21 08:21:00", 2}}, "dt", "n")
	expectTable(t, df.GroupBy(F.Window("dt", "10 minutes")).Sum("n").Select("window.start", "sum(n)"), `
+-------------------+------+
|              start|sum(n)|
+-------------------+------+
|2020-12-21 08:20:00|     3|
+-------------------+------+
`)
	expectErr(t, df.GroupBy(F.Window("n", "10 minutes")).Count().Err(),
		"[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve \"window(n, 10 minutes)\" due to data type mismatch: The first parameter requires the \"TIMESTAMP\" type, however \"n\" has the type \"BIGINT\".")
}
