package kafka

import (
	"context"
	"testing"
)

func TestReadBatch(t *testing.T) {
	tc := newCluster(t, 2, "t1")
	tc.produce("t1", 0, "a", 0, 3)
	tc.produce("t1", 1, "b", 0, 2)
	ctx := context.Background()

	schema, bs, err := ReadBatch(ctx, tc.opts("subscribe", "t1"))
	if err != nil {
		t.Fatal(err)
	}
	if schema.Len() != 7 {
		t.Errorf("schema %s", schema)
	}
	equalLines(t, "earliest to latest", rows(bs), []string{
		row("t1", 0, "a", 0, 0), row("t1", 0, "a", 1, 1), row("t1", 0, "a", 2, 2),
		row("t1", 1, "b", 0, 0), row("t1", 1, "b", 1, 1),
	})

	_, bs, err = ReadBatch(ctx, tc.opts("assign", `{"t1":[0,1]}`,
		"startingOffsets", `{"t1":{"0":1,"1":-2}}`, "endingOffsets", `{"t1":{"0":2,"1":-1}}`))
	if err != nil {
		t.Fatal(err)
	}
	equalLines(t, "specific", rows(bs), []string{row("t1", 0, "a", 1, 1), row("t1", 1, "b", 0, 0), row("t1", 1, "b", 1, 1)})

	for _, c := range []struct {
		kv   []string
		want string
	}{
		{[]string{"subscribe", "t1", "startingOffsets", "latest"}, "starting offset can't be latest for batch queries on Kafka"},
		{[]string{"subscribe", "t1", "endingOffsets", "earliest"}, "ending offset can't be earliest for batch queries on Kafka"},
		{[]string{"subscribe", "t1", "startingOffsets", `{"t1":{"0":-1}}`}, "startingOffsets for t1-0 can't be latest for batch queries on Kafka"},
		{[]string{"subscribe", "t1", "endingOffsets", `{"t1":{"1":-2}}`}, "ending offset for t1-1 can't be earliest for batch queries on Kafka"},
		{[]string{"subscribe", "t1", "startingOffsets", `{"t1":{"0":0}}`, "endingOffsets", `{"t1":{"1":1}}`},
			"The specified start offset and end offset should have the same topic-partitions.\nTopic-partitions for start offset: Set(t1-0), topic-partitions for end offset: Set(t1-1)."},
		{[]string{"subscribe", "t1", "startingOffsets", `{"t1":{"0":3,"1":0}}`, "endingOffsets", `{"t1":{"0":2,"1":1}}`},
			"The specified start offset 3 is greater than the end offset 2 for topic t1 partition 0."},
	} {
		_, _, err := ReadBatch(ctx, tc.opts(c.kv...))
		if err == nil || err.Error() != c.want {
			t.Errorf("%v: error %v, want %q", c.kv, err, c.want)
		}
	}
	_, _, err = ReadBatch(ctx, tc.opts("subscribe", "t1", "startingOffsets", `{"t1":{"0":4,"1":0}}`))
	if err == nil || err.Error()[:60] != "The resolved start offset 4 is greater than the resolved end" {
		t.Errorf("resolved start after end: %v", err)
	}
}
