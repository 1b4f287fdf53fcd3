// Package types holds Spark's SQL data types and schemas (StructType).
package types

import (
	"fmt"
	"strings"
)

// TypeID names the kind of a DataType; switch on it rather than on Go types.
type TypeID int

const (
	NullID TypeID = iota
	StringID
	IntegerID
	LongID
	DoubleID
	FloatID
	BooleanID
	TimestampID
	DateID
	BinaryID
	ArrayID
	MapID
	StructID
	IntervalID // CalendarInterval: only for interval literals and durations
)

// DataType is a Spark SQL data type.
type DataType interface {
	// ID tells the kind of type.
	ID() TypeID
	// TypeName is the name printSchema uses: "string", "integer", "long", "struct", ...
	TypeName() string
	// SimpleString is the catalog form: "string", "int", "bigint", "array<string>",
	// "struct<start:timestamp,end:timestamp>".
	SimpleString() string
}

type atomicType struct {
	id     TypeID
	name   string
	simple string
}

func (t *atomicType) ID() TypeID           { return t.id }
func (t *atomicType) TypeName() string     { return t.name }
func (t *atomicType) SimpleString() string { return t.simple }
func (t *atomicType) String() string       { return t.simple }

// The atomic types. Timestamps are held as int64 microseconds since the Unix epoch (UTC),
// dates as int32 days since the epoch, as Spark holds them.
var (
	NullType      DataType = &atomicType{NullID, "void", "void"}
	StringType    DataType = &atomicType{StringID, "string", "string"}
	IntegerType   DataType = &atomicType{IntegerID, "integer", "int"}
	LongType      DataType = &atomicType{LongID, "long", "bigint"}
	DoubleType    DataType = &atomicType{DoubleID, "double", "double"}
	FloatType     DataType = &atomicType{FloatID, "float", "float"}
	BooleanType   DataType = &atomicType{BooleanID, "boolean", "boolean"}
	TimestampType DataType = &atomicType{TimestampID, "timestamp", "timestamp"}
	DateType      DataType = &atomicType{DateID, "date", "date"}
	BinaryType    DataType = &atomicType{BinaryID, "binary", "binary"}
	IntervalType  DataType = &atomicType{IntervalID, "interval", "interval"}
)

// ArrayType is array<ElementType>.
type ArrayType struct {
	ElementType  DataType
	ContainsNull bool
}

// NewArrayType returns array<elem> whose elements may be null.
func NewArrayType(elem DataType) *ArrayType { return &ArrayType{ElementType: elem, ContainsNull: true} }

func (t *ArrayType) ID() TypeID       { return ArrayID }
func (t *ArrayType) TypeName() string { return "array" }
func (t *ArrayType) SimpleString() string {
	return "array<" + t.ElementType.SimpleString() + ">"
}
func (t *ArrayType) String() string { return t.SimpleString() }

// MapType is map<KeyType,ValueType>.
type MapType struct {
	KeyType           DataType
	ValueType         DataType
	ValueContainsNull bool
}

// NewMapType returns map<key,value> whose values may be null.
func NewMapType(key, value DataType) *MapType {
	return &MapType{KeyType: key, ValueType: value, ValueContainsNull: true}
}

func (t *MapType) ID() TypeID       { return MapID }
func (t *MapType) TypeName() string { return "map" }
func (t *MapType) SimpleString() string {
	return "map<" + t.KeyType.SimpleString() + "," + t.ValueType.SimpleString() + ">"
}
func (t *MapType) String() string { return t.SimpleString() }

// StructField is one named field of a StructType.
type StructField struct {
	Name     string
	DataType DataType
	Nullable bool
}

// StructType is a schema: an ordered list of fields.
type StructType struct {
	Fields []StructField
	err    error // a bad type name given to Add; reported by Err
}

// NewStructType returns an empty schema to fill with Add.
func NewStructType() *StructType { return &StructType{} }

// Add appends a nullable field. dataType is a Spark type name ("string", "integer"/"int",
// "long"/"bigint", "double", "float", "boolean", "timestamp", "date", "array<string>", ...)
// or a DataType value. An unknown type name is kept as an error that Err reports and
// that readers given this schema return.
func (s *StructType) Add(name string, dataType any, nullable ...bool) *StructType {
	n := true
	if len(nullable) > 0 {
		n = nullable[0]
	}
	var dt DataType
	switch v := dataType.(type) {
	case DataType:
		dt = v
	case string:
		t, err := ParseDataType(v)
		if err != nil {
			if s.err == nil {
				s.err = fmt.Errorf("field %q: %w", name, err)
			}
			t = StringType
		}
		dt = t
	default:
		if s.err == nil {
			s.err = fmt.Errorf("field %q: data type must be a type name or a DataType, not %T", name, dataType)
		}
		dt = StringType
	}
	s.Fields = append(s.Fields, StructField{Name: name, DataType: dt, Nullable: n})
	return s
}

// Err reports a bad type given to Add.
func (s *StructType) Err() error { return s.err }

func (s *StructType) ID() TypeID       { return StructID }
func (s *StructType) TypeName() string { return "struct" }
func (s *StructType) SimpleString() string {
	var b strings.Builder
	b.WriteString("struct<")
	for i, f := range s.Fields {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(f.Name)
		b.WriteByte(':')
		b.WriteString(f.DataType.SimpleString())
	}
	b.WriteByte('>')
	return b.String()
}
func (s *StructType) String() string { return s.SimpleString() }

// Names lists the field names in order.
func (s *StructType) Names() []string {
	out := make([]string, len(s.Fields))
	for i, f := range s.Fields {
		out[i] = f.Name
	}
	return out
}

// FieldIndex returns the index of the field named name (case-insensitive, as Spark's
// default resolution), or -1.
func (s *StructType) FieldIndex(name string) int {
	for i, f := range s.Fields {
		if f.Name == name {
			return i
		}
	}
	for i, f := range s.Fields {
		if strings.EqualFold(f.Name, name) {
			return i
		}
	}
	return -1
}

// Len is the number of fields.
func (s *StructType) Len() int { return len(s.Fields) }

// TreeString is printSchema's text: "root" and one " |-- name: type (nullable = true)" line
// per field, nested types indented as Spark does.
func (s *StructType) TreeString() string {
	var b strings.Builder
	b.WriteString("root\n")
	for _, f := range s.Fields {
		writeField(&b, " |", f.Name, f.DataType, fmt.Sprintf("(nullable = %t)", f.Nullable))
	}
	return b.String()
}

func writeField(b *strings.Builder, prefix, name string, dt DataType, suffix string) {
	fmt.Fprintf(b, "%s-- %s: %s", prefix, name, dt.TypeName())
	if suffix != "" {
		b.WriteString(" " + suffix)
	}
	b.WriteByte('\n')
	writeNested(b, prefix+"    |", dt)
}

func writeNested(b *strings.Builder, prefix string, dt DataType) {
	switch t := dt.(type) {
	case *StructType:
		for _, f := range t.Fields {
			writeField(b, prefix, f.Name, f.DataType, fmt.Sprintf("(nullable = %t)", f.Nullable))
		}
	case *ArrayType:
		writeField(b, prefix, "element", t.ElementType, fmt.Sprintf("(containsNull = %t)", t.ContainsNull))
	case *MapType:
		writeField(b, prefix, "key", t.KeyType, "")
		writeField(b, prefix, "value", t.ValueType, fmt.Sprintf("(valueContainsNull = %t)", t.ValueContainsNull))
	}
}

// Equal reports whether two types are the same (nullability ignored).
func Equal(a, b DataType) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.ID() != b.ID() {
		return false
	}
	switch x := a.(type) {
	case *ArrayType:
		return Equal(x.ElementType, b.(*ArrayType).ElementType)
	case *MapType:
		y := b.(*MapType)
		return Equal(x.KeyType, y.KeyType) && Equal(x.ValueType, y.ValueType)
	case *StructType:
		y := b.(*StructType)
		if len(x.Fields) != len(y.Fields) {
			return false
		}
		for i := range x.Fields {
			if x.Fields[i].Name != y.Fields[i].Name || !Equal(x.Fields[i].DataType, y.Fields[i].DataType) {
				return false
			}
		}
		return true
	}
	return true
}

// IsNumeric reports integer, long, float and double.
func IsNumeric(t DataType) bool {
	switch t.ID() {
	case IntegerID, LongID, FloatID, DoubleID:
		return true
	}
	return false
}

// ParseDataType parses a Spark type name or DDL type string: "string", "int", "integer",
// "long", "bigint", "double", "float", "boolean", "timestamp", "date", "binary",
// "array<T>", "map<K,V>", "struct<a:T,b:U>".
func ParseDataType(s string) (DataType, error) {
	p := &typeParser{s: s}
	t, err := p.parse()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.i != len(p.s) {
		return nil, fmt.Errorf("cannot parse data type %q: unexpected %q at position %d", s, p.s[p.i:], p.i)
	}
	return t, nil
}

type typeParser struct {
	s string
	i int
}

func (p *typeParser) skipSpace() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

func (p *typeParser) ident() string {
	p.skipSpace()
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == '_' || c == '`' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			p.i++
			continue
		}
		break
	}
	return strings.Trim(p.s[start:p.i], "`")
}

func (p *typeParser) expect(c byte) error {
	p.skipSpace()
	if p.i >= len(p.s) || p.s[p.i] != c {
		return fmt.Errorf("cannot parse data type %q: expected %q at position %d", p.s, c, p.i)
	}
	p.i++
	return nil
}

func (p *typeParser) parse() (DataType, error) {
	name := strings.ToLower(p.ident())
	switch name {
	case "string", "varchar", "char", "text":
		p.skipParens()
		return StringType, nil
	case "int", "integer", "smallint", "short", "tinyint", "byte":
		return IntegerType, nil
	case "long", "bigint":
		return LongType, nil
	case "double", "decimal", "numeric", "dec":
		p.skipParens()
		return DoubleType, nil
	case "float", "real":
		return FloatType, nil
	case "boolean", "bool":
		return BooleanType, nil
	case "timestamp", "timestamp_ltz", "timestamp_ntz":
		return TimestampType, nil
	case "date":
		return DateType, nil
	case "binary":
		return BinaryType, nil
	case "interval":
		return IntervalType, nil
	case "array":
		if err := p.expect('<'); err != nil {
			return nil, err
		}
		e, err := p.parse()
		if err != nil {
			return nil, err
		}
		if err := p.expect('>'); err != nil {
			return nil, err
		}
		return NewArrayType(e), nil
	case "map":
		if err := p.expect('<'); err != nil {
			return nil, err
		}
		k, err := p.parse()
		if err != nil {
			return nil, err
		}
		if err := p.expect(','); err != nil {
			return nil, err
		}
		v, err := p.parse()
		if err != nil {
			return nil, err
		}
		if err := p.expect('>'); err != nil {
			return nil, err
		}
		return NewMapType(k, v), nil
	case "struct":
		if err := p.expect('<'); err != nil {
			return nil, err
		}
		st := NewStructType()
		p.skipSpace()
		if p.i < len(p.s) && p.s[p.i] == '>' {
			p.i++
			return st, nil
		}
		for {
			fname := p.ident()
			if fname == "" {
				return nil, fmt.Errorf("cannot parse data type %q: expected a field name at position %d", p.s, p.i)
			}
			p.skipSpace()
			if p.i < len(p.s) && p.s[p.i] == ':' {
				p.i++
			}
			ft, err := p.parse()
			if err != nil {
				return nil, err
			}
			st.Add(fname, ft)
			p.skipSpace()
			if p.i < len(p.s) && p.s[p.i] == ',' {
				p.i++
				continue
			}
			if err := p.expect('>'); err != nil {
				return nil, err
			}
			return st, nil
		}
	case "":
		return nil, fmt.Errorf("cannot parse data type %q: expected a type name at position %d", p.s, p.i)
	}
	return nil, fmt.Errorf("unsupported data type %q", name)
}

// skipParens skips "(10,2)" after decimal or varchar.
func (p *typeParser) skipParens() {
	p.skipSpace()
	if p.i < len(p.s) && p.s[p.i] == '(' {
		if j := strings.IndexByte(p.s[p.i:], ')'); j >= 0 {
			p.i += j + 1
		}
	}
}
