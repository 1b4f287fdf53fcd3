package kafka

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/runnel-go/runnel/engine/internal/source"
)

// TestTransactionalData reads a partition holding committed and aborted transactions:
// control records take offsets but are no rows, read_committed hides the aborted record,
// and a range that ends on a transaction marker ends there.
func TestTransactionalData(t *testing.T) {
	tc := newCluster(t, 1, "tx")
	ctx := context.Background()
	p, err := kgo.NewClient(kgo.SeedBrokers(tc.c.ListenAddrs()...), kgo.TransactionalID("writer"),
		kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	txn := func(commit kgo.TransactionEndTry, values ...string) {
		t.Helper()
		if err := p.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		for i, v := range values {
			r := &kgo.Record{Topic: "tx", Key: []byte("k"), Value: []byte(v), Timestamp: time.UnixMilli(baseMillis + int64(i))}
			if err := p.ProduceSync(ctx, r).FirstErr(); err != nil {
				t.Fatal(err)
			}
		}
		if err := p.EndTransaction(ctx, commit); err != nil {
			t.Fatal(err)
		}
	}
	txn(kgo.TryCommit, "a", "b") // offsets 0, 1; marker 2
	txn(kgo.TryAbort, "x")       // offset 3; marker 4
	txn(kgo.TryCommit, "c")      // offset 5; marker 6

	values := func(s *Source, start, end source.Offset) []string {
		t.Helper()
		bs, err := s.GetBatch(ctx, start, end)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, b := range bs {
			for i := range b.N {
				out = append(out, string(b.Cols[1].Bytes[i])+"@"+strconv.FormatInt(b.Cols[4].I64[i], 10))
			}
		}
		return out
	}
	committed := tc.source("", "subscribe", "tx", "startingOffsets", "earliest",
		"kafka.isolation.level", "read_committed", "kafkaConsumer.pollTimeoutMs", "3000")
	end := latest(t, committed, "")
	if end != `{"tx":{"0":7}}` {
		t.Fatalf("latest %s", end)
	}
	equalLines(t, "read_committed", values(committed, "", end), []string{"a@0", "b@1", "c@5"})
	equalLines(t, "range ending on a marker", values(committed, "", `{"tx":{"0":3}}`), []string{"a@0", "b@1"})
	equalLines(t, "range of only a marker", values(committed, `{"tx":{"0":2}}`, `{"tx":{"0":3}}`), nil)

	uncommitted := tc.source("", "subscribe", "tx", "startingOffsets", "earliest", "kafkaConsumer.pollTimeoutMs", "3000")
	equalLines(t, "read_uncommitted", values(uncommitted, "", end), []string{"a@0", "b@1", "x@3", "c@5"})
}
