package engine_test

import (
	"testing"

	"github.com/runnel-go/runnel/engine"
	F "github.com/runnel-go/runnel/engine/functions"
	T "github.com/runnel-go/runnel/engine/types"
)

func studentStream(t *testing.T, s *engine.Session) *engine.DataFrame {
	t.Helper()
	schema := T.NewStructType().Add("name", "string").Add("age", "integer").Add("score", "double")
	return s.ReadStream().Schema(schema).JSON(t.TempDir())
}

func start(df *engine.DataFrame, mode string) error {
	q, err := df.WriteStream().OutputMode(mode).Format("console").Start()
	if err == nil {
		q.Stop()
	}
	return err
}

func TestUnsupportedOperationMessages(t *testing.T) {
	s, _ := newSession(t)
	st := studentStream(t, s)
	static := students(s)
	if !st.IsStreaming() || static.IsStreaming() {
		t.Fatal("IsStreaming")
	}
	const action = "Queries with streaming sources must be executed with writeStream.start()"
	expectErr(t, st.Show(), action)
	_, err := st.Count()
	expectErr(t, err, action)
	_, err = st.Collect()
	expectErr(t, err, action)
	_, err = static.WriteStream().Format("console").Start()
	expectErr(t, err, "Queries without streaming sources cannot be executed with writeStream.start()")

	expectErr(t, start(st, "complete"), "Complete output mode not supported when there are no streaming aggregations on streaming DataFrames/Datasets")
	counts := st.GroupBy("name").Count()
	expectErr(t, start(counts, "append"), "Append output mode not supported when there are streaming aggregations on streaming DataFrames/DataSets without watermark")
	expectErr(t, start(st.OrderBy("age"), "append"), "Sorting is not supported on streaming DataFrames/Datasets, unless it is on aggregated DataFrame/Dataset in Complete output mode")
	expectErr(t, start(counts.OrderBy("count"), "update"), "Sorting is not supported on streaming DataFrames/Datasets, unless it is on aggregated DataFrame/Dataset in Complete output mode")
	expectErr(t, start(counts.Limit(2), "update"), "Limits are not supported on streaming DataFrames/Datasets in Update output mode")
	expectErr(t, start(st.GroupBy("age").Agg(F.CountDistinct("name")), "complete"), "Distinct aggregations are not supported on streaming DataFrames/Datasets. Consider using approx_count_distinct() instead.")
	expectErr(t, st.Union(static).Err(), "Union between streaming and batch DataFrames/Datasets is not supported")
	expectErr(t, start(counts.GroupBy("count").Count(), "complete"), "Multiple streaming aggregations are not supported with streaming DataFrames/Datasets")
	other := studentStream(t, s)
	expectErr(t, start(st.Join(other, "name"), "update"), "Join between two streaming DataFrames/Datasets is not supported in Update output mode, only in Append output mode")
	expectErr(t, start(static.Join(st, "name", "left"), "append"), "LeftOuter join with a streaming DataFrame/Dataset on the right and a static DataFrame/Dataset on the left is not supported")
	expectErr(t, start(st.Join(static, "name", "right"), "append"), "RightOuter join with a streaming DataFrame/Dataset on the left and a static DataFrame/Dataset on the right is not supported")
	expectErr(t, start(st.Join(other, "name", "left"), "append"), "Stream-stream LeftOuter join between two streaming DataFrame/Datasets is not supported without a watermark in the join keys, or a watermark on the nullable side and an appropriate range condition")
	_, err = st.WriteStream().Format("memory").Start()
	expectErr(t, err, "queryName must be specified for memory sink")
	expectErr(t, start(st, "sideways"), "Unknown output mode sideways. Accepted output modes are 'append', 'complete', 'update'")

	// Checks that pass: these queries start.
	for _, ok := range []struct {
		df   *engine.DataFrame
		mode string
	}{
		{st, "append"}, {st, "update"}, {counts, "complete"}, {counts, "update"},
		{counts.OrderBy("count"), "complete"}, {st.Join(static, "name", "left"), "append"},
		{st.DropDuplicates("name"), "append"}, {st.Union(other), "append"},
	} {
		if err := start(ok.df, ok.mode); err != nil {
			t.Errorf("%v in %s mode: %v", ok.df, ok.mode, err)
		}
	}
}

func TestWatermarkAndWindowValidation(t *testing.T) {
	s, _ := newSession(t)
	schema := T.NewStructType().Add("dt", "timestamp").Add("amount", "integer").Add("s", "string")
	st := s.ReadStream().Schema(schema).JSON(t.TempDir())
	expectErr(t, st.WithWatermark("s", "10 minutes").Err(), "Event time must be defined on a window or a timestamp, but s is of type string")
	w := st.WithWatermark("dt", "20 minutes")
	windowed := w.GroupBy(F.Window(w.Col("dt"), "10 minutes", "5 minutes")).Agg(F.Sum("amount"))
	for _, mode := range []string{"append", "update", "complete"} {
		if err := start(windowed, mode); err != nil {
			t.Errorf("%s: %v", mode, err)
		}
	}
	expectErr(t, start(st.GroupBy(F.Window(st.Col("dt"), "10 minutes")).Count(), "append"),
		"Append output mode not supported when there are streaming aggregations on streaming DataFrames/DataSets without watermark")
	expectErr(t, st.GroupBy(F.Window("dt", "5 minutes", "10 minutes")).Count().Err(),
		"The slide duration (600000000) must be less than or equal to the windowDuration (300000000).")
	expectErr(t, st.GroupBy(F.Window("dt", "0 minutes")).Count().Err(), "The window duration (0) must be greater than 0.")
	expectErr(t, st.GroupBy(F.Window("dt", "10 minutes", "5 minutes", "5 minutes")).Count().Err(),
		"The absolute value of start time (300000000) must be less than the slideDuration (300000000).")
	sess := w.GroupBy(F.SessionWindow("dt", "5 minutes"), "s").Count()
	expectErr(t, start(sess, "update"), "Update output mode not supported for session window on streaming DataFrames/DataSets")
	if err := start(sess, "append"); err != nil {
		t.Error(err)
	}
}
