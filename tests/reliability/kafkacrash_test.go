package reliability

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

const (
	kafkaCrashChunk = 1000 // records produced at first, and again whenever a run finishes them all
	kafkaCrashKills = 25
)

// TestKafkaToKafkaSurvivesSIGKILL runs a checkpointed Kafka -> Kafka query in a child
// process against a kfake cluster owned by this test, SIGKILLs it at random points and
// restarts it on the same checkpoint. The sink writes each batch in a Kafka transaction
// that also records the batch id (see engine/internal/sink/kafka), so a read_committed
// consumer of the output sees every input record exactly once; a read_uncommitted one
// also sees the records of transactions the kills left open (aborted on restart).
func TestKafkaToKafkaSurvivesSIGKILL(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, "in", "out"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	addrs := strings.Join(c.ListenAddrs(), ",")
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	produced := 0
	produce := func() {
		recs := make([]*kgo.Record, kafkaCrashChunk)
		for i := range recs {
			n := produced + i
			recs[i] = &kgo.Record{Topic: "in", Key: []byte(fmt.Sprintf("k%d", n)), Value: []byte(fmt.Sprintf("v%d", n))}
		}
		if err := cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
			t.Fatal(err)
		}
		produced += len(recs)
	}
	produce()

	cp := filepath.Join(t.TempDir(), "checkpoint")
	start := time.Now()
	kills, runs := killLoop(t, "kafka|"+addrs+"|"+cp, kafkaCrashKills, randomDelay(1, 40*time.Millisecond, 200*time.Millisecond), produce)

	committed := consumeAll(t, c.ListenAddrs(), kgo.ReadCommitted())
	seen := map[string]int{}
	for _, r := range committed {
		seen[r]++
	}
	lost, dup := 0, 0
	for i := range produced {
		switch n := seen[fmt.Sprintf("k%d=out-v%d", i, i)]; {
		case n == 0:
			lost++
		case n > 1:
			dup += n - 1
		}
	}
	if lost != 0 || dup != 0 || len(committed) != produced {
		t.Fatalf("after %d kills: %d records read_committed, %d lost, %d duplicated (want %d, 0, 0)", kills, len(committed), lost, dup, produced)
	}
	all := consumeAll(t, c.ListenAddrs(), kgo.ReadUncommitted())
	t.Logf("%d kills in %d runs, %v; %d records exactly once, 0 lost; %d records of aborted transactions hidden from read_committed",
		kills, runs, time.Since(start).Round(time.Millisecond), len(committed), len(all)-len(committed))
}

// consumeAll reads topic "out" from the start as "key=value" strings, until a poll of a
// second brings nothing more. (The writer has finished: everything is already there.)
func consumeAll(t *testing.T, seeds []string, iso kgo.IsolationLevel) []string {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(seeds...), kgo.ConsumeTopics("out"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchIsolationLevel(iso))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var out []string
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		fs := cl.PollFetches(ctx)
		cancel()
		n := 0
		fs.EachRecord(func(r *kgo.Record) {
			out = append(out, string(r.Key)+"="+string(r.Value))
			n++
		})
		for _, e := range fs.Errors() {
			if e.Err != context.DeadlineExceeded {
				t.Fatalf("consuming out: %v", e.Err)
			}
		}
		if n == 0 {
			return out
		}
	}
}
