// Package kafka is the engine's Kafka sink (Spark's "kafka" format for writeStream),
// built on franz-go.
//
// Rows carry topic (or the topic option), key, value, and optionally partition, headers
// and timestamp columns, as Spark's KafkaWriter takes them. With a query id (a query with
// a checkpoint) the sink is exactly-once through Kafka transactions: each batch is written
// in one transaction of a transactional producer whose id is derived from the query id,
// and the same transaction commits the batch id as the offset of a consumer group of the
// same name (TxnOffsetCommit). On start the producer's InitProducerID fences an older
// instance and ends its open transaction; the group's committed offset then tells the
// last batch that reached Kafka, and AddBatch for any batch id up to it is a no-op, so a
// replayed batch never duplicates output for read_committed consumers. Without a query id
// the sink uses franz-go's idempotent producer (at-least-once, as Spark's own sink).
package kafka

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/internal/runtime"
	ksource "github.com/runnel-go/runnel/engine/internal/source/kafka"
	"github.com/runnel-go/runnel/engine/types"
)

// markerMetadata tags the group offsets that record committed batch ids.
const markerMetadata = "runnel-batch"

// Sink writes rows to Kafka.
type Sink struct {
	topic  string // the topic option, "" when rows carry it
	schema *types.StructType
	cols   columns
	cl     *kgo.Client
	txnID  string // "" without transactions
	part   *partitioner

	mu        sync.Mutex
	loaded    bool  // lastBatch has been read from Kafka
	lastBatch int64 // last batch id known written; -1 for none
}

var _ runtime.Sink = (*Sink)(nil)

// columns are the indexes of the input columns the sink uses, -1 when absent.
type columns struct {
	topic, key, value, headers, partition, timestamp int
	keyString, valueString                           bool
}

// NewSink checks the input schema as Spark's KafkaWriter.validateQuery does and builds
// the producer from the writer options (kafka.bootstrap.servers and other kafka.*
// settings, topic). queryID is the query's id, stable across restarts, for a query with
// a checkpoint: it turns on transactions (transactional id "runnel-kafka-sink-<queryID>",
// or kafka.transactional.id); "" writes without them. No connection is made until the
// first batch.
func NewSink(opts map[string]string, schema *types.StructType, queryID string) (*Sink, error) {
	topic, hasTopic := "", false
	params := map[string]string{}
	for k, v := range opts {
		switch {
		case strings.EqualFold(k, "topic"):
			topic, hasTopic = strings.TrimSpace(v), true
		case len(k) > 6 && strings.EqualFold(k[:6], "kafka."):
			params[strings.ToLower(k[6:])] = v
		}
	}
	for _, c := range []struct{ key, what string }{{"key.serializer", "keys are"}, {"value.serializer", "value are"}} {
		if _, ok := params[c.key]; ok {
			return nil, fmt.Errorf("Kafka option '%s' is not supported as %s serialized with ByteArraySerializer.", c.key, c.what)
		}
	}
	cols, err := validate(schema, hasTopic)
	if err != nil {
		return nil, err
	}
	if v, ok := params["bootstrap.servers"]; !ok || strings.TrimSpace(v) == "" {
		return nil, errors.New(`Missing required configuration "bootstrap.servers" which has no default value.`)
	}
	kopts, err := ksource.ClientOptions(params)
	if err != nil {
		return nil, err
	}
	s := &Sink{topic: topic, schema: schema, cols: cols, lastBatch: -1, part: newPartitioner()}
	popts, err := producerOptions(params)
	if err != nil {
		return nil, err
	}
	kopts = append(kopts, popts...)
	kopts = append(kopts, kgo.RecordPartitioner(s.part))
	if id, ok := params["transactional.id"]; ok && strings.TrimSpace(id) != "" {
		s.txnID = strings.TrimSpace(id)
	} else if queryID != "" {
		s.txnID = "runnel-kafka-sink-" + queryID
	}
	if s.txnID != "" {
		kopts = append(kopts, kgo.TransactionalID(s.txnID))
	}
	if s.cl, err = kgo.NewClient(kopts...); err != nil {
		return nil, fmt.Errorf("kafka sink: creating producer: %w", err)
	}
	return s, nil
}

// producerOptions maps Kafka producer settings to franz-go: allow.auto.create.topics,
// acks, enable.idempotence,
// compression.type, linger.ms, batch.size, transaction.timeout.ms.
func producerOptions(params map[string]string) ([]kgo.Opt, error) {
	var out []kgo.Opt
	// As the Java producer, ask brokers to create a missing topic (they do when their
	// auto.create.topics.enable is on, the default).
	autoCreate := true
	if v, ok := params["allow.auto.create.topics"]; ok {
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return nil, fmt.Errorf("Invalid value %s for configuration allow.auto.create.topics: Expected value to be either true or false", v)
		}
		autoCreate = b
	}
	if autoCreate {
		out = append(out, kgo.AllowAutoTopicCreation())
	}
	idempotent := true
	if v, ok := params["enable.idempotence"]; ok {
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return nil, fmt.Errorf("Invalid value %s for configuration enable.idempotence: Expected value to be either true or false", v)
		}
		idempotent = b
	}
	if v, ok := params["acks"]; ok {
		switch strings.TrimSpace(strings.ToLower(v)) {
		case "all", "-1":
		case "1":
			idempotent = false
			out = append(out, kgo.RequiredAcks(kgo.LeaderAck()))
		case "0":
			idempotent = false
			out = append(out, kgo.RequiredAcks(kgo.NoAck()))
		default:
			return nil, fmt.Errorf("Invalid value %s for configuration acks: String must be one of: all, -1, 0, 1", v)
		}
	}
	if !idempotent {
		if _, ok := params["transactional.id"]; ok {
			return nil, errors.New("Cannot set a transactional.id without also enabling idempotence.")
		}
		out = append(out, kgo.DisableIdempotentWrite())
	}
	if v, ok := params["compression.type"]; ok {
		var c kgo.CompressionCodec
		switch strings.TrimSpace(strings.ToLower(v)) {
		case "none":
			c = kgo.NoCompression()
		case "gzip":
			c = kgo.GzipCompression()
		case "snappy":
			c = kgo.SnappyCompression()
		case "lz4":
			c = kgo.Lz4Compression()
		case "zstd":
			c = kgo.ZstdCompression()
		default:
			return nil, fmt.Errorf("Invalid value %s for configuration compression.type: String must be one of: none, gzip, snappy, lz4, zstd", v)
		}
		out = append(out, kgo.ProducerBatchCompression(c))
	}
	num := func(key string) (int64, bool, error) {
		v, ok := params[key]
		if !ok {
			return 0, false, nil
		}
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || n < 0 {
			return 0, false, fmt.Errorf("Invalid value %s for configuration %s: Not a number of type LONG", v, key)
		}
		return n, true, nil
	}
	if n, ok, err := num("linger.ms"); err != nil {
		return nil, err
	} else if ok {
		out = append(out, kgo.ProducerLinger(time.Duration(n)*time.Millisecond))
	}
	if n, ok, err := num("batch.size"); err != nil {
		return nil, err
	} else if ok && n > 0 {
		out = append(out, kgo.ProducerBatchMaxBytes(int32(min(n, 1<<30))))
	}
	if n, ok, err := num("transaction.timeout.ms"); err != nil {
		return nil, err
	} else if ok {
		out = append(out, kgo.TransactionTimeout(time.Duration(n)*time.Millisecond))
	}
	return out, nil
}

// validate is Spark's KafkaWriter.validateQuery: column names match exactly (case
// sensitive) and each used column has an accepted type.
func validate(schema *types.StructType, hasTopicOption bool) (columns, error) {
	find := func(name string) int {
		for i, f := range schema.Fields {
			if f.Name == name {
				return i
			}
		}
		return -1
	}
	typeErr := func(name string, i int, want string) error {
		return fmt.Errorf("%s attribute unsupported type %s. %s must be a(n) %s", name, schema.Fields[i].DataType.SimpleString(), name, want)
	}
	c := columns{topic: -1, key: find("key"), value: find("value"), headers: find("headers"), partition: find("partition"), timestamp: find("timestamp")}
	if !hasTopicOption {
		c.topic = find("topic")
		if c.topic < 0 {
			return c, errors.New("topic option required when no 'topic' attribute is present. Use the topic option for setting a topic.")
		}
		if schema.Fields[c.topic].DataType.ID() != types.StringID {
			return c, typeErr("topic", c.topic, "string")
		}
	}
	if c.key >= 0 {
		switch schema.Fields[c.key].DataType.ID() {
		case types.StringID:
			c.keyString = true
		case types.BinaryID:
		default:
			return c, typeErr("key", c.key, "string or binary")
		}
	}
	if c.value < 0 {
		return c, errors.New("Required attribute 'value' not found")
	}
	switch schema.Fields[c.value].DataType.ID() {
	case types.StringID:
		c.valueString = true
	case types.BinaryID:
	default:
		return c, typeErr("value", c.value, "string or binary")
	}
	if c.headers >= 0 && schema.Fields[c.headers].DataType.SimpleString() != ksource.HeadersType().SimpleString() {
		return c, typeErr("headers", c.headers, ksource.HeadersType().SimpleString())
	}
	if c.partition >= 0 && schema.Fields[c.partition].DataType.ID() != types.IntegerID {
		return c, typeErr("partition", c.partition, "int")
	}
	if c.timestamp >= 0 && schema.Fields[c.timestamp].DataType.ID() != types.TimestampID {
		return c, typeErr("timestamp", c.timestamp, "timestamp")
	}
	return c, nil
}

// Description is how Spark's progress reports name the Kafka sink (its table class).
func (s *Sink) Description() string {
	return "org.apache.spark.sql.kafka010.KafkaSourceProvider$KafkaTable"
}

// Transactional reports whether batches are written in transactions (exactly-once).
func (s *Sink) Transactional() bool { return s.txnID != "" }

// TransactionalID is the producer's transactional id, also the consumer group that
// records the committed batch ids ("" without transactions).
func (s *Sink) TransactionalID() string { return s.txnID }

// Close flushes and closes the producer; an open transaction is aborted.
func (s *Sink) Close() error {
	if s.txnID != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.cl.EndTransaction(ctx, kgo.TryAbort)
	}
	s.cl.Close()
	return nil
}

// AddBatch writes the rows of batch batchID. A batch id at or below the last one known to
// be in Kafka is skipped (a replay).
func (s *Sink) AddBatch(ctx context.Context, batchID int64, data *batch.Batch) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.load(ctx); err != nil {
		return err
	}
	if batchID <= s.lastBatch {
		return nil
	}
	if data == nil || data.N == 0 {
		// Nothing to write: an empty batch replayed writes nothing either.
		return nil
	}
	recs, err := s.recordsOf(data)
	if err != nil {
		return err
	}
	if s.txnID == "" {
		if err := s.produce(ctx, recs); err != nil {
			return err
		}
		s.lastBatch = batchID
		return nil
	}
	if err := s.cl.BeginTransaction(); err != nil {
		return fmt.Errorf("kafka sink: beginning the transaction of batch %d: %w", batchID, err)
	}
	err = s.produce(ctx, recs)
	if err == nil {
		err = s.commitMarker(ctx, recs[0].Topic, batchID)
	}
	if err != nil {
		abortCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if aerr := s.cl.EndTransaction(abortCtx, kgo.TryAbort); aerr != nil {
			err = fmt.Errorf("%w (aborting the transaction: %v)", err, aerr)
		}
		return fmt.Errorf("kafka sink: batch %d: %w", batchID, err)
	}
	if err := s.cl.EndTransaction(ctx, kgo.TryCommit); err != nil {
		return fmt.Errorf("kafka sink: committing the transaction of batch %d: %w", batchID, err)
	}
	s.lastBatch = batchID
	return nil
}

// produce sends recs and waits until all are acknowledged.
func (s *Sink) produce(ctx context.Context, recs []*kgo.Record) error {
	var (
		mu       sync.Mutex
		firstErr error
	)
	promise := func(r *kgo.Record, err error) {
		if err != nil {
			mu.Lock()
			if firstErr == nil {
				firstErr = fmt.Errorf("writing to %s: %w", r.Topic, err)
			}
			mu.Unlock()
		}
	}
	for _, r := range recs {
		s.cl.Produce(ctx, r, promise)
	}
	if err := s.cl.Flush(ctx); err != nil {
		return err
	}
	mu.Lock()
	defer mu.Unlock()
	return firstErr
}

// load reads, once, the last batch id committed by this sink's transactions. The
// producer id is initialised first: that fences an older producer with the same
// transactional id and resolves its open transaction, so the group offset is final.
func (s *Sink) load(ctx context.Context) error {
	if s.loaded || s.txnID == "" {
		s.loaded = true
		return nil
	}
	if _, _, err := s.cl.ProducerID(ctx); err != nil {
		return fmt.Errorf("kafka sink: initialising transactional producer %s: %w", s.txnID, err)
	}
	for attempt := 0; ; attempt++ {
		last, err := s.fetchMarker(ctx)
		if err == nil {
			s.lastBatch = last
			s.loaded = true
			return nil
		}
		if !errors.Is(err, kerr.UnstableOffsetCommit) || attempt >= 50 {
			return fmt.Errorf("kafka sink: reading committed batch ids of %s: %w", s.txnID, err)
		}
		t := time.NewTimer(100 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// fetchMarker returns the largest batch id committed in the sink's group, -1 for none.
func (s *Sink) fetchMarker(ctx context.Context) (int64, error) {
	req := kmsg.NewPtrOffsetFetchRequest()
	req.RequireStable = true
	rg := kmsg.NewOffsetFetchRequestGroup()
	rg.Group = s.txnID
	rg.Topics = nil // all topics
	req.Groups = append(req.Groups, rg)
	req.Group = s.txnID
	resp, err := req.RequestWith(ctx, s.cl)
	if err != nil {
		return 0, err
	}
	last := int64(-1)
	check := func(code int16, off int64, meta *string) error {
		if err := kerr.ErrorForCode(code); err != nil {
			return err
		}
		if meta != nil && *meta == markerMetadata && off > last {
			last = off
		}
		return nil
	}
	if len(resp.Groups) > 0 {
		for _, g := range resp.Groups {
			if err := kerr.ErrorForCode(g.ErrorCode); err != nil {
				if errors.Is(err, kerr.GroupIDNotFound) {
					// No transaction of this sink ever committed.
					return -1, nil
				}
				return 0, err
			}
			for _, t := range g.Topics {
				for _, p := range t.Partitions {
					if err := check(p.ErrorCode, p.Offset, p.Metadata); err != nil {
						return 0, err
					}
				}
			}
		}
		return last, nil
	}
	if err := kerr.ErrorForCode(resp.ErrorCode); err != nil {
		if errors.Is(err, kerr.GroupIDNotFound) {
			return -1, nil
		}
		return 0, err
	}
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			if err := check(p.ErrorCode, p.Offset, p.Metadata); err != nil {
				return 0, err
			}
		}
	}
	return last, nil
}

// commitMarker adds the batch id to the open transaction as the group offset of
// partition 0 of topic (a partition the batch writes to exists for sure).
func (s *Sink) commitMarker(ctx context.Context, topic string, batchID int64) error {
	pid, epoch, err := s.cl.ProducerID(ctx)
	if err != nil {
		return err
	}
	add := kmsg.NewPtrAddOffsetsToTxnRequest()
	add.TransactionalID = s.txnID
	add.ProducerID = pid
	add.ProducerEpoch = epoch
	add.Group = s.txnID
	addResp, err := add.RequestWith(ctx, s.cl)
	if err != nil {
		return fmt.Errorf("adding offsets to the transaction: %w", err)
	}
	if err := kerr.ErrorForCode(addResp.ErrorCode); err != nil {
		return fmt.Errorf("adding offsets to the transaction: %w", err)
	}
	topicID, err := s.topicID(ctx, topic)
	if err != nil {
		return err
	}
	req := kmsg.NewPtrTxnOffsetCommitRequest()
	req.TransactionalID = s.txnID
	req.Group = s.txnID
	req.ProducerID = pid
	req.ProducerEpoch = epoch
	req.Generation = -1
	rt := kmsg.NewTxnOffsetCommitRequestTopic()
	rt.Topic = topic
	rt.TopicID = topicID
	rp := kmsg.NewTxnOffsetCommitRequestTopicPartition()
	rp.Partition = 0
	rp.Offset = batchID
	meta := markerMetadata
	rp.Metadata = &meta
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx, s.cl)
	if err != nil {
		return fmt.Errorf("committing the batch id in the transaction: %w", err)
	}
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
				return fmt.Errorf("committing the batch id in the transaction: %w", err)
			}
		}
	}
	return nil
}

// topicID looks up a topic's id (TxnOffsetCommit v6+ names topics by id).
func (s *Sink) topicID(ctx context.Context, topic string) ([16]byte, error) {
	req := kmsg.NewPtrMetadataRequest()
	rt := kmsg.NewMetadataRequestTopic()
	rt.Topic = kmsg.StringPtr(topic)
	req.Topics = append(req.Topics, rt)
	resp, err := s.cl.RequestCachedMetadata(ctx, req, 0)
	if err != nil {
		return [16]byte{}, fmt.Errorf("metadata of %s: %w", topic, err)
	}
	for _, t := range resp.Topics {
		if t.Topic != nil && *t.Topic == topic {
			return t.TopicID, nil
		}
	}
	return [16]byte{}, nil
}

// recordsOf is records for rows whose schema may differ from the one announced (another
// column order or set): the columns are found again, with the same checks. s.mu is held.
func (s *Sink) recordsOf(data *batch.Batch) ([]*kgo.Record, error) {
	if data.Schema != s.schema && data.Schema.SimpleString() != s.schema.SimpleString() {
		cols, err := validate(data.Schema, s.cols.topic < 0)
		if err != nil {
			return nil, err
		}
		s.schema, s.cols = data.Schema, cols
	}
	return s.records(data)
}

// records turns rows into Kafka records.
func (s *Sink) records(data *batch.Batch) ([]*kgo.Record, error) {
	c := s.cols
	recs := make([]*kgo.Record, data.N)
	slab := make([]kgo.Record, data.N)
	for i := range data.N {
		r := &slab[i]
		if c.topic >= 0 {
			v := data.Cols[c.topic]
			if v.IsNull(i) {
				return nil, errors.New("The Kafka message data sent to the producer contains a null topic. Use the `topic` option for setting a default topic.")
			}
			r.Topic = v.Str[i]
		} else {
			r.Topic = s.topic
		}
		if c.key >= 0 {
			r.Key = bytesAt(data.Cols[c.key], i, c.keyString)
		}
		r.Value = bytesAt(data.Cols[c.value], i, c.valueString)
		if c.partition >= 0 {
			if v := data.Cols[c.partition]; !v.IsNull(i) {
				r.Partition = v.I32[i]
				r.Context = s.part.manual
			}
		}
		if c.timestamp >= 0 {
			if v := data.Cols[c.timestamp]; !v.IsNull(i) {
				r.Timestamp = time.UnixMilli(v.I64[i] / 1000)
			}
		}
		if c.headers >= 0 {
			if v := data.Cols[c.headers]; !v.IsNull(i) {
				hs, _ := v.Any[i].([]any)
				for _, h := range hs {
					kv, ok := h.([]any)
					if !ok || len(kv) != 2 {
						continue
					}
					key, _ := kv[0].(string)
					val, _ := kv[1].([]byte)
					r.Headers = append(r.Headers, kgo.RecordHeader{Key: key, Value: val})
				}
			}
		}
		recs[i] = r
	}
	return recs, nil
}

// bytesAt is a string or binary cell as bytes (nil for null: a null key or a tombstone).
func bytesAt(v *batch.Vector, i int, isString bool) []byte {
	if v.IsNull(i) {
		return nil
	}
	if isString {
		return []byte(v.Str[i])
	}
	return v.Bytes[i]
}

// partitioner is Kafka's default partitioning (franz-go's uniform sticky partitioner,
// keys hashed with murmur2 as the Java client does), except for rows whose partition
// column is set: those go to that partition.
type partitioner struct {
	inner kgo.Partitioner
	// manual marks (as the record's Context) a record with an explicit partition.
	manual context.Context
}

type manualKey struct{}

func newPartitioner() *partitioner {
	return &partitioner{
		inner:  kgo.UniformBytesPartitioner(64<<10, true, true, nil),
		manual: context.WithValue(context.Background(), manualKey{}, true),
	}
}

func (p *partitioner) ForTopic(t string) kgo.TopicPartitioner {
	return &topicPartitioner{inner: p.inner.ForTopic(t).(kgo.TopicBackupPartitioner), manual: p.manual}
}

type topicPartitioner struct {
	inner  kgo.TopicBackupPartitioner
	manual context.Context
}

func (t *topicPartitioner) RequiresConsistency(r *kgo.Record) bool {
	return r.Context == t.manual || t.inner.RequiresConsistency(r)
}

func (t *topicPartitioner) Partition(r *kgo.Record, n int) int {
	if r.Context == t.manual {
		return int(r.Partition)
	}
	return t.inner.Partition(r, n)
}

func (t *topicPartitioner) PartitionByBackup(r *kgo.Record, n int, backup kgo.TopicBackupIter) int {
	if r.Context == t.manual {
		return int(r.Partition)
	}
	return t.inner.PartitionByBackup(r, n, backup)
}
