// Package runtime is the micro-batch driver of streaming queries (Spark's
// MicroBatchExecution): Start runs a query on a goroutine the Query owns. Each trigger asks
// the sources for their latest offsets, writes offsets/N to the checkpoint, reads the new
// rows, runs the Executor and hands its result to the Sink, then writes commits/N and
// commits the sources. It tracks the event-time watermark across batches, runs no-data
// batches when state is waiting for the watermark, restarts from a checkpoint where the
// last run stopped, and reports Spark's progress and status. A Manager is the session's
// StreamingQueryManager.
//
// A query with the Continuous trigger runs the continuous driver instead (continuous.go,
// Spark's ContinuousExecution): reader goroutines push rows through the executor into the
// sink as they arrive, and each checkpoint interval commits an epoch (at-least-once).
// Either way, a sink that is an io.Closer is closed when the query ends.
//
// The package knows nothing of plans or DataFrames: the engine builds the Executor from
// the analyzed plan and the sinks from the writer's options.
package runtime
