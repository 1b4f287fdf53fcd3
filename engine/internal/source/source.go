// Package source holds the streaming sources (file, rate, socket, kafka) and the batch
// readers behind spark.Read(). A source hands out data between offsets; the runtime
// records the offsets in the checkpoint before a batch runs, so a replay of batch N asks
// for exactly the same range again.
package source

import (
	"context"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/types"
)

// Offset is a source's position, as JSON text: it is written verbatim into the checkpoint's
// offsets log and handed back after a restart. "" means "before the first record".
type Offset string

// Source is one streaming source of a query (Spark's SupportsAdmissionControl
// MicroBatchStream, simplified).
type Source interface {
	// Schema is the schema of the rows GetBatch returns.
	Schema() *types.StructType
	// LatestOffset returns the end of the next batch that starts at start, honouring the
	// source's per-trigger limits (maxFilesPerTrigger, maxOffsetsPerTrigger). Returning
	// start means no new data.
	LatestOffset(ctx context.Context, start Offset) (Offset, error)
	// GetBatch returns the rows in (start, end]. It must return the same rows when asked
	// again for the same range (a replay after a restart).
	GetBatch(ctx context.Context, start, end Offset) ([]*batch.Batch, error)
	// Commit tells the source that everything up to end is processed and may be dropped.
	Commit(end Offset) error
	// Description is the "description" of the source in progress reports, e.g.
	// "FileStreamSource[file:/data/in]".
	Description() string
	// Close releases what the source holds (connections, goroutines).
	Close() error
}

// AvailableNow is implemented by sources that can fix the data available right now, so a
// Trigger.AvailableNow query processes exactly that (in several batches honouring the
// limits) and then stops.
type AvailableNow interface {
	PrepareForAvailableNow(ctx context.Context) error
}
