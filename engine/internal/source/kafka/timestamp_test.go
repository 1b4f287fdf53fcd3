package kafka

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/runnel-go/runnel/engine/internal/source"
)

func TestStartingTimestamp(t *testing.T) {
	tc := newCluster(t, 2, "t1")
	tc.produce("t1", 0, "a", 0, 5) // timestamps baseMillis+0..4
	tc.produce("t1", 1, "b", 0, 2) // timestamps baseMillis+0..1
	ts := strconv.FormatInt(baseMillis+2, 10)

	s := tc.source("", "subscribe", "t1", "startingTimestamp", ts)
	_, err := s.LatestOffset(context.Background(), "")
	if want := "No offset matched from request of topic-partition t1-1 and timestamp " + ts + "."; err == nil || err.Error() != want {
		t.Errorf("no match: %v, want %q", err, want)
	}

	s = tc.source("", "subscribe", "t1", "startingTimestamp", ts, "startingOffsetsByTimestampStrategy", "latest")
	// Partition 0 starts at offset 2, partition 1 (no match) at its latest offset, 2.
	if end := latest(t, s, ""); end != `{"t1":{"0":5,"1":2}}` {
		t.Fatalf("latest %s", end)
	}
	tc.produce("t1", 1, "b", 2, 1)
	end := latest(t, s, "")
	equalLines(t, "from timestamp", getBatch(t, s, "", end), []string{
		row("t1", 0, "a", 2, 2), row("t1", 0, "a", 3, 3), row("t1", 0, "a", 4, 4), row("t1", 1, "b", 2, 2),
	})

	s = tc.source("", "subscribe", "t1", "startingOffsetsByTimestamp",
		`{"t1":{"0":`+strconv.FormatInt(baseMillis+4, 10)+`,"1":`+strconv.FormatInt(baseMillis, 10)+`}}`)
	if got, want := string(latest(t, s, "")), `{"t1":{"0":5,"1":3}}`; got != want {
		t.Fatalf("latest %s, want %s", got, want)
	}
	equalLines(t, "per-partition timestamps", getBatch(t, s, "", `{"t1":{"0":5,"1":3}}`), []string{
		row("t1", 0, "a", 4, 4), row("t1", 1, "b", 0, 0), row("t1", 1, "b", 1, 1), row("t1", 1, "b", 2, 2),
	})

	// Batch read between two timestamps; an end without a match is the latest offset.
	_, bs, err := ReadBatch(context.Background(), tc.opts("subscribe", "t1",
		"startingTimestamp", strconv.FormatInt(baseMillis+1, 10), "startingOffsetsByTimestampStrategy", "latest",
		"endingTimestamp", strconv.FormatInt(baseMillis+3, 10)))
	if err != nil {
		t.Fatal(err)
	}
	equalLines(t, "batch by timestamps", rows(bs), []string{
		row("t1", 0, "a", 1, 1), row("t1", 0, "a", 2, 2), row("t1", 1, "b", 1, 1), row("t1", 1, "b", 2, 2),
	})
}

func TestMinOffsetsPerTrigger(t *testing.T) {
	tc := newCluster(t, 1, "t1")
	tc.produce("t1", 0, "a", 0, 1)
	s := tc.source("", "subscribe", "t1", "startingOffsets", "earliest", "minOffsetsPerTrigger", "3", "maxTriggerDelay", "300ms")
	end := latest(t, s, "") // the first trigger always runs
	if end != `{"t1":{"0":1}}` {
		t.Fatalf("first trigger: %s", end)
	}
	tc.produce("t1", 0, "a", 1, 2)
	if got := latest(t, s, end); got != end {
		t.Errorf("2 records waiting, min 3: latest %s, want the start %s", got, end)
	}
	tc.produce("t1", 0, "a", 3, 1)
	end2 := latest(t, s, end)
	if end2 != `{"t1":{"0":4}}` {
		t.Fatalf("3 records waiting: %s", end2)
	}
	tc.produce("t1", 0, "a", 4, 1)
	if got := latest(t, s, end2); got != end2 {
		t.Errorf("1 record waiting: latest %s", got)
	}
	time.Sleep(350 * time.Millisecond)
	if got := latest(t, s, end2); got != source.Offset(`{"t1":{"0":5}}`) {
		t.Errorf("after maxTriggerDelay: latest %s", got)
	}
	if _, err := NewSource(tc.opts("subscribe", "t1", "minOffsetsPerTrigger", "10", "maxOffsetsPerTrigger", "5"), ""); err == nil ||
		err.Error() != "The value of minOffsetPerTrigger(10) is higher than the maxOffsetsPerTrigger(5)." {
		t.Errorf("min above max: %v", err)
	}
}
