package exec

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"math"
	"strings"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/types"
)

// appendFrom appends row i of src to dst (same type) without boxing atomic values.
func appendFrom(dst, src *batch.Vector, i int) {
	if src.IsNull(i) {
		dst.AppendNull()
		return
	}
	switch src.Type.ID() {
	case types.StringID:
		dst.Str = append(dst.Str, src.Str[i])
	case types.IntegerID, types.DateID:
		dst.I32 = append(dst.I32, src.I32[i])
	case types.LongID, types.TimestampID:
		dst.I64 = append(dst.I64, src.I64[i])
	case types.DoubleID:
		dst.F64 = append(dst.F64, src.F64[i])
	default:
		dst.Append(src.Get(i))
		return
	}
	dst.SetLen(dst.Len() + 1)
	if dst.Nulls != nil {
		dst.Nulls = append(dst.Nulls, false)
	}
}

// setFrom overwrites row di of dst with row si of src (same type).
func setFrom(dst *batch.Vector, di int, src *batch.Vector, si int) {
	null := src.IsNull(si)
	if null {
		dst.SetNull(di)
	} else if dst.Nulls != nil {
		dst.Nulls[di] = false
	}
	switch src.Type.ID() {
	case types.StringID:
		if !null {
			dst.Str[di] = src.Str[si]
		}
	case types.IntegerID, types.DateID:
		if !null {
			dst.I32[di] = src.I32[si]
		}
	case types.LongID, types.TimestampID:
		if !null {
			dst.I64[di] = src.I64[si]
		}
	case types.DoubleID:
		if !null {
			dst.F64[di] = src.F64[si]
		}
	case types.FloatID:
		if !null {
			dst.F32[di] = src.F32[si]
		}
	case types.BooleanID:
		if !null {
			dst.Bool[di] = src.Bool[si]
		}
	case types.BinaryID:
		if !null {
			dst.Bytes[di] = src.Bytes[si]
		}
	case types.StructID:
		for j, c := range dst.Children {
			setFrom(c, di, src.Children[j], si)
		}
	default:
		if !null {
			dst.Any[di] = src.Any[si]
		}
	}
}

// takeOrNull gathers rows idx of v; an index of -1 gives a null.
func takeOrNull(v *batch.Vector, idx []int) *batch.Vector {
	hasNeg := false
	for _, i := range idx {
		if i < 0 {
			hasNeg = true
			break
		}
	}
	if !hasNeg {
		return v.Take(idx)
	}
	out := batch.NewVector(v.Type, len(idx))
	for _, i := range idx {
		if i < 0 {
			out.AppendNull()
		} else {
			appendFrom(out, v, i)
		}
	}
	return out
}

// encodeKey appends a self-delimiting, type-tagged encoding of row i of v to buf, so that
// equal keys (as Spark compares grouping keys) give equal bytes.
func encodeKey(buf []byte, v *batch.Vector, i int) []byte {
	if v.IsNull(i) {
		return append(buf, 0)
	}
	buf = append(buf, 1)
	switch v.Type.ID() {
	case types.StringID:
		s := v.Str[i]
		buf = binary.AppendUvarint(buf, uint64(len(s)))
		return append(buf, s...)
	case types.IntegerID, types.DateID:
		return binary.LittleEndian.AppendUint32(buf, uint32(v.I32[i]))
	case types.LongID, types.TimestampID:
		return binary.LittleEndian.AppendUint64(buf, uint64(v.I64[i]))
	case types.DoubleID:
		return binary.LittleEndian.AppendUint64(buf, math.Float64bits(normFloat(v.F64[i])))
	case types.FloatID:
		return binary.LittleEndian.AppendUint64(buf, math.Float64bits(normFloat(float64(v.F32[i]))))
	case types.BooleanID:
		if v.Bool[i] {
			return append(buf, 1)
		}
		return append(buf, 0)
	case types.BinaryID:
		buf = binary.AppendUvarint(buf, uint64(len(v.Bytes[i])))
		return append(buf, v.Bytes[i]...)
	case types.StructID:
		for _, c := range v.Children {
			buf = encodeKey(buf, c, i)
		}
		return buf
	}
	s := fmt.Sprintf("%#v", v.Any[i])
	buf = binary.AppendUvarint(buf, uint64(len(s)))
	return append(buf, s...)
}

// normFloat makes -0.0 equal 0.0 and all NaNs one value, as Spark's grouping does.
func normFloat(f float64) float64 {
	if f == 0 {
		return 0
	}
	if math.IsNaN(f) {
		return math.NaN()
	}
	return f
}

// compareAt compares row i of a with row j of b (same type); nulls are handled by callers.
func compareAt(a *batch.Vector, i int, b *batch.Vector, j int) int {
	switch a.Type.ID() {
	case types.StringID:
		return strings.Compare(a.Str[i], b.Str[j])
	case types.IntegerID, types.DateID:
		return cmp.Compare(a.I32[i], b.I32[j])
	case types.LongID, types.TimestampID:
		return cmp.Compare(a.I64[i], b.I64[j])
	case types.DoubleID:
		return compareFloat(a.F64[i], b.F64[j])
	case types.FloatID:
		return compareFloat(float64(a.F32[i]), float64(b.F32[j]))
	case types.BooleanID:
		x, y := a.Bool[i], b.Bool[j]
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	case types.BinaryID:
		return strings.Compare(string(a.Bytes[i]), string(b.Bytes[j]))
	case types.StructID:
		for k, c := range a.Children {
			if r := compareNullable(c, i, b.Children[k], j, true); r != 0 {
				return r
			}
		}
		return 0
	}
	return strings.Compare(fmt.Sprint(a.Any[i]), fmt.Sprint(b.Any[j]))
}

// compareFloat orders NaN above everything, as Spark does.
func compareFloat(x, y float64) int {
	xn, yn := math.IsNaN(x), math.IsNaN(y)
	switch {
	case xn && yn:
		return 0
	case xn:
		return 1
	case yn:
		return -1
	}
	return cmp.Compare(x, y)
}

func compareNullable(a *batch.Vector, i int, b *batch.Vector, j int, nullsFirst bool) int {
	an, bn := a.IsNull(i), b.IsNull(j)
	switch {
	case an && bn:
		return 0
	case an:
		if nullsFirst {
			return -1
		}
		return 1
	case bn:
		if nullsFirst {
			return 1
		}
		return -1
	}
	return compareAt(a, i, b, j)
}

// timeValues returns v's int64 micros (timestamps) or nil for another type.
func timeValues(v *batch.Vector) []int64 {
	if v.Type.ID() == types.TimestampID || v.Type.ID() == types.LongID {
		return v.I64
	}
	return nil
}

// vectorBytes estimates the memory a vector holds.
func vectorBytes(v *batch.Vector) int64 {
	n := int64(v.Len())
	switch v.Type.ID() {
	case types.StringID:
		var s int64
		for _, x := range v.Str {
			s += int64(len(x)) + 16
		}
		return s
	case types.IntegerID, types.DateID, types.FloatID:
		return 4 * n
	case types.LongID, types.TimestampID, types.DoubleID:
		return 8 * n
	case types.BooleanID:
		return n
	case types.StructID:
		var s int64
		for _, c := range v.Children {
			s += vectorBytes(c)
		}
		return s
	}
	return 32 * n
}

func batchBytes(b *batch.Batch) int64 {
	var s int64
	for _, c := range b.Cols {
		s += vectorBytes(c)
	}
	return s
}
