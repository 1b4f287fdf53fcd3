package runtime

import (
	"fmt"
	"testing"
	"time"
)

func TestProgressJSON(t *testing.T) {
	t0 := time.Date(2024, 3, 1, 12, 0, 0, 123_000_000, time.UTC)
	clock := newFakeClock(t0, false)
	src := newFakeSource("FileStreamSource[file:/data/in]")
	ev := time.Date(2024, 3, 1, 11, 59, 0, 0, time.UTC).UnixMicro()
	src.add(ev, ev+1_500_000, ev+3_000_000)
	ex := newFakeExecutor()
	ex.delays = []int64{10_000_000}
	ex.stats = true
	ex.stateOps = []StateOperatorProgress{{OperatorName: "stateStoreSave", NumRowsTotal: 3, NumRowsUpdated: 3,
		MemoryUsedBytes: 1024, NumShufflePartitions: 1, NumStateStoreInstances: 1}}
	ex.onBatch = func(BatchInput) { clock.Advance(40 * time.Millisecond) }
	sink := newFakeSink()
	sink.onBatch = func(int64) { clock.Advance(10 * time.Millisecond) }
	cfg := baseConfig(src, ex, sink)
	cfg.Name = ""
	cfg.ID = "6ec31ba5-9a4a-4a1d-8f5c-4c8a4c0b9a11"
	cfg.RunID = "0b0f4c1e-2a37-4f3f-9d0e-6a8b7c9d0e1f"
	cfg.Clock = clock
	q := mustStart(t, cfg)
	<-sink.added
	clock.waitForTimer()
	src.add(ev + 20_000_000)
	clock.Advance(10 * time.Millisecond)
	<-sink.added
	clock.waitForTimer()
	_ = q.Stop()

	ps := q.RecentProgress()
	if len(ps) != 2 {
		for _, p := range ps {
			t.Log(p.JSON())
		}
		t.Fatalf("%d progress reports, want 2", len(ps))
	}
	want0 := `{
  "id" : "6ec31ba5-9a4a-4a1d-8f5c-4c8a4c0b9a11",
  "runId" : "0b0f4c1e-2a37-4f3f-9d0e-6a8b7c9d0e1f",
  "name" : null,
  "timestamp" : "2024-03-01T12:00:00.123Z",
  "batchId" : 0,
  "batchDuration" : 50,
  "numInputRows" : 3,
  "inputRowsPerSecond" : 0.0,
  "processedRowsPerSecond" : 60.0,
  "durationMs" : {
    "addBatch" : 50,
    "getBatch" : 0,
    "latestOffset" : 0,
    "queryPlanning" : 0,
    "triggerExecution" : 50,
    "walCommit" : 0
  },
  "eventTime" : {
    "avg" : "2024-03-01T11:59:01.500Z",
    "max" : "2024-03-01T11:59:03.000Z",
    "min" : "2024-03-01T11:59:00.000Z",
    "watermark" : "1970-01-01T00:00:00.000Z"
  },
  "stateOperators" : [ {
    "operatorName" : "stateStoreSave",
    "numRowsTotal" : 3,
    "numRowsUpdated" : 3,
    "allUpdatesTimeMs" : 0,
    "numRowsRemoved" : 0,
    "allRemovalsTimeMs" : 0,
    "commitTimeMs" : 0,
    "memoryUsedBytes" : 1024,
    "numRowsDroppedByWatermark" : 0,
    "numShufflePartitions" : 1,
    "numStateStoreInstances" : 1
  } ],
  "sources" : [ {
    "description" : "FileStreamSource[file:/data/in]",
    "startOffset" : null,
    "endOffset" : {
      "n" : 3
    },
    "latestOffset" : null,
    "numInputRows" : 3,
    "inputRowsPerSecond" : 0.0,
    "processedRowsPerSecond" : 60.0
  } ],
  "sink" : {
    "description" : "FakeSink",
    "numOutputRows" : 3
  }
}`
	if got := ps[0].JSON(); got != want0 {
		t.Errorf("batch 0 progress:\n%s\nwant\n%s", got, want0)
	}
	// Batch 1 starts 10 ms after the idle trigger before it: 1 row / 0.01 s.
	want1 := `{
  "id" : "6ec31ba5-9a4a-4a1d-8f5c-4c8a4c0b9a11",
  "runId" : "0b0f4c1e-2a37-4f3f-9d0e-6a8b7c9d0e1f",
  "name" : null,
  "timestamp" : "2024-03-01T12:00:00.183Z",
  "batchId" : 1,
  "batchDuration" : 50,
  "numInputRows" : 1,
  "inputRowsPerSecond" : 100.0,
  "processedRowsPerSecond" : 20.0,
  "durationMs" : {
    "addBatch" : 50,
    "getBatch" : 0,
    "latestOffset" : 0,
    "queryPlanning" : 0,
    "triggerExecution" : 50,
    "walCommit" : 0
  },
  "eventTime" : {
    "avg" : "2024-03-01T11:59:20.000Z",
    "max" : "2024-03-01T11:59:20.000Z",
    "min" : "2024-03-01T11:59:20.000Z",
    "watermark" : "2024-03-01T11:58:53.000Z"
  },
  "stateOperators" : [ {
    "operatorName" : "stateStoreSave",
    "numRowsTotal" : 3,
    "numRowsUpdated" : 3,
    "allUpdatesTimeMs" : 0,
    "numRowsRemoved" : 0,
    "allRemovalsTimeMs" : 0,
    "commitTimeMs" : 0,
    "memoryUsedBytes" : 1024,
    "numRowsDroppedByWatermark" : 0,
    "numShufflePartitions" : 1,
    "numStateStoreInstances" : 1
  } ],
  "sources" : [ {
    "description" : "FileStreamSource[file:/data/in]",
    "startOffset" : {
      "n" : 3
    },
    "endOffset" : {
      "n" : 4
    },
    "latestOffset" : null,
    "numInputRows" : 1,
    "inputRowsPerSecond" : 100.0,
    "processedRowsPerSecond" : 20.0
  } ],
  "sink" : {
    "description" : "FakeSink",
    "numOutputRows" : 1
  }
}`
	if got := ps[1].JSON(); got != want1 {
		t.Errorf("batch 1 progress:\n%s\nwant\n%s", got, want1)
	}
	if lp := q.LastProgress(); lp == nil || lp.String() != want1 {
		t.Errorf("LastProgress differs")
	}
	wantCompact := `{"id":"6ec31ba5-9a4a-4a1d-8f5c-4c8a4c0b9a11","runId":"0b0f4c1e-2a37-4f3f-9d0e-6a8b7c9d0e1f","name":null,"timestamp":"2024-03-01T12:00:00.183Z","batchId":1,"batchDuration":50,"numInputRows":1,"inputRowsPerSecond":100.0,"processedRowsPerSecond":20.0,"durationMs":{"addBatch":50,"getBatch":0,"latestOffset":0,"queryPlanning":0,"triggerExecution":50,"walCommit":0},"eventTime":{"avg":"2024-03-01T11:59:20.000Z","max":"2024-03-01T11:59:20.000Z","min":"2024-03-01T11:59:20.000Z","watermark":"2024-03-01T11:58:53.000Z"},"stateOperators":[{"operatorName":"stateStoreSave","numRowsTotal":3,"numRowsUpdated":3,"allUpdatesTimeMs":0,"numRowsRemoved":0,"allRemovalsTimeMs":0,"commitTimeMs":0,"memoryUsedBytes":1024,"numRowsDroppedByWatermark":0,"numShufflePartitions":1,"numStateStoreInstances":1}],"sources":[{"description":"FileStreamSource[file:/data/in]","startOffset":{"n":3},"endOffset":{"n":4},"latestOffset":null,"numInputRows":1,"inputRowsPerSecond":100.0,"processedRowsPerSecond":20.0}],"sink":{"description":"FakeSink","numOutputRows":1}}`
	if got := ps[1].CompactJSON(); got != wantCompact {
		t.Errorf("compact:\n%s\nwant\n%s", got, wantCompact)
	}
}

func TestIdleProgressEveryTenSeconds(t *testing.T) {
	clock := newFakeClock(time.UnixMilli(1_000_000), false)
	src := newFakeSource("Fake")
	cfg := baseConfig(src, newFakeExecutor(), newFakeSink())
	cfg.Name = "idle"
	cfg.ID, cfg.RunID = "i", "r"
	cfg.Clock = clock
	cfg.Conf = map[string]string{"spark.sql.streaming.pollingDelay": "1s"}
	q := mustStart(t, cfg)
	// The first idle trigger reports at once; then one report per 10 s of idling.
	for range 25 {
		clock.waitForTimer()
		clock.Advance(time.Second)
	}
	clock.waitForTimer()
	_ = q.Stop()
	ps := q.RecentProgress()
	var got []string
	for _, p := range ps {
		got = append(got, fmt.Sprintf("%s batch=%d rows=%d durations=%v", p.Timestamp, p.BatchID, p.NumInputRows, p.DurationMs))
	}
	want := []string{
		"1970-01-01T00:16:40.000Z batch=0 rows=0 durations=map[latestOffset:0 triggerExecution:0]",
		"1970-01-01T00:16:50.000Z batch=0 rows=0 durations=map[latestOffset:0 triggerExecution:0]",
		"1970-01-01T00:17:00.000Z batch=0 rows=0 durations=map[latestOffset:0 triggerExecution:0]",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("idle progress\n%q\nwant\n%q", got, want)
	}
	want0 := `{
  "id" : "i",
  "runId" : "r",
  "name" : "idle",
  "timestamp" : "1970-01-01T00:16:40.000Z",
  "batchId" : 0,
  "batchDuration" : 0,
  "numInputRows" : 0,
  "inputRowsPerSecond" : 0.0,
  "processedRowsPerSecond" : 0.0,
  "durationMs" : {
    "latestOffset" : 0,
    "triggerExecution" : 0
  },
  "stateOperators" : [ ],
  "sources" : [ {
    "description" : "Fake",
    "startOffset" : null,
    "endOffset" : null,
    "latestOffset" : null,
    "numInputRows" : 0,
    "inputRowsPerSecond" : 0.0,
    "processedRowsPerSecond" : 0.0
  } ],
  "sink" : {
    "description" : "FakeSink",
    "numOutputRows" : -1
  }
}`
	if ps[0].JSON() != want0 {
		t.Errorf("idle progress JSON\n%s\nwant\n%s", ps[0].JSON(), want0)
	}
}

func TestRatesLeftOutWhenNoTimeElapsed(t *testing.T) {
	p := Progress{ID: "a", RunID: "b", Timestamp: "t", NumInputRows: 5,
		InputRowsPerSecond: 5 / zero, ProcessedRowsPerSecond: 12345.678,
		Sources: []SourceProgress{{Description: "s", StartOffset: "not json", EndOffset: "17", LatestOffset: `{"a":[1,2.50,{"b":"x\ny"}],"c":{}}`,
			NumInputRows: 5, InputRowsPerSecond: zero / zero, ProcessedRowsPerSecond: 1e7}},
		Sink: SinkProgress{Description: "MemorySink", NumOutputRows: -1}}
	want := `{
  "id" : "a",
  "runId" : "b",
  "name" : null,
  "timestamp" : "t",
  "batchId" : 0,
  "batchDuration" : 0,
  "numInputRows" : 5,
  "processedRowsPerSecond" : 12345.678,
  "stateOperators" : [ ],
  "sources" : [ {
    "description" : "s",
    "startOffset" : "not json",
    "endOffset" : 17,
    "latestOffset" : {
      "a" : [ 1, 2.5, {
        "b" : "x\ny"
      } ],
      "c" : { }
    },
    "numInputRows" : 5,
    "processedRowsPerSecond" : 1.0E7
  } ],
  "sink" : {
    "description" : "MemorySink",
    "numOutputRows" : -1
  }
}`
	if got := p.JSON(); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

var zero float64

func TestStatusJSON(t *testing.T) {
	s := Status{Message: "Waiting for data to arrive", IsDataAvailable: false, IsTriggerActive: true}
	want := "{\n  \"message\" : \"Waiting for data to arrive\",\n  \"isDataAvailable\" : false,\n  \"isTriggerActive\" : true\n}"
	if s.JSON() != want || s.String() != want {
		t.Fatalf("got\n%s", s.JSON())
	}
	if c := s.CompactJSON(); c != `{"message":"Waiting for data to arrive","isDataAvailable":false,"isTriggerActive":true}` {
		t.Fatalf("compact %s", c)
	}
}

func TestStatusWhileIdleAndStopped(t *testing.T) {
	clock := newFakeClock(time.UnixMilli(0), false)
	src := newFakeSource("Fake")
	cfg := baseConfig(src, newFakeExecutor(), newFakeSink())
	cfg.Clock = clock
	q := mustStart(t, cfg)
	clock.waitForTimer()
	if st := q.Status(); st != (Status{Message: "Waiting for data to arrive"}) {
		t.Errorf("idle status %+v", st)
	}
	_ = q.Stop()
	if st := q.Status(); st != (Status{Message: "Stopped"}) {
		t.Errorf("stopped status %+v", st)
	}
}
