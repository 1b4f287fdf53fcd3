package exec

import (
	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/internal/plan"
	"github.com/runnel-go/runnel/engine/internal/runtime"
	"github.com/runnel-go/runnel/engine/types"
)

// joinOp is a hash join. A static side is computed once per query and kept; between two
// streams both sides are buffered as state, joined incrementally (new left rows with all
// right rows, old left rows with new right rows) and cleaned by the watermark, outer rows
// coming out null-padded when their side's rows are evicted unmatched.
type joinOp struct {
	left, right operator
	node        *plan.Join
	lkeys       []plan.Evaluator
	rkeys       []plan.Evaluator
	cond        plan.Evaluator

	lStream, rStream bool
	streamStream     bool
	static           [2]*batch.Batch // cached static sides
	haveStatic       [2]bool

	buf     [2]*batch.Batch // stream-stream state
	matched [2][]bool
	evict   plan.JoinEviction

	removed, updated int64
}

func newJoinOp(l, r operator, n *plan.Join, streaming bool, opts plan.Options) (*joinOp, error) {
	op := &joinOp{left: l, right: r, node: n}
	for i := range n.LeftKeys {
		le, err := plan.CompileWith(n.LeftKeys[i], n.Left.Schema(), withQuals(opts, n.Left))
		if err != nil {
			return nil, err
		}
		re, err := plan.CompileWith(n.RightKeys[i], n.Right.Schema(), withQuals(opts, n.Right))
		if err != nil {
			return nil, err
		}
		op.lkeys = append(op.lkeys, le)
		op.rkeys = append(op.rkeys, re)
	}
	if n.Cond != nil {
		ev, err := plan.CompileWith(n.Cond, n.CondSchema, opts)
		if err != nil {
			return nil, err
		}
		op.cond = ev
	}
	if streaming {
		op.lStream, op.rStream = plan.IsStreaming(n.Left), plan.IsStreaming(n.Right)
		op.streamStream = op.lStream && op.rStream
		if op.streamStream {
			op.evict = plan.StreamJoinEviction(n)
			op.buf[0] = batch.New(n.Left.Schema(), 0)
			op.buf[1] = batch.New(n.Right.Schema(), 0)
		}
	}
	return op, nil
}

func (o *joinOp) side(c *Context, i int) (*batch.Batch, error) {
	ops := [2]operator{o.left, o.right}
	schemas := [2]*types.StructType{o.node.Left.Schema(), o.node.Right.Schema()}
	streaming := [2]bool{o.lStream, o.rStream}
	if !streaming[i] && o.haveStatic[i] {
		return o.static[i], nil
	}
	bs, err := ops[i].run(c)
	if err != nil {
		return nil, err
	}
	b := concat(schemas[i], bs)
	if !streaming[i] && (o.lStream || o.rStream) {
		o.static[i], o.haveStatic[i] = b, true
	}
	return b, nil
}

func (o *joinOp) run(c *Context) ([]*batch.Batch, error) {
	l, err := o.side(c, 0)
	if err != nil {
		return nil, err
	}
	r, err := o.side(c, 1)
	if err != nil {
		return nil, err
	}
	if o.streamStream {
		return o.runStreamStream(c, l, r)
	}
	t := o.node.Type
	emitL := t == plan.LeftOuter || t == plan.FullOuter
	emitR := t == plan.RightOuter || t == plan.FullOuter
	li, ri, lm, _, err := o.match(l, r, nil, nil)
	if err != nil {
		return nil, err
	}
	switch t {
	case plan.LeftSemi, plan.LeftAnti:
		var idx []int
		for i, m := range lm {
			if m == (t == plan.LeftSemi) {
				idx = append(idx, i)
			}
		}
		return []*batch.Batch{o.output(l, r, idx, nil)}, nil
	}
	rm := make([]bool, r.N)
	for _, j := range ri {
		rm[j] = true
	}
	if emitL {
		// Keep the left rows' order: each row's matches, or the row null-padded.
		nli, nri := make([]int, 0, len(li)+l.N), make([]int, 0, len(li)+l.N)
		p := 0
		for i := 0; i < l.N; i++ {
			if p < len(li) && li[p] == i {
				for p < len(li) && li[p] == i {
					nli, nri = append(nli, i), append(nri, ri[p])
					p++
				}
				continue
			}
			nli, nri = append(nli, i), append(nri, -1)
		}
		li, ri = nli, nri
	}
	if t == plan.RightOuter {
		// Keep the right rows' order: each row's matches, or the row null-padded.
		byRight := make([][]int, r.N)
		for p, j := range ri {
			byRight[j] = append(byRight[j], li[p])
		}
		nli, nri := make([]int, 0, len(li)+r.N), make([]int, 0, len(li)+r.N)
		for j, ls := range byRight {
			if len(ls) == 0 {
				nli, nri = append(nli, -1), append(nri, j)
				continue
			}
			for _, i := range ls {
				nli, nri = append(nli, i), append(nri, j)
			}
		}
		li, ri = nli, nri
	} else if emitR {
		for j, m := range rm {
			if !m {
				li, ri = append(li, -1), append(ri, j)
			}
		}
	}
	return []*batch.Batch{o.output(l, r, li, ri)}, nil
}

// match pairs rows of l and r whose keys are equal (nulls never match) and which satisfy
// the residual condition. lMatched/rMatched, when given, are set for matched rows.
func (o *joinOp) match(l, r *batch.Batch, lMatched, rMatched []bool) (li, ri []int, lm, rm []bool, err error) {
	lm = lMatched
	if lm == nil {
		lm = make([]bool, l.N)
	}
	rm = rMatched
	if l.N == 0 || r.N == 0 {
		return nil, nil, lm, rm, nil
	}
	lk, err := evalAll(o.lkeys, l)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	rk, err := evalAll(o.rkeys, r)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if len(lk) == 0 {
		// Cross product, filtered by the condition.
		for i := 0; i < l.N; i++ {
			for j := 0; j < r.N; j++ {
				li, ri = append(li, i), append(ri, j)
			}
		}
	} else {
		table := make(map[string][]int, r.N)
		var buf []byte
		for j := 0; j < r.N; j++ {
			buf, null := joinKey(buf[:0], rk, j)
			if null {
				continue
			}
			table[string(buf)] = append(table[string(buf)], j)
		}
		for i := 0; i < l.N; i++ {
			var null bool
			buf, null = joinKey(buf[:0], lk, i)
			if null {
				continue
			}
			for _, j := range table[string(buf)] {
				li, ri = append(li, i), append(ri, j)
			}
		}
	}
	if o.cond != nil && len(li) > 0 {
		comb := o.combined(l, r, li, ri)
		mask, err := o.cond.Eval(comb)
		if err != nil {
			return nil, nil, nil, nil, err
		}
		k := 0
		for p := range li {
			if mask.Bool[p] && !mask.IsNull(p) {
				li[k], ri[k] = li[p], ri[p]
				k++
			}
		}
		li, ri = li[:k], ri[:k]
	}
	for p := range li {
		lm[li[p]] = true
		if rm != nil {
			rm[ri[p]] = true
		}
	}
	return li, ri, lm, rm, nil
}

func joinKey(buf []byte, keys []*batch.Vector, i int) ([]byte, bool) {
	for _, k := range keys {
		if k.IsNull(i) {
			return buf, true
		}
		buf = encodeKey(buf, k, i)
	}
	return buf, false
}

func evalAll(evs []plan.Evaluator, b *batch.Batch) ([]*batch.Vector, error) {
	out := make([]*batch.Vector, len(evs))
	for i, ev := range evs {
		v, err := ev.Eval(b)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// combined builds left+right rows for the pairs (an index -1 is a null side).
func (o *joinOp) combined(l, r *batch.Batch, li, ri []int) *batch.Batch {
	cols := make([]*batch.Vector, 0, len(l.Cols)+len(r.Cols))
	for _, c := range l.Cols {
		cols = append(cols, takeOrNull(c, li))
	}
	if ri != nil {
		for _, c := range r.Cols {
			cols = append(cols, takeOrNull(c, ri))
		}
	}
	return &batch.Batch{Schema: o.node.CondSchema, Cols: cols, N: len(li)}
}

// output projects combined rows to the join's output columns.
func (o *joinOp) output(l, r *batch.Batch, li, ri []int) *batch.Batch {
	if ri == nil && o.node.Type != plan.LeftSemi && o.node.Type != plan.LeftAnti {
		ri = make([]int, len(li))
	}
	comb := o.combined(l, r, li, ri)
	cols := make([]*batch.Vector, len(o.node.Project))
	for i, p := range o.node.Project {
		cols[i] = comb.Cols[p]
		if rc, ok := o.node.UsingCoalesce[i]; ok {
			v := batch.NewVector(cols[i].Type, comb.N)
			for k := 0; k < comb.N; k++ {
				if cols[i].IsNull(k) {
					appendFrom(v, comb.Cols[rc], k)
				} else {
					appendFrom(v, cols[i], k)
				}
			}
			cols[i] = v
		}
	}
	return &batch.Batch{Schema: o.node.Out, Cols: cols, N: comb.N}
}

func appendBatch(dst, src *batch.Batch) *batch.Batch {
	if src.N == 0 {
		return dst
	}
	return concat(dst.Schema, []*batch.Batch{dst, {Schema: dst.Schema, Cols: src.Cols, N: src.N}})
}

func (o *joinOp) runStreamStream(c *Context, newL, newR *batch.Batch) ([]*batch.Batch, error) {
	t := o.node.Type
	nOldL, nOldR := o.buf[0].N, o.buf[1].N
	allL := appendBatch(o.buf[0], newL)
	allR := appendBatch(o.buf[1], newR)
	lm := growTo(o.matched[0], allL.N)
	rm := growTo(o.matched[1], allR.N)
	wasMatched := append([]bool(nil), lm...)
	var li, ri []int
	// New left rows against every right row.
	if newL.N > 0 {
		a, b, _, _, err := o.matchOffset(allL, nOldL, allR, 0, lm, rm)
		if err != nil {
			return nil, err
		}
		li, ri = append(li, a...), append(ri, b...)
	}
	// Old left rows against new right rows.
	if newR.N > 0 && nOldL > 0 {
		a, b, _, _, err := o.matchOffset(allL.Take(seq(0, nOldL)), 0, allR, nOldR, lm, rm)
		if err != nil {
			return nil, err
		}
		li, ri = append(li, a...), append(ri, b...)
	}
	var out []*batch.Batch
	if t == plan.LeftSemi {
		var idx []int
		for i := range lm {
			if lm[i] && !wasMatched[i] {
				idx = append(idx, i)
			}
		}
		out = append(out, o.output(allL, allR, idx, nil))
	} else if len(li) > 0 {
		out = append(out, o.output(allL, allR, li, ri))
	}
	o.updated = int64(newL.N + newR.N)
	// Evict rows the watermark has passed; unmatched ones come out null-padded.
	o.removed = 0
	keepL, dropL := o.evictable(allL, 0, c.Watermark)
	keepR, dropR := o.evictable(allR, 1, c.Watermark)
	var pl, pr []int
	if t == plan.LeftOuter || t == plan.FullOuter {
		for _, i := range dropL {
			if !lm[i] {
				pl, pr = append(pl, i), append(pr, -1)
			}
		}
	}
	if t == plan.RightOuter || t == plan.FullOuter {
		for _, j := range dropR {
			if !rm[j] {
				pl, pr = append(pl, -1), append(pr, j)
			}
		}
	}
	if len(pl) > 0 {
		out = append(out, o.output(allL, allR, pl, pr))
	}
	o.removed = int64(len(dropL) + len(dropR))
	o.buf[0], o.matched[0] = takeKeep(allL, keepL, lm)
	o.buf[1], o.matched[1] = takeKeep(allR, keepR, rm)
	return out, nil
}

func seq(from, to int) []int {
	out := make([]int, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}

// matchOffset matches rows l[lFrom:] with r[rFrom:], returning indexes into l and r and
// marking lm/rm.
func (o *joinOp) matchOffset(l *batch.Batch, lFrom int, r *batch.Batch, rFrom int, lm, rm []bool) ([]int, []int, []bool, []bool, error) {
	ls := l
	if lFrom > 0 {
		ls = l.Take(seq(lFrom, l.N))
	}
	rs := r
	if rFrom > 0 {
		rs = r.Take(seq(rFrom, r.N))
	}
	li, ri, _, _, err := o.match(ls, rs, nil, nil)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	for p := range li {
		li[p] += lFrom
		ri[p] += rFrom
		lm[li[p]] = true
		rm[ri[p]] = true
	}
	return li, ri, lm, rm, nil
}

// evictable splits a side's buffered rows into those kept and those the watermark passed.
func (o *joinOp) evictable(b *batch.Batch, side int, wm int64) (keep, drop []int) {
	col := o.evict.Col[side]
	if col < 0 || b.N == 0 {
		return seq(0, b.N), nil
	}
	v := b.Cols[col]
	ts := timeValues(v)
	lag := o.evict.Lag[side]
	for i := 0; i < b.N; i++ {
		if ts != nil && !v.IsNull(i) && ts[i]+lag <= wm {
			drop = append(drop, i)
		} else {
			keep = append(keep, i)
		}
	}
	return keep, drop
}

func takeKeep(b *batch.Batch, keep []int, matched []bool) (*batch.Batch, []bool) {
	if len(keep) == b.N {
		return b, matched[:b.N]
	}
	m := make([]bool, len(keep))
	for k, i := range keep {
		m[k] = matched[i]
	}
	return b.Take(keep), m
}

func (o *joinOp) pendingEviction(wm int64) bool {
	for side := 0; side < 2; side++ {
		if _, drop := o.evictable(o.buf[side], side, wm); len(drop) > 0 {
			return true
		}
	}
	return false
}

func (o *joinOp) progress() runtime.StateOperatorProgress {
	return runtime.StateOperatorProgress{
		OperatorName:    "symmetricHashJoin",
		NumRowsTotal:    int64(o.buf[0].N + o.buf[1].N),
		NumRowsUpdated:  o.updated,
		NumRowsRemoved:  o.removed,
		MemoryUsedBytes: batchBytes(o.buf[0]) + batchBytes(o.buf[1]),
	}
}
