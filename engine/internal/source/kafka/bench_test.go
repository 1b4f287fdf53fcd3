package kafka

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/runnel-go/runnel/engine/internal/source"
)

const (
	benchPartitions = 4
	benchPerPart    = 50_000
)

// benchCluster is a 3-broker kfake cluster holding benchPartitions*benchPerPart records
// of about 100 bytes.
func benchCluster(b *testing.B) (addrs string, end source.Offset) {
	b.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.SeedTopics(benchPartitions, "bench"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(c.Close)
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ProducerLinger(5*time.Millisecond))
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	value := []byte(strings.Repeat("x", 90))
	ctx := context.Background()
	for p := range int32(benchPartitions) {
		for i := range benchPerPart {
			cl.Produce(ctx, &kgo.Record{Topic: "bench", Partition: p, Key: []byte(fmt.Sprintf("k%d", i)), Value: value}, nil)
		}
	}
	if err := cl.Flush(ctx); err != nil {
		b.Fatal(err)
	}
	parts := make([]string, benchPartitions)
	for p := range parts {
		parts[p] = fmt.Sprintf(`"%d":%d`, p, benchPerPart)
	}
	return strings.Join(c.ListenAddrs(), ","), source.Offset(`{"bench":{` + strings.Join(parts, ",") + `}}`)
}

// BenchmarkSourceGetBatch reads all records (200k) through GetBatch into columns.
func BenchmarkSourceGetBatch(b *testing.B) {
	addrs, end := benchCluster(b)
	s, err := NewSource(map[string]string{"kafka.bootstrap.servers": addrs, "subscribe": "bench", "startingOffsets": "earliest"}, "")
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	start := source.Offset(`{"bench":{"0":0,"1":0,"2":0,"3":0}}`)
	b.ResetTimer()
	for range b.N {
		bs, err := s.GetBatch(ctx, start, end)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for _, x := range bs {
			n += x.N
		}
		if n != benchPartitions*benchPerPart {
			b.Fatalf("%d rows", n)
		}
	}
	b.ReportMetric(float64(b.N*benchPartitions*benchPerPart)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkHandConsume is the baseline: a plain franz-go consumer polling the same
// records from offset 0 to the end, without building columns.
func BenchmarkHandConsume(b *testing.B) {
	addrs, _ := benchCluster(b)
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		offs := map[int32]kgo.Offset{}
		for p := range int32(benchPartitions) {
			offs[p] = kgo.NewOffset().At(0)
		}
		cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(addrs, ",")...),
			kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{"bench": offs}))
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for n < benchPartitions*benchPerPart {
			fs := cl.PollFetches(ctx)
			if err := fs.Err0(); err != nil {
				b.Fatal(err)
			}
			n += fs.NumRecords()
		}
		cl.Close()
	}
	b.ReportMetric(float64(b.N*benchPartitions*benchPerPart)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkLatestOffset is one idle trigger's cost: partition discovery and ListOffsets
// on a 3-broker cluster (the driver polls this every pollingDelay when idle).
func BenchmarkLatestOffset(b *testing.B) {
	addrs, end := benchCluster(b)
	s, err := NewSource(map[string]string{"kafka.bootstrap.servers": addrs, "subscribe": "bench"}, "")
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		if got, err := s.LatestOffset(ctx, end); err != nil || got != end {
			b.Fatal(got, err)
		}
	}
}
