package source

import (
	"context"

	"github.com/runnel-go/runnel/engine/internal/batch"
)

// PartitionOffset is one partition reader's position in continuous processing, as JSON
// text: the source's MergeOffsets combines its readers' positions into the source's Offset.
type PartitionOffset string

// ContinuousStream is implemented by sources that can be read continuously (Spark's
// ContinuousStream): the rate, socket and Kafka sources. Readers push rows as soon as they
// exist instead of waiting for a trigger; the runtime records the merged offsets in the
// checkpoint at every epoch, and a restarted query opens its readers at the last
// committed epoch's offsets (at-least-once).
type ContinuousStream interface {
	Source
	// ContinuousReaders opens one reader per partition, each reading what follows start
	// ("" for the source's initial position). The readers are read concurrently, one
	// goroutine each, and closed by the caller.
	ContinuousReaders(ctx context.Context, start Offset) ([]PartitionReader, error)
	// MergeOffsets combines one position per reader (in the order ContinuousReaders
	// returned them) into the source's offset.
	MergeOffsets(parts []PartitionOffset) (Offset, error)
}

// PartitionReader reads one partition of a continuous source.
type PartitionReader interface {
	// Initial is the position before the first row Next returns.
	Initial() PartitionOffset
	// Next blocks until at least one row is available and returns the rows with the
	// position after them. It returns io.EOF when the partition has ended for good (the
	// socket peer closed) and ctx's error when ctx ends.
	Next(ctx context.Context) ([]*batch.Batch, PartitionOffset, error)
	// Close releases the reader; a Next blocked in another goroutine returns.
	Close() error
}
