package kafka

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/types"
)

// ReadBatch is spark.Read().Format("kafka").Load(): it checks the options as Spark's batch
// relation does (startingOffsets default earliest, endingOffsets default latest, neither
// the other way round), resolves both ends now, and reads every record between them. It
// returns the schema and one batch per partition that has rows.
func ReadBatch(ctx context.Context, opts map[string]string) (*types.StructType, []*batch.Batch, error) {
	cfg, err := parseConfig(opts, false)
	if err != nil {
		return nil, nil, err
	}
	if err := checkOffsetLimitValidity(cfg.starting, cfg.ending); err != nil {
		return nil, nil, err
	}
	lower := lowerKeys(opts)
	for _, k := range []string{"maxOffsetsPerTrigger", "minOffsetsPerTrigger", "maxTriggerDelay"} {
		if _, ok := lower[strings.ToLower(k)]; ok {
			warnLog("KafkaSourceProvider", k+" option ignored in batch queries")
		}
	}
	c, err := newConn(cfg.clientOpts, cfg.committed, cfg.partBytes, cfg.maxBytes)
	if err != nil {
		return nil, nil, err
	}
	defer c.close()
	parts, err := assignedPartitions(ctx, c, cfg.strategy)
	if err != nil {
		return nil, nil, err
	}
	from, err := resolveLimit(ctx, c, cfg.starting, parts, true)
	if err != nil {
		return nil, nil, err
	}
	until, err := resolveLimit(ctx, c, cfg.ending, parts, false)
	if err != nil {
		return nil, nil, err
	}
	if !slices.Equal(from.sortedKeys(), until.sortedKeys()) {
		return nil, nil, fmt.Errorf("different topic partitions for starting offsets topics[%s] and ending offsets topics[%s]",
			tpList(from.sortedKeys()), tpList(until.sortedKeys()))
	}
	var ranges []offsetRange
	for _, tp := range until.sortedKeys() {
		f, u := from[tp], until[tp]
		if f > u {
			return nil, nil, fmt.Errorf("The resolved start offset %d is greater than the resolved end offset %d for topic %s partition %d.\n"+
				"There may be multiple reasons:\n"+
				"1. Start offset is set to too big a value that after resolution, end offset is smaller than it. There are multiple input cases:\n"+
				"  (a) Start offset is set to a timestamp, and the end offset is set to an index.\n"+
				"  (b) Start offset is set to an index, and the end offset is set to a timestamp.\n"+
				"  (c) Start offset is set, and the end offset is set to latest.\n"+
				"2. The Kafka topic partition is broken.", f, u, tp.Topic, tp.Partition)
		}
		ranges = append(ranges, offsetRange{tp: tp, from: f, until: u})
	}
	schema := Schema(cfg.includeHeaders)
	fe := &fetcher{c: c, schema: schema, headers: cfg.includeHeaders, failOnDataLoss: cfg.failOnDataLoss,
		pollTimeout: cfg.pollTimeout, warn: func(msg string) { warnLog("KafkaRelation", msg) }, decompressor: kgo.DefaultDecompressor()}
	bs, err := fe.fetch(ctx, ranges)
	if err != nil {
		return nil, nil, err
	}
	return schema, bs, nil
}

func tpList(tps []TopicPartition) string {
	s := ""
	for i, tp := range tps {
		if i > 0 {
			s += ","
		}
		s += tp.String()
	}
	return s
}

// checkOffsetLimitValidity is Spark's check of specific starting and ending offsets given
// together: the same partitions, and no start after its end.
func checkOffsetLimitValidity(start, end rangeLimit) error {
	if start.kind != limitSpecific || end.kind != limitSpecific {
		return nil
	}
	sk, ek := start.specific.sortedKeys(), end.specific.sortedKeys()
	if !maps.EqualFunc(start.specific, end.specific, func(int64, int64) bool { return true }) {
		return fmt.Errorf("The specified start offset and end offset should have the same topic-partitions.\n"+
			"Topic-partitions for start offset: %s, topic-partitions for end offset: %s.", setString(sk), setString(ek))
	}
	for _, tp := range sk {
		s, e := start.specific[tp], end.specific[tp]
		if s > e && s >= 0 && e >= 0 {
			return fmt.Errorf("The specified start offset %d is greater than the end offset %d for topic %s partition %d.", s, e, tp.Topic, tp.Partition)
		}
	}
	return nil
}
