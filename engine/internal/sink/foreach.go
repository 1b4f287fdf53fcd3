package sink

import (
	"context"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/internal/runtime"
)

// ForeachBatch is Spark's ForeachBatchSink: it hands each batch's rows to a function. Like
// Spark's, it does not skip replayed batch ids: the function gets the epoch id to make its
// own writes idempotent. An error (or a panic, which the driver recovers) stops the query.
type ForeachBatch struct {
	fn func(ctx context.Context, batchID int64, data *batch.Batch) error
}

var _ runtime.UncountedSink = (*ForeachBatch)(nil)

// NewForeachBatch returns a sink calling fn with every batch the executor produced.
func NewForeachBatch(fn func(ctx context.Context, batchID int64, data *batch.Batch) error) *ForeachBatch {
	return &ForeachBatch{fn: fn}
}

// AddBatch calls the function.
func (f *ForeachBatch) AddBatch(ctx context.Context, batchID int64, data *batch.Batch) error {
	return f.fn(ctx, batchID, data)
}

// Description is "ForeachBatchSink", as in Spark's progress reports.
func (f *ForeachBatch) Description() string { return "ForeachBatchSink" }

// OutputRowsUncounted is true: as in Spark, a foreachBatch query's progress shows
// numOutputRows -1.
func (f *ForeachBatch) OutputRowsUncounted() bool { return true }
