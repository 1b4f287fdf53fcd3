// Package kafka is the Kafka source of the engine (Spark's "kafka" format for
// spark.ReadStream() and spark.Read()), built on franz-go. Offsets are Spark's JSON,
// {"topic":{"0":23,"1":-1}}: the next offset to read per partition, kept in the query's
// checkpoint, so a restarted query resumes exactly where it stopped. Records are read by
// exact offset ranges with no consumer group, so a replayed batch gets the same rows.
package kafka

import (
	"context"
	"errors"
	"fmt"
	"log"
	"maps"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/internal/checkpoint"
	"github.com/runnel-go/runnel/engine/internal/source"
	"github.com/runnel-go/runnel/engine/types"
)

// Schema is the Kafka source's fixed schema (Spark's KafkaRecordToRowConverter): key and
// value binary, topic, partition, offset, timestamp, timestampType, and with
// includeHeaders headers array<struct<key:string,value:binary>>.
func Schema(includeHeaders bool) *types.StructType {
	st := types.NewStructType().
		Add("key", types.BinaryType).
		Add("value", types.BinaryType).
		Add("topic", types.StringType).
		Add("partition", types.IntegerType).
		Add("offset", types.LongType).
		Add("timestamp", types.TimestampType).
		Add("timestampType", types.IntegerType)
	if includeHeaders {
		st.Add("headers", HeadersType())
	}
	return st
}

// HeadersType is array<struct<key:string,value:binary>>, the headers column's type.
func HeadersType() *types.ArrayType {
	return types.NewArrayType(types.NewStructType().Add("key", types.StringType).Add("value", types.BinaryType))
}

// SchemaFor checks a streaming reader's options as Spark does when the DataFrame is
// created, and returns the schema (headers only with includeHeaders=true).
func SchemaFor(opts map[string]string) (*types.StructType, error) {
	cfg, err := parseConfig(opts, true)
	if err != nil {
		return nil, err
	}
	return Schema(cfg.includeHeaders), nil
}

// Source is a streaming Kafka source (Spark's KafkaMicroBatchStream).
type Source struct {
	cfg    *config
	conn   *conn
	fetch  *fetcher
	schema *types.StructType
	desc   string
	log    *checkpoint.Log // nil: initial offsets kept in memory

	mu           sync.Mutex
	warn         func(string)
	initial      PartitionOffsets
	latest       PartitionOffsets
	availableNow bool
	allAvailable PartitionOffsets
	lastTrigger  time.Time // when minOffsetsPerTrigger last let a batch run
}

var (
	_ source.Source       = (*Source)(nil)
	_ source.AvailableNow = (*Source)(nil)
)

// NewSource opens a streaming Kafka source with Spark's options (kafka.bootstrap.servers;
// one of subscribe, subscribePattern, assign; startingOffsets, failOnDataLoss,
// maxOffsetsPerTrigger, minOffsetsPerTrigger with maxTriggerDelay, startingTimestamp,
// startingOffsetsByTimestamp with startingOffsetsByTimestampStrategy, includeHeaders,
// kafkaConsumer.pollTimeoutMs, kafka.*).
// metadataDir is the source's checkpoint directory (checkpoint/sources/<i>), where the
// initial offsets are written as entry 0 the first time they are resolved, as Spark does,
// so a query restarted before its first batch committed starts from the same offsets;
// "" keeps them in memory. No connection is made until the first call that needs one.
func NewSource(opts map[string]string, metadataDir string) (*Source, error) {
	cfg, err := parseConfig(opts, true)
	if err != nil {
		return nil, err
	}
	s := &Source{cfg: cfg, schema: Schema(cfg.includeHeaders), desc: "KafkaV2[" + cfg.strategy.String() + "]"}
	s.warn = func(msg string) { warnLog("KafkaMicroBatchStream", msg) }
	if metadataDir != "" {
		if s.log, err = checkpoint.NewLog(metadataDir); err != nil {
			return nil, err
		}
	}
	if s.conn, err = newConn(cfg.clientOpts, cfg.committed, cfg.partBytes, cfg.maxBytes); err != nil {
		return nil, err
	}
	s.fetch = &fetcher{c: s.conn, schema: s.schema, headers: cfg.includeHeaders, failOnDataLoss: cfg.failOnDataLoss,
		pollTimeout: cfg.pollTimeout, warn: s.logWarn, decompressor: kgo.DefaultDecompressor()}
	return s, nil
}

// warnLog is the default warning output: the standard logger, as Spark's log4j warnings.
func warnLog(who, msg string) { log.Printf("WARN %s: %s", who, msg) }

// SetWarn sets where warnings go (skipped data with failOnDataLoss=false); the default is
// the standard logger. warn may be called from several goroutines at once (one per broker).
func (s *Source) SetWarn(warn func(msg string)) {
	s.mu.Lock()
	s.warn = warn
	s.mu.Unlock()
}

func (s *Source) logWarn(msg string) {
	s.mu.Lock()
	w := s.warn
	s.mu.Unlock()
	w(msg)
}

// Schema implements source.Source.
func (s *Source) Schema() *types.StructType { return s.schema }

// Description is Spark's, e.g. "KafkaV2[Subscribe[topic1]]".
func (s *Source) Description() string { return s.desc }

// Commit implements source.Source; offsets live in the checkpoint, nothing to do.
func (s *Source) Commit(end source.Offset) error { return nil }

// Close closes the connections.
func (s *Source) Close() error {
	s.conn.close()
	return nil
}

// PrepareForAvailableNow fixes the data to read to what is there at the next
// LatestOffset call (Trigger.AvailableNow).
func (s *Source) PrepareForAvailableNow(ctx context.Context) error {
	s.mu.Lock()
	s.availableNow = true
	s.mu.Unlock()
	return nil
}

// ReportLatestOffset is the newest offsets seen by the last LatestOffset, beyond what
// maxOffsetsPerTrigger let the batch take ("" before any).
func (s *Source) ReportLatestOffset() source.Offset {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.latest) == 0 {
		return ""
	}
	return source.Offset(s.latest.JSON())
}

// assigned lists the partitions the strategy reads now (new partitions of subscribed
// topics and new topics matching the pattern included).
func (s *Source) assigned(ctx context.Context) ([]TopicPartition, error) {
	return assignedPartitions(ctx, s.conn, s.cfg.strategy)
}

func assignedPartitions(ctx context.Context, c *conn, st strategy) ([]TopicPartition, error) {
	var out []TopicPartition
	switch st.kind {
	case strategyAssign:
		return slices.Clone(st.assigned), nil
	case strategySubscribe:
		m, err := c.loadMetadata(ctx, st.topics)
		if err != nil {
			return nil, err
		}
		for tp := range m.parts {
			out = append(out, tp)
		}
	case strategyPattern:
		m, err := c.loadMetadata(ctx, nil)
		if err != nil {
			return nil, err
		}
		for tp := range m.parts {
			if st.pattern.MatchString(tp.Topic) {
				out = append(out, tp)
			}
		}
	}
	slices.SortFunc(out, compareTP)
	return out, nil
}

// resolveStart turns a start offset into partition offsets; "" is the initial offsets.
func (s *Source) resolveStart(ctx context.Context, start source.Offset) (PartitionOffsets, error) {
	if start == "" {
		return s.initialOffsets(ctx)
	}
	return ParseOffsets(string(start))
}

// initialOffsets reads the initial offsets from the checkpoint, or resolves
// startingOffsets and writes them there (Spark's KafkaSourceInitialOffsetWriter).
func (s *Source) initialOffsets(ctx context.Context) (PartitionOffsets, error) {
	s.mu.Lock()
	init := s.initial
	s.mu.Unlock()
	if init != nil {
		return init, nil
	}
	if s.log != nil {
		if po, ok, err := s.readInitial(); err != nil {
			return nil, err
		} else if ok {
			s.setInitial(po)
			return po, nil
		}
	}
	parts, err := s.assigned(ctx)
	if err != nil {
		return nil, err
	}
	po, err := resolveLimit(ctx, s.conn, s.cfg.starting, parts, true)
	if err != nil {
		return nil, err
	}
	if s.log != nil {
		err := s.log.Add(0, []byte("v1\n"+po.JSON()))
		if errors.Is(err, checkpoint.ErrBatchExists) {
			if got, ok, rerr := s.readInitial(); rerr == nil && ok {
				po = got
				err = nil
			}
		}
		if err != nil {
			return nil, fmt.Errorf("kafka source: writing initial offsets: %w", err)
		}
	}
	s.setInitial(po)
	return po, nil
}

func (s *Source) setInitial(po PartitionOffsets) {
	s.mu.Lock()
	s.initial = po
	s.mu.Unlock()
}

func (s *Source) readInitial() (PartitionOffsets, bool, error) {
	b, err := s.log.Get(0)
	if errors.Is(err, checkpoint.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	text := string(b)
	if i := strings.IndexByte(text, '\n'); i >= 0 {
		text = text[i+1:]
	}
	po, err := ParseOffsets(strings.TrimSpace(text))
	if err != nil {
		return nil, false, fmt.Errorf("kafka source: initial offsets in %s: %w", s.log.Path(0), err)
	}
	return po, true, nil
}

// resolveLimit turns earliest, latest or specific offsets into offsets of parts. Specific
// offsets must name exactly the assigned partitions; -2 and -1 in them are resolved.
func resolveLimit(ctx context.Context, c *conn, lim rangeLimit, parts []TopicPartition, starting bool) (PartitionOffsets, error) {
	switch lim.kind {
	case limitEarliest:
		return c.listOffsets(ctx, parts, offsetEarliest)
	case limitLatest:
		return c.listOffsets(ctx, parts, offsetLatest)
	case limitGlobalTimestamp:
		ts := make(PartitionOffsets, len(parts))
		for _, tp := range parts {
			ts[tp] = lim.timestamp
		}
		return resolveTimestamps(ctx, c, ts, lim.noMatchLatest, starting)
	}
	specified := lim.specific.sortedKeys()
	if !slices.Equal(specified, parts) {
		what := "start"
		if !starting {
			what = "end"
		}
		if lim.kind == limitSpecificTimestamp {
			return nil, fmt.Errorf("Partitions specified for Kafka timestamp based %s offsets don't match what are assigned. Maybe topic partitions are created \n"+
				"or deleted while the query is running, or you didn't specify all the partitions.\nSpecified: %s Assigned: %s",
				what, setString(specified), setString(parts))
		}
		return nil, fmt.Errorf("Partitions specified for Kafka %s offsets don't match what are assigned. Maybe topic partitions are created \n"+
			"or deleted while the query is running. Use -1 for latest, -2 for earliest.\nSpecified: %s Assigned: %s",
			what, setString(specified), setString(parts))
	}
	if lim.kind == limitSpecificTimestamp {
		return resolveTimestamps(ctx, c, lim.specific, lim.noMatchLatest, starting)
	}
	out := maps.Clone(lim.specific)
	var early, late []TopicPartition
	for _, tp := range specified {
		switch out[tp] {
		case offsetEarliest:
			early = append(early, tp)
		case offsetLatest:
			late = append(late, tp)
		}
	}
	for _, q := range []struct {
		tps []TopicPartition
		ts  int64
	}{{early, offsetEarliest}, {late, offsetLatest}} {
		if len(q.tps) == 0 {
			continue
		}
		got, err := c.listOffsets(ctx, q.tps, q.ts)
		if err != nil {
			return nil, err
		}
		for _, tp := range q.tps {
			o, ok := got[tp]
			if !ok {
				return nil, &DataLossError{SubClass: "INITIAL_OFFSET_NOT_FOUND_FOR_PARTITIONS",
					Reason: fmt.Sprintf("Cannot find initial offsets for partitions %s. They may have been deleted.", setString([]TopicPartition{tp}))}
			}
			out[tp] = o
		}
	}
	return out, nil
}

// resolveTimestamps finds, per partition, the first offset whose record timestamp is at
// or after the given one (Kafka's ListOffsets by timestamp). A partition without such a
// record fails a starting offset (unless noMatchLatest) and takes the latest offset as an
// ending one, as Spark does.
func resolveTimestamps(ctx context.Context, c *conn, ts PartitionOffsets, noMatchLatest, starting bool) (PartitionOffsets, error) {
	byTS := map[int64][]TopicPartition{}
	for _, tp := range ts.sortedKeys() {
		byTS[ts[tp]] = append(byTS[ts[tp]], tp)
	}
	out := make(PartitionOffsets, len(ts))
	var noMatch []TopicPartition
	for t, tps := range byTS {
		got, err := c.listOffsets(ctx, tps, t)
		if err != nil {
			return nil, err
		}
		for _, tp := range tps {
			o, ok := got[tp]
			if !ok || o < 0 {
				if starting && !noMatchLatest {
					return nil, fmt.Errorf("No offset matched from request of topic-partition %s and timestamp %d.", tp, t)
				}
				noMatch = append(noMatch, tp)
				continue
			}
			out[tp] = o
		}
	}
	if len(noMatch) > 0 {
		latest, err := c.listOffsets(ctx, noMatch, offsetLatest)
		if err != nil {
			return nil, err
		}
		for _, tp := range noMatch {
			if o, ok := latest[tp]; ok {
				out[tp] = o
			}
		}
	}
	return out, nil
}

// LatestOffset returns the end of the next batch: the latest offsets of the assigned
// partitions, cut down by maxOffsetsPerTrigger as Spark's rateLimit does (in proportion
// to each partition's backlog, never starving a partition). Under AvailableNow the
// latest offsets are those of the first call.
func (s *Source) LatestOffset(ctx context.Context, start source.Offset) (source.Offset, error) {
	from, err := s.resolveStart(ctx, start)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	availableNow, fixed := s.availableNow, s.allAvailable
	s.mu.Unlock()
	var latest PartitionOffsets
	if availableNow && fixed != nil {
		latest = fixed
	} else {
		parts, err := s.assigned(ctx)
		if err != nil {
			return "", err
		}
		if latest, err = s.conn.listOffsets(ctx, parts, offsetLatest); err != nil {
			return "", err
		}
	}
	s.mu.Lock()
	s.latest = latest
	if availableNow && s.allAvailable == nil {
		s.allAvailable = latest
	}
	s.mu.Unlock()
	end := latest
	if s.cfg.minOffsets > 0 && s.delayBatch(latest, from) {
		return start, nil
	}
	if s.cfg.maxOffsets > 0 {
		if end, err = s.rateLimit(ctx, s.cfg.maxOffsets, from, latest); err != nil {
			return "", err
		}
	}
	if len(end) == 0 || maps.Equal(end, from) {
		return start, nil
	}
	return source.Offset(end.JSON()), nil
}

// delayBatch reports whether to skip this trigger because fewer than
// minOffsetsPerTrigger records are waiting and maxTriggerDelay has not passed since the
// last batch (Spark's delayBatch).
func (s *Source) delayBatch(latest, from PartitionOffsets) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	if now.Sub(s.lastTrigger) >= s.cfg.maxDelay {
		s.lastTrigger = now
		return false
	}
	var waiting int64
	for tp, o := range latest {
		waiting += o - from[tp]
	}
	if waiting < s.cfg.minOffsets {
		return true
	}
	s.lastTrigger = now
	return false
}

// rateLimit spreads limit offsets over the partitions in proportion to their backlog
// (Spark's KafkaMicroBatchStream.rateLimit).
func (s *Source) rateLimit(ctx context.Context, limit int64, from, until PartitionOffsets) (PartitionOffsets, error) {
	var newParts []TopicPartition
	for tp := range until {
		if _, ok := from[tp]; !ok {
			newParts = append(newParts, tp)
		}
	}
	fromNew := PartitionOffsets{}
	if len(newParts) > 0 {
		var err error
		if fromNew, err = s.conn.listOffsets(ctx, newParts, offsetEarliest); err != nil {
			return nil, err
		}
	}
	begin := func(tp TopicPartition) (int64, bool) {
		if b, ok := from[tp]; ok {
			return b, true
		}
		b, ok := fromNew[tp]
		return b, ok
	}
	sizes := map[TopicPartition]int64{}
	var total float64
	for tp, end := range until {
		if b, ok := begin(tp); ok && end-b > 0 {
			sizes[tp] = end - b
			total += float64(end - b)
		}
	}
	if total < 1 {
		return until, nil
	}
	out := make(PartitionOffsets, len(until))
	for tp, end := range until {
		size, ok := sizes[tp]
		if !ok {
			out[tp] = end
			continue
		}
		b, _ := begin(tp)
		prorate := float64(limit) * (float64(size) / total)
		var n int64
		if prorate < 1 {
			n = int64(math.Ceil(prorate))
		} else {
			n = int64(prorate)
		}
		off := b + n
		if n > (1<<63-1)-b {
			off = 1<<63 - 1
		}
		out[tp] = min(end, off)
	}
	return out, nil
}

// GetBatch returns the records in (start, end]: per partition, offsets start..end-1, one
// batch per partition in topic and partition order. Partitions new in end start at their
// earliest offset; Spark's data-loss checks apply (failOnDataLoss).
func (s *Source) GetBatch(ctx context.Context, start, end source.Offset) ([]*batch.Batch, error) {
	from, err := s.resolveStart(ctx, start)
	if err != nil {
		return nil, err
	}
	if end == "" {
		return nil, nil
	}
	until, err := ParseOffsets(string(end))
	if err != nil {
		return nil, err
	}
	ranges, err := offsetRanges(ctx, s.conn, from, until, s.reportDataLoss)
	if err != nil {
		return nil, err
	}
	return s.fetch.fetch(ctx, ranges)
}

// reportDataLoss fails with err under failOnDataLoss, else logs msg.
func (s *Source) reportDataLoss(msg string, err *DataLossError) error {
	if s.cfg.failOnDataLoss {
		return err
	}
	s.logWarn(msg + ". " + instructionFalse)
	return nil
}

// offsetRanges pairs from and until offsets (Spark's getOffsetRangesFromResolvedOffsets).
func offsetRanges(ctx context.Context, c *conn, from, until PartitionOffsets, report func(string, *DataLossError) error) ([]offsetRange, error) {
	var newParts []TopicPartition
	for _, tp := range until.sortedKeys() {
		if _, ok := from[tp]; !ok {
			newParts = append(newParts, tp)
		}
	}
	newInit := PartitionOffsets{}
	if len(newParts) > 0 {
		var err error
		if newInit, err = c.listOffsets(ctx, newParts, offsetEarliest); err != nil {
			return nil, err
		}
	}
	var missing []TopicPartition
	for _, tp := range newParts {
		if _, ok := newInit[tp]; !ok {
			missing = append(missing, tp)
		}
	}
	if len(missing) > 0 {
		set := setString(missing)
		if err := report("Cannot find earliest offsets of "+set+". Some data may have been missed",
			&DataLossError{SubClass: "INITIAL_OFFSET_NOT_FOUND_FOR_PARTITIONS", Reason: "Cannot find initial offsets for partitions " + set + ". They may have been deleted."}); err != nil {
			return nil, err
		}
	}
	for _, tp := range newInit.sortedKeys() {
		if o := newInit[tp]; o != 0 {
			if err := report(fmt.Sprintf("Added partition %s starts from %d instead of 0. Some data may have been missed", tp, o),
				&DataLossError{SubClass: "ADDED_PARTITION_DOES_NOT_START_FROM_OFFSET_ZERO", Reason: fmt.Sprintf("Added partition %s starts from %d instead of 0.", tp, o)}); err != nil {
				return nil, err
			}
		}
	}
	var deleted []TopicPartition
	for _, tp := range from.sortedKeys() {
		if _, ok := until[tp]; !ok {
			deleted = append(deleted, tp)
		}
	}
	if len(deleted) > 0 {
		set := setString(deleted)
		if err := report(set+" are gone. Some data may have been missed.",
			&DataLossError{SubClass: "PARTITIONS_DELETED", Reason: "Partitions " + set + " have been deleted."}); err != nil {
			return nil, err
		}
	}
	var ranges []offsetRange
	for _, tp := range until.sortedKeys() {
		f, ok := from[tp]
		if !ok {
			if f, ok = newInit[tp]; !ok {
				continue
			}
		}
		u := until[tp]
		if u < f {
			if err := report(fmt.Sprintf("Partition %s's offset was changed from %d to %d, some data may have been missed", tp, f, u),
				&DataLossError{SubClass: "PARTITION_OFFSET_CHANGED", Reason: fmt.Sprintf("Partition %s offset was changed from %d to %d.\n"+
					"This could either be a user error that the start offset is set too high and this is the first batch, or the kafka topic-partition is broken, and some data may have been missed.", tp, f, u)}); err != nil {
				return nil, err
			}
			continue
		}
		ranges = append(ranges, offsetRange{tp: tp, from: f, until: u})
	}
	return ranges, nil
}
