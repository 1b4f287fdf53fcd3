package exec

import (
	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/internal/plan"
	"github.com/runnel-go/runnel/engine/internal/runtime"
)

// dedupeOp is dropDuplicates/distinct. Over a stream the keys seen so far are state; when
// a key column carries a watermark, keys whose event time the watermark passed are
// evicted and late rows dropped.
type dedupeOp struct {
	child     operator
	keys      []int
	streaming bool
	wmCol     int
	seen      map[string]int64
	mem       int64

	persisting     bool
	added, evicted []string

	updated, removed, dropped int64
}

func newDedupeOp(child operator, n *plan.Deduplicate, streaming bool) *dedupeOp {
	op := &dedupeOp{child: child, keys: n.Keys, streaming: streaming, wmCol: -1, seen: map[string]int64{}}
	if streaming {
		et := plan.EventTimeColumns(n)
		for _, k := range n.Keys {
			if et[k] {
				op.wmCol = k
				break
			}
		}
	}
	return op
}

func (o *dedupeOp) run(c *Context) ([]*batch.Batch, error) {
	in, err := o.child.run(c)
	if err != nil {
		return nil, err
	}
	if !o.streaming {
		o.seen = map[string]int64{}
	}
	o.updated, o.removed, o.dropped = 0, 0, 0
	wm := c.Watermark
	var out []*batch.Batch
	var buf []byte
	for _, b := range in {
		idx := make([]int, 0, b.N)
		var ts []int64
		if o.wmCol >= 0 {
			ts = timeValues(b.Cols[o.wmCol])
		}
		for i := 0; i < b.N; i++ {
			var t int64
			if ts != nil && !b.Cols[o.wmCol].IsNull(i) {
				t = ts[i]
				if t <= wm {
					o.dropped++
					continue
				}
			}
			buf = buf[:0]
			for _, k := range o.keys {
				buf = encodeKey(buf, b.Cols[k], i)
			}
			if _, dup := o.seen[string(buf)]; dup {
				continue
			}
			o.seen[string(buf)] = t
			if o.persisting {
				o.added = append(o.added, string(buf))
			}
			o.mem += int64(len(buf)) + 48
			o.updated++
			idx = append(idx, i)
		}
		if len(idx) == b.N {
			out = append(out, b)
		} else if len(idx) > 0 {
			out = append(out, b.Take(idx))
		}
	}
	if o.streaming && o.wmCol >= 0 {
		for k, t := range o.seen {
			if t <= wm {
				delete(o.seen, k)
				if o.persisting {
					o.evicted = append(o.evicted, k)
				}
				o.mem -= int64(len(k)) + 48
				o.removed++
			}
		}
	}
	return out, nil
}

func (o *dedupeOp) pendingEviction(wm int64) bool {
	if o.wmCol < 0 {
		return false
	}
	for _, t := range o.seen {
		if t <= wm {
			return true
		}
	}
	return false
}

func (o *dedupeOp) progress() runtime.StateOperatorProgress {
	return runtime.StateOperatorProgress{
		OperatorName:              "dedupe",
		NumRowsTotal:              int64(len(o.seen)),
		NumRowsUpdated:            o.updated,
		NumRowsRemoved:            o.removed,
		NumRowsDroppedByWatermark: o.dropped,
		MemoryUsedBytes:           o.mem,
	}
}
