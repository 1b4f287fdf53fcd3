package state

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/types"
)

// RowCodec turns rows of internal values (see batch.Vector) of fixed field types into
// bytes and back. The encoding is deterministic and prefix-free, so equal rows give equal
// bytes and string(bytes) serves as a map key:
//
//	per field: 0 for null, or 1 followed by the value
//	int, date, float        4 bytes little-endian
//	long, timestamp, double 8 bytes little-endian
//	boolean                 1 byte
//	string, binary          uvarint length, bytes
//	struct                  its fields, each as above
//	array                   uvarint count, elements each as a field
//	map                     uvarint count, then key and value fields in order
//	interval                months (4), days (4), micros (8)
//
// A key codec (NewKeyCodec) also normalizes floating-point values as Spark does before
// grouping: -0.0 becomes 0.0 and every NaN the same NaN.
type RowCodec struct {
	types     []types.DataType
	normalize bool
}

// NewKeyCodec returns a codec for grouping keys (floats normalized).
func NewKeyCodec(fieldTypes []types.DataType) *RowCodec {
	return &RowCodec{types: fieldTypes, normalize: true}
}

// NewValueCodec returns a codec for state values (floats kept bit for bit).
func NewValueCodec(fieldTypes []types.DataType) *RowCodec {
	return &RowCodec{types: fieldTypes}
}

// FieldTypes lists the data types of a schema's fields, for the codec constructors.
func FieldTypes(schema *types.StructType) []types.DataType {
	out := make([]types.DataType, len(schema.Fields))
	for i, f := range schema.Fields {
		out[i] = f.DataType
	}
	return out
}

// Types are the codec's field types.
func (c *RowCodec) Types() []types.DataType { return c.types }

// errShort reports encoded bytes that end too early.
var errShort = errors.New("state: encoded row is truncated")

// AppendRow appends the encoding of vals (one internal value per field) to dst.
func (c *RowCodec) AppendRow(dst []byte, vals []any) []byte {
	for i, t := range c.types {
		dst = c.appendValue(dst, t, vals[i])
	}
	return dst
}

// AppendVectors appends the encoding of row i of cols (one vector per field) to dst,
// reading the typed slices directly: no boxing for atomic types.
func (c *RowCodec) AppendVectors(dst []byte, cols []*batch.Vector, i int) []byte {
	for f, t := range c.types {
		dst = c.appendFromVector(dst, t, cols[f], i)
	}
	return dst
}

func (c *RowCodec) appendFromVector(dst []byte, t types.DataType, v *batch.Vector, i int) []byte {
	if v.IsNull(i) {
		return append(dst, 0)
	}
	switch t.ID() {
	case types.StringID:
		dst = append(dst, 1)
		dst = binary.AppendUvarint(dst, uint64(len(v.Str[i])))
		return append(dst, v.Str[i]...)
	case types.IntegerID, types.DateID:
		return binary.LittleEndian.AppendUint32(append(dst, 1), uint32(v.I32[i]))
	case types.LongID, types.TimestampID:
		return binary.LittleEndian.AppendUint64(append(dst, 1), uint64(v.I64[i]))
	case types.DoubleID:
		return binary.LittleEndian.AppendUint64(append(dst, 1), c.float64Bits(v.F64[i]))
	case types.FloatID:
		return binary.LittleEndian.AppendUint32(append(dst, 1), c.float32Bits(v.F32[i]))
	case types.BooleanID:
		if v.Bool[i] {
			return append(dst, 1, 1)
		}
		return append(dst, 1, 0)
	case types.StructID:
		dst = append(dst, 1)
		for f, ft := range t.(*types.StructType).Fields {
			dst = c.appendFromVector(dst, ft.DataType, v.Children[f], i)
		}
		return dst
	}
	return c.appendValue(dst, t, v.Get(i))
}

func (c *RowCodec) float64Bits(f float64) uint64 {
	if c.normalize {
		if f == 0 {
			return 0
		}
		if f != f {
			return 0x7ff8000000000000
		}
	}
	return math.Float64bits(f)
}

func (c *RowCodec) float32Bits(f float32) uint32 {
	if c.normalize {
		if f == 0 {
			return 0
		}
		if f != f {
			return 0x7fc00000
		}
	}
	return math.Float32bits(f)
}

func (c *RowCodec) appendValue(dst []byte, t types.DataType, x any) []byte {
	if x == nil {
		return append(dst, 0)
	}
	dst = append(dst, 1)
	switch t.ID() {
	case types.NullID:
		return dst
	case types.StringID:
		s := x.(string)
		dst = binary.AppendUvarint(dst, uint64(len(s)))
		return append(dst, s...)
	case types.BinaryID:
		b := x.([]byte)
		dst = binary.AppendUvarint(dst, uint64(len(b)))
		return append(dst, b...)
	case types.IntegerID, types.DateID:
		return binary.LittleEndian.AppendUint32(dst, uint32(x.(int32)))
	case types.LongID, types.TimestampID:
		return binary.LittleEndian.AppendUint64(dst, uint64(x.(int64)))
	case types.DoubleID:
		return binary.LittleEndian.AppendUint64(dst, c.float64Bits(x.(float64)))
	case types.FloatID:
		return binary.LittleEndian.AppendUint32(dst, c.float32Bits(x.(float32)))
	case types.BooleanID:
		if x.(bool) {
			return append(dst, 1)
		}
		return append(dst, 0)
	case types.StructID:
		vals := x.([]any)
		for f, ft := range t.(*types.StructType).Fields {
			dst = c.appendValue(dst, ft.DataType, vals[f])
		}
		return dst
	case types.ArrayID:
		et := t.(*types.ArrayType).ElementType
		vals := x.([]any)
		dst = binary.AppendUvarint(dst, uint64(len(vals)))
		for _, e := range vals {
			dst = c.appendValue(dst, et, e)
		}
		return dst
	case types.MapID:
		mt := t.(*types.MapType)
		m := x.(*batch.MapValue)
		dst = binary.AppendUvarint(dst, uint64(len(m.Keys)))
		for k := range m.Keys {
			dst = c.appendValue(dst, mt.KeyType, m.Keys[k])
			dst = c.appendValue(dst, mt.ValueType, m.Values[k])
		}
		return dst
	case types.IntervalID:
		iv := x.(batch.Interval)
		dst = binary.LittleEndian.AppendUint32(dst, uint32(iv.Months))
		dst = binary.LittleEndian.AppendUint32(dst, uint32(iv.Days))
		return binary.LittleEndian.AppendUint64(dst, uint64(iv.Micros))
	}
	panic(fmt.Sprintf("state: cannot encode a value of type %s", t.SimpleString()))
}

// Decode returns the row encoded in src.
func (c *RowCodec) Decode(src []byte) ([]any, error) {
	out := make([]any, len(c.types))
	d := decoder{b: src}
	for i, t := range c.types {
		out[i] = d.value(t)
	}
	if d.err != nil {
		return nil, d.err
	}
	if len(d.b) != 0 {
		return nil, fmt.Errorf("state: %d bytes left after decoding a row", len(d.b))
	}
	return out, nil
}

// DecodeAppend decodes the row in src and appends it to cols (one vector per field),
// writing the typed slices directly for atomic types.
func (c *RowCodec) DecodeAppend(src []byte, cols []*batch.Vector) error {
	d := decoder{b: src}
	for i, t := range c.types {
		d.appendTo(t, cols[i])
	}
	if d.err != nil {
		return d.err
	}
	if len(d.b) != 0 {
		return fmt.Errorf("state: %d bytes left after decoding a row", len(d.b))
	}
	return nil
}

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) take(n int) []byte {
	if d.err != nil || len(d.b) < n {
		d.err = errShort
		return nil
	}
	out := d.b[:n]
	d.b = d.b[n:]
	return out
}

func (d *decoder) uvarint() int {
	if d.err != nil {
		return 0
	}
	n, k := binary.Uvarint(d.b)
	if k <= 0 || n > uint64(len(d.b)) {
		d.err = errShort
		return 0
	}
	if k > 1 && d.b[k-1] == 0 {
		// Not the shortest form: no encoder writes it, so the bytes are corrupt.
		d.err = errors.New("state: corrupt encoded row: non-canonical length")
		return 0
	}
	d.b = d.b[k:]
	return int(n)
}

func (d *decoder) present() bool {
	return d.flag()
}

// flag reads a 0/1 byte; anything else is corrupt data.
func (d *decoder) flag() bool {
	p := d.take(1)
	if p == nil {
		return false
	}
	if p[0] > 1 {
		d.err = fmt.Errorf("state: corrupt encoded row: flag byte %d", p[0])
		return false
	}
	return p[0] == 1
}

func (d *decoder) u32() uint32 {
	if p := d.take(4); p != nil {
		return binary.LittleEndian.Uint32(p)
	}
	return 0
}

func (d *decoder) u64() uint64 {
	if p := d.take(8); p != nil {
		return binary.LittleEndian.Uint64(p)
	}
	return 0
}

// appendTo decodes one field into v.
func (d *decoder) appendTo(t types.DataType, v *batch.Vector) {
	if d.err != nil {
		return
	}
	if t.ID() == types.StructID {
		if !d.present() {
			v.AppendNull()
			return
		}
		// Struct children are filled field by field; the struct's own row count follows.
		for f, ft := range t.(*types.StructType).Fields {
			d.appendTo(ft.DataType, v.Children[f])
		}
		n := v.Len() + 1
		if v.Nulls != nil {
			v.Nulls = append(v.Nulls, false)
		}
		v.SetLen(n)
		return
	}
	x := d.value(t)
	if d.err == nil {
		v.Append(x)
	}
}

func (d *decoder) value(t types.DataType) any {
	if !d.present() {
		return nil
	}
	switch t.ID() {
	case types.NullID:
		return nil
	case types.StringID:
		return string(d.take(d.uvarint()))
	case types.BinaryID:
		src := d.take(d.uvarint())
		out := make([]byte, len(src))
		copy(out, src)
		return out
	case types.IntegerID, types.DateID:
		return int32(d.u32())
	case types.LongID, types.TimestampID:
		return int64(d.u64())
	case types.DoubleID:
		return math.Float64frombits(d.u64())
	case types.FloatID:
		return math.Float32frombits(d.u32())
	case types.BooleanID:
		return d.flag()
	case types.StructID:
		st := t.(*types.StructType)
		out := make([]any, len(st.Fields))
		for f, ft := range st.Fields {
			out[f] = d.value(ft.DataType)
		}
		return out
	case types.ArrayID:
		et := t.(*types.ArrayType).ElementType
		n := d.uvarint()
		out := make([]any, 0, n)
		for range n {
			out = append(out, d.value(et))
		}
		return out
	case types.MapID:
		mt := t.(*types.MapType)
		n := d.uvarint()
		m := &batch.MapValue{Keys: make([]any, 0, n), Values: make([]any, 0, n)}
		for range n {
			m.Keys = append(m.Keys, d.value(mt.KeyType))
			m.Values = append(m.Values, d.value(mt.ValueType))
		}
		return m
	case types.IntervalID:
		return batch.Interval{Months: int32(d.u32()), Days: int32(d.u32()), Micros: int64(d.u64())}
	}
	d.err = fmt.Errorf("state: cannot decode a value of type %s", t.SimpleString())
	return nil
}
