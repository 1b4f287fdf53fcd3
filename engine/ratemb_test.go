package engine_test

import (
	"testing"
	"time"

	"github.com/runnel-go/runnel/engine"
)

// The rate-micro-batch source through the public API: with Trigger.AvailableNow it gives
// one batch of rowsPerBatch values, all stamped with startTimestamp.
func TestRateMicroBatchSource(t *testing.T) {
	s := engine.NewSession()
	defer s.Stop()
	s.Conf().Set("spark.sql.session.timeZone", "UTC")
	df := s.ReadStream().Format("rate-micro-batch").Option("rowsPerBatch", 3).Option("startTimestamp", 5000).Load()
	var got [][]any
	q, err := df.WriteStream().Trigger(engine.AvailableNow()).ForeachBatch(func(b *engine.DataFrame, _ int64) error {
		rows, err := b.Collect()
		for _, r := range rows {
			got = append(got, r.Values())
		}
		return err
	}).Start()
	if err != nil {
		t.Fatal(err)
	}
	if err := q.AwaitTermination(); err != nil {
		t.Fatal(err)
	}
	at := time.UnixMilli(5000).UTC()
	if len(got) != 3 {
		t.Fatalf("rows %v", got)
	}
	for i, r := range got {
		if ts, _ := r[0].(time.Time); !ts.Equal(at) || r[1] != int64(i) {
			t.Fatalf("row %d: %v", i, r)
		}
	}
}
