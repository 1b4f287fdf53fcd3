package kafka

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// ClientOptions turns Spark's "kafka."-prefixed options (keys without the prefix, as
// Spark hands them to the Kafka client) into franz-go options. The Kafka settings that
// have a franz-go counterpart are honoured: bootstrap.servers, client.id,
// security.protocol (SSL, SASL_SSL, SASL_PLAINTEXT), sasl.mechanism (PLAIN,
// SCRAM-SHA-256, SCRAM-SHA-512) with sasl.jaas.config, request.timeout.ms,
// metadata.max.age.ms, reconnect.backoff.ms. Others are accepted and ignored, as the Java
// client ignores settings it does not know.
func ClientOptions(params map[string]string) ([]kgo.Opt, error) {
	get := func(k string) (string, bool) {
		for key, v := range params {
			if strings.EqualFold(key, k) {
				return strings.TrimSpace(v), true
			}
		}
		return "", false
	}
	servers, ok := get("bootstrap.servers")
	if !ok || servers == "" {
		return nil, errors.New("kafka: bootstrap.servers is empty")
	}
	var seeds []string
	for _, s := range strings.Split(servers, ",") {
		if s = strings.TrimSpace(s); s != "" {
			seeds = append(seeds, s)
		}
	}
	opts := []kgo.Opt{kgo.SeedBrokers(seeds...)}
	if v, ok := get("client.id"); ok {
		opts = append(opts, kgo.ClientID(v))
	}
	ms := func(key string) (time.Duration, bool, error) {
		v, ok := get(key)
		if !ok {
			return 0, false, nil
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return 0, false, fmt.Errorf("Invalid value %s for configuration %s: Not a number of type LONG", v, key)
		}
		return time.Duration(n) * time.Millisecond, true, nil
	}
	if d, ok, err := ms("request.timeout.ms"); err != nil {
		return nil, err
	} else if ok {
		opts = append(opts, kgo.RequestTimeoutOverhead(d))
	}
	if d, ok, err := ms("metadata.max.age.ms"); err != nil {
		return nil, err
	} else if ok {
		opts = append(opts, kgo.MetadataMaxAge(d))
	}
	if d, ok, err := ms("reconnect.backoff.ms"); err != nil {
		return nil, err
	} else if ok {
		opts = append(opts, kgo.RetryBackoffFn(func(int) time.Duration { return d }))
	}
	proto, _ := get("security.protocol")
	switch strings.ToUpper(proto) {
	case "", "PLAINTEXT", "SASL_PLAINTEXT":
	case "SSL", "SASL_SSL":
		opts = append(opts, kgo.DialTLSConfig(&tls.Config{MinVersion: tls.VersionTLS12}))
	default:
		return nil, fmt.Errorf("Invalid value %s for configuration security.protocol: String must be one of: PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL", proto)
	}
	if strings.HasPrefix(strings.ToUpper(proto), "SASL") {
		mech, _ := get("sasl.mechanism")
		if mech == "" {
			mech = "GSSAPI"
		}
		jaas, _ := get("sasl.jaas.config")
		user, pass := jaasCredentials(jaas)
		switch strings.ToUpper(mech) {
		case "PLAIN":
			opts = append(opts, kgo.SASL(plain.Auth{User: user, Pass: pass}.AsMechanism()))
		case "SCRAM-SHA-256":
			opts = append(opts, kgo.SASL(scram.Auth{User: user, Pass: pass}.AsSha256Mechanism()))
		case "SCRAM-SHA-512":
			opts = append(opts, kgo.SASL(scram.Auth{User: user, Pass: pass}.AsSha512Mechanism()))
		default:
			return nil, fmt.Errorf("kafka: sasl.mechanism %s is not supported (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 are)", mech)
		}
	}
	return opts, nil
}

var jaasField = regexp.MustCompile(`(username|password)\s*=\s*"([^"]*)"`)

// jaasCredentials reads username="..." and password="..." from a JAAS login line such as
// `org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="p";`.
func jaasCredentials(jaas string) (user, pass string) {
	for _, m := range jaasField.FindAllStringSubmatch(jaas, -1) {
		if m[1] == "username" {
			user = m[2]
		} else {
			pass = m[2]
		}
	}
	return user, pass
}

// partitionInfo is what a metadata request tells about one partition.
type partitionInfo struct {
	leader int32
}

// metadata is a snapshot of the cluster's topics: partitions with leaders, topic ids.
type metadata struct {
	parts    map[TopicPartition]partitionInfo
	topicIDs map[string][16]byte
	idTopics map[[16]byte]string
}

// conn wraps the franz-go client with the requests the source needs: metadata, offsets
// by ListOffsets, and fetches of exact offset ranges. It uses no consumer group: offsets
// live in the query's checkpoint, as Spark's.
type conn struct {
	cl        *kgo.Client
	committed bool // isolation.level=read_committed
	partBytes int32
	maxBytes  int32

	mu   sync.Mutex
	meta *metadata
}

func newConn(opts []kgo.Opt, committed bool, partBytes, maxBytes int32) (*conn, error) {
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("kafka: creating client: %w", err)
	}
	return &conn{cl: cl, committed: committed, partBytes: partBytes, maxBytes: maxBytes}, nil
}

func (c *conn) close() { c.cl.Close() }

func (c *conn) isolation() int8 {
	if c.committed {
		return 1
	}
	return 0
}

// loadMetadata asks for the given topics (all topics when topics is nil).
func (c *conn) loadMetadata(ctx context.Context, topics []string) (*metadata, error) {
	req := kmsg.NewPtrMetadataRequest()
	if topics != nil {
		req.Topics = make([]kmsg.MetadataRequestTopic, len(topics))
		for i, t := range topics {
			rt := kmsg.NewMetadataRequestTopic()
			rt.Topic = kmsg.StringPtr(t)
			req.Topics[i] = rt
		}
	}
	req.AllowAutoTopicCreation = false
	resp, err := req.RequestWith(ctx, c.cl)
	if err != nil {
		return nil, fmt.Errorf("kafka: metadata request: %w", err)
	}
	m := &metadata{parts: map[TopicPartition]partitionInfo{}, topicIDs: map[string][16]byte{}, idTopics: map[[16]byte]string{}}
	for _, t := range resp.Topics {
		if t.Topic == nil || t.ErrorCode != 0 || (topics == nil && t.IsInternal) {
			continue
		}
		m.topicIDs[*t.Topic] = t.TopicID
		m.idTopics[t.TopicID] = *t.Topic
		for _, p := range t.Partitions {
			m.parts[TopicPartition{*t.Topic, p.Partition}] = partitionInfo{leader: p.Leader}
		}
	}
	c.mu.Lock()
	if c.meta == nil {
		c.meta = m
	} else {
		// Merge: a request for some topics must not forget leaders of others.
		merged := &metadata{parts: maps.Clone(c.meta.parts), topicIDs: maps.Clone(c.meta.topicIDs), idTopics: maps.Clone(c.meta.idTopics)}
		for tp, pi := range m.parts {
			merged.parts[tp] = pi
		}
		for t, id := range m.topicIDs {
			merged.topicIDs[t] = id
			merged.idTopics[id] = t
		}
		c.meta = merged
	}
	c.mu.Unlock()
	return m, nil
}

func (c *conn) cachedMeta() *metadata {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.meta
}

// listOffsets returns the earliest (ts -2) or latest (ts -1) offset of each partition;
// partitions that do not exist are left out. Latest is the last stable offset under
// read_committed, as Kafka's consumer sees it.
func (c *conn) listOffsets(ctx context.Context, tps []TopicPartition, ts int64) (PartitionOffsets, error) {
	out := make(PartitionOffsets, len(tps))
	if len(tps) == 0 {
		return out, nil
	}
	pending := slices.Clone(tps)
	var lastErr error
	for attempt := 0; attempt < 10 && len(pending) > 0; attempt++ {
		if attempt > 0 {
			if err := sleepCtx(ctx, time.Duration(attempt)*50*time.Millisecond); err != nil {
				return nil, err
			}
		}
		req := kmsg.NewPtrListOffsetsRequest()
		req.IsolationLevel = c.isolation()
		byTopic := map[string]int{}
		for _, tp := range pending {
			i, ok := byTopic[tp.Topic]
			if !ok {
				i = len(req.Topics)
				byTopic[tp.Topic] = i
				rt := kmsg.NewListOffsetsRequestTopic()
				rt.Topic = tp.Topic
				req.Topics = append(req.Topics, rt)
			}
			rp := kmsg.NewListOffsetsRequestTopicPartition()
			rp.Partition = tp.Partition
			rp.Timestamp = ts
			req.Topics[i].Partitions = append(req.Topics[i].Partitions, rp)
		}
		var retry []TopicPartition
		for _, shard := range c.cl.RequestSharded(ctx, req) {
			if shard.Err != nil {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				lastErr = shard.Err
				// An unknown partition (deleted topic) is reported by the sharder with
				// node -1: it is simply absent from the result.
				if errors.Is(shard.Err, kerr.UnknownTopicOrPartition) {
					continue
				}
				for _, t := range shard.Req.(*kmsg.ListOffsetsRequest).Topics {
					for _, p := range t.Partitions {
						retry = append(retry, TopicPartition{t.Topic, p.Partition})
					}
				}
				continue
			}
			resp := shard.Resp.(*kmsg.ListOffsetsResponse)
			for _, t := range resp.Topics {
				for _, p := range t.Partitions {
					tp := TopicPartition{t.Topic, p.Partition}
					if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
						if errors.Is(err, kerr.UnknownTopicOrPartition) {
							continue
						}
						lastErr = err
						retry = append(retry, tp)
						continue
					}
					out[tp] = p.Offset
				}
			}
		}
		pending = retry
	}
	if len(pending) > 0 {
		return nil, fmt.Errorf("kafka: listing offsets of %s: %w", setString(pending), lastErr)
	}
	return out, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
