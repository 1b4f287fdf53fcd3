package exec

import (
	"fmt"
	"sort"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/internal/plan"
	"github.com/runnel-go/runnel/engine/types"
)

type relationOp struct {
	data   func() ([]*batch.Batch, error)
	schema *types.StructType
}

func (o *relationOp) run(*Context) ([]*batch.Batch, error) {
	bs, err := o.data()
	if err != nil {
		return nil, err
	}
	// The relation's batches may carry another schema object with the same fields.
	out := make([]*batch.Batch, 0, len(bs))
	for _, b := range bs {
		if b.N > 0 {
			out = append(out, &batch.Batch{Schema: o.schema, Cols: b.Cols, N: b.N})
		}
	}
	return out, nil
}

type sourceOp struct {
	index  int
	schema *types.StructType
}

func (o *sourceOp) run(c *Context) ([]*batch.Batch, error) {
	var out []*batch.Batch
	for _, b := range c.Sources[o.index] {
		if b != nil && b.N > 0 {
			out = append(out, b)
		}
	}
	return out, nil
}

type projectOp struct {
	child  operator
	evals  []plan.Evaluator
	schema *types.StructType
}

func newProjectOp(child operator, p *plan.Project, opts plan.Options) (*projectOp, error) {
	op := &projectOp{child: child, schema: p.Out}
	for _, e := range p.Exprs {
		ev, err := plan.CompileWith(e, p.Child.Schema(), withQuals(opts, p.Child))
		if err != nil {
			return nil, err
		}
		op.evals = append(op.evals, ev)
	}
	return op, nil
}

func (o *projectOp) run(c *Context) ([]*batch.Batch, error) {
	in, err := o.child.run(c)
	if err != nil {
		return nil, err
	}
	out := make([]*batch.Batch, 0, len(in))
	for _, b := range in {
		cols := make([]*batch.Vector, len(o.evals))
		for i, ev := range o.evals {
			v, err := ev.Eval(b)
			if err != nil {
				return nil, err
			}
			cols[i] = v
		}
		out = append(out, &batch.Batch{Schema: o.schema, Cols: cols, N: b.N})
	}
	return out, nil
}

type filterOp struct {
	child operator
	cond  plan.Evaluator
}

func (o *filterOp) run(c *Context) ([]*batch.Batch, error) {
	in, err := o.child.run(c)
	if err != nil {
		return nil, err
	}
	out := make([]*batch.Batch, 0, len(in))
	for _, b := range in {
		v, err := o.cond.Eval(b)
		if err != nil {
			return nil, err
		}
		if f := filterBatch(b, v); f.N > 0 {
			out = append(out, f)
		}
	}
	return out, nil
}

// filterBatch keeps the rows of b where mask is true (and not null).
func filterBatch(b *batch.Batch, mask *batch.Vector) *batch.Batch {
	if mask.Type.ID() != types.BooleanID {
		return batch.New(b.Schema, 0)
	}
	idx := make([]int, 0, b.N)
	for i := 0; i < b.N; i++ {
		if mask.Bool[i] && !mask.IsNull(i) {
			idx = append(idx, i)
		}
	}
	if len(idx) == b.N {
		return b
	}
	return b.Take(idx)
}

type generateOp struct {
	child operator
	arg   plan.Evaluator
	node  *plan.Generate
}

func (o *generateOp) run(c *Context) ([]*batch.Batch, error) {
	in, err := o.child.run(c)
	if err != nil {
		return nil, err
	}
	if o.node.Window != nil {
		return o.windows(in)
	}
	outer := o.node.Func == "explode_outer" || o.node.Func == "posexplode_outer"
	withPos := o.node.Func == "posexplode" || o.node.Func == "posexplode_outer"
	out := make([]*batch.Batch, 0, len(in))
	for _, b := range in {
		v, err := o.arg.Eval(b)
		if err != nil {
			return nil, err
		}
		idx := make([]int, 0, b.N*2)
		var pos []int32
		gen := make([]*batch.Vector, 0, 2)
		switch t := v.Type.(type) {
		case *types.ArrayType:
			elems := batch.NewVector(t.ElementType, b.N*2)
			for i := 0; i < b.N; i++ {
				var arr []any
				if !v.IsNull(i) {
					arr, _ = v.Any[i].([]any)
				}
				if len(arr) == 0 && outer {
					idx = append(idx, i)
					pos = append(pos, -1)
					elems.AppendNull()
					continue
				}
				for p, x := range arr {
					idx = append(idx, i)
					pos = append(pos, int32(p))
					elems.Append(x)
				}
			}
			gen = append(gen, elems)
		case *types.MapType:
			keys := batch.NewVector(t.KeyType, b.N)
			vals := batch.NewVector(t.ValueType, b.N)
			for i := 0; i < b.N; i++ {
				var m *batch.MapValue
				if !v.IsNull(i) {
					m, _ = v.Any[i].(*batch.MapValue)
				}
				if (m == nil || len(m.Keys) == 0) && outer {
					idx = append(idx, i)
					pos = append(pos, -1)
					keys.AppendNull()
					vals.AppendNull()
					continue
				}
				if m == nil {
					continue
				}
				for p := range m.Keys {
					idx = append(idx, i)
					pos = append(pos, int32(p))
					keys.Append(m.Keys[p])
					vals.Append(m.Values[p])
				}
			}
			gen = append(gen, keys, vals)
		default:
			return nil, fmt.Errorf("%s: not an array or map: %s", o.node.Func, v.Type.SimpleString())
		}
		rep := b.Take(idx)
		cols := append([]*batch.Vector{}, rep.Cols...)
		if withPos {
			pv := batch.NewVector(types.IntegerType, len(pos))
			for _, p := range pos {
				if p < 0 {
					pv.AppendNull()
				} else {
					pv.Append(p)
				}
			}
			cols = append(cols, pv)
		}
		cols = append(cols, gen...)
		if len(idx) > 0 {
			out = append(out, &batch.Batch{Schema: o.node.Out, Cols: cols, N: len(idx)})
		}
	}
	return out, nil
}

type unionOp struct {
	inputs []operator
	schema *types.StructType
}

func (o *unionOp) run(c *Context) ([]*batch.Batch, error) {
	var out []*batch.Batch
	for _, in := range o.inputs {
		bs, err := in.run(c)
		if err != nil {
			return nil, err
		}
		for _, b := range bs {
			out = append(out, &batch.Batch{Schema: o.schema, Cols: b.Cols, N: b.N})
		}
	}
	return out, nil
}

// watermarkOp records the largest event time passing through it, for the runtime to
// advance the watermark after the batch.
type watermarkOp struct {
	child operator
	col   int
	index int
}

func (o *watermarkOp) run(c *Context) ([]*batch.Batch, error) {
	in, err := o.child.run(c)
	if err != nil {
		return nil, err
	}
	if c.maxEvent == nil {
		return in, nil
	}
	for _, b := range in {
		v := b.Cols[o.col]
		ts := timeValues(v)
		for i, t := range ts {
			if v.IsNull(i) {
				continue
			}
			if e := &c.maxEvent[o.index]; !e.OK || t > e.Micros {
				e.Micros, e.OK = t, true
			}
		}
		if o.index == 0 {
			c.stats.add(ts, v.Nulls)
		}
	}
	return in, nil
}

type sortOp struct {
	child  operator
	keys   []plan.Evaluator
	desc   []bool
	nulls  []bool
	schema *types.StructType
}

func newSortOp(child operator, s *plan.Sort, opts plan.Options) (*sortOp, error) {
	op := &sortOp{child: child, schema: s.Schema()}
	for _, o := range s.Orders {
		ev, err := plan.CompileWith(o.X, s.Child.Schema(), withQuals(opts, s.Child))
		if err != nil {
			return nil, err
		}
		op.keys = append(op.keys, ev)
		op.desc = append(op.desc, o.Descending)
		op.nulls = append(op.nulls, o.NullsFirst)
	}
	return op, nil
}

func (o *sortOp) run(c *Context) ([]*batch.Batch, error) {
	in, err := o.child.run(c)
	if err != nil {
		return nil, err
	}
	all := concat(o.schema, in)
	if all.N == 0 {
		return nil, nil
	}
	keys := make([]*batch.Vector, len(o.keys))
	for i, k := range o.keys {
		if keys[i], err = k.Eval(all); err != nil {
			return nil, err
		}
	}
	idx := make([]int, all.N)
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		for k, v := range keys {
			r := compareNullable(v, idx[a], v, idx[b], o.nulls[k])
			if o.desc[k] && !(v.IsNull(idx[a]) || v.IsNull(idx[b])) {
				r = -r
			}
			if r != 0 {
				return r < 0
			}
		}
		return false
	})
	return []*batch.Batch{all.Take(idx)}, nil
}

type limitOp struct {
	child  operator
	n      int
	global bool // streaming append: the limit counts across batches
	seen   int
	schema *types.StructType
}

func (o *limitOp) run(c *Context) ([]*batch.Batch, error) {
	in, err := o.child.run(c)
	if err != nil {
		return nil, err
	}
	left := o.n
	if o.global {
		left = o.n - o.seen
	}
	var out []*batch.Batch
	for _, b := range in {
		if left <= 0 {
			break
		}
		if b.N <= left {
			out = append(out, b)
			left -= b.N
			continue
		}
		idx := make([]int, left)
		for i := range idx {
			idx[i] = i
		}
		out = append(out, b.Take(idx))
		left = 0
	}
	if o.global {
		o.seen = o.n - left
	}
	return out, nil
}

// windows gives each row once per window containing its time (null times: no window).
func (o *generateOp) windows(in []*batch.Batch) ([]*batch.Batch, error) {
	w := o.node.Window
	out := make([]*batch.Batch, 0, len(in))
	for _, b := range in {
		tv, err := o.arg.Eval(b)
		if err != nil {
			return nil, err
		}
		idx := make([]int, 0, b.N)
		wv := batch.NewVector(plan.WindowType(), b.N)
		for i := 0; i < b.N; i++ {
			if tv.IsNull(i) {
				continue
			}
			t := tv.I64[i]
			last := t - floorMod(t-w.Start, w.Slide)
			// Oldest window first, as Spark's expansion orders them.
			first := last
			for first-w.Slide+w.Size > t {
				first -= w.Slide
			}
			for s := first; s <= last; s += w.Slide {
				idx = append(idx, i)
				wv.Append([]any{s, s + w.Size})
			}
		}
		if len(idx) == 0 {
			continue
		}
		rep := b.Take(idx)
		cols := append(append([]*batch.Vector{}, rep.Cols...), wv)
		out = append(out, &batch.Batch{Schema: o.node.Out, Cols: cols, N: len(idx)})
	}
	return out, nil
}
