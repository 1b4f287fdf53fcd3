package file

import (
	"bufio"
	"encoding/base64"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/internal/show"
	"github.com/runnel-go/runnel/engine/types"
)

// jsonWriter writes JSON lines as Spark's JacksonGenerator does: one object per row with
// the fields in schema order, null fields omitted (ignoreNullFields=true), nested structs
// likewise, nulls kept inside arrays and map values; doubles in Java's notation (1.0E10)
// and NaN/Infinity as strings; timestamps and dates as strings in timestampFormat and
// dateFormat; binary as base64.
type jsonWriter struct {
	schema     *types.StructType
	ignoreNull bool
	lineSep    string
	ts, date   *timeFormat
	loc        *time.Location
	buf        []byte
}

func newJSONWriter(schema *types.StructType, o options, loc *time.Location) (*jsonWriter, error) {
	w := &jsonWriter{schema: schema, loc: loc}
	var err error
	if w.ignoreNull, err = o.bool("ignoreNullFields", true); err != nil {
		return nil, err
	}
	w.lineSep = o.get("lineSep", "\n")
	if w.ts, err = compileTimeFormat(o.get("timestampFormat", DefaultTimestampFormat)); err != nil {
		return nil, err
	}
	if w.date, err = compileTimeFormat(o.get("dateFormat", DefaultDateFormat)); err != nil {
		return nil, err
	}
	return w, nil
}

// jsonFieldName appends a field's name, quoted, and its colon.
func jsonFieldName(dst []byte, name string) []byte {
	dst = appendJSONString(dst, name)
	return append(dst, ':')
}

func (w *jsonWriter) writeBatch(out *bufio.Writer, b *batch.Batch) error {
	names := make([][]byte, len(w.schema.Fields))
	for i, f := range w.schema.Fields {
		names[i] = jsonFieldName(nil, f.Name)
	}
	for i := 0; i < b.N; i++ {
		buf := append(w.buf[:0], '{')
		first := true
		for c, col := range b.Cols {
			if col.IsNull(i) {
				if w.ignoreNull {
					continue
				}
				if !first {
					buf = append(buf, ',')
				}
				first = false
				buf = append(buf, names[c]...)
				buf = append(buf, "null"...)
				continue
			}
			if !first {
				buf = append(buf, ',')
			}
			first = false
			buf = append(buf, names[c]...)
			buf = w.appendVector(buf, col, i)
		}
		buf = append(buf, '}')
		buf = append(buf, w.lineSep...)
		w.buf = buf
		if _, err := out.Write(buf); err != nil {
			return err
		}
	}
	return nil
}

// appendVector writes the non-null value at row i of v, reading typed slices directly.
func (w *jsonWriter) appendVector(dst []byte, v *batch.Vector, i int) []byte {
	switch v.Type.ID() {
	case types.StringID:
		return appendJSONString(dst, v.Str[i])
	case types.IntegerID:
		return strconv.AppendInt(dst, int64(v.I32[i]), 10)
	case types.LongID:
		return strconv.AppendInt(dst, v.I64[i], 10)
	case types.DoubleID:
		return appendJSONDouble(dst, v.F64[i])
	case types.FloatID:
		return appendJSONFloat(dst, v.F32[i])
	case types.BooleanID:
		return strconv.AppendBool(dst, v.Bool[i])
	case types.TimestampID:
		dst = append(dst, '"')
		dst = w.ts.appendMicros(dst, v.I64[i], w.loc)
		return append(dst, '"')
	case types.DateID:
		dst = append(dst, '"')
		dst = w.date.appendDate(dst, v.I32[i])
		return append(dst, '"')
	}
	return w.appendValue(dst, v.Type, v.Get(i))
}

// appendValue writes a non-null internal value of type t.
func (w *jsonWriter) appendValue(dst []byte, t types.DataType, x any) []byte {
	switch t.ID() {
	case types.StringID:
		return appendJSONString(dst, x.(string))
	case types.IntegerID:
		return strconv.AppendInt(dst, int64(x.(int32)), 10)
	case types.LongID:
		return strconv.AppendInt(dst, x.(int64), 10)
	case types.DoubleID:
		return appendJSONDouble(dst, x.(float64))
	case types.FloatID:
		return appendJSONFloat(dst, x.(float32))
	case types.BooleanID:
		return strconv.AppendBool(dst, x.(bool))
	case types.TimestampID:
		dst = append(dst, '"')
		dst = w.ts.appendMicros(dst, x.(int64), w.loc)
		return append(dst, '"')
	case types.DateID:
		dst = append(dst, '"')
		dst = w.date.appendDate(dst, x.(int32))
		return append(dst, '"')
	case types.BinaryID:
		dst = append(dst, '"')
		dst = base64.StdEncoding.AppendEncode(dst, x.([]byte))
		return append(dst, '"')
	case types.NullID:
		return append(dst, "null"...)
	case types.StructID:
		st := t.(*types.StructType)
		vals := x.([]any)
		dst = append(dst, '{')
		first := true
		for f, fld := range st.Fields {
			if vals[f] == nil && w.ignoreNull {
				continue
			}
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = jsonFieldName(dst, fld.Name)
			if vals[f] == nil {
				dst = append(dst, "null"...)
			} else {
				dst = w.appendValue(dst, fld.DataType, vals[f])
			}
		}
		return append(dst, '}')
	case types.ArrayID:
		et := t.(*types.ArrayType).ElementType
		dst = append(dst, '[')
		for k, e := range x.([]any) {
			if k > 0 {
				dst = append(dst, ',')
			}
			if e == nil {
				dst = append(dst, "null"...)
			} else {
				dst = w.appendValue(dst, et, e)
			}
		}
		return append(dst, ']')
	case types.MapID:
		mt := t.(*types.MapType)
		m := x.(*batch.MapValue)
		dst = append(dst, '{')
		for k := range m.Keys {
			if k > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, mapKeyString(m.Keys[k], mt.KeyType))
			dst = append(dst, ':')
			if m.Values[k] == nil {
				dst = append(dst, "null"...)
			} else {
				dst = w.appendValue(dst, mt.ValueType, m.Values[k])
			}
		}
		return append(dst, '}')
	}
	return appendJSONString(dst, show.CastString(x, t, w.loc))
}

// mapKeyString is the key's toString on Spark's internal value, as JacksonGenerator
// writes field names of maps (timestamps and dates come out as their raw numbers).
func mapKeyString(k any, t types.DataType) string {
	switch x := k.(type) {
	case string:
		return x
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return show.FormatDouble(x)
	case float32:
		return show.FormatFloat(x)
	case bool:
		return strconv.FormatBool(x)
	}
	return show.CastString(k, t, time.UTC)
}

// appendJSONDouble writes a double as Jackson does: Java's Double.toString, with the
// non-finite values quoted.
func appendJSONDouble(dst []byte, d float64) []byte {
	if math.IsNaN(d) || math.IsInf(d, 0) {
		dst = append(dst, '"')
		dst = append(dst, show.FormatDouble(d)...)
		return append(dst, '"')
	}
	return appendDouble(dst, d)
}

func appendJSONFloat(dst []byte, f float32) []byte {
	if f != f || math.IsInf(float64(f), 0) {
		dst = append(dst, '"')
		dst = append(dst, show.FormatFloat(f)...)
		return append(dst, '"')
	}
	return append(dst, show.FormatFloat(f)...)
}

const hexDigits = "0123456789ABCDEF"

// appendJSONString quotes s as Jackson does: `"` and `\` escaped, control characters as
// \b \t \n \f \r or \u00XX, everything else (non-ASCII included) as is.
func appendJSONString(dst []byte, s string) []byte {
	if !utf8.ValidString(s) {
		// Java strings cannot hold invalid UTF-8: a decoder would have replaced it.
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"':
			dst = append(dst, '\\', '"')
		case '\\':
			dst = append(dst, '\\', '\\')
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\f':
			dst = append(dst, '\\', 'f')
		case '\r':
			dst = append(dst, '\\', 'r')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// verifyJSONSchema rejects the types Spark's JSON data source cannot write.
func verifyJSONSchema(schema *types.StructType) error {
	for _, f := range schema.Fields {
		if containsType(f.DataType, types.IntervalID) {
			return unsupportedType("JSON", f)
		}
	}
	return nil
}
