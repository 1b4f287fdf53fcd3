package exec

import (
	"cmp"
	"fmt"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/internal/plan"
	"github.com/runnel-go/runnel/engine/types"
)

// accumulator holds one aggregate's partial results in typed slices indexed by group slot.
type accumulator interface {
	// grow makes room for n slots.
	grow(n int)
	// reset empties slot g (a reused slot).
	reset(g int32)
	// update adds row i of arg to slot gids[i] for every row with gids[i] >= 0; arg is nil
	// for count(*).
	update(gids []int32, arg *batch.Vector)
	// merge adds src's slot s (an accumulator of the same kind) into slot g.
	merge(g int32, src accumulator, s int32)
	// result builds the output vector for slots.
	result(slots []int32) *batch.Vector
	// bytesPerSlot estimates memory per slot.
	bytesPerSlot() int64
	// stateTypes are the types of the values save gives for a slot.
	stateTypes() []types.DataType
	// save appends slot g's partial result to dst; load sets a reset slot from them.
	save(g int32, dst []any) []any
	load(g int32, vals []any)
}

func newAccumulator(a plan.AggCall) (accumulator, error) {
	if a.Distinct && a.Func != "count" {
		return nil, fmt.Errorf("%s(DISTINCT ...) is not supported", a.Func)
	}
	switch a.Func {
	case "count":
		if a.Distinct {
			return &distinctAcc{}, nil
		}
		return &countAcc{}, nil
	case "approx_count_distinct":
		return &distinctAcc{}, nil
	case "sum":
		if a.Type.ID() == types.LongID {
			return &sumLongAcc{}, nil
		}
		return &sumDoubleAcc{}, nil
	case "avg":
		return &avgAcc{}, nil
	case "min", "max":
		return newMinMax(a.ArgType, a.Func == "max"), nil
	case "first", "last":
		return &firstLastAcc{t: a.ArgType, last: a.Func == "last", ignoreNulls: a.IgnoreNulls}, nil
	case "collect_list", "collect_set":
		return &collectAcc{t: a.Type, set: a.Func == "collect_set"}, nil
	case "max_by", "min_by":
		st, ok := a.ArgType.(*types.StructType)
		if !ok || len(st.Fields) != 2 {
			return nil, fmt.Errorf("%s: argument of type %s, want struct(x, ord)", a.Func, a.ArgType.SimpleString())
		}
		return &byAcc{t: st.Fields[0].DataType, ordT: st.Fields[1].DataType, isMax: a.Func == "max_by"}, nil
	}
	return nil, fmt.Errorf("unknown aggregate function %s", a.Func)
}

func growTo[T any](s []T, n int) []T {
	if len(s) >= n {
		return s
	}
	return append(s, make([]T, n-len(s))...)
}

// countAcc is count(*), count(1) and count(col).
type countAcc struct{ n []int64 }

func (a *countAcc) grow(n int)          { a.n = growTo(a.n, n) }
func (a *countAcc) reset(g int32)       { a.n[g] = 0 }
func (a *countAcc) bytesPerSlot() int64 { return 8 }
func (a *countAcc) update(gids []int32, arg *batch.Vector) {
	n := a.n
	if arg == nil || arg.Nulls == nil {
		for _, g := range gids {
			if g >= 0 {
				n[g]++
			}
		}
		return
	}
	for i, g := range gids {
		if g >= 0 && !arg.Nulls[i] {
			n[g]++
		}
	}
}
func (a *countAcc) merge(g int32, src accumulator, s int32) { a.n[g] += src.(*countAcc).n[s] }
func (a *countAcc) result(slots []int32) *batch.Vector {
	v := batch.NewVector(types.LongType, len(slots))
	for _, g := range slots {
		v.I64 = append(v.I64, a.n[g])
	}
	v.SetLen(len(slots))
	return v
}

// sumLongAcc is sum over integer and long input.
type sumLongAcc struct {
	v   []int64
	has []bool
}

func (a *sumLongAcc) grow(n int)          { a.v, a.has = growTo(a.v, n), growTo(a.has, n) }
func (a *sumLongAcc) reset(g int32)       { a.v[g], a.has[g] = 0, false }
func (a *sumLongAcc) bytesPerSlot() int64 { return 9 }
func (a *sumLongAcc) update(gids []int32, arg *batch.Vector) {
	v, has := a.v, a.has
	switch arg.Type.ID() {
	case types.LongID:
		for i, g := range gids {
			if g >= 0 && !arg.IsNull(i) {
				v[g] += arg.I64[i]
				has[g] = true
			}
		}
	case types.IntegerID:
		for i, g := range gids {
			if g >= 0 && !arg.IsNull(i) {
				v[g] += int64(arg.I32[i])
				has[g] = true
			}
		}
	}
}
func (a *sumLongAcc) merge(g int32, src accumulator, s int32) {
	o := src.(*sumLongAcc)
	if o.has[s] {
		a.v[g] += o.v[s]
		a.has[g] = true
	}
}
func (a *sumLongAcc) result(slots []int32) *batch.Vector {
	v := batch.NewVector(types.LongType, len(slots))
	for _, g := range slots {
		if a.has[g] {
			v.Append(a.v[g])
		} else {
			v.AppendNull()
		}
	}
	return v
}

// toFloat64 reads a numeric (or numeric string) vector as float64 values and validity.
func toFloat64(arg *batch.Vector, i int) (float64, bool) {
	if arg.IsNull(i) {
		return 0, false
	}
	switch arg.Type.ID() {
	case types.DoubleID:
		return arg.F64[i], true
	case types.FloatID:
		return float64(arg.F32[i]), true
	case types.LongID:
		return float64(arg.I64[i]), true
	case types.IntegerID:
		return float64(arg.I32[i]), true
	case types.StringID:
		var f float64
		if _, err := fmt.Sscan(arg.Str[i], &f); err == nil {
			return f, true
		}
	}
	return 0, false
}

// sumDoubleAcc is sum over floating-point input.
type sumDoubleAcc struct {
	v   []float64
	has []bool
}

func (a *sumDoubleAcc) grow(n int)          { a.v, a.has = growTo(a.v, n), growTo(a.has, n) }
func (a *sumDoubleAcc) reset(g int32)       { a.v[g], a.has[g] = 0, false }
func (a *sumDoubleAcc) bytesPerSlot() int64 { return 9 }
func (a *sumDoubleAcc) update(gids []int32, arg *batch.Vector) {
	v, has := a.v, a.has
	if arg.Type.ID() == types.DoubleID {
		for i, g := range gids {
			if g >= 0 && !arg.IsNull(i) {
				v[g] += arg.F64[i]
				has[g] = true
			}
		}
		return
	}
	for i, g := range gids {
		if g >= 0 {
			if x, ok := toFloat64(arg, i); ok {
				v[g] += x
				has[g] = true
			}
		}
	}
}
func (a *sumDoubleAcc) merge(g int32, src accumulator, s int32) {
	o := src.(*sumDoubleAcc)
	if o.has[s] {
		a.v[g] += o.v[s]
		a.has[g] = true
	}
}
func (a *sumDoubleAcc) result(slots []int32) *batch.Vector {
	v := batch.NewVector(types.DoubleType, len(slots))
	for _, g := range slots {
		if a.has[g] {
			v.Append(a.v[g])
		} else {
			v.AppendNull()
		}
	}
	return v
}

// avgAcc is avg/mean: a double sum and a count.
type avgAcc struct {
	sum []float64
	n   []int64
}

func (a *avgAcc) grow(n int)          { a.sum, a.n = growTo(a.sum, n), growTo(a.n, n) }
func (a *avgAcc) reset(g int32)       { a.sum[g], a.n[g] = 0, 0 }
func (a *avgAcc) bytesPerSlot() int64 { return 16 }
func (a *avgAcc) update(gids []int32, arg *batch.Vector) {
	sum, n := a.sum, a.n
	switch arg.Type.ID() {
	case types.DoubleID:
		for i, g := range gids {
			if g >= 0 && !arg.IsNull(i) {
				sum[g] += arg.F64[i]
				n[g]++
			}
		}
	case types.IntegerID:
		for i, g := range gids {
			if g >= 0 && !arg.IsNull(i) {
				sum[g] += float64(arg.I32[i])
				n[g]++
			}
		}
	default:
		for i, g := range gids {
			if g >= 0 {
				if x, ok := toFloat64(arg, i); ok {
					sum[g] += x
					n[g]++
				}
			}
		}
	}
}
func (a *avgAcc) merge(g int32, src accumulator, s int32) {
	o := src.(*avgAcc)
	a.sum[g] += o.sum[s]
	a.n[g] += o.n[s]
}
func (a *avgAcc) result(slots []int32) *batch.Vector {
	v := batch.NewVector(types.DoubleType, len(slots))
	for _, g := range slots {
		if a.n[g] > 0 {
			v.Append(a.sum[g] / float64(a.n[g]))
		} else {
			v.AppendNull()
		}
	}
	return v
}

// minMaxAcc is min or max over an ordered Go type.
type minMaxAcc[T cmp.Ordered] struct {
	t     types.DataType
	isMax bool
	vals  []T
	has   []bool
	get   func(*batch.Vector) []T
	less  func(a, b T) bool
}

func newMinMax(t types.DataType, isMax bool) accumulator {
	switch t.ID() {
	case types.StringID:
		return &minMaxAcc[string]{t: t, isMax: isMax, get: func(v *batch.Vector) []string { return v.Str }, less: cmp.Less[string]}
	case types.IntegerID, types.DateID:
		return &minMaxAcc[int32]{t: t, isMax: isMax, get: func(v *batch.Vector) []int32 { return v.I32 }, less: cmp.Less[int32]}
	case types.LongID, types.TimestampID:
		return &minMaxAcc[int64]{t: t, isMax: isMax, get: func(v *batch.Vector) []int64 { return v.I64 }, less: cmp.Less[int64]}
	case types.DoubleID:
		return &minMaxAcc[float64]{t: t, isMax: isMax, get: func(v *batch.Vector) []float64 { return v.F64 },
			less: func(a, b float64) bool { return compareFloat(a, b) < 0 }}
	case types.FloatID:
		return &minMaxAcc[float32]{t: t, isMax: isMax, get: func(v *batch.Vector) []float32 { return v.F32 },
			less: func(a, b float32) bool { return compareFloat(float64(a), float64(b)) < 0 }}
	}
	return &genericMinMax{t: t, isMax: isMax}
}

func (a *minMaxAcc[T]) grow(n int)          { a.vals, a.has = growTo(a.vals, n), growTo(a.has, n) }
func (a *minMaxAcc[T]) reset(g int32)       { var z T; a.vals[g], a.has[g] = z, false }
func (a *minMaxAcc[T]) bytesPerSlot() int64 { return 17 }
func (a *minMaxAcc[T]) put(g int32, x T) {
	if !a.has[g] {
		a.vals[g], a.has[g] = x, true
		return
	}
	if a.isMax {
		if a.less(a.vals[g], x) {
			a.vals[g] = x
		}
	} else if a.less(x, a.vals[g]) {
		a.vals[g] = x
	}
}
func (a *minMaxAcc[T]) update(gids []int32, arg *batch.Vector) {
	xs := a.get(arg)
	for i, g := range gids {
		if g >= 0 && !arg.IsNull(i) {
			a.put(g, xs[i])
		}
	}
}
func (a *minMaxAcc[T]) merge(g int32, src accumulator, s int32) {
	o := src.(*minMaxAcc[T])
	if o.has[s] {
		a.put(g, o.vals[s])
	}
}
func (a *minMaxAcc[T]) result(slots []int32) *batch.Vector {
	v := batch.NewVector(a.t, len(slots))
	for _, g := range slots {
		if a.has[g] {
			v.Append(any(a.vals[g]))
		} else {
			v.AppendNull()
		}
	}
	return v
}

// genericMinMax handles the remaining types (boolean, structs, arrays) through vectors.
type genericMinMax struct {
	t     types.DataType
	isMax bool
	vals  *batch.Vector
	has   []bool
}

func (a *genericMinMax) grow(n int) {
	if a.vals == nil {
		a.vals = batch.NewVector(a.t, n)
	}
	for a.vals.Len() < n {
		a.vals.AppendNull()
	}
	a.has = growTo(a.has, n)
}
func (a *genericMinMax) reset(g int32)       { a.has[g] = false; a.vals.SetNull(int(g)) }
func (a *genericMinMax) bytesPerSlot() int64 { return 32 }
func (a *genericMinMax) putFrom(g int32, v *batch.Vector, i int) {
	if v.IsNull(i) {
		return
	}
	if a.has[g] {
		c := compareAt(v, i, a.vals, int(g))
		if (a.isMax && c <= 0) || (!a.isMax && c >= 0) {
			return
		}
	}
	setFrom(a.vals, int(g), v, i)
	a.has[g] = true
}
func (a *genericMinMax) update(gids []int32, arg *batch.Vector) {
	for i, g := range gids {
		if g >= 0 {
			a.putFrom(g, arg, i)
		}
	}
}
func (a *genericMinMax) merge(g int32, src accumulator, s int32) {
	o := src.(*genericMinMax)
	if o.has[s] {
		a.putFrom(g, o.vals, int(s))
	}
}
func (a *genericMinMax) result(slots []int32) *batch.Vector {
	idx := make([]int, len(slots))
	for i, g := range slots {
		idx[i] = int(g)
	}
	return a.vals.Take(idx)
}

// byAcc is max_by(x, ord) and min_by(x, ord): the x of the row with the largest
// (smallest) ord, rows whose ord is null skipped; its argument is struct(x, ord). As in
// Spark's MaxMinBy, a later row wins a tie.
type byAcc struct {
	t, ordT    types.DataType
	isMax      bool
	vals, ords *batch.Vector
	has        []bool
}

func (a *byAcc) grow(n int) {
	if a.vals == nil {
		a.vals, a.ords = batch.NewVector(a.t, n), batch.NewVector(a.ordT, n)
	}
	for a.vals.Len() < n {
		a.vals.AppendNull()
		a.ords.AppendNull()
	}
	a.has = growTo(a.has, n)
}
func (a *byAcc) reset(g int32) {
	a.has[g] = false
	a.vals.SetNull(int(g))
	a.ords.SetNull(int(g))
}
func (a *byAcc) bytesPerSlot() int64 { return 64 }

// put takes row i of x and ord unless slot g holds a better ord.
func (a *byAcc) put(g int32, x, ord *batch.Vector, i int) {
	if ord.IsNull(i) {
		return
	}
	if a.has[g] {
		c := compareAt(ord, i, a.ords, int(g))
		if (a.isMax && c < 0) || (!a.isMax && c > 0) {
			return
		}
	}
	setFrom(a.vals, int(g), x, i)
	setFrom(a.ords, int(g), ord, i)
	a.has[g] = true
}
func (a *byAcc) update(gids []int32, arg *batch.Vector) {
	x, ord := arg.Children[0], arg.Children[1]
	for i, g := range gids {
		if g >= 0 {
			a.put(g, x, ord, i)
		}
	}
}
func (a *byAcc) merge(g int32, src accumulator, s int32) {
	o := src.(*byAcc)
	if o.has[s] {
		a.put(g, o.vals, o.ords, int(s))
	}
}
func (a *byAcc) result(slots []int32) *batch.Vector {
	idx := make([]int, len(slots))
	for i, g := range slots {
		idx[i] = int(g)
	}
	return a.vals.Take(idx)
}

// firstLastAcc is first/last (nulls included, as Spark's default ignoreNulls=false).
type firstLastAcc struct {
	t           types.DataType
	last        bool
	ignoreNulls bool
	vals        []any
	has         []bool
}

func (a *firstLastAcc) grow(n int)          { a.vals, a.has = growTo(a.vals, n), growTo(a.has, n) }
func (a *firstLastAcc) reset(g int32)       { a.vals[g], a.has[g] = nil, false }
func (a *firstLastAcc) bytesPerSlot() int64 { return 32 }
func (a *firstLastAcc) update(gids []int32, arg *batch.Vector) {
	for i, g := range gids {
		if g >= 0 && (a.last || !a.has[g]) && !(a.ignoreNulls && arg.IsNull(i)) {
			a.vals[g], a.has[g] = arg.Get(i), true
		}
	}
}
func (a *firstLastAcc) merge(g int32, src accumulator, s int32) {
	o := src.(*firstLastAcc)
	if o.has[s] && (a.last || !a.has[g]) {
		a.vals[g], a.has[g] = o.vals[s], true
	}
}
func (a *firstLastAcc) result(slots []int32) *batch.Vector {
	v := batch.NewVector(a.t, len(slots))
	for _, g := range slots {
		v.Append(a.vals[g])
	}
	return v
}

// collectAcc is collect_list and collect_set (nulls skipped, as Spark does).
type collectAcc struct {
	t    types.DataType
	set  bool
	vals [][]any
	seen []map[string]struct{}
}

func (a *collectAcc) grow(n int) {
	a.vals = growTo(a.vals, n)
	if a.set {
		a.seen = growTo(a.seen, n)
	}
}
func (a *collectAcc) reset(g int32) {
	a.vals[g] = nil
	if a.set {
		a.seen[g] = nil
	}
}
func (a *collectAcc) bytesPerSlot() int64 { return 64 }
func (a *collectAcc) add(g int32, x any, t types.DataType) {
	if a.set {
		k := fmt.Sprintf("%#v", x)
		if a.seen[g] == nil {
			a.seen[g] = map[string]struct{}{}
		}
		if _, ok := a.seen[g][k]; ok {
			return
		}
		a.seen[g][k] = struct{}{}
	}
	a.vals[g] = append(a.vals[g], x)
}
func (a *collectAcc) update(gids []int32, arg *batch.Vector) {
	for i, g := range gids {
		if g >= 0 && !arg.IsNull(i) {
			a.add(g, arg.Get(i), arg.Type)
		}
	}
}
func (a *collectAcc) merge(g int32, src accumulator, s int32) {
	o := src.(*collectAcc)
	for _, x := range o.vals[s] {
		a.add(g, x, nil)
	}
}
func (a *collectAcc) result(slots []int32) *batch.Vector {
	v := batch.NewVector(a.t, len(slots))
	for _, g := range slots {
		out := append([]any{}, a.vals[g]...)
		v.Append(out)
	}
	return v
}

// distinctAcc counts distinct non-null values exactly; it serves count(DISTINCT x) and
// approx_count_distinct (whose result is then exact, within any error bound asked for).
type distinctAcc struct {
	seen []map[string]struct{}
}

func (a *distinctAcc) grow(n int)          { a.seen = growTo(a.seen, n) }
func (a *distinctAcc) reset(g int32)       { a.seen[g] = nil }
func (a *distinctAcc) bytesPerSlot() int64 { return 64 }
func (a *distinctAcc) update(gids []int32, arg *batch.Vector) {
	var buf []byte
	for i, g := range gids {
		if g < 0 || arg.IsNull(i) || anyChildNull(arg, i) {
			continue
		}
		buf = encodeKey(buf[:0], arg, i)
		if a.seen[g] == nil {
			a.seen[g] = map[string]struct{}{}
		}
		if _, ok := a.seen[g][string(buf)]; !ok {
			a.seen[g][string(buf)] = struct{}{}
		}
	}
}
func (a *distinctAcc) merge(g int32, src accumulator, s int32) {
	o := src.(*distinctAcc)
	if len(o.seen[s]) == 0 {
		return
	}
	if a.seen[g] == nil {
		a.seen[g] = map[string]struct{}{}
	}
	for k := range o.seen[s] {
		a.seen[g][k] = struct{}{}
	}
}
func (a *distinctAcc) result(slots []int32) *batch.Vector {
	v := batch.NewVector(types.LongType, len(slots))
	for _, g := range slots {
		v.Append(int64(len(a.seen[g])))
	}
	return v
}

// anyChildNull reports a struct row with a null field (count(DISTINCT a, b) skips those).
func anyChildNull(v *batch.Vector, i int) bool {
	for _, c := range v.Children {
		if c.IsNull(i) {
			return true
		}
	}
	return false
}
