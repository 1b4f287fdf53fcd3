package kafka

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Special offsets in startingOffsets/endingOffsets JSON, as Spark's (and Kafka's
// ListOffsets) spell them.
const (
	offsetLatest   = -1
	offsetEarliest = -2
)

// TopicPartition names one partition of a topic.
type TopicPartition struct {
	Topic     string
	Partition int32
}

// String is Kafka's TopicPartition.toString: "topic-0".
func (tp TopicPartition) String() string {
	return tp.Topic + "-" + strconv.Itoa(int(tp.Partition))
}

func compareTP(a, b TopicPartition) int {
	if c := strings.Compare(a.Topic, b.Topic); c != 0 {
		return c
	}
	return int(a.Partition) - int(b.Partition)
}

// PartitionOffsets maps partitions to offsets. An offset is the next record to read (as
// Kafka's consumer position), so a batch from a to b holds the records a..b-1.
type PartitionOffsets map[TopicPartition]int64

// sortedKeys lists the partitions ordered by topic then partition.
func (po PartitionOffsets) sortedKeys() []TopicPartition {
	out := make([]TopicPartition, 0, len(po))
	for tp := range po {
		out = append(out, tp)
	}
	slices.SortFunc(out, compareTP)
	return out
}

// JSON is Spark's offset text, {"topic":{"0":23,"1":-1}}, with topics and partitions in
// order so that equal offsets give equal text.
func (po PartitionOffsets) JSON() string {
	var b strings.Builder
	b.WriteByte('{')
	keys := po.sortedKeys()
	for i, tp := range keys {
		if i == 0 || keys[i-1].Topic != tp.Topic {
			if i > 0 {
				b.WriteString("},")
			}
			t, _ := json.Marshal(tp.Topic)
			b.Write(t)
			b.WriteString(":{")
		} else {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		b.WriteString(strconv.Itoa(int(tp.Partition)))
		b.WriteString(`":`)
		b.WriteString(strconv.FormatInt(po[tp], 10))
	}
	if len(keys) > 0 {
		b.WriteByte('}')
	}
	b.WriteByte('}')
	return b.String()
}

// setString is Scala's Set(...).toString of the partitions, as Spark's messages print them.
func setString(tps []TopicPartition) string {
	s := make([]string, len(tps))
	for i, tp := range tps {
		s[i] = tp.String()
	}
	return "Set(" + strings.Join(s, ", ") + ")"
}

// ParseOffsets reads Spark's partition-offset JSON.
func ParseOffsets(s string) (PartitionOffsets, error) {
	var raw map[string]map[string]json.Number
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil || raw == nil {
		return nil, fmt.Errorf(`Expected e.g. {"topicA":{"0":23,"1":-1},"topicB":{"0":-2}}, got %s`, s)
	}
	po := make(PartitionOffsets)
	for topic, parts := range raw {
		for p, off := range parts {
			pn, err := strconv.ParseInt(p, 10, 32)
			if err != nil {
				return nil, fmt.Errorf(`Expected e.g. {"topicA":{"0":23,"1":-1},"topicB":{"0":-2}}, got %s`, s)
			}
			o, err := off.Int64()
			if err != nil {
				return nil, fmt.Errorf(`Expected e.g. {"topicA":{"0":23,"1":-1},"topicB":{"0":-2}}, got %s`, s)
			}
			po[TopicPartition{topic, int32(pn)}] = o
		}
	}
	return po, nil
}

// parseAssign reads the assign option, {"topicA":[0,1],"topicB":[2,4]}.
func parseAssign(s string) ([]TopicPartition, error) {
	var raw map[string][]int32
	if err := json.Unmarshal([]byte(s), &raw); err != nil || raw == nil {
		return nil, fmt.Errorf(`Expected e.g. {"topicA":[0,1],"topicB":[0,1]}, got %s`, s)
	}
	var out []TopicPartition
	for topic, parts := range raw {
		for _, p := range parts {
			out = append(out, TopicPartition{topic, p})
		}
	}
	slices.SortFunc(out, compareTP)
	out = slices.Compact(out)
	return out, nil
}
