package engine_test

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/runnel-go/runnel/engine"
	F "github.com/runnel-go/runnel/engine/functions"
)

// reportLatency reports the median, 99th percentile and maximum of lat in µs.
func reportLatency(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	at := func(q float64) float64 {
		return float64(lat[min(len(lat)-1, int(q*float64(len(lat))))].Nanoseconds()) / 1e3
	}
	b.ReportMetric(at(0.50), "p50-µs")
	b.ReportMetric(at(0.99), "p99-µs")
	b.ReportMetric(float64(lat[len(lat)-1].Nanoseconds())/1e3, "max-µs")
}

// BenchmarkContinuousLatencySocket measures end-to-end latency of a continuous query on
// loopback: a line written to the socket source's peer, through a projection and a
// filter, to the foreach function. One line is in flight at a time.
func BenchmarkContinuousLatencySocket(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			accepted <- c
		}
		close(accepted)
	}()
	s := benchSession(b)
	got := make(chan time.Time, 1)
	df := s.ReadStream().Format("socket").Option("host", "127.0.0.1").
		Option("port", ln.Addr().(*net.TCPAddr).Port).Load()
	q, err := df.SelectExpr("CAST(value AS BIGINT) AS n", "upper(value) AS u").Where("n >= 0").WriteStream().
		Foreach(func(engine.Row) error { got <- time.Now(); return nil }).
		Trigger(engine.Continuous("1 second")).Start()
	if err != nil {
		b.Fatal(err)
	}
	defer q.Stop()
	conn := <-accepted
	if conn == nil {
		b.Fatal("the socket source did not connect")
	}
	defer conn.Close()
	send := func(i int) time.Duration {
		t0 := time.Now()
		if _, err := conn.Write([]byte(strconv.Itoa(i) + "\n")); err != nil {
			b.Fatal(err)
		}
		select {
		case t1 := <-got:
			return t1.Sub(t0)
		case <-time.After(10 * time.Second):
			b.Fatal("no row after 10 s")
			return 0
		}
	}
	for i := range 200 { // warm up
		send(i)
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		lat = append(lat, send(i))
	}
	b.StopTimer()
	reportLatency(b, lat)
}

// BenchmarkContinuousLatencyKafka measures end-to-end latency of a continuous query on a
// kfake cluster on loopback: a record produced (acks=all, no linger), read by the
// continuous Kafka reader, through a projection, to the foreach function.
func BenchmarkContinuousLatencyKafka(b *testing.B) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, "lat"))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	addrs := strings.Join(c.ListenAddrs(), ",")
	prod, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.ProducerLinger(0))
	if err != nil {
		b.Fatal(err)
	}
	defer prod.Close()
	s := benchSession(b)
	got := make(chan time.Time, 1)
	q, err := s.ReadStream().Format("kafka").Option("kafka.bootstrap.servers", addrs).Option("subscribe", "lat").
		Option("startingOffsets", "latest").Load().
		SelectExpr("CAST(value AS STRING) AS v", "partition").Where("v <> ''").WriteStream().
		Foreach(func(engine.Row) error { got <- time.Now(); return nil }).
		Trigger(engine.Continuous("1 second")).Start()
	if err != nil {
		b.Fatal(err)
	}
	defer q.Stop()
	send := func(i int) (time.Duration, bool) {
		t0 := time.Now()
		prod.Produce(context.Background(), &kgo.Record{Topic: "lat", Value: []byte(strconv.Itoa(i))}, nil)
		select {
		case t1 := <-got:
			return t1.Sub(t0), true
		case <-time.After(2 * time.Second):
			return 0, false
		}
	}
	// The reader starts at the latest offsets once it is up: send until rows come out.
	for warm := 0; warm < 200; {
		if _, ok := send(warm); ok {
			warm++
		}
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d, ok := send(i)
		if !ok {
			b.Fatal("no row after 2 s")
		}
		lat = append(lat, d)
	}
	b.StopTimer()
	reportLatency(b, lat)
}

// BenchmarkKafkaWindowedAggregationToKafka measures the throughput of a micro-batch query
// on a kfake cluster: 200,000 records on 3 partitions (100 keys, event times 1 ms apart)
// read with maxOffsetsPerTrigger 20000, counted per key in 10-second event-time windows
// with a watermark, and the updated counts written to another topic, until
// Trigger.AvailableNow has read everything. Reports input rows/s.
func BenchmarkKafkaWindowedAggregationToKafka(b *testing.B) {
	const rows = 200_000
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, "events"), kfake.AllowAutoTopicCreation())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	addrs := strings.Join(c.ListenAddrs(), ",")
	prod, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		b.Fatal(err)
	}
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range rows {
		key := "k" + strconv.Itoa(i%100)
		prod.Produce(context.Background(), &kgo.Record{Topic: "events", Key: []byte(key), Value: []byte(strconv.Itoa(i)),
			Timestamp: base.Add(time.Duration(i) * time.Millisecond)}, func(_ *kgo.Record, err error) {
			if err != nil {
				panic(err)
			}
		})
	}
	if err := prod.Flush(context.Background()); err != nil {
		b.Fatal(err)
	}
	prod.Close()
	s := benchSession(b)
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		q, err := s.ReadStream().Format("kafka").Option("kafka.bootstrap.servers", addrs).Option("subscribe", "events").
			Option("startingOffsets", "earliest").Option("maxOffsetsPerTrigger", 20000).Load().
			SelectExpr("CAST(key AS STRING) AS word", "timestamp", "CAST(value AS STRING) AS v").
			WithWatermark("timestamp", "10 seconds").
			GroupBy(F.Window("timestamp", "10 seconds"), "word").Count().
			SelectExpr("word AS key", "concat(CAST(window.start AS STRING), ' ', CAST(count AS STRING)) AS value").
			WriteStream().Format("kafka").Option("kafka.bootstrap.servers", addrs).Option("topic", fmt.Sprintf("counts%d", i)).
			OutputMode("update").Option("checkpointLocation", b.TempDir()).Trigger(engine.AvailableNow()).Start()
		if err != nil {
			b.Fatal(err)
		}
		if err := q.AwaitTermination(); err != nil {
			b.Fatal(err)
		}
		if p := q.RecentProgress(); len(p) < rows/20000 {
			b.Fatalf("%d batches", len(p))
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(rows*b.N)/time.Since(start).Seconds(), "rows/s")
}
