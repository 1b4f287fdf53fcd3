package runtime

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// wallClock is the real time.
type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

func (wallClock) Timer(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTimer(d)
	return t.C, func() { t.Stop() }
}

// Configuration keys the driver reads.
const (
	confWatermarkPolicy     = "spark.sql.streaming.multipleWatermarkPolicy"
	confNoDataBatches       = "spark.sql.streaming.noDataMicroBatches.enabled"
	confPollingDelay        = "spark.sql.streaming.pollingDelay"
	confNoDataProgressEvery = "spark.sql.streaming.noDataProgressEventInterval"
	confRecentProgress      = "spark.sql.streaming.numRecentProgressUpdates"
	confStopTimeout         = "spark.sql.streaming.stopTimeout"
)

// offsetsConfDefaults are the configurations Spark records in every offsets entry
// (OffsetSeqMetadata.relevantSQLConfs) with their defaults; a restart runs with the
// recorded values.
var offsetsConfDefaults = [...]struct{ key, value string }{
	{"spark.sql.streaming.stateStore.providerClass", "org.apache.spark.sql.execution.streaming.state.HDFSBackedStateStoreProvider"},
	{"spark.sql.streaming.join.stateFormatVersion", "2"},
	{"spark.sql.streaming.stateStore.compression.codec", "lz4"},
	{"spark.sql.streaming.stateStore.rocksdb.formatVersion", "5"},
	{"spark.sql.streaming.statefulOperator.useStrictDistribution", "true"},
	{"spark.sql.streaming.flatMapGroupsWithState.stateFormatVersion", "2"},
	{confWatermarkPolicy, "min"},
	{"spark.sql.streaming.aggregation.stateFormatVersion", "2"},
	{"spark.sql.shuffle.partitions", "200"},
}

// offsetsConf is the conf map written into offsets entries.
func offsetsConf(conf map[string]string) map[string]string {
	out := make(map[string]string, len(offsetsConfDefaults))
	for _, kv := range offsetsConfDefaults {
		v, ok := conf[kv.key]
		if !ok {
			v = kv.value
		}
		out[kv.key] = v
	}
	return out
}

// parseDurationConf reads a Spark time configuration ("10ms", "10s", "1min", or a bare
// number in defaultUnit).
func parseDurationConf(conf map[string]string, key string, def time.Duration, defaultUnit time.Duration) (time.Duration, error) {
	s, ok := conf[key]
	if !ok {
		return def, nil
	}
	s = strings.ToLower(strings.TrimSpace(s))
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '-') {
		i++
	}
	n, err := strconv.ParseInt(s[:i], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s should be a time, e.g. 10ms: %q", key, conf[key])
	}
	unit := defaultUnit
	switch strings.TrimSpace(s[i:]) {
	case "":
	case "us":
		unit = time.Microsecond
	case "ms":
		unit = time.Millisecond
	case "s":
		unit = time.Second
	case "m", "min":
		unit = time.Minute
	case "h":
		unit = time.Hour
	case "d":
		unit = 24 * time.Hour
	default:
		return 0, fmt.Errorf("%s should be a time, e.g. 10ms: %q", key, conf[key])
	}
	return time.Duration(n) * unit, nil
}

// parseBoolConf reads a boolean configuration as Spark does (true/false, any case).
func parseBoolConf(conf map[string]string, key string, def bool) (bool, error) {
	s, ok := conf[key]
	if !ok {
		return def, nil
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("%s should be boolean, but was %s", key, s)
}

// parseIntConf reads an integer configuration.
func parseIntConf(conf map[string]string, key string, def int) (int, error) {
	s, ok := conf[key]
	if !ok {
		return def, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("%s should be int, but was %s", key, s)
	}
	return n, nil
}
