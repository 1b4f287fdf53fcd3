package runtime

import (
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/runnel-go/runnel/engine/internal/show"
)

// Spark renders progress and status with json4s on Jackson: fields in a fixed order,
// doubles as Java's Double.toString, and pretty output from Jackson's DefaultPrettyPrinter
// ("key" : value, two-space indent, arrays inline as [ a, b ], empty ones as [ ] and { }).
// Go's encoding/json has none of these, so this file holds a small ordered JSON tree.

// jfield is one member of a JSON object; a jobject keeps its members in order.
type jfield struct {
	key string
	val any
}

type (
	jobject []jfield
	jarray  []any
	// jnumber is a number's JSON text, written verbatim.
	jnumber string
)

func jint(n int64) jnumber { return jnumber(strconv.FormatInt(n, 10)) }

// jdouble is Spark's JDouble: Java's Double.toString.
func jdouble(d float64) jnumber { return jnumber(show.FormatDouble(d)) }

// finite reports whether d is neither NaN nor infinite: Spark leaves such rates out
// (safeDoubleToJValue returns JNothing).
func finite(d float64) bool { return d == d && d-d == 0 }

// add appends key: val to o.
func (o *jobject) add(key string, val any) { *o = append(*o, jfield{key, val}) }

// addDouble appends key: d unless d is NaN or infinite.
func (o *jobject) addDouble(key string, d float64) {
	if finite(d) {
		o.add(key, jdouble(d))
	}
}

// renderJSON writes v as Jackson's pretty printer (pretty) or compactly.
func renderJSON(v any, pretty bool) string {
	var b strings.Builder
	writeJSON(&b, v, pretty, 0)
	return b.String()
}

func writeJSON(b *strings.Builder, v any, pretty bool, depth int) {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case string:
		writeJSONString(b, x)
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case jnumber:
		b.WriteString(string(x))
	case jobject:
		if len(x) == 0 {
			if pretty {
				b.WriteString("{ }")
			} else {
				b.WriteString("{}")
			}
			return
		}
		b.WriteByte('{')
		for i, f := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			if pretty {
				b.WriteByte('\n')
				b.WriteString(strings.Repeat("  ", depth+1))
			}
			writeJSONString(b, f.key)
			if pretty {
				b.WriteString(" : ")
			} else {
				b.WriteByte(':')
			}
			writeJSON(b, f.val, pretty, depth+1)
		}
		if pretty {
			b.WriteByte('\n')
			b.WriteString(strings.Repeat("  ", depth))
		}
		b.WriteByte('}')
	case jarray:
		// Jackson's arrays are inline: they add no indentation level of their own.
		if len(x) == 0 {
			if pretty {
				b.WriteString("[ ]")
			} else {
				b.WriteString("[]")
			}
			return
		}
		b.WriteByte('[')
		if pretty {
			b.WriteByte(' ')
		}
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
				if pretty {
					b.WriteByte(' ')
				}
			}
			writeJSON(b, e, pretty, depth)
		}
		if pretty {
			b.WriteByte(' ')
		}
		b.WriteByte(']')
	default:
		panic("runtime: unexpected JSON value type")
	}
}

// writeJSONString quotes s as Jackson does: only '"', '\\' and control characters are
// escaped; non-ASCII text is written as is.
func writeJSONString(b *strings.Builder, s string) {
	const hex = "0123456789ABCDEF"
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			if c < 0x20 {
				b.WriteString(`\u00`)
				b.WriteByte(hex[c>>4])
				b.WriteByte(hex[c&15])
			} else {
				b.WriteByte(c)
			}
		}
	}
	b.WriteByte('"')
}

// parseOffset is Spark's SourceProgress.tryParse: an offset's JSON text becomes a JSON
// value (key order kept) to be re-rendered; "" is null and text that is not JSON stays a
// string.
func parseOffset(s string) any {
	if s == "" {
		return nil
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	v, err := decodeOrdered(dec)
	if err != nil {
		return s
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return s
	}
	return v
}

func decodeOrdered(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			obj := jobject{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, ok := kt.(string)
				if !ok {
					return nil, errors.New("object key is not a string")
				}
				val, err := decodeOrdered(dec)
				if err != nil {
					return nil, err
				}
				obj.add(key, val)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return obj, nil
		case '[':
			arr := jarray{}
			for dec.More() {
				val, err := decodeOrdered(dec)
				if err != nil {
					return nil, err
				}
				arr = append(arr, val)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return arr, nil
		}
		return nil, errors.New("unexpected delimiter")
	case json.Number:
		text := string(t)
		// json4s reads a number with a fraction or an exponent as a double.
		if strings.ContainsAny(text, ".eE") {
			f, err := t.Float64()
			if err != nil {
				return nil, err
			}
			return jdouble(f), nil
		}
		return jnumber(text), nil
	case string, bool, nil:
		return t, nil
	}
	return nil, errors.New("unexpected JSON token")
}
