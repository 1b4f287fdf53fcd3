package kafka

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/runnel-go/runnel/engine/internal/source"
	ksource "github.com/runnel-go/runnel/engine/internal/source/kafka"
)

// kcatPath is Debian's kcat, an independent Kafka client (librdkafka) used to check that
// what we write and read is plain Kafka.
const kcatPath = "/usr/bin/kcat"

func needKcat(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(kcatPath); err != nil {
		t.Fatalf("kcat is required for the Kafka interop test and is missing (%v): install it with `apt-get install kcat` (tests/run_all.sh installs it)", err)
	}
}

func kcat(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, kcatPath, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("kcat %v: %v\n%s", args, err, errOut.String())
	}
	return out.String()
}

// TestKcatProducesSourceReads: records produced by kcat (keys, headers, two partitions)
// come out of our streaming source exactly.
func TestKcatProducesSourceReads(t *testing.T) {
	needKcat(t)
	addrs := startCluster(t, 2, "from-kcat")
	kcat(t, "a:1\nb:2\n", "-b", addrs, "-t", "from-kcat", "-p", "0", "-P", "-K", ":", "-H", "src=kcat")
	kcat(t, "c:3\n", "-b", addrs, "-t", "from-kcat", "-p", "1", "-P", "-K", ":")

	s, err := ksource.NewSource(map[string]string{
		"kafka.bootstrap.servers": addrs, "subscribe": "from-kcat",
		"startingOffsets": "earliest", "includeHeaders": "true",
	}, "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	end, err := s.LatestOffset(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if want := source.Offset(`{"from-kcat":{"0":2,"1":1}}`); end != want {
		t.Fatalf("latest %s, want %s", end, want)
	}
	bs, err := s.GetBatch(ctx, "", end)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, b := range bs {
		for i := range b.N {
			r := b.Row(i)
			line := str(r[0]) + "|" + str(r[1]) + "|" + r[2].(string)
			if r[7] != nil {
				for _, h := range r[7].([]any) {
					kv := h.([]any)
					line += "|" + kv[0].(string) + "=" + str(kv[1])
				}
			}
			if ts := r[5].(int64); ts <= 0 || r[6].(int32) != 0 {
				t.Errorf("record %d: timestamp %d type %d", i, ts, r[6])
			}
			got = append(got, line)
		}
	}
	equal(t, "rows from kcat", got, []string{"a|1|from-kcat|src=kcat", "b|2|from-kcat|src=kcat", "c|3|from-kcat"})
}

// TestSinkWritesKcatConsumes: what our transactional sink commits is what kcat reads
// with read_committed, replays included.
func TestSinkWritesKcatConsumes(t *testing.T) {
	needKcat(t)
	addrs := startCluster(t, 3, "to-kcat")
	ctx := context.Background()
	opts := map[string]string{"kafka.bootstrap.servers": addrs, "topic": "to-kcat"}
	s := newSink(t, opts, kvSchema, "kcat-query")
	if err := s.AddBatch(ctx, 0, kvBatch("v", 0, 3)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2 := newSink(t, opts, kvSchema, "kcat-query")
	for id, b := range map[int64][2]int{0: {0, 3}, 1: {3, 5}} {
		if err := s2.AddBatch(ctx, id, kvBatch("v", b[0], b[1])); err != nil {
			t.Fatal(err)
		}
	}
	out := kcat(t, "", "-b", addrs, "-t", "to-kcat", "-C", "-o", "beginning", "-e", "-q",
		"-X", "isolation.level=read_committed", "-f", "%k|%s|%p\n")
	got := strings.Split(strings.TrimSpace(out), "\n")
	slices.Sort(got)
	equal(t, "kcat read", got, expected("v", 0, 5, partitionOf(3)))
}

// TestKeyPartitioningMatchesLibrdkafka: kcat with librdkafka's Java-compatible murmur2
// partitioner puts each key where partitionOf (and so our sink) does.
func TestKeyPartitioningMatchesLibrdkafka(t *testing.T) {
	needKcat(t)
	addrs := startCluster(t, 3, "keys")
	var in strings.Builder
	for i := range 20 {
		in.WriteString("k" + strconv.Itoa(i) + ":v" + strconv.Itoa(i) + "\n")
	}
	kcat(t, in.String(), "-b", addrs, "-t", "keys", "-P", "-K", ":", "-X", "topic.partitioner=murmur2_random")
	equal(t, "partitions chosen by librdkafka", readAll(t, addrs, "keys"), expected("v", 0, 20, partitionOf(3)))
}
