package engine

import (
	"strings"
	"time"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/internal/show"
	"github.com/runnel-go/runnel/engine/types"
)

// Row is one row of a DataFrame with Go values: string, int32 (integer), int64 (long),
// float64 (double), float32 (float), bool, time.Time (timestamp, date), []byte (binary),
// []any (array), map[string]any (map), Row (struct); nil for null.
type Row struct {
	schema *types.StructType
	values []any
	loc    *time.Location
}

// NewRow makes a Row of values under schema (values must be Go values as Row holds them).
func NewRow(schema *types.StructType, values ...any) Row {
	return Row{schema: schema, values: values, loc: time.UTC}
}

// Get returns the value of the named field (case-insensitive), or nil.
func (r Row) Get(name string) any {
	if r.schema == nil {
		return nil
	}
	i := r.schema.FieldIndex(name)
	if i < 0 {
		return nil
	}
	return r.values[i]
}

// At returns the i-th value.
func (r Row) At(i int) any { return r.values[i] }

// Values returns the values in column order.
func (r Row) Values() []any { return append([]any(nil), r.values...) }

// Schema is the row's schema.
func (r Row) Schema() *types.StructType { return r.schema }

// Len is the number of fields.
func (r Row) Len() int { return len(r.values) }

// AsMap returns the row as a name -> value map.
func (r Row) AsMap() map[string]any {
	m := make(map[string]any, len(r.values))
	for i, f := range r.schema.Fields {
		m[f.Name] = r.values[i]
	}
	return m
}

// String prints the row as PySpark does: Row(name='LiLei', age=12).
func (r Row) String() string {
	var b strings.Builder
	b.WriteString("Row(")
	for i, v := range r.values {
		if i > 0 {
			b.WriteString(", ")
		}
		if r.schema != nil && i < len(r.schema.Fields) {
			b.WriteString(r.schema.Fields[i].Name)
			b.WriteByte('=')
		}
		writePy(&b, v, r.loc)
	}
	b.WriteByte(')')
	return b.String()
}

func writePy(b *strings.Builder, v any, loc *time.Location) {
	switch x := v.(type) {
	case nil:
		b.WriteString("None")
	case string:
		b.WriteString("'" + strings.ReplaceAll(x, "'", "\\'") + "'")
	case bool:
		if x {
			b.WriteString("True")
		} else {
			b.WriteString("False")
		}
	case float64:
		b.WriteString(show.FormatDouble(x))
	case float32:
		b.WriteString(show.FormatFloat(x))
	case time.Time:
		b.WriteString("'" + show.FormatTimestamp(x.UnixMicro(), loc) + "'")
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			writePy(b, e, loc)
		}
		b.WriteByte(']')
	case Row:
		b.WriteString(x.String())
	default:
		b.WriteString(show.FormatValue(v, nil, loc))
	}
}

// publicValue turns an internal value of type t into the Go value a Row holds.
func publicValue(v any, t types.DataType, loc *time.Location) any {
	if v == nil {
		return nil
	}
	switch t.ID() {
	case types.TimestampID:
		return time.UnixMicro(v.(int64)).In(loc)
	case types.DateID:
		return time.Unix(int64(v.(int32))*86400, 0).UTC()
	case types.ArrayID:
		at := t.(*types.ArrayType)
		src := v.([]any)
		out := make([]any, len(src))
		for i, e := range src {
			out[i] = publicValue(e, at.ElementType, loc)
		}
		return out
	case types.MapID:
		mt := t.(*types.MapType)
		m := v.(*batch.MapValue)
		out := make(map[string]any, len(m.Keys))
		for i, k := range m.Keys {
			out[show.CastString(k, mt.KeyType, loc)] = publicValue(m.Values[i], mt.ValueType, loc)
		}
		return out
	case types.StructID:
		st := t.(*types.StructType)
		src := v.([]any)
		vals := make([]any, len(src))
		for i, e := range src {
			vals[i] = publicValue(e, st.Fields[i].DataType, loc)
		}
		return Row{schema: st, values: vals, loc: loc}
	}
	return v
}

// rowsOf converts a batch to Rows.
func rowsOf(b *batch.Batch, loc *time.Location) []Row {
	out := make([]Row, b.N)
	for i := 0; i < b.N; i++ {
		vals := make([]any, len(b.Cols))
		for j, c := range b.Cols {
			vals[j] = publicValue(c.Get(i), c.Type, loc)
		}
		out[i] = Row{schema: b.Schema, values: vals, loc: loc}
	}
	return out
}
