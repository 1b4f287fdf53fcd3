package source

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/types"
)

// RateMicroBatchSource is Spark's "rate-micro-batch" source (RatePerMicroBatchStream):
// every batch holds the next rowsPerBatch values whatever the wall clock says, all stamped
// with the batch's generated time, which advances by advanceMillisPerBatch per batch. It
// needs no log: an offset {"offset":N,"timestamp":T} says everything a replay needs.
type RateMicroBatchSource struct {
	rowsPerBatch int64
	partitions   int64
	startMs      int64
	advanceMs    int64
	desc         string
	// availableNow fixes the end of the one batch an AvailableNow query processes.
	availableNow bool
	fixed        Offset
}

var (
	_ Source       = (*RateMicroBatchSource)(nil)
	_ AvailableNow = (*RateMicroBatchSource)(nil)
)

type rateMBOffset struct {
	Offset    int64 `json:"offset"`
	Timestamp int64 `json:"timestamp"`
}

func openRateMicroBatch(spec Spec) (*RateMicroBatchSource, error) {
	if spec.Schema != nil && !types.Equal(spec.Schema, RateSchema()) {
		return nil, fmt.Errorf("The rate-micro-batch source does not support a user-specified schema.")
	}
	o := newOptions(spec.Options)
	s := &RateMicroBatchSource{}
	var err error
	if s.rowsPerBatch, err = o.integer("rowsPerBatch", 0); err != nil {
		return nil, err
	}
	if s.rowsPerBatch <= 0 {
		return nil, fmt.Errorf("Invalid value '%d'. The option 'rowsPerBatch' must be positive", s.rowsPerBatch)
	}
	parts := int64(spec.DefaultParallelism)
	if parts <= 0 {
		parts = 1
	}
	if s.partitions, err = o.integer("numPartitions", parts); err != nil {
		return nil, err
	}
	if s.partitions <= 0 {
		return nil, fmt.Errorf("Invalid value '%d'. The option 'numPartitions' must be positive", s.partitions)
	}
	if s.startMs, err = o.integer("startTimestamp", 0); err != nil {
		return nil, err
	}
	if s.startMs < 0 {
		return nil, fmt.Errorf("Invalid value '%d'. The option 'startTimestamp' must be non-negative", s.startMs)
	}
	if s.advanceMs, err = o.integer("advanceMillisPerBatch", 1000); err != nil {
		return nil, err
	}
	if s.advanceMs < 0 {
		return nil, fmt.Errorf("Invalid value '%d'. The option 'advanceMillisPerBatch' must be non-negative", s.advanceMs)
	}
	s.desc = fmt.Sprintf("RatePerMicroBatchStream[rowsPerBatch=%d, numPartitions=%d, startTimestamp=%d, advanceMsPerBatch=%d]",
		s.rowsPerBatch, s.partitions, s.startMs, s.advanceMs)
	return s, nil
}

func (s *RateMicroBatchSource) parse(o Offset) (rateMBOffset, error) {
	if strings.TrimSpace(string(o)) == "" {
		return rateMBOffset{Offset: 0, Timestamp: s.startMs}, nil
	}
	var v rateMBOffset
	if err := json.Unmarshal([]byte(o), &v); err != nil {
		return v, fmt.Errorf("invalid rate-micro-batch offset %q: %w", o, err)
	}
	return v, nil
}

func (v rateMBOffset) json() Offset {
	return Offset(`{"offset":` + strconv.FormatInt(v.Offset, 10) + `,"timestamp":` + strconv.FormatInt(v.Timestamp, 10) + `}`)
}

// Schema implements Source.
func (s *RateMicroBatchSource) Schema() *types.StructType { return RateSchema() }

// Description implements Source.
func (s *RateMicroBatchSource) Description() string { return s.desc }

// PrepareForAvailableNow implements AvailableNow: the query gets one batch, as Spark's.
func (s *RateMicroBatchSource) PrepareForAvailableNow(context.Context) error {
	s.availableNow = true
	return nil
}

// LatestOffset implements Source: always rowsPerBatch more rows.
func (s *RateMicroBatchSource) LatestOffset(ctx context.Context, start Offset) (Offset, error) {
	if s.availableNow && s.fixed != "" {
		return s.fixed, nil
	}
	v, err := s.parse(start)
	if err != nil {
		return start, err
	}
	next := rateMBOffset{Offset: v.Offset + s.rowsPerBatch, Timestamp: v.Timestamp + s.advanceMs}
	if s.availableNow {
		s.fixed = next.json()
	}
	return next.json(), nil
}

// GetBatch implements Source: values [start, end) spread over the partitions, each stamped
// with the start's time.
func (s *RateMicroBatchSource) GetBatch(ctx context.Context, start, end Offset) ([]*batch.Batch, error) {
	from, err := s.parse(start)
	if err != nil {
		return nil, err
	}
	to, err := s.parse(end)
	if err != nil {
		return nil, err
	}
	if to.Offset <= from.Offset {
		return nil, nil
	}
	ts := from.Timestamp * 1000
	schema := RateSchema()
	out := make([]*batch.Batch, 0, s.partitions)
	for p := int64(0); p < s.partitions; p++ {
		first := from.Offset + p
		if first >= to.Offset {
			break
		}
		n := int((to.Offset - first + s.partitions - 1) / s.partitions)
		b := batch.New(schema, n)
		tv, vv := b.Cols[0], b.Cols[1]
		tv.I64 = tv.I64[:n]
		vv.I64 = vv.I64[:n]
		for i := range n {
			tv.I64[i] = ts
			vv.I64[i] = first + int64(i)*s.partitions
		}
		tv.SetLen(n)
		vv.SetLen(n)
		b.N = n
		out = append(out, b)
	}
	return out, nil
}

// Commit implements Source.
func (s *RateMicroBatchSource) Commit(Offset) error { return nil }

// Close implements Source.
func (s *RateMicroBatchSource) Close() error { return nil }
