package source

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/runnel-go/runnel/engine/internal/batch"
)

var _ ContinuousStream = (*RateSource)(nil)

// rateMaxRows bounds the rows one Next returns when a reader is behind its schedule.
const rateMaxRows = 4096

// ratePartOffset is one partition's position in Spark's continuous rate offset
// (ValueRunTimeMsPair): the last value emitted and its time.
type ratePartOffset struct {
	Value     int64 `json:"value"`
	RunTimeMs int64 `json:"runTimeMs"`
}

// ContinuousReaders implements ContinuousStream as Spark's RateStreamContinuousStream:
// partition i emits i, i+n, i+2n, ... (n partitions), each row at its own time, spaced
// 1000/(rowsPerSecond/n) ms apart; rampUpTime does not apply, as in Spark.
func (s *RateSource) ContinuousReaders(ctx context.Context, start Offset) ([]PartitionReader, error) {
	starts := make(map[int]ratePartOffset, s.partitions)
	if start == "" {
		for i := range int(s.partitions) {
			// The offset is exclusive: the first value of partition i is i.
			starts[i] = ratePartOffset{Value: int64(i) - s.partitions, RunTimeMs: s.createdMs}
		}
	} else {
		var m map[string]ratePartOffset
		if err := json.Unmarshal([]byte(start), &m); err != nil {
			return nil, fmt.Errorf("rate source: invalid continuous offset %q: %w", start, err)
		}
		for k, v := range m {
			i, err := strconv.Atoi(k)
			if err != nil {
				return nil, fmt.Errorf("rate source: invalid continuous offset %q", start)
			}
			starts[i] = v
		}
		if len(starts) != int(s.partitions) {
			return nil, fmt.Errorf("The previous run contained %d partitions, but %d partitions are currently configured. The numPartitions option cannot be changed.",
				len(starts), s.partitions)
		}
	}
	perPartition := float64(s.rowsPerSecond) / float64(s.partitions)
	incMs := int64(1000 / perPartition)
	readers := make([]PartitionReader, s.partitions)
	for i := range readers {
		st, ok := starts[i]
		if !ok {
			return nil, fmt.Errorf("rate source: continuous offset %q lacks partition %d", start, i)
		}
		readers[i] = &rateReader{src: s, increment: s.partitions, incMs: incMs, value: st.Value, timeMs: st.RunTimeMs}
	}
	return readers, nil
}

// MergeOffsets implements ContinuousStream: {"0":{"value":v,"runTimeMs":t},...}.
func (s *RateSource) MergeOffsets(parts []PartitionOffset) (Offset, error) {
	if len(parts) != int(s.partitions) {
		return "", fmt.Errorf("rate source: %d partition offsets for %d partitions", len(parts), s.partitions)
	}
	var b strings.Builder
	b.WriteByte('{')
	for i := range parts {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Quote(strconv.Itoa(i)))
		b.WriteByte(':')
		b.WriteString(string(parts[i]))
	}
	b.WriteByte('}')
	return Offset(b.String()), nil
}

// rateReader is one partition of the continuous rate source.
type rateReader struct {
	src       *RateSource
	increment int64
	incMs     int64
	// value and timeMs are the last value emitted and its time (the offset).
	value, timeMs int64
}

func (r *rateReader) offset() PartitionOffset {
	b, _ := json.Marshal(ratePartOffset{Value: r.value, RunTimeMs: r.timeMs})
	return PartitionOffset(b)
}

// Initial implements PartitionReader.
func (r *rateReader) Initial() PartitionOffset { return r.offset() }

// Next implements PartitionReader: it waits for the next row's time and returns every row
// due by now (several when the reader fell behind, at most rateMaxRows).
func (r *rateReader) Next(ctx context.Context) ([]*batch.Batch, PartitionOffset, error) {
	due := r.timeMs + r.incMs
	if wait := time.Duration(due-r.src.now().UnixMilli()) * time.Millisecond; wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, "", ctx.Err()
		case <-t.C:
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	now := r.src.now().UnixMilli()
	b := batch.New(RateSchema(), 1)
	ts, vs := b.Cols[0], b.Cols[1]
	for n := 0; n < rateMaxRows; n++ {
		next := r.timeMs + r.incMs
		if n > 0 && next > now {
			break
		}
		r.value += r.increment
		r.timeMs = next
		ts.I64 = append(ts.I64, r.timeMs*1000)
		vs.I64 = append(vs.I64, r.value)
	}
	ts.SetLen(len(ts.I64))
	vs.SetLen(len(vs.I64))
	b.N = len(vs.I64)
	return []*batch.Batch{b}, r.offset(), nil
}

// Close implements PartitionReader.
func (r *rateReader) Close() error { return nil }
