package kafka

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/internal/source"
)

// baseMillis is the timestamp given to produced records: record i of a test gets
// baseMillis+i, so rows can be checked exactly.
const baseMillis = 1_700_000_000_000

// testCluster is a kfake cluster of three brokers in the test process.
type testCluster struct {
	t     *testing.T
	c     *kfake.Cluster
	addrs string
	cl    *kgo.Client
}

func newCluster(t *testing.T, partitions int32, topics ...string) *testCluster {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.SeedTopics(partitions, topics...))
	if err != nil {
		t.Fatal(err)
	}
	tc := &testCluster{t: t, c: c, addrs: strings.Join(c.ListenAddrs(), ",")}
	tc.cl, err = kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		tc.cl.Close()
		c.Close()
	})
	return tc
}

// produce writes records to topic/partition with values "<prefix>-<i>", keys "k<i>" and
// timestamps baseMillis+i, i counting from first.
func (tc *testCluster) produce(topic string, partition int32, prefix string, first, n int) {
	tc.t.Helper()
	var recs []*kgo.Record
	for i := first; i < first+n; i++ {
		recs = append(recs, &kgo.Record{
			Topic: topic, Partition: partition,
			Key:       []byte(fmt.Sprintf("k%d", i)),
			Value:     []byte(fmt.Sprintf("%s-%d", prefix, i)),
			Timestamp: time.UnixMilli(baseMillis + int64(i)),
		})
	}
	if err := tc.cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		tc.t.Fatal(err)
	}
}

// createTopic adds a topic with n partitions.
func (tc *testCluster) createTopic(topic string, n int32) {
	tc.t.Helper()
	req := kmsg.NewPtrCreateTopicsRequest()
	rt := kmsg.NewCreateTopicsRequestTopic()
	rt.Topic = topic
	rt.NumPartitions = n
	rt.ReplicationFactor = 1
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(context.Background(), tc.cl)
	if err != nil {
		tc.t.Fatal(err)
	}
	if code := resp.Topics[0].ErrorCode; code != 0 {
		tc.t.Fatalf("creating %s: error code %d", topic, code)
	}
}

// addPartitions grows topic to total partitions.
func (tc *testCluster) addPartitions(topic string, total int32) {
	tc.t.Helper()
	req := kmsg.NewPtrCreatePartitionsRequest()
	rt := kmsg.NewCreatePartitionsRequestTopic()
	rt.Topic = topic
	rt.Count = total
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(context.Background(), tc.cl)
	if err != nil {
		tc.t.Fatal(err)
	}
	if code := resp.Topics[0].ErrorCode; code != 0 {
		tc.t.Fatalf("adding partitions to %s: error code %d", topic, code)
	}
	tc.renewProducer()
}

// renewProducer replaces the producing client, whose metadata does not know of new
// partitions yet.
func (tc *testCluster) renewProducer() {
	tc.t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(tc.c.ListenAddrs()...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		tc.t.Fatal(err)
	}
	tc.cl.Close()
	tc.cl = cl
}

// deleteRecords moves the log start of topic/partition to offset (Kafka's
// DeleteRecords, what retention does).
func (tc *testCluster) deleteRecords(topic string, partition int32, offset int64) {
	tc.t.Helper()
	req := kmsg.NewPtrDeleteRecordsRequest()
	rt := kmsg.NewDeleteRecordsRequestTopic()
	rt.Topic = topic
	rp := kmsg.NewDeleteRecordsRequestTopicPartition()
	rp.Partition = partition
	rp.Offset = offset
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(context.Background(), tc.cl)
	if err != nil {
		tc.t.Fatal(err)
	}
	if code := resp.Topics[0].Partitions[0].ErrorCode; code != 0 {
		tc.t.Fatalf("deleting records: error code %d", code)
	}
}

func (tc *testCluster) opts(kv ...string) map[string]string {
	o := map[string]string{"kafka.bootstrap.servers": tc.addrs}
	for i := 0; i+1 < len(kv); i += 2 {
		o[kv[i]] = kv[i+1]
	}
	return o
}

func (tc *testCluster) source(metadataDir string, kv ...string) *Source {
	tc.t.Helper()
	s, err := NewSource(tc.opts(kv...), metadataDir)
	if err != nil {
		tc.t.Fatal(err)
	}
	tc.t.Cleanup(func() { s.Close() })
	return s
}

// rows renders batches as "key|value|topic|partition|offset|timestampMicros|type" lines.
func rows(bs []*batch.Batch) []string {
	var out []string
	for _, b := range bs {
		for i := range b.N {
			r := b.Row(i)
			s := fmt.Sprintf("%s|%s|%v|%v|%v|%v|%v", bytesOrNull(r[0]), bytesOrNull(r[1]), r[2], r[3], r[4], r[5], r[6])
			if len(r) > 7 {
				s += "|" + headersString(r[7])
			}
			out = append(out, s)
		}
	}
	return out
}

func bytesOrNull(v any) string {
	if v == nil {
		return "null"
	}
	return string(v.([]byte))
}

func headersString(v any) string {
	if v == nil {
		return "null"
	}
	var parts []string
	for _, h := range v.([]any) {
		kv := h.([]any)
		parts = append(parts, fmt.Sprintf("%s=%s", kv[0], bytesOrNull(kv[1])))
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// row is the expected rendering of the record produced by produce(topic, partition,
// prefix, i) at offset.
func row(topic string, partition int32, prefix string, i int, offset int64) string {
	return fmt.Sprintf("k%d|%s-%d|%s|%d|%d|%d|0", i, prefix, i, topic, partition, offset, (baseMillis+int64(i))*1000)
}

func latest(t *testing.T, s *Source, start source.Offset) source.Offset {
	t.Helper()
	end, err := s.LatestOffset(context.Background(), start)
	if err != nil {
		t.Fatal(err)
	}
	return end
}

func getBatch(t *testing.T, s *Source, start, end source.Offset) []string {
	t.Helper()
	bs, err := s.GetBatch(context.Background(), start, end)
	if err != nil {
		t.Fatal(err)
	}
	return rows(bs)
}

func equalLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\ngot:\n%s\nwant:\n%s", what, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// kgoRecord is a record for produceRaw: a nil key stays null.
type kgoRecord struct {
	key, value []byte
	headers    [][2]string
}

// produceRaw writes records with timestamp baseMillis.
func (tc *testCluster) produceRaw(topic string, partition int32, recs []*kgoRecord) {
	tc.t.Helper()
	var out []*kgo.Record
	for _, r := range recs {
		kr := &kgo.Record{Topic: topic, Partition: partition, Key: r.key, Value: r.value, Timestamp: time.UnixMilli(baseMillis)}
		for _, h := range r.headers {
			kr.Headers = append(kr.Headers, kgo.RecordHeader{Key: h[0], Value: []byte(h[1])})
		}
		out = append(out, kr)
	}
	if err := tc.cl.ProduceSync(context.Background(), out...).FirstErr(); err != nil {
		tc.t.Fatal(err)
	}
}
