package source

import (
	"fmt"
	"time"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/types"
)

// JSONValueParser parses JSON text into struct values of a schema, as Spark's from_json
// does; it is built once per expression and reused for every row (not concurrently).
type JSONValueParser struct {
	p      *jsonParser
	schema *types.StructType
}

// NewJSONValueParser returns a parser of JSON objects into schema with from_json's options
// (mode PERMISSIVE or FAILFAST, timestampFormat, dateFormat, allowSingleQuotes).
func NewJSONValueParser(schema *types.StructType, opts map[string]string, loc *time.Location) (*JSONValueParser, error) {
	if err := schema.Err(); err != nil {
		return nil, err
	}
	o := newOptions(opts)
	mode, err := parseModeOf(o)
	if err != nil {
		return nil, err
	}
	if mode == dropMalformed {
		return nil, fmt.Errorf("from_json() doesn't support the DROPMALFORMED mode. Acceptable modes are PERMISSIVE and FAILFAST.")
	}
	if loc == nil {
		loc = time.UTC
	}
	p, err := newJSONParser(schema, o, mode, loc)
	if err != nil {
		return nil, err
	}
	p.multi = false
	return &JSONValueParser{p: p, schema: schema}, nil
}

// Parse parses each string of in (a string vector) into a struct vector: a null string
// gives a null struct; malformed text gives a struct of nulls (with the raw text in the
// corrupt-record field if the schema has one), or an error in FAILFAST mode; values of the
// wrong type are null and the rest are kept (Spark's partial results).
func (j *JSONValueParser) Parse(in *batch.Vector) (*batch.Vector, error) {
	n := in.Len()
	b := batch.New(j.schema, n)
	out := &batchSink{schema: j.schema, max: n + 1, cur: b}
	structNulls := make([]bool, 0, n)
	for i := 0; i < n; i++ {
		if in.IsNull(i) {
			for _, c := range b.Cols {
				c.AppendNull()
			}
			b.N++
			structNulls = append(structNulls, true)
			continue
		}
		if err := j.p.record(out, "from_json", in.Str[i], i+1); err != nil {
			if me, ok := err.(*MalformedError); ok {
				return nil, fmt.Errorf("[MALFORMED_RECORD_IN_PARSING] Malformed records are detected in record parsing: %s. Parse Mode: FAILFAST. (%s)", me.Record, me.Cause)
			}
			return nil, err
		}
		if b.N != len(structNulls)+1 {
			// A top-level array gives several rows; from_json into a struct keeps none.
			for _, c := range b.Cols {
				truncate(c, len(structNulls))
			}
			b.N = len(structNulls)
			for _, c := range b.Cols {
				c.AppendNull()
			}
			b.N++
		}
		structNulls = append(structNulls, false)
	}
	v := &batch.Vector{Type: j.schema, Children: b.Cols}
	v.SetLen(n)
	for i, isNull := range structNulls {
		if isNull {
			v.SetNull(i)
		}
	}
	return v, nil
}
