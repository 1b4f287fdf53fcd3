package kafka

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/runnel-go/runnel/engine/internal/batch"
	ksource "github.com/runnel-go/runnel/engine/internal/source/kafka"
	"github.com/runnel-go/runnel/engine/types"
)

// startCluster starts a kfake cluster of three brokers with topics of partitions each.
func startCluster(t testing.TB, partitions int32, topics ...string) string {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.SeedTopics(partitions, topics...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return strings.Join(c.ListenAddrs(), ",")
}

// readAll reads every committed record of topic with our source's batch read, as
// "key|value|partition" lines sorted.
func readAll(t *testing.T, addrs, topic string, extra ...string) []string {
	t.Helper()
	opts := map[string]string{"kafka.bootstrap.servers": addrs, "subscribe": topic, "kafka.isolation.level": "read_committed"}
	for i := 0; i+1 < len(extra); i += 2 {
		opts[extra[i]] = extra[i+1]
	}
	_, bs, err := ksource.ReadBatch(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, b := range bs {
		for i := range b.N {
			r := b.Row(i)
			line := fmt.Sprintf("%s|%s|%d", str(r[0]), str(r[1]), r[3])
			if len(r) > 7 && r[7] != nil {
				for _, h := range r[7].([]any) {
					kv := h.([]any)
					line += fmt.Sprintf("|%s=%s", kv[0], str(kv[1]))
				}
			}
			out = append(out, line)
		}
	}
	slices.Sort(out)
	return out
}

func str(v any) string {
	if v == nil {
		return "null"
	}
	return string(v.([]byte))
}

var kvSchema = types.NewStructType().Add("key", types.StringType).Add("value", types.StringType)

// kvBatch has rows key "k<i>", value "<prefix><i>" for i in [from, to).
func kvBatch(prefix string, from, to int) *batch.Batch {
	b := batch.New(kvSchema, to-from)
	for i := from; i < to; i++ {
		b.AppendRow([]any{fmt.Sprintf("k%d", i), fmt.Sprintf("%s%d", prefix, i)})
	}
	return b
}

func expected(prefix string, from, to int, partition func(int) int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf("k%d|%s%d|%d", i, prefix, i, partition(i)))
	}
	slices.Sort(out)
	return out
}

func newSink(t *testing.T, opts map[string]string, schema *types.StructType, queryID string) *Sink {
	t.Helper()
	s, err := NewSink(opts, schema, queryID)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func equal(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\ngot:\n%s\nwant:\n%s", what, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// partitionOf is where the Java client (and so this sink) puts key "k<i>": murmur2 of
// the key modulo the partition count, computed with franz-go's own hasher.
func partitionOf(n int) func(int) int {
	tp := kgo.StickyKeyPartitioner(nil).ForTopic("x")
	return func(i int) int { return tp.Partition(&kgo.Record{Key: []byte(fmt.Sprintf("k%d", i))}, n) }
}

func TestValidation(t *testing.T) {
	bs := map[string]string{"kafka.bootstrap.servers": "127.0.0.1:1"}
	withTopic := map[string]string{"kafka.bootstrap.servers": "127.0.0.1:1", "topic": "out"}
	cases := []struct {
		opts   map[string]string
		schema *types.StructType
		want   string
	}{
		{bs, kvSchema, "topic option required when no 'topic' attribute is present. Use the topic option for setting a topic."},
		{withTopic, types.NewStructType().Add("key", types.StringType), "Required attribute 'value' not found"},
		{withTopic, types.NewStructType().Add("value", types.LongType), "value attribute unsupported type bigint. value must be a(n) string or binary"},
		{withTopic, types.NewStructType().Add("key", types.IntegerType).Add("value", types.StringType), "key attribute unsupported type int. key must be a(n) string or binary"},
		{bs, types.NewStructType().Add("topic", types.IntegerType).Add("value", types.StringType), "topic attribute unsupported type int. topic must be a(n) string"},
		{withTopic, types.NewStructType().Add("value", types.StringType).Add("partition", types.LongType), "partition attribute unsupported type bigint. partition must be a(n) int"},
		{withTopic, types.NewStructType().Add("value", types.StringType).Add("headers", types.StringType), "headers attribute unsupported type string. headers must be a(n) array<struct<key:string,value:binary>>"},
		{map[string]string{"topic": "out"}, kvSchema, `Missing required configuration "bootstrap.servers" which has no default value.`},
		{map[string]string{"kafka.bootstrap.servers": "x:1", "topic": "out", "kafka.value.serializer": "x"}, kvSchema, "Kafka option 'value.serializer' is not supported as value are serialized with ByteArraySerializer."},
	}
	for _, c := range cases {
		_, err := NewSink(c.opts, c.schema, "")
		if err == nil || err.Error() != c.want {
			t.Errorf("%v %s: error %v, want %q", c.opts, c.schema, err, c.want)
		}
	}
	// The value column is enough with the topic option; binary values are accepted.
	s, err := NewSink(withTopic, types.NewStructType().Add("value", types.BinaryType), "")
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
}

func TestRoundTripTopicColumnAndPartitions(t *testing.T) {
	addrs := startCluster(t, 3, "a", "b")
	schema := types.NewStructType().Add("topic", types.StringType).Add("key", types.BinaryType).
		Add("value", types.StringType).Add("partition", types.IntegerType).Add("headers", ksource.HeadersType())
	b := batch.New(schema, 4)
	b.AppendRow([]any{"a", []byte("k1"), "one", int32(2), []any{[]any{"h", []byte("x")}}})
	b.AppendRow([]any{"b", nil, "two", int32(0), nil})
	b.AppendRow([]any{"a", []byte("k3"), nil, int32(1), nil})
	b.AppendRow([]any{"b", []byte("k4"), "four", int32(1), nil})
	s := newSink(t, map[string]string{"kafka.bootstrap.servers": addrs}, schema, "")
	if s.Transactional() {
		t.Error("sink without a query id is transactional")
	}
	if err := s.AddBatch(context.Background(), 0, b); err != nil {
		t.Fatal(err)
	}
	equal(t, "topic a", readAll(t, addrs, "a", "includeHeaders", "true"), []string{"k1|one|2|h=x", "k3|null|1"})
	equal(t, "topic b", readAll(t, addrs, "b"), []string{"k4|four|1", "null|two|0"})
}

func TestKeyedRowsUseKafkasPartitioner(t *testing.T) {
	addrs := startCluster(t, 4, "out")
	s := newSink(t, map[string]string{"kafka.bootstrap.servers": addrs, "topic": "out"}, kvSchema, "q1")
	if err := s.AddBatch(context.Background(), 0, kvBatch("v", 0, 40)); err != nil {
		t.Fatal(err)
	}
	equal(t, "keyed rows", readAll(t, addrs, "out"), expected("v", 0, 40, partitionOf(4)))
}

func TestExactlyOnceReplay(t *testing.T) {
	addrs := startCluster(t, 3, "out")
	ctx := context.Background()
	opts := map[string]string{"kafka.bootstrap.servers": addrs, "topic": "out"}
	s1 := newSink(t, opts, kvSchema, "query-1")
	if !s1.Transactional() || s1.TransactionalID() != "runnel-kafka-sink-query-1" {
		t.Fatalf("transactional %v id %q", s1.Transactional(), s1.TransactionalID())
	}
	if err := s1.AddBatch(ctx, 0, kvBatch("v", 0, 5)); err != nil {
		t.Fatal(err)
	}
	if err := s1.AddBatch(ctx, 1, kvBatch("v", 5, 10)); err != nil {
		t.Fatal(err)
	}
	// In-process replay of a committed batch is a no-op.
	if err := s1.AddBatch(ctx, 1, kvBatch("v", 5, 10)); err != nil {
		t.Fatal(err)
	}
	s1.Close()

	// "Restart": a new sink for the same query replays batch 1, then goes on with 2.
	s2 := newSink(t, opts, kvSchema, "query-1")
	if err := s2.AddBatch(ctx, 1, kvBatch("v", 5, 10)); err != nil {
		t.Fatal(err)
	}
	if err := s2.AddBatch(ctx, 2, kvBatch("v", 10, 12)); err != nil {
		t.Fatal(err)
	}
	equal(t, "after replay", readAll(t, addrs, "out"), expected("v", 0, 12, partitionOf(3)))

	// A crash in the middle of batch 3: its records reached Kafka in an open
	// transaction that never committed.
	s3, err := NewSink(opts, kvSchema, "query-1")
	if err != nil {
		t.Fatal(err)
	}
	if err := s3.load(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s3.cl.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	recs, err := s3.records(kvBatch("v", 12, 15))
	if err != nil {
		t.Fatal(err)
	}
	if err := s3.produce(ctx, recs); err != nil {
		t.Fatal(err)
	}
	// s3 is abandoned without ending its transaction. The restarted sink fences it,
	// which aborts the open transaction, and writes batch 3 once.
	s4 := newSink(t, opts, kvSchema, "query-1")
	if err := s4.AddBatch(ctx, 2, kvBatch("v", 10, 12)); err != nil {
		t.Fatal(err)
	}
	if err := s4.AddBatch(ctx, 3, kvBatch("v", 12, 15)); err != nil {
		t.Fatal(err)
	}
	s3.cl.Close()
	equal(t, "after crash and replay", readAll(t, addrs, "out"), expected("v", 0, 15, partitionOf(3)))
	// read_uncommitted consumers do see the aborted copy, as with any Kafka transaction.
	if got := readAll(t, addrs, "out", "kafka.isolation.level", "read_uncommitted"); len(got) != 18 {
		t.Errorf("read_uncommitted saw %d records, want 15 committed + 3 aborted", len(got))
	}
}

func TestNullTopic(t *testing.T) {
	addrs := startCluster(t, 1, "a")
	schema := types.NewStructType().Add("topic", types.StringType).Add("value", types.StringType)
	b := batch.New(schema, 1)
	b.AppendRow([]any{nil, "x"})
	s := newSink(t, map[string]string{"kafka.bootstrap.servers": addrs}, schema, "")
	err := s.AddBatch(context.Background(), 0, b)
	want := "The Kafka message data sent to the producer contains a null topic. Use the `topic` option for setting a default topic."
	if err == nil || err.Error() != want {
		t.Errorf("null topic: %v", err)
	}
}

func TestAutoCreatesTopic(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(2))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	addrs := strings.Join(c.ListenAddrs(), ",")
	s := newSink(t, map[string]string{"kafka.bootstrap.servers": addrs, "topic": "fresh"}, kvSchema, "auto")
	if err := s.AddBatch(context.Background(), 0, kvBatch("v", 0, 4)); err != nil {
		t.Fatal(err)
	}
	equal(t, "auto-created topic", readAll(t, addrs, "fresh"), expected("v", 0, 4, partitionOf(2)))
}

func TestBatchWithOtherColumnOrder(t *testing.T) {
	addrs := startCluster(t, 1, "out")
	s := newSink(t, map[string]string{"kafka.bootstrap.servers": addrs, "topic": "out"}, kvSchema, "")
	swapped := types.NewStructType().Add("value", types.StringType).Add("key", types.StringType)
	b := batch.New(swapped, 1)
	b.AppendRow([]any{"v", "k"})
	if err := s.AddBatch(context.Background(), 0, b); err != nil {
		t.Fatal(err)
	}
	equal(t, "swapped columns", readAll(t, addrs, "out"), []string{"k|v|0"})
	bad := batch.New(types.NewStructType().Add("key", types.StringType), 1)
	bad.AppendRow([]any{"k"})
	if err := s.AddBatch(context.Background(), 1, bad); err == nil || err.Error() != "Required attribute 'value' not found" {
		t.Errorf("batch without value: %v", err)
	}
}
