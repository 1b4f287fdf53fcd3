package expr

import (
	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/types"
)

// newVec returns a vector of type t holding n zero rows, its typed slice already sized
// so that kernels can assign by index.
func newVec(t types.DataType, n int) *batch.Vector {
	v := &batch.Vector{Type: t}
	switch t.ID() {
	case types.StringID:
		v.Str = make([]string, n)
	case types.IntegerID, types.DateID:
		v.I32 = make([]int32, n)
	case types.LongID, types.TimestampID:
		v.I64 = make([]int64, n)
	case types.DoubleID:
		v.F64 = make([]float64, n)
	case types.FloatID:
		v.F32 = make([]float32, n)
	case types.BooleanID:
		v.Bool = make([]bool, n)
	case types.BinaryID:
		v.Bytes = make([][]byte, n)
	case types.StructID:
		st := t.(*types.StructType)
		v.Children = make([]*batch.Vector, len(st.Fields))
		for i, f := range st.Fields {
			v.Children[i] = newVec(f.DataType, n)
		}
	default:
		v.Any = make([]any, n)
	}
	v.SetLen(n)
	return v
}

// orNulls returns the union of the null masks of vs over n rows, or nil when none has
// nulls. The result is a fresh slice the caller may change.
func orNulls(n int, vs ...*batch.Vector) []bool {
	var out []bool
	for _, v := range vs {
		if v.Nulls == nil {
			continue
		}
		if out == nil {
			out = make([]bool, n)
			copy(out, v.Nulls[:n])
			continue
		}
		for i, x := range v.Nulls[:n] {
			if x {
				out[i] = true
			}
		}
	}
	return out
}

// setNull marks row i of v null, allocating its mask for n rows if needed.
func setNull(v *batch.Vector, i int) {
	if v.Nulls == nil {
		v.Nulls = make([]bool, v.Len())
	}
	v.Nulls[i] = true
}

// setValue stores a boxed internal value at row i of a vector built by newVec.
func setValue(v *batch.Vector, i int, x any) {
	if x == nil {
		setNull(v, i)
		return
	}
	switch v.Type.ID() {
	case types.StringID:
		v.Str[i] = x.(string)
	case types.IntegerID, types.DateID:
		v.I32[i] = x.(int32)
	case types.LongID, types.TimestampID:
		v.I64[i] = x.(int64)
	case types.DoubleID:
		v.F64[i] = x.(float64)
	case types.FloatID:
		v.F32[i] = x.(float32)
	case types.BooleanID:
		v.Bool[i] = x.(bool)
	case types.BinaryID:
		v.Bytes[i] = x.([]byte)
	case types.StructID:
		fields := x.([]any)
		for j, c := range v.Children {
			setValue(c, i, fields[j])
		}
	default:
		v.Any[i] = x
	}
}

// constVec returns a vector of n copies of the internal value x (nil for null).
func constVec(t types.DataType, x any, n int) *batch.Vector {
	v := newVec(t, n)
	if x == nil {
		v.Nulls = make([]bool, n)
		for i := range v.Nulls {
			v.Nulls[i] = true
		}
		if t.ID() == types.StructID {
			for _, c := range v.Children {
				c.Nulls = v.Nulls
			}
		}
		return v
	}
	switch t.ID() {
	case types.StringID:
		s := x.(string)
		for i := range v.Str {
			v.Str[i] = s
		}
	case types.IntegerID, types.DateID:
		c := x.(int32)
		for i := range v.I32 {
			v.I32[i] = c
		}
	case types.LongID, types.TimestampID:
		c := x.(int64)
		for i := range v.I64 {
			v.I64[i] = c
		}
	case types.DoubleID:
		c := x.(float64)
		for i := range v.F64 {
			v.F64[i] = c
		}
	case types.FloatID:
		c := x.(float32)
		for i := range v.F32 {
			v.F32[i] = c
		}
	case types.BooleanID:
		c := x.(bool)
		for i := range v.Bool {
			v.Bool[i] = c
		}
	default:
		for i := 0; i < n; i++ {
			setValue(v, i, x)
		}
	}
	return v
}

// withNulls returns a shallow copy of v whose null mask is nulls; the data slices are
// shared, so neither may be written afterwards.
func withNulls(v *batch.Vector, nulls []bool) *batch.Vector {
	c := *v
	c.Nulls = nulls
	return &c
}
