package kafka

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/internal/checkpoint"
	"github.com/runnel-go/runnel/engine/internal/runtime"
	"github.com/runnel-go/runnel/engine/internal/source"
	ksource "github.com/runnel-go/runnel/engine/internal/source/kafka"
	"github.com/runnel-go/runnel/engine/types"
)

// upperExecutor maps Kafka rows to (key, upper(value)): a map-only query.
type upperExecutor struct{}

var upperSchema = types.NewStructType().Add("key", types.BinaryType).Add("value", types.StringType)

func (upperExecutor) RunBatch(_ context.Context, in runtime.BatchInput) (runtime.BatchOutput, error) {
	out := batch.New(upperSchema, 0)
	for _, b := range in.Sources[0] {
		for i := range b.N {
			out.AppendRow([]any{b.Cols[0].Bytes[i], strings.ToUpper(string(b.Cols[1].Bytes[i]))})
		}
	}
	return runtime.BatchOutput{Result: out}, nil
}
func (upperExecutor) WatermarkDelays() []int64      { return nil }
func (upperExecutor) HasPendingEviction(int64) bool { return false }

// runQuery runs Kafka "in" -> upper -> Kafka "out" with the checkpoint in dir until all
// available input is processed, then stops.
func runQuery(t *testing.T, addrs, dir string) {
	t.Helper()
	cp, err := checkpoint.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	src, err := ksource.NewSource(map[string]string{"kafka.bootstrap.servers": addrs, "subscribe": "in",
		"startingOffsets": "earliest", "maxOffsetsPerTrigger": "4"}, cp.SourceDir(0))
	if err != nil {
		t.Fatal(err)
	}
	snk, err := NewSink(map[string]string{"kafka.bootstrap.servers": addrs, "topic": "out"}, upperSchema, cp.ID())
	if err != nil {
		t.Fatal(err)
	}
	defer snk.Close()
	q, err := runtime.Start(runtime.Config{Sources: []source.Source{src}, Executor: upperExecutor{}, Sink: snk,
		Mode: runtime.Append, CheckpointDir: dir, Checkpoint: cp})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.ProcessAllAvailable(); err != nil {
		t.Fatal(err)
	}
	p := q.LastProgress()
	if err := q.Stop(); err != nil {
		t.Fatal(err)
	}
	if p == nil || len(p.Sources) != 1 || p.Sources[0].Description != "KafkaV2[Subscribe[in]]" {
		t.Errorf("progress sources: %+v", p)
	}
}

// TestQueryRestartExactlyOnce runs a checkpointed Kafka-to-Kafka query, "crashes" it
// after a batch reached Kafka but before the driver recorded its commit, and restarts
// it: the replayed batch does not duplicate output.
func TestQueryRestartExactlyOnce(t *testing.T) {
	addrs := startCluster(t, 3, "in", "out")
	cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(addrs, ",")...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	produce := func(from, to int) {
		t.Helper()
		for i := from; i < to; i++ {
			r := &kgo.Record{Topic: "in", Partition: int32(i % 3), Key: []byte(fmt.Sprintf("k%d", i)), Value: []byte(fmt.Sprintf("v%d", i)),
				Timestamp: time.UnixMilli(1_700_000_000_000)}
			if err := cl.ProduceSync(context.Background(), r).FirstErr(); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := func(n int) []string {
		var out []string
		for i := range n {
			out = append(out, fmt.Sprintf("k%d|V%d", i, i))
		}
		return sorted(out)
	}
	read := func() []string {
		var out []string
		for _, l := range readAll(t, addrs, "out") {
			k, rest, _ := strings.Cut(l, "|")
			v, _, _ := strings.Cut(rest, "|")
			out = append(out, k+"|"+v)
		}
		return sorted(out)
	}

	dir := filepath.Join(t.TempDir(), "checkpoint")
	produce(0, 10)
	runQuery(t, addrs, dir)
	equal(t, "first run", read(), want(10))

	// Forget the driver's commit of the last batch, as if the process died right after
	// the sink's transaction committed.
	commits, err := filepath.Glob(filepath.Join(dir, "commits", "*"))
	if err != nil || len(commits) < 2 {
		t.Fatalf("commits %v %v", commits, err)
	}
	last := commits[0]
	for _, c := range commits {
		if len(c) > len(last) || (len(c) == len(last) && c > last) {
			last = c
		}
	}
	if err := os.Remove(last); err != nil {
		t.Fatal(err)
	}
	produce(10, 13)
	runQuery(t, addrs, dir)
	equal(t, "after restart", read(), want(13))
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}
