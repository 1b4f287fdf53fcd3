package kafka

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/types"
)

// offsetRange is the records [from, until) of one partition.
type offsetRange struct {
	tp          TopicPartition
	from, until int64
}

// fetcher reads exact offset ranges with plain Fetch requests sent to each partition's
// leader: the next offset to ask for comes from the fetched batches themselves (control
// records and aborted transactions included), so a range that ends on a transaction
// marker ends exactly, and reading the same range twice gives the same records.
type fetcher struct {
	c              *conn
	schema         *types.StructType
	headers        bool
	failOnDataLoss bool
	pollTimeout    time.Duration
	warn           func(string)
	decompressor   kgo.Decompressor
}

// partState is one range being read.
type partState struct {
	r        offsetRange
	next     int64
	cols     columns
	progress time.Time // when next last moved or the range started
}

// columns collects one partition's rows column by column.
type columns struct {
	key, value         [][]byte
	keyNull, valueNull []bool
	offset, ts         []int64
	tsType             []int32
	headers            []any
	hasKeyNull         bool
	hasValueNull       bool
}

func (c *columns) add(r *kgo.Record, withHeaders bool) {
	c.key = append(c.key, r.Key)
	c.keyNull = append(c.keyNull, r.Key == nil)
	c.hasKeyNull = c.hasKeyNull || r.Key == nil
	c.value = append(c.value, r.Value)
	c.valueNull = append(c.valueNull, r.Value == nil)
	c.hasValueNull = c.hasValueNull || r.Value == nil
	c.offset = append(c.offset, r.Offset)
	c.ts = append(c.ts, r.Timestamp.UnixMilli()*1000)
	c.tsType = append(c.tsType, int32(r.Attrs.TimestampType()))
	if withHeaders {
		// Spark gives null, not an empty array, for a record without headers.
		if len(r.Headers) == 0 {
			c.headers = append(c.headers, nil)
		} else {
			hs := make([]any, len(r.Headers))
			for i, h := range r.Headers {
				var v any
				if h.Value != nil {
					v = h.Value
				}
				hs[i] = []any{h.Key, v}
			}
			c.headers = append(c.headers, hs)
		}
	}
}

func (c *columns) batch(schema *types.StructType, tp TopicPartition, withHeaders bool) *batch.Batch {
	n := len(c.offset)
	vec := func(i int) *batch.Vector { return &batch.Vector{Type: schema.Fields[i].DataType} }
	key, value := vec(0), vec(1)
	key.Bytes, value.Bytes = c.key, c.value
	if c.hasKeyNull {
		key.Nulls = c.keyNull
	}
	if c.hasValueNull {
		value.Nulls = c.valueNull
	}
	topic, part, off, ts, tsType := vec(2), vec(3), vec(4), vec(5), vec(6)
	topic.Str = make([]string, n)
	part.I32 = make([]int32, n)
	for i := range n {
		topic.Str[i] = tp.Topic
		part.I32[i] = tp.Partition
	}
	off.I64, ts.I64, tsType.I32 = c.offset, c.ts, c.tsType
	cols := []*batch.Vector{key, value, topic, part, off, ts, tsType}
	if withHeaders {
		h := vec(7)
		h.Any = c.headers
		for _, x := range c.headers {
			if x == nil {
				h.Nulls = make([]bool, n)
				for i, y := range c.headers {
					h.Nulls[i] = y == nil
				}
				break
			}
		}
		cols = append(cols, h)
	}
	for _, v := range cols {
		v.SetLen(n)
	}
	return &batch.Batch{Schema: schema, Cols: cols, N: n}
}

// fetch reads the ranges and returns one batch per range that has rows, in the order of
// ranges (sorted by topic and partition by the caller).
func (f *fetcher) fetch(ctx context.Context, ranges []offsetRange) ([]*batch.Batch, error) {
	states := make([]*partState, 0, len(ranges))
	now := time.Now()
	for _, r := range ranges {
		if r.until > r.from {
			states = append(states, &partState{r: r, next: r.from, progress: now})
		}
	}
	needMeta := true
	for attempt := 0; ; attempt++ {
		var pending []*partState
		for _, st := range states {
			if st.next < st.r.until {
				pending = append(pending, st)
			}
		}
		if len(pending) == 0 {
			break
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		meta := f.c.cachedMeta()
		if !needMeta && meta != nil {
			for _, st := range pending {
				if pi, ok := meta.parts[st.r.tp]; !ok || pi.leader < 0 {
					needMeta = true
					break
				}
			}
		}
		if needMeta || meta == nil {
			var topics []string
			for _, st := range pending {
				if !slices.Contains(topics, st.r.tp.Topic) {
					topics = append(topics, st.r.tp.Topic)
				}
			}
			if _, err := f.c.loadMetadata(ctx, topics); err != nil {
				return nil, err
			}
			meta = f.c.cachedMeta()
			needMeta = false
		}
		byLeader := map[int32][]*partState{}
		for _, st := range pending {
			pi, ok := meta.parts[st.r.tp]
			if !ok || pi.leader < 0 {
				if err := f.checkStalled(st); err != nil {
					return nil, err
				}
				needMeta = true
				continue
			}
			byLeader[pi.leader] = append(byLeader[pi.leader], st)
		}
		if len(byLeader) == 0 {
			if err := sleepCtx(ctx, 100*time.Millisecond); err != nil {
				return nil, err
			}
			continue
		}
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			firstEr error
			refresh bool
		)
		for leader, sts := range byLeader {
			wg.Add(1)
			go func() {
				defer wg.Done()
				stale, err := f.fetchFrom(ctx, leader, meta, sts)
				mu.Lock()
				defer mu.Unlock()
				if err != nil && firstEr == nil {
					firstEr = err
				}
				refresh = refresh || stale
			}()
		}
		wg.Wait()
		if firstEr != nil {
			return nil, firstEr
		}
		if refresh {
			needMeta = true
			if err := sleepCtx(ctx, 50*time.Millisecond); err != nil {
				return nil, err
			}
		}
	}
	out := make([]*batch.Batch, 0, len(states))
	for _, st := range states {
		if len(st.cols.offset) > 0 {
			out = append(out, st.cols.batch(f.schema, st.r.tp, f.headers))
		}
	}
	return out, nil
}

// checkStalled fails a range that has not moved for the poll timeout, as Spark's
// consumer does ("Cannot fetch record for offset ...").
func (f *fetcher) checkStalled(st *partState) error {
	if time.Since(st.progress) > f.pollTimeout {
		return fmt.Errorf("Cannot fetch record for offset %d in %d milliseconds", st.next, f.pollTimeout.Milliseconds())
	}
	return nil
}

// fetchFrom sends one Fetch request to leader for sts and applies the answer. stale
// reports that some partition needs fresh metadata (leader moved, topic recreated).
func (f *fetcher) fetchFrom(ctx context.Context, leader int32, meta *metadata, sts []*partState) (stale bool, err error) {
	req := kmsg.NewPtrFetchRequest()
	req.MaxWaitMillis = 500
	req.MinBytes = 1
	req.MaxBytes = f.c.maxBytes
	req.IsolationLevel = f.c.isolation()
	byKey := map[TopicPartition]*partState{}
	topicIdx := map[string]int{}
	for _, st := range sts {
		byKey[st.r.tp] = st
		i, ok := topicIdx[st.r.tp.Topic]
		if !ok {
			i = len(req.Topics)
			topicIdx[st.r.tp.Topic] = i
			rt := kmsg.NewFetchRequestTopic()
			rt.Topic = st.r.tp.Topic
			rt.TopicID = meta.topicIDs[st.r.tp.Topic]
			req.Topics = append(req.Topics, rt)
		}
		rp := kmsg.NewFetchRequestTopicPartition()
		rp.Partition = st.r.tp.Partition
		rp.FetchOffset = st.next
		rp.PartitionMaxBytes = f.c.partBytes
		req.Topics[i].Partitions = append(req.Topics[i].Partitions, rp)
	}
	resp, err := req.RequestWith(ctx, f.c.cl.Broker(int(leader)))
	if err != nil {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		// A broker that went away: retry after a metadata refresh, up to the poll timeout.
		for _, st := range sts {
			if serr := f.checkStalled(st); serr != nil {
				return false, fmt.Errorf("%w (last error: %v)", serr, err)
			}
		}
		return true, nil
	}
	if err := kerr.ErrorForCode(resp.ErrorCode); err != nil {
		return false, fmt.Errorf("kafka: fetch from broker %d: %w", leader, err)
	}
	for i := range resp.Topics {
		rt := &resp.Topics[i]
		topic := rt.Topic
		if topic == "" {
			topic = meta.idTopics[rt.TopicID]
		}
		for j := range rt.Partitions {
			rp := &rt.Partitions[j]
			st := byKey[TopicPartition{topic, rp.Partition}]
			if st == nil {
				continue
			}
			s, err := f.apply(ctx, st, rp)
			if err != nil {
				return false, err
			}
			stale = stale || s
		}
	}
	return stale, nil
}

// apply takes one partition's fetch answer into st.
func (f *fetcher) apply(ctx context.Context, st *partState, rp *kmsg.FetchResponseTopicPartition) (stale bool, err error) {
	if err := kerr.ErrorForCode(rp.ErrorCode); err != nil {
		switch {
		case errors.Is(err, kerr.OffsetOutOfRange):
			return false, f.outOfRange(ctx, st)
		case kerr.IsRetriable(err) || errors.Is(err, kerr.UnknownTopicOrPartition) ||
			errors.Is(err, kerr.UnknownTopicID) || errors.Is(err, kerr.InconsistentTopicID):
			return true, f.checkStalled(st)
		default:
			return false, fmt.Errorf("kafka: fetching %s at offset %d: %w", st.r.tp, st.next, err)
		}
	}
	fp, nextAsk := kgo.ProcessFetchPartition(kgo.ProcessFetchPartitionOpts{
		Offset:         st.next,
		IsolationLevel: isolationLevel(f.c.committed),
		Topic:          st.r.tp.Topic,
		Partition:      st.r.tp.Partition,
	}, rp, f.decompressor, nil)
	if fp.Err != nil && len(fp.Records) == 0 {
		return false, fmt.Errorf("kafka: decoding records of %s at offset %d: %w", st.r.tp, st.next, fp.Err)
	}
	before := st.next
	for _, r := range fp.Records {
		if r.Offset < st.next {
			continue
		}
		if r.Offset >= st.r.until {
			st.next = st.r.until
			break
		}
		if r.Offset > st.next && rp.LogStartOffset > st.next {
			// Records before the log start were deleted while we read; offsets between
			// the log start and a record are compacted or transaction markers.
			if err := f.dataLoss(st, st.next, r.Offset, fmt.Sprintf("Skip missing records in [%d, %d)", st.next, r.Offset)); err != nil {
				return false, err
			}
		}
		st.cols.add(r, f.headers)
		st.next = r.Offset + 1
	}
	if st.next < st.r.until && nextAsk > st.next {
		// The answer ended in records we do not return (markers, aborted ones).
		st.next = min(nextAsk, st.r.until)
	}
	if st.next != before {
		st.progress = time.Now()
		return false, nil
	}
	return false, f.checkStalled(st)
}

func isolationLevel(committed bool) kgo.IsolationLevel {
	if committed {
		return kgo.ReadCommitted()
	}
	return kgo.ReadUncommitted()
}

// outOfRange handles a fetch offset the broker no longer (or not yet) has, as Spark's
// KafkaDataConsumer: fail, or skip to the earliest offset still there.
func (f *fetcher) outOfRange(ctx context.Context, st *partState) error {
	if f.failOnDataLoss {
		return f.dataLoss(st, st.next, st.r.until, "")
	}
	f.warn(fmt.Sprintf("Cannot fetch offset %d %s", st.next, f.additional(st.r.tp)))
	tps := []TopicPartition{st.r.tp}
	earliest, err := f.c.listOffsets(ctx, tps, offsetEarliest)
	if err != nil {
		return err
	}
	latest, err := f.c.listOffsets(ctx, tps, offsetLatest)
	if err != nil {
		return err
	}
	e, okE := earliest[st.r.tp]
	l, okL := latest[st.r.tp]
	switch {
	case !okE || !okL || st.next >= l || e >= st.r.until:
		f.warn(fmt.Sprintf("The current available offset range is [%d, %d). Offset %d is out of range, and records in [%d, %d) will be skipped %s",
			e, l, st.next, st.next, st.r.until, f.additional(st.r.tp)))
		st.next = st.r.until
	case st.next >= e:
		f.warn(fmt.Sprintf("Found a disappeared offset %d. Some data may be lost %s", st.next, f.additional(st.r.tp)))
		return f.checkStalled(st)
	default:
		f.warn(fmt.Sprintf("The current available offset range is [%d, %d). Offset %d is out of range, and records in [%d, %d) will be skipped %s",
			e, l, st.next, st.next, e, f.additional(st.r.tp)))
		st.next = e
	}
	st.progress = time.Now()
	return nil
}

func (f *fetcher) additional(tp TopicPartition) string {
	return fmt.Sprintf("(GroupId: null, TopicPartition: %s). %s", tp, instructionFalse)
}

// dataLoss fails with Spark's KAFKA_DATA_LOSS.COULD_NOT_READ_OFFSET_RANGE when
// failOnDataLoss is set, and otherwise logs msg and lets the read go on.
func (f *fetcher) dataLoss(st *partState, from, until int64, msg string) error {
	if f.failOnDataLoss {
		return &DataLossError{Reason: fmt.Sprintf("Could not read records in offset [%d, %d) for topic partition %s\nwith consumer group null.", from, until, st.r.tp), SubClass: "COULD_NOT_READ_OFFSET_RANGE"}
	}
	f.warn(msg + " " + f.additional(st.r.tp))
	return nil
}
