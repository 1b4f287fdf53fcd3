package source

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/types"
)

// RateSchema is the rate source's schema: timestamp, value.
func RateSchema() *types.StructType {
	return types.NewStructType().Add("timestamp", types.TimestampType).Add("value", types.LongType)
}

// RateSource generates rowsPerSecond rows a second (Spark's RateStreamMicroBatchStream).
// Its offset is the number of whole seconds since it was created; batch (a, b] holds the
// values valueAtSecond(a) .. valueAtSecond(b)-1, spread over numPartitions, with
// timestamps spaced evenly over those seconds. The creation time is kept in the metadata
// log so a restart regenerates the same rows.
type RateSource struct {
	rowsPerSecond int64
	rampUpSeconds int64
	partitions    int64
	desc          string
	createdMs     int64
	now           func() time.Time
	latest        Offset
}

var _ Source = (*RateSource)(nil)

func openRate(spec Spec) (*RateSource, error) {
	// The engine passes the schema it resolved for the plan; only a different one is
	// the user's.
	if spec.Schema != nil && !types.Equal(spec.Schema, RateSchema()) {
		return nil, errors.New("The rate source does not support a user-specified schema.")
	}
	o := newOptions(spec.Options)
	rows, err := o.integer("rowsPerSecond", 1)
	if err != nil {
		return nil, err
	}
	if rows <= 0 {
		return nil, fmt.Errorf("Invalid value '%d'. The option 'rowsPerSecond' must be positive", rows)
	}
	ramp, err := parseTimeString(o.str("rampUpTime", "0s"), time.Second)
	if err != nil {
		return nil, err
	}
	rampSec := int64(ramp / time.Second)
	if rampSec < 0 {
		return nil, fmt.Errorf("Invalid value '%d'. The option 'rampUpTime' must not be negative", rampSec)
	}
	parts := int64(spec.DefaultParallelism)
	if parts <= 0 {
		parts = 1
	}
	partsDesc := "default"
	if v, ok := o.get("numPartitions"); ok {
		if parts, err = o.integer("numPartitions", parts); err != nil {
			return nil, err
		}
		if parts <= 0 {
			return nil, fmt.Errorf("Invalid value '%d'. The option 'numPartitions' must be positive", parts)
		}
		partsDesc = strings.TrimSpace(v)
	}
	s := &RateSource{
		rowsPerSecond: rows, rampUpSeconds: rampSec, partitions: parts, now: time.Now,
		// Spark's description really lacks the closing bracket.
		desc: fmt.Sprintf("RateStreamV2[rowsPerSecond=%d, rampUpTimeSeconds=%d, numPartitions=%s", rows, rampSec, partsDesc),
	}
	if s.createdMs, err = rateCreationTime(spec.MetadataDir, s.now); err != nil {
		return nil, err
	}
	return s, nil
}

// rateCreationTime reads the creation time from batch 0 of the source's log ("v1" and
// the time in ms), writing it on first use.
func rateCreationTime(dir string, now func() time.Time) (int64, error) {
	ms := now().UnixMilli()
	if dir == "" {
		return ms, nil
	}
	path := filepath.Join(dir, "0")
	data, err := os.ReadFile(path)
	if err == nil {
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		if len(lines) == 2 && strings.TrimSpace(lines[0]) == "v1" {
			if v, err := strconv.ParseInt(strings.TrimSpace(lines[1]), 10, 64); err == nil {
				return v, nil
			}
		}
		return 0, fmt.Errorf("rate source log %s is malformed", path)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return 0, fmt.Errorf("rate source log: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, fmt.Errorf("rate source log: %w", err)
	}
	tmp := filepath.Join(dir, ".0.tmp")
	if err := os.WriteFile(tmp, []byte("v1\n"+strconv.FormatInt(ms, 10)), 0o644); err != nil {
		return 0, fmt.Errorf("rate source log: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return 0, fmt.Errorf("rate source log: %w", err)
	}
	return ms, nil
}

// valueAtSecond is the number of values generated in the first `seconds` seconds: the
// rate climbs linearly to rowsPerSecond over rampUpSeconds, then stays there.
func valueAtSecond(seconds, rowsPerSecond, rampUpSeconds int64) int64 {
	delta := rowsPerSecond / (rampUpSeconds + 1)
	if seconds <= rampUpSeconds {
		// delta * (0 + 1 + ... + seconds), arranged to avoid overflow.
		if seconds%2 == 1 {
			return (seconds + 1) / 2 * delta * seconds
		}
		return seconds / 2 * delta * (seconds + 1)
	}
	return valueAtSecond(rampUpSeconds, rowsPerSecond, rampUpSeconds) + (seconds-rampUpSeconds)*rowsPerSecond
}

// Schema implements Source.
func (s *RateSource) Schema() *types.StructType { return RateSchema() }

// Description implements Source.
func (s *RateSource) Description() string { return s.desc }

func parseLong(o Offset) (int64, error) {
	t := strings.TrimSpace(string(o))
	if t == "" {
		return -1, nil
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("invalid offset %q", t)
	}
	return n, nil
}

// LatestOffset implements Source: the whole seconds elapsed since creation.
func (s *RateSource) LatestOffset(ctx context.Context, start Offset) (Offset, error) {
	sec := (s.now().UnixMilli() - s.createdMs) / 1000
	from, err := parseLong(start)
	if err != nil {
		return start, err
	}
	if sec <= max(from, 0) {
		s.latest = start
		return start, nil
	}
	s.latest = Offset(strconv.FormatInt(sec, 10))
	return s.latest, nil
}

// ReportLatestOffset is the progress report's latestOffset: Spark shows the end offset of
// sources without admission control.
func (s *RateSource) ReportLatestOffset() Offset { return s.latest }

// GetBatch implements Source: one batch per partition.
func (s *RateSource) GetBatch(ctx context.Context, start, end Offset) ([]*batch.Batch, error) {
	from, err := parseLong(start)
	if err != nil {
		return nil, err
	}
	to, err := parseLong(end)
	if err != nil {
		return nil, err
	}
	from = max(from, 0)
	if to <= from {
		return nil, nil
	}
	lo := valueAtSecond(from, s.rowsPerSecond, s.rampUpSeconds)
	hi := valueAtSecond(to, s.rowsPerSecond, s.rampUpSeconds)
	if hi <= lo {
		return nil, nil
	}
	startMs := s.createdMs + from*1000
	msPerValue := float64((to-from)*1000) / float64(hi-lo)
	schema := RateSchema()
	out := make([]*batch.Batch, 0, s.partitions)
	for p := int64(0); p < s.partitions; p++ {
		n := 0
		if lo+p < hi {
			n = int((hi - lo - p + s.partitions - 1) / s.partitions)
		}
		b := batch.New(schema, n)
		ts, vs := b.Cols[0], b.Cols[1]
		for v := lo + p; v < hi; v += s.partitions {
			ms := int64(math.Round(float64(startMs) + float64(v-lo)*msPerValue))
			ts.I64 = append(ts.I64, ms*1000)
			vs.I64 = append(vs.I64, v)
		}
		ts.SetLen(len(ts.I64))
		vs.SetLen(len(vs.I64))
		b.N = len(vs.I64)
		if b.N > 0 {
			out = append(out, b)
		}
	}
	return out, nil
}

// Commit implements Source.
func (s *RateSource) Commit(end Offset) error { return nil }

// Close implements Source.
func (s *RateSource) Close() error { return nil }
