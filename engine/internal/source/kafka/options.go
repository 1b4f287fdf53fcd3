package kafka

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// lowerKeys copies options with lower-cased keys: Spark's source options are
// case-insensitive.
func lowerKeys(opts map[string]string) map[string]string {
	out := make(map[string]string, len(opts))
	for k, v := range opts {
		out[strings.ToLower(k)] = v
	}
	return out
}

// kafkaParams are the "kafka."-prefixed options without the prefix, the settings Spark
// passes to the Kafka client.
func kafkaParams(opts map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range opts {
		if len(k) > 6 && strings.EqualFold(k[:6], "kafka.") {
			out[k[6:]] = v
		}
	}
	return out
}

type strategyKind int

const (
	strategySubscribe strategyKind = iota
	strategyPattern
	strategyAssign
)

// strategy says which partitions the source reads (Spark's ConsumerStrategy).
type strategy struct {
	kind     strategyKind
	topics   []string         // subscribe
	pattern  *regexp.Regexp   // subscribePattern, anchored: Java's matches() is a full match
	patText  string           // subscribePattern as given
	assigned []TopicPartition // assign
}

// String is Spark's ConsumerStrategy.toString.
func (s strategy) String() string {
	switch s.kind {
	case strategyPattern:
		return "SubscribePattern[" + s.patText + "]"
	case strategyAssign:
		parts := make([]string, len(s.assigned))
		for i, tp := range s.assigned {
			parts[i] = tp.String()
		}
		return "Assign[" + strings.Join(parts, ", ") + "]"
	}
	return "Subscribe[" + strings.Join(s.topics, ", ") + "]"
}

// strategyKeys in Spark's order (a Scala Set of three keeps insertion order).
const strategyKeys = "subscribe, subscribepattern, assign"

func parseStrategy(o map[string]string) (strategy, error) {
	var found []string
	for _, k := range []string{"subscribe", "subscribepattern", "assign"} {
		if _, ok := o[k]; ok {
			found = append(found, k)
		}
	}
	if len(found) == 0 {
		return strategy{}, errors.New("One of the following options must be specified for Kafka source: " + strategyKeys + ". See the docs for more details.")
	}
	if len(found) > 1 {
		return strategy{}, errors.New("Only one of the following options can be specified for Kafka source: " + strategyKeys + ". See the docs for more details.")
	}
	v := o[found[0]]
	switch found[0] {
	case "assign":
		if !strings.HasPrefix(strings.TrimSpace(v), "{") {
			return strategy{}, fmt.Errorf("No topicpartitions to assign as specified value for option 'assign' is '%s'", v)
		}
		tps, err := parseAssign(v)
		if err != nil {
			return strategy{}, err
		}
		return strategy{kind: strategyAssign, assigned: tps}, nil
	case "subscribepattern":
		p := strings.TrimSpace(v)
		if p == "" {
			return strategy{}, fmt.Errorf("Pattern to subscribe is empty as specified value for option 'subscribePattern' is '%s'", v)
		}
		re, err := regexp.Compile("^(?:" + p + ")$")
		if err != nil {
			return strategy{}, fmt.Errorf("subscribePattern %q: %w", p, err)
		}
		return strategy{kind: strategyPattern, pattern: re, patText: p}, nil
	}
	var topics []string
	for _, t := range strings.Split(v, ",") {
		if t = strings.TrimSpace(t); t != "" {
			topics = append(topics, t)
		}
	}
	if len(topics) == 0 {
		return strategy{}, fmt.Errorf("No topics to subscribe to as specified value for option 'subscribe' is '%s'", v)
	}
	return strategy{kind: strategySubscribe, topics: topics}, nil
}

// limitKind is a KafkaOffsetRangeLimit: earliest, latest, specific offsets, or offsets
// found by record timestamp (one for all partitions, or per partition).
type limitKind int

const (
	limitEarliest limitKind = iota
	limitLatest
	limitSpecific
	limitGlobalTimestamp
	limitSpecificTimestamp
)

type rangeLimit struct {
	kind      limitKind
	specific  PartitionOffsets // offsets, or timestamps (ms) for limitSpecificTimestamp
	timestamp int64            // limitGlobalTimestamp, ms
	// noMatchLatest is startingOffsetsByTimestampStrategy=latest: a partition without a
	// record at or after the timestamp starts at its latest offset instead of failing.
	noMatchLatest bool
}

// parseLimit reads one end's options in Spark's order of preference: a global timestamp
// (startingTimestamp), timestamps per partition (startingOffsetsByTimestamp), then
// earliest, latest or offsets JSON (startingOffsets). which is "starting" or "ending".
func parseLimit(o map[string]string, which string, def limitKind) (rangeLimit, error) {
	noMatchLatest := false
	if v, ok := o["startingoffsetsbytimestampstrategy"]; ok {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "error":
		case "latest":
			noMatchLatest = true
		default:
			return rangeLimit{}, fmt.Errorf("startingOffsetsByTimestampStrategy must be 'error' or 'latest', got %q", v)
		}
	}
	if v, ok := o[which+"timestamp"]; ok {
		ts, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return rangeLimit{}, fmt.Errorf("Expected a single long value, got %s", strings.TrimSpace(v))
		}
		return rangeLimit{kind: limitGlobalTimestamp, timestamp: ts, noMatchLatest: noMatchLatest}, nil
	}
	if v, ok := o[which+"offsetsbytimestamp"]; ok {
		po, err := ParseOffsets(strings.TrimSpace(v))
		if err != nil {
			return rangeLimit{}, err
		}
		return rangeLimit{kind: limitSpecificTimestamp, specific: po, noMatchLatest: noMatchLatest}, nil
	}
	v, ok := o[which+"offsets"]
	if !ok {
		return rangeLimit{kind: def}, nil
	}
	v = strings.TrimSpace(v)
	switch strings.ToLower(v) {
	case "latest":
		return rangeLimit{kind: limitLatest}, nil
	case "earliest":
		return rangeLimit{kind: limitEarliest}, nil
	}
	po, err := ParseOffsets(v)
	if err != nil {
		return rangeLimit{}, err
	}
	return rangeLimit{kind: limitSpecific, specific: po}, nil
}

// config is a Kafka source's parsed options.
type config struct {
	strategy       strategy
	clientOpts     []kgo.Opt
	committed      bool
	partBytes      int32
	maxBytes       int32
	starting       rangeLimit
	ending         rangeLimit // batch reads only
	failOnDataLoss bool
	maxOffsets     int64 // maxOffsetsPerTrigger; 0 = no limit
	minOffsets     int64 // minOffsetsPerTrigger; 0 = none
	maxDelay       time.Duration
	includeHeaders bool
	pollTimeout    time.Duration
}

// parseConfig checks options as Spark's KafkaSourceProvider does (same order, same
// messages). streaming selects the streaming defaults and checks; otherwise the batch ones.
func parseConfig(opts map[string]string, streaming bool) (*config, error) {
	o := lowerKeys(opts)
	cfg := &config{}
	var err error
	if streaming {
		if _, ok := o["endingoffsets"]; ok {
			return nil, errors.New("ending offset not valid in streaming queries")
		}
		if _, ok := o["endingoffsetsbytimestamp"]; ok {
			return nil, errors.New("ending timestamp not valid in streaming queries")
		}
	} else {
		if cfg.starting, err = parseLimit(o, "starting", limitEarliest); err != nil {
			return nil, err
		}
		switch cfg.starting.kind {
		case limitLatest:
			return nil, errors.New("starting offset can't be latest for batch queries on Kafka")
		case limitSpecific:
			for _, tp := range cfg.starting.specific.sortedKeys() {
				if cfg.starting.specific[tp] == offsetLatest {
					return nil, fmt.Errorf("startingOffsets for %s can't be latest for batch queries on Kafka", tp)
				}
			}
		}
		if cfg.ending, err = parseLimit(o, "ending", limitLatest); err != nil {
			return nil, err
		}
		switch cfg.ending.kind {
		case limitEarliest:
			return nil, errors.New("ending offset can't be earliest for batch queries on Kafka")
		case limitSpecific:
			for _, tp := range cfg.ending.specific.sortedKeys() {
				if cfg.ending.specific[tp] == offsetEarliest {
					return nil, fmt.Errorf("ending offset for %s can't be earliest for batch queries on Kafka", tp)
				}
			}
		}
	}
	if cfg.strategy, err = parseStrategy(o); err != nil {
		return nil, err
	}
	if v, ok := o["minpartitions"]; ok {
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err != nil || n <= 0 {
			return nil, errors.New("minPartitions must be positive")
		}
	}
	if _, ok := o["kafka.auto.offset.reset"]; ok {
		return nil, errors.New("\nKafka option 'auto.offset.reset' is not supported.\n" +
			"Instead set the source option 'startingoffsets' to 'earliest' or 'latest'\n" +
			"to specify where to start. Structured Streaming manages which offsets are consumed\n" +
			"internally, rather than relying on the kafkaConsumer to do it. This will ensure that no\n" +
			"data is missed when new topics/partitions are dynamically subscribed. Note that\n" +
			"'startingoffsets' only applies when a new Streaming query is started, and\n" +
			"that resuming will always pick up from where the query left off. See the docs for more\n" +
			"details.\n")
	}
	if _, ok := o["kafka.key.deserializer"]; ok {
		return nil, errors.New("Kafka option 'key.deserializer' is not supported as keys are deserialized as byte arrays with ByteArrayDeserializer. Use DataFrame operations to explicitly deserialize the keys.")
	}
	if _, ok := o["kafka.value.deserializer"]; ok {
		return nil, errors.New("Kafka option 'value.deserializer' is not supported as values are deserialized as byte arrays with ByteArrayDeserializer. Use DataFrame operations to explicitly deserialize the values.")
	}
	for _, c := range []string{"enable.auto.commit", "interceptor.classes"} {
		if _, ok := o["kafka."+c]; ok {
			return nil, fmt.Errorf("Kafka option '%s' is not supported", c)
		}
	}
	if _, ok := o["kafka.bootstrap.servers"]; !ok {
		return nil, errors.New("Option 'kafka.bootstrap.servers' must be specified for configuring Kafka consumer")
	}
	if streaming {
		if cfg.starting, err = parseLimit(o, "starting", limitLatest); err != nil {
			return nil, err
		}
	}
	params := kafkaParams(opts)
	if cfg.clientOpts, err = ClientOptions(params); err != nil {
		return nil, err
	}
	if v, ok := o["kafka.isolation.level"]; ok {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "read_committed":
			cfg.committed = true
		case "read_uncommitted":
		default:
			return nil, fmt.Errorf("Invalid value %s for configuration isolation.level: String must be one of (case insensitive): read_uncommitted, read_committed", v)
		}
	}
	cfg.partBytes = 1 << 20
	cfg.maxBytes = 50 << 20
	for key, dst := range map[string]*int32{"kafka.max.partition.fetch.bytes": &cfg.partBytes, "kafka.fetch.max.bytes": &cfg.maxBytes} {
		if v, ok := o[key]; ok {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 32)
			if err != nil || n <= 0 {
				return nil, fmt.Errorf("Invalid value %s for configuration %s: Not a number of type INT", v, key[6:])
			}
			*dst = int32(n)
		}
	}
	cfg.failOnDataLoss = true
	if v, ok := o["failondataloss"]; ok {
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return nil, fmt.Errorf("failOnDataLoss should be a boolean value, but got %q", v)
		}
		cfg.failOnDataLoss = b
	}
	if v, ok := o["includeheaders"]; ok {
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return nil, fmt.Errorf("includeHeaders should be a boolean value, but got %q", v)
		}
		cfg.includeHeaders = b
	}
	if v, ok := o["maxoffsetspertrigger"]; ok && streaming {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("maxOffsetsPerTrigger should be a long value, but got %q", v)
		}
		if n <= 0 {
			return nil, fmt.Errorf("maxOffsetsPerTrigger must be positive, but got %d", n)
		}
		cfg.maxOffsets = n
	}
	if v, ok := o["minoffsetspertrigger"]; ok && streaming {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("minOffsetsPerTrigger must be a positive long value, but got %q", v)
		}
		cfg.minOffsets = n
		if cfg.maxOffsets > 0 && n > cfg.maxOffsets {
			return nil, fmt.Errorf("The value of minOffsetPerTrigger(%d) is higher than the maxOffsetsPerTrigger(%d).", n, cfg.maxOffsets)
		}
	}
	cfg.maxDelay = 15 * time.Minute
	if v, ok := o["maxtriggerdelay"]; ok {
		d, err := parseDuration(v)
		if err != nil {
			return nil, fmt.Errorf("maxTriggerDelay: %w", err)
		}
		cfg.maxDelay = d
	}
	cfg.pollTimeout = 120 * time.Second
	if v, ok := o["kafkaconsumer.polltimeoutms"]; ok {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("kafkaConsumer.pollTimeoutMs should be a positive long value, but got %q", v)
		}
		cfg.pollTimeout = time.Duration(n) * time.Millisecond
	}
	return cfg, nil
}

// parseDuration reads a Spark time string ("15m", "30s", "500ms", "2h", "1d"; a bare
// number is milliseconds).
func parseDuration(v string) (time.Duration, error) {
	v = strings.ToLower(strings.TrimSpace(v))
	units := []struct {
		suffix string
		d      time.Duration
	}{{"ms", time.Millisecond}, {"us", time.Microsecond}, {"s", time.Second}, {"min", time.Minute}, {"m", time.Minute}, {"h", time.Hour}, {"d", 24 * time.Hour}}
	for _, u := range units {
		if num, ok := strings.CutSuffix(v, u.suffix); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(num), 10, 64)
			if err != nil || n < 0 {
				return 0, fmt.Errorf("invalid time string %q", v)
			}
			return time.Duration(n) * u.d, nil
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("invalid time string %q", v)
	}
	return time.Duration(n) * time.Millisecond, nil
}
