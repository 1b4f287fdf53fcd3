package runtime

import (
	"slices"
	"time"
)

// Progress is Spark's StreamingQueryProgress: what one trigger did. Its JSON has Spark's
// keys in Spark's order (see JSON).
type Progress struct {
	ID    string
	RunID string
	// Name is the query name; "" is written as null.
	Name string
	// Timestamp is the trigger's start, ISO-8601 UTC with milliseconds
	// ("2024-01-02T03:04:05.678Z").
	Timestamp string
	BatchID   int64
	// BatchDuration is the trigger's processing time in milliseconds.
	BatchDuration int64
	// NumInputRows, InputRowsPerSecond and ProcessedRowsPerSecond sum the sources'.
	// A rate that is NaN or infinite (no time elapsed) is left out of the JSON, as Spark
	// does.
	NumInputRows           int64
	InputRowsPerSecond     float64
	ProcessedRowsPerSecond float64
	// DurationMs holds addBatch, getBatch, latestOffset, queryPlanning, triggerExecution
	// and walCommit for a trigger that ran a batch; latestOffset and triggerExecution for
	// one that did not. Written with sorted keys.
	DurationMs map[string]int64
	// EventTime holds avg, max, min (of the batch's event times) and watermark as ISO-8601
	// strings; only watermark when the batch had no rows; empty for a query without
	// watermark. Written with sorted keys, left out when empty.
	EventTime      map[string]string
	StateOperators []StateOperatorProgress
	Sources        []SourceProgress
	Sink           SinkProgress
}

// SourceProgress is one source's part of a Progress. Offsets are the sources' JSON text;
// "" is null.
type SourceProgress struct {
	Description            string
	StartOffset            string
	EndOffset              string
	LatestOffset           string
	NumInputRows           int64
	InputRowsPerSecond     float64
	ProcessedRowsPerSecond float64
}

// SinkProgress is the sink's part of a Progress.
type SinkProgress struct {
	Description   string
	NumOutputRows int64
}

// JSON is Spark's prettyJson: two-space indentation, "key" : value.
func (p *Progress) JSON() string { return renderJSON(p.jsonValue(), true) }

// CompactJSON is Spark's json: the same value on one line.
func (p *Progress) CompactJSON() string { return renderJSON(p.jsonValue(), false) }

// String is JSON, as Spark's toString is prettyJson.
func (p *Progress) String() string { return p.JSON() }

func (p *Progress) jsonValue() jobject {
	var o jobject
	o.add("id", p.ID)
	o.add("runId", p.RunID)
	if p.Name == "" {
		o.add("name", nil)
	} else {
		o.add("name", p.Name)
	}
	o.add("timestamp", p.Timestamp)
	o.add("batchId", jint(p.BatchID))
	o.add("batchDuration", jint(p.BatchDuration))
	o.add("numInputRows", jint(p.NumInputRows))
	o.addDouble("inputRowsPerSecond", p.InputRowsPerSecond)
	o.addDouble("processedRowsPerSecond", p.ProcessedRowsPerSecond)
	if len(p.DurationMs) > 0 {
		var d jobject
		for _, k := range sortedKeys(p.DurationMs) {
			d.add(k, jint(p.DurationMs[k]))
		}
		o.add("durationMs", d)
	}
	if len(p.EventTime) > 0 {
		var e jobject
		for _, k := range sortedKeys(p.EventTime) {
			e.add(k, p.EventTime[k])
		}
		o.add("eventTime", e)
	}
	ops := jarray{}
	for i := range p.StateOperators {
		ops = append(ops, stateOperatorJSON(&p.StateOperators[i]))
	}
	o.add("stateOperators", ops)
	srcs := jarray{}
	for _, s := range p.Sources {
		var so jobject
		so.add("description", s.Description)
		so.add("startOffset", parseOffset(s.StartOffset))
		so.add("endOffset", parseOffset(s.EndOffset))
		so.add("latestOffset", parseOffset(s.LatestOffset))
		so.add("numInputRows", jint(s.NumInputRows))
		so.addDouble("inputRowsPerSecond", s.InputRowsPerSecond)
		so.addDouble("processedRowsPerSecond", s.ProcessedRowsPerSecond)
		srcs = append(srcs, so)
	}
	o.add("sources", srcs)
	var sink jobject
	sink.add("description", p.Sink.Description)
	sink.add("numOutputRows", jint(p.Sink.NumOutputRows))
	o.add("sink", sink)
	return o
}

func stateOperatorJSON(s *StateOperatorProgress) jobject {
	var o jobject
	o.add("operatorName", s.OperatorName)
	o.add("numRowsTotal", jint(s.NumRowsTotal))
	o.add("numRowsUpdated", jint(s.NumRowsUpdated))
	o.add("allUpdatesTimeMs", jint(s.AllUpdatesTimeMs))
	o.add("numRowsRemoved", jint(s.NumRowsRemoved))
	o.add("allRemovalsTimeMs", jint(s.AllRemovalsTimeMs))
	o.add("commitTimeMs", jint(s.CommitTimeMs))
	o.add("memoryUsedBytes", jint(s.MemoryUsedBytes))
	o.add("numRowsDroppedByWatermark", jint(s.NumRowsDroppedByWatermark))
	o.add("numShufflePartitions", jint(s.NumShufflePartitions))
	o.add("numStateStoreInstances", jint(s.NumStateStoreInstances))
	if len(s.CustomMetrics) > 0 {
		var m jobject
		for _, k := range sortedKeys(s.CustomMetrics) {
			m.add(k, jint(s.CustomMetrics[k]))
		}
		o.add("customMetrics", m)
	}
	return o
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// clone returns a deep copy of p, so that callers never share maps with the driver.
func (p *Progress) clone() Progress {
	c := *p
	c.DurationMs = cloneMap(p.DurationMs)
	c.EventTime = cloneMap(p.EventTime)
	c.StateOperators = slices.Clone(p.StateOperators)
	for i := range c.StateOperators {
		c.StateOperators[i].CustomMetrics = cloneMap(c.StateOperators[i].CustomMetrics)
	}
	c.Sources = slices.Clone(p.Sources)
	return c
}

func cloneMap[V any](m map[string]V) map[string]V {
	if m == nil {
		return nil
	}
	c := make(map[string]V, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// Status is Spark's StreamingQueryStatus.
type Status struct {
	// Message is one of Spark's: "Initializing sources", "Getting offsets from <source>",
	// "Processing new data", "No new data but cleaning up state", "Waiting for data to
	// arrive", "Waiting for next trigger", "Stopped".
	Message         string
	IsDataAvailable bool
	IsTriggerActive bool
}

// JSON is Spark's prettyJson of the status.
func (s Status) JSON() string { return renderJSON(s.jsonValue(), true) }

// CompactJSON is Spark's json of the status.
func (s Status) CompactJSON() string { return renderJSON(s.jsonValue(), false) }

// String is JSON, as Spark's toString.
func (s Status) String() string { return s.JSON() }

func (s Status) jsonValue() jobject {
	var o jobject
	o.add("message", s.Message)
	o.add("isDataAvailable", s.IsDataAvailable)
	o.add("isTriggerActive", s.IsTriggerActive)
	return o
}

// Status messages, Spark's texts.
const (
	msgInitializing   = "Initializing sources"
	msgGettingOffsets = "Getting offsets from "
	msgProcessing     = "Processing new data"
	msgNoDataBatch    = "No new data but cleaning up state"
	msgWaitingData    = "Waiting for data to arrive"
	msgWaitingTrigger = "Waiting for next trigger"
	msgStopped        = "Stopped"
)

// formatTimestamp is Spark's ISO-8601 progress time: UTC, milliseconds, "Z".
func formatTimestamp(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z")
}
