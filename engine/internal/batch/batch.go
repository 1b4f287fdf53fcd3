// Package batch holds the engine's columnar data: a Batch is a schema plus one typed
// Vector per column. Operators work on whole vectors; values are boxed (Get/Append) only
// at the edges (rows for users, display, slow generic paths).
package batch

import (
	"fmt"

	"github.com/runnel-go/runnel/engine/types"
)

// Vector is one column. Exactly one of the typed slices is used, chosen by Type.ID():
//
//	string          Str
//	integer, date   I32 (dates: days since the epoch)
//	long, timestamp I64 (timestamps: microseconds since the epoch, UTC)
//	double          F64
//	float           F32
//	boolean         Bool
//	binary          Bytes
//	array           Any, each a []any of internal values (nil for null)
//	map             Any, each a *MapValue
//	struct          Children, one vector per field
//	interval        Any, each an Interval
//
// Nulls[i] is true when row i is null; a nil Nulls means no nulls.
type Vector struct {
	Type     types.DataType
	Nulls    []bool
	Str      []string
	I32      []int32
	I64      []int64
	F64      []float64
	F32      []float32
	Bool     []bool
	Bytes    [][]byte
	Any      []any
	Children []*Vector
	n        int
}

// MapValue is a map's internal value: keys and values in insertion order, as Spark keeps them.
type MapValue struct {
	Keys   []any
	Values []any
}

// Interval is a CalendarInterval: months, days and microseconds.
type Interval struct {
	Months int32
	Days   int32
	Micros int64
}

// NewVector returns an empty vector of type t with room for capacity rows.
func NewVector(t types.DataType, capacity int) *Vector {
	v := &Vector{Type: t}
	switch t.ID() {
	case types.StringID:
		v.Str = make([]string, 0, capacity)
	case types.IntegerID, types.DateID:
		v.I32 = make([]int32, 0, capacity)
	case types.LongID, types.TimestampID:
		v.I64 = make([]int64, 0, capacity)
	case types.DoubleID:
		v.F64 = make([]float64, 0, capacity)
	case types.FloatID:
		v.F32 = make([]float32, 0, capacity)
	case types.BooleanID:
		v.Bool = make([]bool, 0, capacity)
	case types.BinaryID:
		v.Bytes = make([][]byte, 0, capacity)
	case types.StructID:
		st := t.(*types.StructType)
		v.Children = make([]*Vector, len(st.Fields))
		for i, f := range st.Fields {
			v.Children[i] = NewVector(f.DataType, capacity)
		}
	default:
		v.Any = make([]any, 0, capacity)
	}
	return v
}

// Len is the number of rows.
func (v *Vector) Len() int { return v.n }

// SetLen sets the row count after the typed slice was filled directly.
func (v *Vector) SetLen(n int) { v.n = n }

// IsNull reports whether row i is null.
func (v *Vector) IsNull(i int) bool { return v.Nulls != nil && v.Nulls[i] }

// SetNull marks row i null, allocating Nulls on first use.
func (v *Vector) SetNull(i int) {
	if v.Nulls == nil {
		v.Nulls = make([]bool, v.n, max(v.n, cap(v.I64), cap(v.Str), cap(v.F64), cap(v.I32)))
	}
	v.Nulls[i] = true
}

// AppendNull appends a null row.
func (v *Vector) AppendNull() {
	v.appendZero()
	if v.Nulls == nil {
		v.Nulls = make([]bool, v.n)
	}
	v.Nulls[v.n-1] = true
}

func (v *Vector) appendZero() {
	switch v.Type.ID() {
	case types.StringID:
		v.Str = append(v.Str, "")
	case types.IntegerID, types.DateID:
		v.I32 = append(v.I32, 0)
	case types.LongID, types.TimestampID:
		v.I64 = append(v.I64, 0)
	case types.DoubleID:
		v.F64 = append(v.F64, 0)
	case types.FloatID:
		v.F32 = append(v.F32, 0)
	case types.BooleanID:
		v.Bool = append(v.Bool, false)
	case types.BinaryID:
		v.Bytes = append(v.Bytes, nil)
	case types.StructID:
		for _, c := range v.Children {
			c.AppendNull()
		}
	default:
		v.Any = append(v.Any, nil)
	}
	v.n++
	if v.Nulls != nil {
		v.Nulls = append(v.Nulls, false)
	}
}

// Append appends an internal value (see Vector; nil is null). A struct takes a []any of
// field values. It panics on a value of the wrong Go type: callers convert first.
func (v *Vector) Append(x any) {
	if x == nil {
		v.AppendNull()
		return
	}
	switch v.Type.ID() {
	case types.StringID:
		v.Str = append(v.Str, x.(string))
	case types.IntegerID, types.DateID:
		v.I32 = append(v.I32, x.(int32))
	case types.LongID, types.TimestampID:
		v.I64 = append(v.I64, x.(int64))
	case types.DoubleID:
		v.F64 = append(v.F64, x.(float64))
	case types.FloatID:
		v.F32 = append(v.F32, x.(float32))
	case types.BooleanID:
		v.Bool = append(v.Bool, x.(bool))
	case types.BinaryID:
		v.Bytes = append(v.Bytes, x.([]byte))
	case types.StructID:
		fields := x.([]any)
		for i, c := range v.Children {
			c.Append(fields[i])
		}
	default:
		v.Any = append(v.Any, x)
	}
	v.n++
	if v.Nulls != nil {
		v.Nulls = append(v.Nulls, false)
	}
}

// Get returns row i as an internal value (nil for null; a struct as []any).
func (v *Vector) Get(i int) any {
	if v.IsNull(i) {
		return nil
	}
	switch v.Type.ID() {
	case types.StringID:
		return v.Str[i]
	case types.IntegerID, types.DateID:
		return v.I32[i]
	case types.LongID, types.TimestampID:
		return v.I64[i]
	case types.DoubleID:
		return v.F64[i]
	case types.FloatID:
		return v.F32[i]
	case types.BooleanID:
		return v.Bool[i]
	case types.BinaryID:
		return v.Bytes[i]
	case types.StructID:
		out := make([]any, len(v.Children))
		for j, c := range v.Children {
			out[j] = c.Get(i)
		}
		return out
	default:
		return v.Any[i]
	}
}

// Take returns a new vector holding rows idx of v, in that order.
func (v *Vector) Take(idx []int) *Vector {
	out := &Vector{Type: v.Type, n: len(idx)}
	if v.Nulls != nil {
		out.Nulls = make([]bool, len(idx))
		for j, i := range idx {
			out.Nulls[j] = v.Nulls[i]
		}
	}
	switch v.Type.ID() {
	case types.StringID:
		out.Str = gather(v.Str, idx)
	case types.IntegerID, types.DateID:
		out.I32 = gather(v.I32, idx)
	case types.LongID, types.TimestampID:
		out.I64 = gather(v.I64, idx)
	case types.DoubleID:
		out.F64 = gather(v.F64, idx)
	case types.FloatID:
		out.F32 = gather(v.F32, idx)
	case types.BooleanID:
		out.Bool = gather(v.Bool, idx)
	case types.BinaryID:
		out.Bytes = gather(v.Bytes, idx)
	case types.StructID:
		out.Children = make([]*Vector, len(v.Children))
		for i, c := range v.Children {
			out.Children[i] = c.Take(idx)
		}
	default:
		out.Any = gather(v.Any, idx)
	}
	return out
}

func gather[T any](src []T, idx []int) []T {
	out := make([]T, len(idx))
	for j, i := range idx {
		out[j] = src[i]
	}
	return out
}

// AppendVector appends all rows of w (same type) to v.
func (v *Vector) AppendVector(w *Vector) {
	if w.n == 0 {
		return
	}
	if w.Nulls != nil && v.Nulls == nil {
		v.Nulls = make([]bool, v.n, v.n+w.n)
	}
	if v.Nulls != nil {
		if w.Nulls != nil {
			v.Nulls = append(v.Nulls, w.Nulls...)
		} else {
			v.Nulls = append(v.Nulls, make([]bool, w.n)...)
		}
	}
	switch v.Type.ID() {
	case types.StringID:
		v.Str = append(v.Str, w.Str...)
	case types.IntegerID, types.DateID:
		v.I32 = append(v.I32, w.I32...)
	case types.LongID, types.TimestampID:
		v.I64 = append(v.I64, w.I64...)
	case types.DoubleID:
		v.F64 = append(v.F64, w.F64...)
	case types.FloatID:
		v.F32 = append(v.F32, w.F32...)
	case types.BooleanID:
		v.Bool = append(v.Bool, w.Bool...)
	case types.BinaryID:
		v.Bytes = append(v.Bytes, w.Bytes...)
	case types.StructID:
		for i, c := range v.Children {
			c.AppendVector(w.Children[i])
		}
	default:
		v.Any = append(v.Any, w.Any...)
	}
	v.n += w.n
}

// Batch is a set of rows held column by column.
type Batch struct {
	Schema *types.StructType
	Cols   []*Vector
	N      int
}

// New returns an empty batch of schema with room for capacity rows.
func New(schema *types.StructType, capacity int) *Batch {
	b := &Batch{Schema: schema, Cols: make([]*Vector, len(schema.Fields))}
	for i, f := range schema.Fields {
		b.Cols[i] = NewVector(f.DataType, capacity)
	}
	return b
}

// FromVectors builds a batch from columns of equal length.
func FromVectors(schema *types.StructType, cols []*Vector) (*Batch, error) {
	if len(cols) != len(schema.Fields) {
		return nil, fmt.Errorf("batch: %d columns for a schema of %d fields", len(cols), len(schema.Fields))
	}
	n := 0
	for i, c := range cols {
		if i == 0 {
			n = c.Len()
		} else if c.Len() != n {
			return nil, fmt.Errorf("batch: column %q has %d rows, want %d", schema.Fields[i].Name, c.Len(), n)
		}
	}
	return &Batch{Schema: schema, Cols: cols, N: n}, nil
}

// AppendRow appends one row of internal values.
func (b *Batch) AppendRow(vals []any) {
	for i, c := range b.Cols {
		c.Append(vals[i])
	}
	b.N++
}

// Row returns row i as internal values.
func (b *Batch) Row(i int) []any {
	out := make([]any, len(b.Cols))
	for j, c := range b.Cols {
		out[j] = c.Get(i)
	}
	return out
}

// Take returns the rows idx of b.
func (b *Batch) Take(idx []int) *Batch {
	out := &Batch{Schema: b.Schema, Cols: make([]*Vector, len(b.Cols)), N: len(idx)}
	for i, c := range b.Cols {
		out.Cols[i] = c.Take(idx)
	}
	return out
}

// Concat joins batches of one schema into one.
func Concat(schema *types.StructType, bs []*Batch) *Batch {
	if len(bs) == 1 {
		return bs[0]
	}
	total := 0
	for _, b := range bs {
		total += b.N
	}
	out := New(schema, total)
	for _, b := range bs {
		for i, c := range out.Cols {
			c.AppendVector(b.Cols[i])
		}
		out.N += b.N
	}
	return out
}
