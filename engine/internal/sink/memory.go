package sink

import (
	"context"
	"sync"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/internal/runtime"
	"github.com/runnel-go/runnel/engine/types"
)

// Memory is Spark's memory sink: it keeps the query's result in memory, for the temp view
// named after the query. In append and update modes each batch's rows are added; in complete
// mode each batch replaces what was there.
type Memory struct {
	schema   *types.StructType
	complete bool

	mu      sync.RWMutex
	batches []*batch.Batch
	last    int64 // the last batch id added; -1 before any
}

var _ runtime.Sink = (*Memory)(nil)

// NewMemory returns an empty memory sink for rows of schema.
func NewMemory(schema *types.StructType, mode runtime.OutputMode) *Memory {
	return &Memory{schema: schema, complete: mode == runtime.Complete, last: -1}
}

// AddBatch stores a copy of the batch's rows (nil or empty: no rows).
func (m *Memory) AddBatch(_ context.Context, batchID int64, data *batch.Batch) error {
	var cp *batch.Batch
	if data != nil && data.N > 0 {
		// A copy, so that the executor may reuse its buffers and readers never see a
		// batch change.
		cp = batch.New(data.Schema, data.N)
		for i, col := range cp.Cols {
			col.AppendVector(data.Cols[i])
		}
		cp.N = data.N
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if batchID <= m.last {
		return nil
	}
	m.last = batchID
	if m.complete {
		m.batches = nil
	}
	if cp != nil {
		m.batches = append(m.batches, cp)
	}
	return nil
}

// Rows returns the schema and the batches held now. The batches are never changed after
// they are stored, so the snapshot stays valid while the query runs on.
func (m *Memory) Rows() (*types.StructType, []*batch.Batch) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.schema, append([]*batch.Batch(nil), m.batches...)
}

// LastBatchID is the id of the last batch added, -1 before any.
func (m *Memory) LastBatchID() int64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.last
}

// Description is "MemorySink", as in Spark's progress reports.
func (m *Memory) Description() string { return "MemorySink" }
