package kafka

import (
	"context"
	"fmt"
	"sync"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/internal/runtime"
	"github.com/runnel-go/runnel/engine/types"
)

// ContinuousSink is the Kafka sink of a continuous query (Spark's KafkaStreamingWrite in
// continuous mode): each row is produced as soon as it is computed, without waiting for
// the broker, and an epoch commits once the producer has flushed every record; a failed
// record fails the query. It is at-least-once (the idempotent producer, no transactions):
// rows of an epoch that did not commit are written again after a restart.
type ContinuousSink struct {
	*Sink

	mu  sync.Mutex
	err error // the first failed record's error
}

var _ runtime.ContinuousSink = (*ContinuousSink)(nil)

// NewContinuousSink is NewSink for a continuous query.
func NewContinuousSink(opts map[string]string, schema *types.StructType) (*ContinuousSink, error) {
	s, err := NewSink(opts, schema, "")
	if err != nil {
		return nil, err
	}
	return &ContinuousSink{Sink: s}, nil
}

func (c *ContinuousSink) failed() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

func (c *ContinuousSink) promise(r *kgo.Record, err error) {
	if err == nil {
		return
	}
	c.mu.Lock()
	if c.err == nil {
		c.err = fmt.Errorf("kafka sink: writing to %s: %w", r.Topic, err)
	}
	c.mu.Unlock()
}

// WriteRows implements runtime.ContinuousSink: the rows are handed to the producer.
func (c *ContinuousSink) WriteRows(ctx context.Context, epoch int64, data *batch.Batch) error {
	if err := c.failed(); err != nil {
		return err
	}
	if data == nil || data.N == 0 {
		return nil
	}
	s := c.Sink
	s.mu.Lock()
	defer s.mu.Unlock()
	recs, err := s.recordsOf(data)
	if err != nil {
		return err
	}
	for _, r := range recs {
		s.cl.Produce(ctx, r, c.promise)
	}
	return nil
}

// CommitEpoch implements runtime.ContinuousSink: it waits until every record produced so
// far is acknowledged.
func (c *ContinuousSink) CommitEpoch(ctx context.Context, epoch int64) error {
	if err := c.cl.Flush(ctx); err != nil {
		return fmt.Errorf("kafka sink: flushing epoch %d: %w", epoch, err)
	}
	return c.failed()
}

// AddBatch writes a whole batch and waits for it (not used by the continuous driver).
func (c *ContinuousSink) AddBatch(ctx context.Context, epoch int64, data *batch.Batch) error {
	if err := c.WriteRows(ctx, epoch, data); err != nil {
		return err
	}
	return c.CommitEpoch(ctx, epoch)
}
