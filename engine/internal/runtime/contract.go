package runtime

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/internal/checkpoint"
	"github.com/runnel-go/runnel/engine/internal/source"
)

// This file is the seam between the micro-batch driver (this package) and the rest of the
// engine: the engine package builds a Config from a DataStreamWriter and an Executor from
// the analyzed plan (engine/internal/exec); this package runs batches.

// OutputMode is Spark's output mode.
type OutputMode int

const (
	Append OutputMode = iota
	Complete
	Update
)

// String gives Spark's spelling: "Append", "Complete", "Update".
func (m OutputMode) String() string {
	switch m {
	case Complete:
		return "Complete"
	case Update:
		return "Update"
	}
	return "Append"
}

// ParseOutputMode reads an output mode name in any case, with Spark's message for an
// unknown one.
func ParseOutputMode(s string) (OutputMode, error) {
	switch strings.ToLower(s) {
	case "append":
		return Append, nil
	case "complete":
		return Complete, nil
	case "update":
		return Update, nil
	}
	return Append, fmt.Errorf("Unknown output mode %s. Accepted output modes are 'append', 'complete', 'update'", s)
}

// BatchInput is what one micro-batch gives the executor.
type BatchInput struct {
	BatchID int64
	// Sources holds the new rows of each source, indexed as Config.Sources.
	Sources [][]*batch.Batch
	// WatermarkMicros is the event-time watermark in effect for this batch (computed at the
	// end of the previous one); 0 before any.
	WatermarkMicros int64
	// TimestampMicros is the batch's timestamp (current_timestamp() inside the batch).
	TimestampMicros int64
	// NoData marks a batch run without new input so that the watermark can close windows.
	NoData bool
}

// StateOperatorProgress is one stateful operator's entry in progress reports. Its JSON
// (Progress.JSON) lists the fields in Spark's order: operatorName, numRowsTotal,
// numRowsUpdated, allUpdatesTimeMs, numRowsRemoved, allRemovalsTimeMs, commitTimeMs,
// memoryUsedBytes, numRowsDroppedByWatermark, numShufflePartitions, numStateStoreInstances,
// customMetrics (sorted keys; left out when empty).
type StateOperatorProgress struct {
	OperatorName              string `json:"operatorName"`
	NumRowsTotal              int64  `json:"numRowsTotal"`
	NumRowsUpdated            int64  `json:"numRowsUpdated"`
	NumRowsRemoved            int64  `json:"numRowsRemoved"`
	NumRowsDroppedByWatermark int64  `json:"numRowsDroppedByWatermark"`
	MemoryUsedBytes           int64  `json:"memoryUsedBytes"`

	AllUpdatesTimeMs       int64            `json:"allUpdatesTimeMs"`
	AllRemovalsTimeMs      int64            `json:"allRemovalsTimeMs"`
	CommitTimeMs           int64            `json:"commitTimeMs"`
	NumShufflePartitions   int64            `json:"numShufflePartitions"`
	NumStateStoreInstances int64            `json:"numStateStoreInstances"`
	CustomMetrics          map[string]int64 `json:"customMetrics,omitempty"`
}

// BatchOutput is what the executor computed for one micro-batch.
type BatchOutput struct {
	// Result holds the rows to hand to the sink, already shaped for the output mode. An
	// empty result is an empty batch of the result schema (sinks also accept nil and then
	// use the schema they were built with).
	Result *batch.Batch
	// MaxEventTime has, for each watermark node (as Executor.WatermarkDelays), the largest
	// event time seen in this batch in micros, or ok=false when the node saw no row.
	MaxEventTime []EventTime
	// EventTimeStats are min/max/avg of the event-time column over this batch's input,
	// for progress' eventTime; nil when the query has no watermark.
	EventTimeStats *EventTimeStats
	StateOps       []StateOperatorProgress
}

// EventTime is one watermark node's maximum event time in a batch.
type EventTime struct {
	Micros int64
	OK     bool
}

// EventTimeStats are progress' eventTime figures, in micros.
type EventTimeStats struct {
	Min, Max, Avg int64
}

// Executor runs a query's plan, one micro-batch at a time, keeping operator state.
type Executor interface {
	RunBatch(ctx context.Context, in BatchInput) (BatchOutput, error)
	// WatermarkDelays lists the delay in micros of each withWatermark node.
	WatermarkDelays() []int64
	// HasPendingEviction reports whether state holds rows that a batch run with this
	// watermark would evict or emit: the driver then runs a no-data batch.
	HasPendingEviction(watermarkMicros int64) bool
}

// Sink receives each batch's result. AddBatch for a batch id already committed must be a
// no-op (replays after a restart).
type Sink interface {
	AddBatch(ctx context.Context, batchID int64, data *batch.Batch) error
	// Description is the progress report's sink description, e.g. "ConsoleSink[...]".
	Description() string
}

// UncountedSink is implemented by sinks that, like Spark's v1 sinks (foreachBatch, file),
// do not count the rows they write: their progress shows numOutputRows -1.
type UncountedSink interface {
	Sink
	OutputRowsUncounted() bool
}

// TriggerKind is the kind of a trigger.
type TriggerKind int

const (
	TriggerDefault TriggerKind = iota
	TriggerProcessingTime
	TriggerOnce
	TriggerAvailableNow
	TriggerContinuous
)

// Trigger says when batches run. IntervalMicros is the processing-time interval or, for
// continuous, the checkpoint interval.
type Trigger struct {
	Kind           TriggerKind
	IntervalMicros int64
}

// Config is everything a query run needs.
type Config struct {
	ID    string // stable across restarts; from the checkpoint when one exists
	RunID string // new for every start
	Name  string // queryName, or ""
	// Sources are the query's sources; their order is the order of BatchInput.Sources.
	Sources  []source.Source
	Executor Executor
	Sink     Sink
	Trigger  Trigger
	Mode     OutputMode
	// CheckpointDir is "" for a query without a checkpoint location.
	CheckpointDir string
	// Checkpoint is the opened checkpoint of CheckpointDir when the caller already opened
	// it (the sources and state stores keep their logs in it); nil makes Start open
	// CheckpointDir itself.
	Checkpoint *checkpoint.Checkpoint
	// Output receives what the query prints (console sink); nil means os.Stdout.
	Output io.Writer
	// Conf is the session configuration in force at start (written into offsets logs).
	// The driver reads spark.sql.streaming.multipleWatermarkPolicy (min|max),
	// spark.sql.streaming.noDataMicroBatches.enabled, spark.sql.streaming.pollingDelay
	// (default 10ms), spark.sql.streaming.noDataProgressEventInterval (default 10000ms),
	// spark.sql.streaming.numRecentProgressUpdates (default 100) and
	// spark.sql.streaming.stopTimeout (default 5000 ms here).
	Conf map[string]string
	// Clock gives the driver its time (trigger times, batch timestamps, progress); nil
	// means the wall clock. Tests pass a fake one.
	Clock Clock
}

// Clock is the driver's source of time.
type Clock interface {
	Now() time.Time
	// Timer returns a channel that receives once d has passed on this clock, and a
	// function that releases the timer early.
	Timer(d time.Duration) (c <-chan time.Time, stop func())
}

// Waker is implemented by sources that can tell when new data arrives (a socket line, a
// Kafka record): the driver gives them a function to call, and an idle query with the
// default trigger then starts its next batch at once instead of at its next poll.
// wake never blocks and may be called from any goroutine, also after the query ended.
type Waker interface {
	SetWakeup(wake func())
}

// LatestReporter is implemented by sources whose per-trigger limits make LatestOffset stop
// short of the newest data: ReportLatestOffset is the true latest offset, shown as
// "latestOffset" in progress reports ("" gives null, as for sources without it).
type LatestReporter interface {
	ReportLatestOffset() source.Offset
}
