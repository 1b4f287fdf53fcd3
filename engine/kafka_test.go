package engine_test

import (
	"context"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/runnel-go/runnel/engine"
)

// TestKafkaWordCount reads a topic as a stream, counts words, and writes the counts to
// another topic, which a batch read then shows.
func TestKafkaWordCount(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "lines", "counts"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	addrs := strings.Join(c.ListenAddrs(), ",")
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	for _, line := range []string{"eat pyspark", "eat pytorch"} {
		if err := cl.ProduceSync(context.Background(), &kgo.Record{Topic: "lines", Value: []byte(line)}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	s, _ := newSession(t)
	lines := s.ReadStream().Format("kafka").Option("kafka.bootstrap.servers", addrs).Option("subscribe", "lines").
		Option("startingOffsets", "earliest").Load()
	if err := lines.Err(); err != nil {
		t.Fatal(err)
	}
	counts := lines.SelectExpr("explode(split(CAST(value AS STRING), ' ')) AS word").GroupBy("word").Count()
	q, err := counts.SelectExpr("word AS key", "CAST(count AS STRING) AS value").WriteStream().
		Format("kafka").Option("kafka.bootstrap.servers", addrs).Option("topic", "counts").
		Option("checkpointLocation", t.TempDir()).OutputMode("update").Trigger(engine.AvailableNow()).Start()
	if err != nil {
		t.Fatal(err)
	}
	if err := q.AwaitTermination(); err != nil {
		t.Fatal(err)
	}
	out := s.Read().Format("kafka").Option("kafka.bootstrap.servers", addrs).Option("subscribe", "counts").Load().
		SelectExpr("CAST(key AS STRING) AS word", "CAST(value AS STRING) AS count")
	expectTable(t, out, `
+-------+-----+
|   word|count|
+-------+-----+
|    eat|    2|
|pyspark|    1|
|pytorch|    1|
+-------+-----+
`)
}
