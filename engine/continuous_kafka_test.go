package engine_test

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/runnel-go/runnel/engine"
)

// kafkaFixture is a kfake cluster. The test's own reads and writes use short-lived
// clients, so that no connection of theirs is open while goroutines are counted.
type kafkaFixture struct {
	addrs string
}

func newKafkaFixture(t *testing.T, opts ...kfake.Opt) *kafkaFixture {
	t.Helper()
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return &kafkaFixture{addrs: strings.Join(c.ListenAddrs(), ",")}
}

func (k *kafkaFixture) produce(t *testing.T, topic string, values ...string) {
	t.Helper()
	var recs []*kgo.Record
	for _, v := range values {
		recs = append(recs, &kgo.Record{Topic: topic, Key: []byte(v), Value: []byte(v)})
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(k.addrs, ",")...), kgo.AllowAutoTopicCreation())
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

// consume reads topic from the start until it has n records (or fails after a generous
// deadline) and returns their values sorted; records beyond n that are already there
// are returned too.
func (k *kafkaFixture) consume(t *testing.T, topic string, n int) []string {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(k.addrs, ",")...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxWait(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out []string
	for len(out) < n {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("%s has %d records, want %d: %q", topic, len(out), n, out)
		}
		fs.EachRecord(func(r *kgo.Record) { out = append(out, string(r.Value)) })
	}
	// Whatever else is already there (duplicates the test must see).
	short, cancelShort := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancelShort()
	for short.Err() == nil {
		cl.PollFetches(short).EachRecord(func(r *kgo.Record) { out = append(out, string(r.Value)) })
	}
	slices.Sort(out)
	return out
}

func seq(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%02d", prefix, i)
	}
	return out
}

func upper(vs ...[]string) []string {
	var out []string
	for _, v := range vs {
		for _, s := range v {
			out = append(out, strings.ToUpper(s))
		}
	}
	slices.Sort(out)
	return out
}

// TestContinuousKafkaToKafkaAcrossRestarts runs a continuous Kafka-to-Kafka query on a
// three-broker cluster in three runs on one checkpoint: rows of committed epochs are not
// written again, rows of the epoch that never committed are written again, and no row is
// ever lost (at-least-once).
func TestContinuousKafkaToKafkaAcrossRestarts(t *testing.T) {
	k := newKafkaFixture(t, kfake.NumBrokers(3), kfake.SeedTopics(3, "in"), kfake.SeedTopics(1, "out"))
	s, _ := newSession(t)
	cp := t.TempDir()
	start := func(interval string) *engine.StreamingQuery {
		t.Helper()
		q, err := s.ReadStream().Format("kafka").Option("kafka.bootstrap.servers", k.addrs).Option("subscribe", "in").
			Option("startingOffsets", "earliest").Load().
			SelectExpr("CAST(value AS STRING) AS v").Where("v NOT LIKE 'drop%'").SelectExpr("upper(v) AS value").
			WriteStream().Format("kafka").Option("kafka.bootstrap.servers", k.addrs).Option("topic", "out").
			Option("checkpointLocation", cp).Trigger(engine.Continuous(interval)).Start()
		if err != nil {
			t.Fatal(err)
		}
		return q
	}
	a, b, c := seq("a", 20), seq("b", 10), seq("c", 5)

	// Run 1 commits epochs every 100 ms; everything it wrote is committed before it stops.
	q := start("100 milliseconds")
	k.produce(t, "in", append(a, "drop1", "drop2")...)
	if got := k.consume(t, "out", 20); !slices.Equal(got, upper(a)) {
		t.Fatalf("run 1 wrote %q", got)
	}
	if err := q.ProcessAllAvailable(); err != nil {
		t.Fatal(err)
	}
	if err := q.Stop(); err != nil {
		t.Fatal(err)
	}

	// Run 2 resumes after a and never commits (its interval is an hour).
	k.produce(t, "in", b...)
	q = start("1 hour")
	if got := k.consume(t, "out", 30); !slices.Equal(got, upper(a, b)) {
		t.Fatalf("after run 2 started, out has %q", got)
	}
	k.produce(t, "in", c...)
	if got := k.consume(t, "out", 35); !slices.Equal(got, upper(a, b, c)) {
		t.Fatalf("run 2 wrote %q", got)
	}
	if err := q.Stop(); err != nil {
		t.Fatal(err)
	}

	// Run 3 resumes from run 1's last commit: b and c are written again.
	q = start("100 milliseconds")
	if got := k.consume(t, "out", 50); !slices.Equal(got, upper(a, b, b, c, c)) {
		t.Fatalf("after run 3, out has %q", got)
	}
	if err := q.ProcessAllAvailable(); err != nil {
		t.Fatal(err)
	}
	p := q.LastProgress()
	if p == nil || !strings.HasPrefix(p.Sources[0].Description, "KafkaV2[Subscribe[in]]") ||
		p.Sink.Description != "org.apache.spark.sql.kafka010.KafkaSourceProvider$KafkaTable" {
		t.Fatalf("progress %v", p)
	}
	if err := q.Stop(); err != nil {
		t.Fatal(err)
	}
}

// TestKafkaSinkProducerIsClosed: when a query with a Kafka sink ends (Once, or stopped
// in continuous mode) its producer's goroutines are gone.
func TestKafkaSinkProducerIsClosed(t *testing.T) {
	k := newKafkaFixture(t, kfake.NumBrokers(1), kfake.SeedTopics(1, "in", "out"))
	k.produce(t, "in", "x", "y")
	s, _ := newSession(t)
	df := func() *engine.DataFrame {
		return s.ReadStream().Format("kafka").Option("kafka.bootstrap.servers", k.addrs).Option("subscribe", "in").
			Option("startingOffsets", "earliest").Load().SelectExpr("value")
	}
	before := runtime.NumGoroutine()
	q, err := df().WriteStream().Format("kafka").Option("kafka.bootstrap.servers", k.addrs).Option("topic", "out").
		Option("checkpointLocation", t.TempDir()).Trigger(engine.Once()).Start()
	if err != nil {
		t.Fatal(err)
	}
	if err := q.AwaitTermination(); err != nil {
		t.Fatal(err)
	}
	if got := k.consume(t, "out", 2); !slices.Equal(got, []string{"x", "y"}) {
		t.Fatalf("out has %q", got)
	}
	if g := waitGoroutines(before); g > before {
		t.Errorf("once: %d goroutines after the query ended, %d before", g, before)
	}

	q, err = df().WriteStream().Format("kafka").Option("kafka.bootstrap.servers", k.addrs).Option("topic", "out").
		Trigger(engine.Continuous("1 second")).Start()
	if err != nil {
		t.Fatal(err)
	}
	if got := k.consume(t, "out", 4); !slices.Equal(got, []string{"x", "x", "y", "y"}) {
		t.Fatalf("out has %q", got)
	}
	if err := q.Stop(); err != nil {
		t.Fatal(err)
	}
	if g := waitGoroutines(before); g > before {
		t.Errorf("continuous: %d goroutines after Stop, %d before", g, before)
	}
}

// TestContinuousKafkaDataLoss: a start offset past the end of a partition fails the
// query under failOnDataLoss (the default), as the position no longer exists.
func TestContinuousKafkaDataLoss(t *testing.T) {
	k := newKafkaFixture(t, kfake.NumBrokers(1), kfake.SeedTopics(1, "in"))
	k.produce(t, "in", "a")
	s, _ := newSession(t)
	q, err := s.ReadStream().Format("kafka").Option("kafka.bootstrap.servers", k.addrs).Option("assign", `{"in":[0]}`).
		Option("startingOffsets", `{"in":{"0":5}}`).Load().
		WriteStream().Foreach(func(engine.Row) error { return nil }).Trigger(engine.Continuous("1 second")).Start()
	if err != nil {
		t.Fatal(err)
	}
	err = q.AwaitTermination()
	if err == nil || !strings.Contains(err.Error(), "kafka source: reading in-0: OFFSET_OUT_OF_RANGE") {
		t.Fatalf("got %v", err)
	}
}

// TestContinuousKafkaNewTopic: a topic created while a continuous query subscribed to a
// pattern runs is read from its start.
func TestContinuousKafkaNewTopic(t *testing.T) {
	k := newKafkaFixture(t, kfake.NumBrokers(1), kfake.SeedTopics(1, "ev1"), kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(2))
	s, _ := newSession(t)
	rows := make(chan string, 8)
	q, err := s.ReadStream().Format("kafka").Option("kafka.bootstrap.servers", k.addrs).Option("subscribePattern", "ev.*").
		Option("startingOffsets", "earliest").Load().SelectExpr("topic", "CAST(value AS STRING) AS v").
		WriteStream().Foreach(func(r engine.Row) error {
		rows <- r.Get("topic").(string) + ":" + r.Get("v").(string)
		return nil
	}).Trigger(engine.Continuous("1 second")).Start()
	if err != nil {
		t.Fatal(err)
	}
	defer q.Stop()
	k.produce(t, "ev1", "a")
	if got := recv(t, rows); got != "ev1:a" {
		t.Fatalf("got %q", got)
	}
	k.produce(t, "ev2", "b", "c")
	got := []string{recv(t, rows), recv(t, rows)}
	slices.Sort(got)
	if !slices.Equal(got, []string{"ev2:b", "ev2:c"}) {
		t.Fatalf("got %q", got)
	}
}
