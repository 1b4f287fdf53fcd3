package kafka

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/runnel-go/runnel/engine/internal/source"
)

func TestSchemaAndDescription(t *testing.T) {
	s, err := NewSource(map[string]string{"kafka.bootstrap.servers": "127.0.0.1:1", "subscribe": "topic1, topic2"}, "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got, want := s.Schema().SimpleString(), "struct<key:binary,value:binary,topic:string,partition:int,offset:bigint,timestamp:timestamp,timestampType:int>"; got != want {
		t.Errorf("schema %s, want %s", got, want)
	}
	if got, want := s.Description(), "KafkaV2[Subscribe[topic1, topic2]]"; got != want {
		t.Errorf("description %q, want %q", got, want)
	}
	st, err := SchemaFor(map[string]string{"kafka.bootstrap.servers": "x:1", "subscribePattern": "t.*", "includeHeaders": "true"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := st.SimpleString(), "struct<key:binary,value:binary,topic:string,partition:int,offset:bigint,timestamp:timestamp,timestampType:int,headers:array<struct<key:string,value:binary>>>"; got != want {
		t.Errorf("headers schema %s, want %s", got, want)
	}
	for opts, want := range map[string]string{
		`{"subscribePattern":"t.*"}`:           "KafkaV2[SubscribePattern[t.*]]",
		`{"assign":"{\"b\":[1],\"a\":[2,0]}"}`: "KafkaV2[Assign[a-0, a-2, b-1]]",
	} {
		o := map[string]string{"kafka.bootstrap.servers": "x:1"}
		if strings.Contains(opts, "Pattern") {
			o["subscribePattern"] = "t.*"
		} else {
			o["assign"] = `{"b":[1],"a":[2,0]}`
		}
		s, err := NewSource(o, "")
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Description(); got != want {
			t.Errorf("description %q, want %q", got, want)
		}
		s.Close()
	}
}

func TestOptionErrors(t *testing.T) {
	cases := []struct {
		opts map[string]string
		want string
	}{
		{map[string]string{"subscribe": "t"}, "Option 'kafka.bootstrap.servers' must be specified for configuring Kafka consumer"},
		{map[string]string{"kafka.bootstrap.servers": "x:1"}, "One of the following options must be specified for Kafka source: subscribe, subscribepattern, assign. See the docs for more details."},
		{map[string]string{"kafka.bootstrap.servers": "x:1", "subscribe": "t", "assign": `{"t":[0]}`}, "Only one of the following options can be specified for Kafka source: subscribe, subscribepattern, assign. See the docs for more details."},
		{map[string]string{"kafka.bootstrap.servers": "x:1", "subscribe": " , "}, "No topics to subscribe to as specified value for option 'subscribe' is ' , '"},
		{map[string]string{"kafka.bootstrap.servers": "x:1", "assign": "t"}, "No topicpartitions to assign as specified value for option 'assign' is 't'"},
		{map[string]string{"kafka.bootstrap.servers": "x:1", "subscribePattern": " "}, "Pattern to subscribe is empty as specified value for option 'subscribePattern' is ' '"},
		{map[string]string{"kafka.bootstrap.servers": "x:1", "subscribe": "t", "endingOffsets": "latest"}, "ending offset not valid in streaming queries"},
		{map[string]string{"kafka.bootstrap.servers": "x:1", "subscribe": "t", "kafka.enable.auto.commit": "true"}, "Kafka option 'enable.auto.commit' is not supported"},
		{map[string]string{"kafka.bootstrap.servers": "x:1", "subscribe": "t", "startingOffsets": "{bad"}, `Expected e.g. {"topicA":{"0":23,"1":-1},"topicB":{"0":-2}}, got {bad`},
	}
	for _, c := range cases {
		_, err := NewSource(c.opts, "")
		if err == nil || err.Error() != c.want {
			t.Errorf("%v: error %v, want %q", c.opts, err, c.want)
		}
	}
	// Option keys are case-insensitive, as Spark's.
	s, err := NewSource(map[string]string{"KAFKA.BOOTSTRAP.SERVERS": "x:1", "SUBSCRIBE": "t"}, "")
	if err != nil {
		t.Fatalf("upper-case keys: %v", err)
	}
	s.Close()
}

func TestOffsetsJSON(t *testing.T) {
	po, err := ParseOffsets(`{"topicB":{"0":-2},"topicA":{"1":-1,"0":23}}`)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := po.JSON(), `{"topicA":{"0":23,"1":-1},"topicB":{"0":-2}}`; got != want {
		t.Errorf("JSON %s, want %s", got, want)
	}
	if got := (PartitionOffsets{}).JSON(); got != "{}" {
		t.Errorf("empty JSON %s", got)
	}
}

func TestSubscribeExactRows(t *testing.T) {
	tc := newCluster(t, 3, "t1", "other")
	tc.produce("t1", 0, "a", 0, 2)
	tc.produce("t1", 1, "b", 0, 3)
	tc.produce("t1", 2, "c", 0, 1)
	tc.produce("other", 0, "x", 0, 4)
	s := tc.source("", "subscribe", "t1", "startingOffsets", "earliest")
	end := latest(t, s, "")
	if want := `{"t1":{"0":2,"1":3,"2":1}}`; string(end) != want {
		t.Fatalf("latest %s, want %s", end, want)
	}
	equalLines(t, "batch 0", getBatch(t, s, "", end), []string{
		row("t1", 0, "a", 0, 0), row("t1", 0, "a", 1, 1),
		row("t1", 1, "b", 0, 0), row("t1", 1, "b", 1, 1), row("t1", 1, "b", 2, 2),
		row("t1", 2, "c", 0, 0),
	})
	// No new data: LatestOffset returns its start.
	if got := latest(t, s, end); got != end {
		t.Errorf("no new data: latest %s, want %s", got, end)
	}
	tc.produce("t1", 1, "b", 3, 2)
	end2 := latest(t, s, end)
	if want := `{"t1":{"0":2,"1":5,"2":1}}`; string(end2) != want {
		t.Fatalf("latest %s, want %s", end2, want)
	}
	equalLines(t, "batch 1", getBatch(t, s, end, end2), []string{row("t1", 1, "b", 3, 3), row("t1", 1, "b", 4, 4)})
	// A replay of batch 0 gives the same rows.
	equalLines(t, "replay", getBatch(t, s, "", end), []string{
		row("t1", 0, "a", 0, 0), row("t1", 0, "a", 1, 1),
		row("t1", 1, "b", 0, 0), row("t1", 1, "b", 1, 1), row("t1", 1, "b", 2, 2),
		row("t1", 2, "c", 0, 0),
	})
}

func TestSubscribeNewPartitions(t *testing.T) {
	tc := newCluster(t, 2, "t1")
	tc.produce("t1", 0, "a", 0, 1)
	s := tc.source("", "subscribe", "t1", "startingOffsets", "earliest")
	end := latest(t, s, "")
	equalLines(t, "batch 0", getBatch(t, s, "", end), []string{row("t1", 0, "a", 0, 0)})
	tc.addPartitions("t1", 3)
	tc.produce("t1", 2, "n", 0, 2)
	end2 := latest(t, s, end)
	if want := `{"t1":{"0":1,"1":0,"2":2}}`; string(end2) != want {
		t.Fatalf("latest %s, want %s", end2, want)
	}
	equalLines(t, "new partition", getBatch(t, s, end, end2), []string{row("t1", 2, "n", 0, 0), row("t1", 2, "n", 1, 1)})
}

func TestSubscribePattern(t *testing.T) {
	tc := newCluster(t, 2, "events-a", "metrics")
	tc.produce("events-a", 1, "a", 0, 2)
	tc.produce("metrics", 0, "m", 0, 2)
	s := tc.source("", "subscribePattern", "events-.*", "startingOffsets", "earliest")
	end := latest(t, s, "")
	if want := `{"events-a":{"0":0,"1":2}}`; string(end) != want {
		t.Fatalf("latest %s, want %s", end, want)
	}
	equalLines(t, "batch 0", getBatch(t, s, "", end), []string{row("events-a", 1, "a", 0, 0), row("events-a", 1, "a", 1, 1)})
	// A topic created later that matches is picked up from its start.
	tc.createTopic("events-b", 1)
	tc.produce("events-b", 0, "b", 0, 1)
	end2 := latest(t, s, end)
	if want := `{"events-a":{"0":0,"1":2},"events-b":{"0":1}}`; string(end2) != want {
		t.Fatalf("latest %s, want %s", end2, want)
	}
	equalLines(t, "new topic", getBatch(t, s, end, end2), []string{row("events-b", 0, "b", 0, 0)})
}

func TestAssign(t *testing.T) {
	tc := newCluster(t, 3, "t1")
	tc.produce("t1", 0, "a", 0, 2)
	tc.produce("t1", 1, "b", 0, 2)
	tc.produce("t1", 2, "c", 0, 2)
	s := tc.source("", "assign", `{"t1":[2,0]}`, "startingOffsets", `{"t1":{"0":1,"2":-2}}`)
	if got, want := s.Description(), "KafkaV2[Assign[t1-0, t1-2]]"; got != want {
		t.Errorf("description %q, want %q", got, want)
	}
	end := latest(t, s, "")
	if want := `{"t1":{"0":2,"2":2}}`; string(end) != want {
		t.Fatalf("latest %s, want %s", end, want)
	}
	equalLines(t, "assign", getBatch(t, s, "", end), []string{row("t1", 0, "a", 1, 1), row("t1", 2, "c", 0, 0), row("t1", 2, "c", 1, 1)})

	// Specific offsets must name exactly the assigned partitions.
	bad := tc.source("", "assign", `{"t1":[0,1]}`, "startingOffsets", `{"t1":{"0":0}}`)
	_, err := bad.LatestOffset(context.Background(), "")
	want := "Partitions specified for Kafka start offsets don't match what are assigned. Maybe topic partitions are created \n" +
		"or deleted while the query is running. Use -1 for latest, -2 for earliest.\nSpecified: Set(t1-0) Assigned: Set(t1-0, t1-1)"
	if err == nil || err.Error() != want {
		t.Errorf("mismatched starting offsets: %v\nwant %s", err, want)
	}
}

func TestStartingOffsetsLatest(t *testing.T) {
	tc := newCluster(t, 2, "t1")
	tc.produce("t1", 0, "old", 0, 3)
	s := tc.source("", "subscribe", "t1") // default: latest
	if got := latest(t, s, ""); got != "" {
		t.Fatalf("no data since start: latest %q, want \"\"", got)
	}
	tc.produce("t1", 0, "new", 3, 1)
	tc.produce("t1", 1, "new", 4, 1)
	end := latest(t, s, "")
	if want := `{"t1":{"0":4,"1":1}}`; string(end) != want {
		t.Fatalf("latest %s, want %s", end, want)
	}
	equalLines(t, "new rows only", getBatch(t, s, "", end), []string{row("t1", 0, "new", 3, 3), row("t1", 1, "new", 4, 0)})

	// Per-partition JSON: -2 earliest, -1 latest, a number as is.
	tc.produce("t1", 1, "more", 5, 2)
	s2 := tc.source("", "subscribe", "t1", "startingOffsets", `{"t1":{"0":-2,"1":-1}}`)
	end2 := latest(t, s2, "")
	if want := `{"t1":{"0":4,"1":3}}`; string(end2) != want {
		t.Fatalf("latest %s, want %s", end2, want)
	}
	rows := getBatch(t, s2, "", end2)
	if len(rows) != 4 || rows[0] != row("t1", 0, "old", 0, 0) || rows[3] != row("t1", 0, "new", 3, 3) {
		t.Errorf("earliest/latest JSON: got\n%s", strings.Join(rows, "\n"))
	}
}

func TestMaxOffsetsPerTrigger(t *testing.T) {
	tc := newCluster(t, 3, "t1")
	tc.produce("t1", 0, "a", 0, 10)
	tc.produce("t1", 1, "b", 0, 5)
	s := tc.source("", "subscribe", "t1", "startingOffsets", "earliest", "maxOffsetsPerTrigger", "6")
	// Backlogs 10 and 5 share 6 in proportion: 4 and 2; the empty partition stays.
	var ends []string
	var all []string
	start := source.Offset("")
	for range 10 {
		end := latest(t, s, start)
		if end == start {
			break
		}
		ends = append(ends, string(end))
		all = append(all, getBatch(t, s, start, end)...)
		start = end
	}
	equalLines(t, "ends", ends, []string{
		`{"t1":{"0":4,"1":2,"2":0}}`,
		`{"t1":{"0":8,"1":4,"2":0}}`,
		`{"t1":{"0":10,"1":5,"2":0}}`,
	})
	if got, want := string(s.ReportLatestOffset()), `{"t1":{"0":10,"1":5,"2":0}}`; got != want {
		t.Errorf("ReportLatestOffset %s, want %s", got, want)
	}
	if len(all) != 15 {
		t.Fatalf("%d rows over all batches, want 15", len(all))
	}
	// A small partition is never starved: a prorated share below 1 rounds up.
	tc2 := newCluster(t, 2, "t2")
	tc2.produce("t2", 0, "a", 0, 100)
	tc2.produce("t2", 1, "b", 0, 1)
	s2 := tc2.source("", "subscribe", "t2", "startingOffsets", "earliest", "maxOffsetsPerTrigger", "10")
	if got, want := string(latest(t, s2, "")), `{"t2":{"0":9,"1":1}}`; got != want {
		t.Errorf("small partition: %s, want %s", got, want)
	}
}

func TestAvailableNow(t *testing.T) {
	tc := newCluster(t, 1, "t1")
	tc.produce("t1", 0, "a", 0, 5)
	s := tc.source("", "subscribe", "t1", "startingOffsets", "earliest", "maxOffsetsPerTrigger", "2")
	if err := s.PrepareForAvailableNow(context.Background()); err != nil {
		t.Fatal(err)
	}
	start := source.Offset("")
	var n int
	for range 10 {
		end := latest(t, s, start)
		if end == start {
			break
		}
		n += len(getBatch(t, s, start, end))
		if n == 2 {
			// Data arriving after the start is not part of this run.
			tc.produce("t1", 0, "late", 5, 3)
		}
		start = end
	}
	if n != 5 || start != `{"t1":{"0":5}}` {
		t.Errorf("available now read %d rows up to %s, want 5 up to {\"t1\":{\"0\":5}}", n, start)
	}
}

func TestRestartResumes(t *testing.T) {
	tc := newCluster(t, 2, "t1")
	tc.produce("t1", 0, "a", 0, 3)
	dir := filepath.Join(t.TempDir(), "sources", "0")
	s1 := tc.source(dir, "subscribe", "t1") // latest: the initial offsets are {0:3,1:0}
	if got := latest(t, s1, ""); got != "" {
		t.Fatalf("latest %q", got)
	}
	tc.produce("t1", 1, "b", 0, 2)
	end0 := latest(t, s1, "")
	first := getBatch(t, s1, "", end0)
	equalLines(t, "first run", first, []string{row("t1", 1, "b", 0, 0), row("t1", 1, "b", 1, 1)})
	s1.Close()

	// The "restarted" query replays batch 0 from the same checkpoint: even though
	// startingOffsets is latest and more data came, the initial offsets come from the log.
	tc.produce("t1", 0, "c", 3, 1)
	s2 := tc.source(dir, "subscribe", "t1")
	equalLines(t, "replayed batch 0", getBatch(t, s2, "", end0), first)
	end1 := latest(t, s2, end0)
	equalLines(t, "batch 1 after restart", getBatch(t, s2, end0, end1), []string{row("t1", 0, "c", 3, 3)})

	// A fresh source resuming from a stored offset reads exactly the same rows.
	s3 := tc.source("", "subscribe", "t1", "startingOffsets", "earliest")
	equalLines(t, "resume from offset", getBatch(t, s3, end0, end1), []string{row("t1", 0, "c", 3, 3)})
}

func TestFailOnDataLoss(t *testing.T) {
	tc := newCluster(t, 1, "t1")
	tc.produce("t1", 0, "a", 0, 10)
	tc.deleteRecords("t1", 0, 6)
	start, end := source.Offset(`{"t1":{"0":2}}`), source.Offset(`{"t1":{"0":10}}`)

	s := tc.source("", "subscribe", "t1")
	_, err := s.GetBatch(context.Background(), start, end)
	want := "Some data may have been lost because they are not available in Kafka any more;\n" +
		"either the data was aged out by Kafka or the topic may have been deleted before all the data in the\n" +
		"topic was processed.\n" +
		"If you don't want your streaming query to fail on such cases, set the source option failOnDataLoss to false.\n" +
		"Reason: Could not read records in offset [2, 10) for topic partition t1-0\nwith consumer group null."
	var dl *DataLossError
	if !errors.As(err, &dl) || err.Error() != want || dl.SubClass != "COULD_NOT_READ_OFFSET_RANGE" {
		t.Fatalf("failOnDataLoss=true: %v\nwant:\n%s", err, want)
	}

	lenient := tc.source("", "subscribe", "t1", "failOnDataLoss", "false")
	var mu sync.Mutex
	var warnings []string
	lenient.SetWarn(func(msg string) { mu.Lock(); warnings = append(warnings, msg); mu.Unlock() })
	equalLines(t, "skipped ahead", getBatch(t, lenient, start, end), []string{
		row("t1", 0, "a", 6, 6), row("t1", 0, "a", 7, 7), row("t1", 0, "a", 8, 8), row("t1", 0, "a", 9, 9),
	})
	joined := strings.Join(warnings, "\n")
	if !strings.Contains(joined, "Cannot fetch offset 2 (GroupId: null, TopicPartition: t1-0).") ||
		!strings.Contains(joined, "Offset 2 is out of range, and records in [2, 6) will be skipped") {
		t.Errorf("warnings:\n%s", joined)
	}

	// A range entirely deleted gives no rows.
	tc.deleteRecords("t1", 0, 10)
	if got := getBatch(t, lenient, start, end); len(got) != 0 {
		t.Errorf("all deleted: %v", got)
	}
}

func TestPartitionOffsetChanged(t *testing.T) {
	tc := newCluster(t, 1, "t1")
	s := tc.source("", "subscribe", "t1")
	_, err := s.GetBatch(context.Background(), `{"t1":{"0":5}}`, `{"t1":{"0":3}}`)
	want := "Reason: Partition t1-0 offset was changed from 5 to 3.\nThis could either be a user error"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("got %v", err)
	}
	_, err = s.GetBatch(context.Background(), `{"t1":{"0":0},"gone":{"0":1}}`, `{"t1":{"0":0}}`)
	if err == nil || !strings.HasSuffix(err.Error(), "Reason: Partitions Set(gone-0) have been deleted.") {
		t.Errorf("deleted partition: %v", err)
	}
}

func TestHeaders(t *testing.T) {
	tc := newCluster(t, 1, "t1")
	tc.produce("t1", 0, "plain", 0, 1)
	rec := []*kgoRecord{{key: nil, value: []byte("v"), headers: [][2]string{{"h1", "x"}, {"h2", ""}}}}
	tc.produceRaw("t1", 0, rec)
	s := tc.source("", "subscribe", "t1", "startingOffsets", "earliest", "includeHeaders", "true")
	end := latest(t, s, "")
	got := getBatch(t, s, "", end)
	want := []string{
		row("t1", 0, "plain", 0, 0) + "|null",
		"null|v|t1|0|1|" + "1700000000000000|0|[h1=x,h2=]",
	}
	equalLines(t, "headers", got, want)
}
