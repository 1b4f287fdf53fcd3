package exec

import (
	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/types"
)

// The state side of accumulators: each saves a slot's partial result as a few internal
// values (the value row kept in the state store) and loads it back after a restart.

func (a *countAcc) stateTypes() []types.DataType     { return []types.DataType{types.LongType} }
func (a *countAcc) save(g int32, dst []any) []any    { return append(dst, a.n[g]) }
func (a *countAcc) load(g int32, vals []any)         { a.n[g] = vals[0].(int64) }
func (a *sumLongAcc) stateTypes() []types.DataType   { return []types.DataType{types.LongType} }
func (a *sumDoubleAcc) stateTypes() []types.DataType { return []types.DataType{types.DoubleType} }
func (a *avgAcc) stateTypes() []types.DataType {
	return []types.DataType{types.DoubleType, types.LongType}
}
func (a *minMaxAcc[T]) stateTypes() []types.DataType  { return []types.DataType{a.t} }
func (a *genericMinMax) stateTypes() []types.DataType { return []types.DataType{a.t} }
func (a *firstLastAcc) stateTypes() []types.DataType  { return []types.DataType{a.t, types.BooleanType} }
func (a *collectAcc) stateTypes() []types.DataType    { return []types.DataType{a.t} }
func (a *distinctAcc) stateTypes() []types.DataType {
	return []types.DataType{types.NewArrayType(types.BinaryType)}
}
func (a *avgAcc) save(g int32, dst []any) []any        { return append(dst, a.sum[g], a.n[g]) }
func (a *avgAcc) load(g int32, vals []any)             { a.sum[g], a.n[g] = vals[0].(float64), vals[1].(int64) }
func (a *firstLastAcc) load(g int32, vals []any)       { a.vals[g], a.has[g] = vals[0], vals[1].(bool) }
func (a *firstLastAcc) save(g int32, dst []any) []any  { return append(dst, a.vals[g], a.has[g]) }
func (a *genericMinMax) save(g int32, dst []any) []any { return append(dst, a.vals.Get(int(g))) }

func (a *sumLongAcc) save(g int32, dst []any) []any {
	if !a.has[g] {
		return append(dst, nil)
	}
	return append(dst, a.v[g])
}

func (a *sumLongAcc) load(g int32, vals []any) {
	if vals[0] != nil {
		a.v[g], a.has[g] = vals[0].(int64), true
	}
}

func (a *sumDoubleAcc) save(g int32, dst []any) []any {
	if !a.has[g] {
		return append(dst, nil)
	}
	return append(dst, a.v[g])
}

func (a *sumDoubleAcc) load(g int32, vals []any) {
	if vals[0] != nil {
		a.v[g], a.has[g] = vals[0].(float64), true
	}
}

func (a *minMaxAcc[T]) save(g int32, dst []any) []any {
	if !a.has[g] {
		return append(dst, nil)
	}
	return append(dst, any(a.vals[g]))
}

func (a *minMaxAcc[T]) load(g int32, vals []any) {
	if vals[0] != nil {
		a.vals[g], a.has[g] = vals[0].(T), true
	}
}

func (a *genericMinMax) load(g int32, vals []any) {
	if vals[0] == nil {
		return
	}
	v := batch.NewVector(a.t, 1)
	v.Append(vals[0])
	setFrom(a.vals, int(g), v, 0)
	a.has[g] = true
}

func (a *collectAcc) save(g int32, dst []any) []any {
	return append(dst, append([]any{}, a.vals[g]...))
}

func (a *collectAcc) load(g int32, vals []any) {
	if vals[0] == nil {
		return
	}
	for _, x := range vals[0].([]any) {
		a.add(g, x, nil)
	}
}

func (a *distinctAcc) save(g int32, dst []any) []any {
	keys := make([]any, 0, len(a.seen[g]))
	for k := range a.seen[g] {
		keys = append(keys, []byte(k))
	}
	return append(dst, keys)
}

func (a *distinctAcc) load(g int32, vals []any) {
	if vals[0] == nil {
		return
	}
	for _, k := range vals[0].([]any) {
		if a.seen[g] == nil {
			a.seen[g] = map[string]struct{}{}
		}
		a.seen[g][string(k.([]byte))] = struct{}{}
	}
}

func (a *byAcc) stateTypes() []types.DataType { return []types.DataType{a.t, a.ordT} }

// save keeps x and its ord; a slot without a row saves a null ord.
func (a *byAcc) save(g int32, dst []any) []any {
	return append(dst, a.vals.Get(int(g)), a.ords.Get(int(g)))
}

func (a *byAcc) load(g int32, vals []any) {
	if vals[1] == nil {
		return
	}
	x, ord := batch.NewVector(a.t, 1), batch.NewVector(a.ordT, 1)
	x.Append(vals[0])
	ord.Append(vals[1])
	a.put(g, x, ord, 0)
}
