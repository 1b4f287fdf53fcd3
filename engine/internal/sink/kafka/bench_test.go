package kafka

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/runnel-go/runnel/engine/internal/batch"
)

const benchRows = 100_000

func benchData() *batch.Batch {
	b := batch.New(kvSchema, benchRows)
	value := strings.Repeat("x", 90)
	for i := range benchRows {
		b.AppendRow([]any{fmt.Sprintf("k%d", i), value})
	}
	return b
}

func benchSink(b *testing.B, queryID string) {
	addrs := startCluster(b, 4, "bench")
	data := benchData()
	s, err := NewSink(map[string]string{"kafka.bootstrap.servers": addrs, "topic": "bench"}, kvSchema, queryID)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	b.ResetTimer()
	for i := range b.N {
		if err := s.AddBatch(ctx, int64(i), data); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*benchRows)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkSinkAddBatch: 100k-row batches through the idempotent producer.
func BenchmarkSinkAddBatch(b *testing.B) { benchSink(b, "") }

// BenchmarkSinkAddBatchTransactional: the same, one transaction per batch (exactly-once).
func BenchmarkSinkAddBatchTransactional(b *testing.B) { benchSink(b, "bench-query") }

// BenchmarkHandProduce is the baseline: the same rows produced with a plain franz-go
// client (keys hashed the same way) and flushed per batch.
func BenchmarkHandProduce(b *testing.B) {
	addrs := startCluster(b, 4, "bench")
	data := benchData()
	cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(addrs, ",")...),
		kgo.RecordPartitioner(kgo.UniformBytesPartitioner(64<<10, true, true, nil)))
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		for i := range data.N {
			cl.Produce(ctx, &kgo.Record{Topic: "bench", Key: []byte(data.Cols[0].Str[i]), Value: []byte(data.Cols[1].Str[i])}, nil)
		}
		if err := cl.Flush(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*benchRows)/b.Elapsed().Seconds(), "rows/s")
}
