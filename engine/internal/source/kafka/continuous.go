package kafka

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/internal/source"
)

var _ source.ContinuousStream = (*Source)(nil)

// ContinuousReaders implements source.ContinuousStream (Spark's KafkaContinuousStream):
// one reader for all the assigned partitions, a franz-go consumer positioned at start
// whose long-polling fetches return records as soon as brokers have them. Partitions
// that appear later (a topic that grew, a new topic matching subscribePattern) are read
// from their earliest offset once the reader sees them, within partitionCheckEvery, as
// Spark's continuous reader reconfigures itself. With failOnDataLoss (the
// default) an offset out of range fails the query; without, reading resumes at the
// earliest offset.
func (s *Source) ContinuousReaders(ctx context.Context, start source.Offset) ([]source.PartitionReader, error) {
	from, err := s.resolveStart(ctx, start)
	if err != nil {
		return nil, err
	}
	parts, err := s.assigned(ctx)
	if err != nil {
		return nil, err
	}
	pos := make(PartitionOffsets, len(parts))
	var missing []TopicPartition
	for _, tp := range parts {
		if o, ok := from[tp]; ok {
			pos[tp] = o
		} else {
			missing = append(missing, tp)
		}
	}
	if len(missing) > 0 {
		// Partitions new since start begin at their earliest offset, as in micro-batches.
		early, err := s.conn.listOffsets(ctx, missing, offsetEarliest)
		if err != nil {
			return nil, err
		}
		maps.Copy(pos, early)
	}
	opts := append([]kgo.Opt(nil), s.cfg.clientOpts...)
	// The Java consumer's fetch.max.wait.ms: a fetch returns as soon as a record arrives,
	// and an idle one is not held by the broker past a closed consumer for long.
	opts = append(opts, kgo.ConsumePartitions(consumeMap(pos)), kgo.FetchMaxWait(500*time.Millisecond))
	if s.cfg.failOnDataLoss {
		// A position that is gone (retention, or a start past the end) fails the query
		// instead of silently skipping to the earliest record.
		opts = append(opts, kgo.ConsumeResetOffset(kgo.NoResetOffset()))
	}
	if s.cfg.committed {
		opts = append(opts, kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("kafka source: creating the continuous consumer: %w", err)
	}
	return []source.PartitionReader{&kafkaReader{s: s, cl: cl, pos: pos, initial: pos.JSON(), checked: time.Now()}}, nil
}

// partitionCheckEvery is how often a continuous reader looks for new partitions.
const partitionCheckEvery = time.Second

// MergeOffsets implements source.ContinuousStream: the readers' partitions together.
func (s *Source) MergeOffsets(parts []source.PartitionOffset) (source.Offset, error) {
	out := PartitionOffsets{}
	for _, p := range parts {
		po, err := ParseOffsets(string(p))
		if err != nil {
			return "", err
		}
		maps.Copy(out, po)
	}
	return source.Offset(out.JSON()), nil
}

// kafkaReader is the continuous reader of a Kafka source.
type kafkaReader struct {
	s       *Source
	cl      *kgo.Client
	pos     PartitionOffsets // the next offset to read per partition
	initial string
	checked time.Time // when new partitions were last looked for
}

// addNewPartitions starts reading the partitions assigned now that the reader does not
// read yet, at their earliest offset.
func (r *kafkaReader) addNewPartitions(ctx context.Context) error {
	parts, err := r.s.assigned(ctx)
	if err != nil {
		return err
	}
	var added []TopicPartition
	for _, tp := range parts {
		if _, ok := r.pos[tp]; !ok {
			added = append(added, tp)
		}
	}
	if len(added) == 0 {
		return nil
	}
	early, err := r.s.conn.listOffsets(ctx, added, offsetEarliest)
	if err != nil {
		return err
	}
	maps.Copy(r.pos, early)
	r.cl.AddConsumePartitions(consumeMap(early))
	return nil
}

// consumeMap is franz-go's form of partition offsets.
func consumeMap(po PartitionOffsets) map[string]map[int32]kgo.Offset {
	out := map[string]map[int32]kgo.Offset{}
	for tp, o := range po {
		if out[tp.Topic] == nil {
			out[tp.Topic] = map[int32]kgo.Offset{}
		}
		out[tp.Topic][tp.Partition] = kgo.NewOffset().At(o)
	}
	return out
}

// Initial implements source.PartitionReader.
func (r *kafkaReader) Initial() source.PartitionOffset { return source.PartitionOffset(r.initial) }

// Next implements source.PartitionReader: the records of the next fetches, one batch per
// partition.
func (r *kafkaReader) Next(ctx context.Context) ([]*batch.Batch, source.PartitionOffset, error) {
	for {
		if time.Since(r.checked) >= partitionCheckEvery {
			r.checked = time.Now()
			if err := r.addNewPartitions(ctx); err != nil {
				if ctx.Err() != nil {
					return nil, "", ctx.Err()
				}
				return nil, "", fmt.Errorf("kafka source: looking for new partitions: %w", err)
			}
		}
		// The poll gives up in time to look for new partitions again.
		pctx, cancel := context.WithTimeout(ctx, partitionCheckEvery)
		fs := r.cl.PollFetches(pctx)
		cancel()
		if err := ctx.Err(); err != nil {
			return nil, "", err
		}
		if fs.IsClientClosed() {
			return nil, "", errors.New("kafka source: the continuous consumer was closed")
		}
		for _, fe := range fs.Errors() {
			if errors.Is(fe.Err, context.DeadlineExceeded) || kerr.IsRetriable(fe.Err) {
				continue
			}
			return nil, "", fmt.Errorf("kafka source: reading %s-%d: %w", fe.Topic, fe.Partition, fe.Err)
		}
		var out []*batch.Batch
		fs.EachPartition(func(p kgo.FetchTopicPartition) {
			if len(p.Records) == 0 {
				return
			}
			var c columns
			for _, rec := range p.Records {
				c.add(rec, r.s.cfg.includeHeaders)
			}
			tp := TopicPartition{Topic: p.Topic, Partition: p.Partition}
			out = append(out, c.batch(r.s.schema, tp, r.s.cfg.includeHeaders))
			r.pos[tp] = p.Records[len(p.Records)-1].Offset + 1
		})
		if len(out) > 0 {
			return out, source.PartitionOffset(r.pos.JSON()), nil
		}
	}
}

// Close implements source.PartitionReader.
func (r *kafkaReader) Close() error {
	r.cl.Close()
	return nil
}
