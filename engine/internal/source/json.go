package source

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/types"
)

// jsonParser converts JSON lines into rows of a schema, writing values straight into the
// column vectors: no map or boxed value per row except for arrays and maps, which the
// batch representation holds boxed anyway.
type jsonParser struct {
	root    *structInfo
	corrupt int
	mode    parseMode
	tp      *timeParser
	multi   bool
	sc      scanner
}

// structInfo maps a struct's field names to their index once, so each key costs one
// lookup.
type structInfo struct {
	st     *types.StructType
	names  []string // field names; "" for the corrupt column
	index  map[string]int
	nested []*structInfo // per field: the info of a struct field, else nil
}

func newStructInfo(st *types.StructType, skip int) *structInfo {
	si := &structInfo{st: st, index: make(map[string]int, len(st.Fields)), nested: make([]*structInfo, len(st.Fields)),
		names: make([]string, len(st.Fields))}
	for i, f := range st.Fields {
		if i == skip {
			continue
		}
		si.names[i] = f.Name
		if _, dup := si.index[f.Name]; !dup {
			si.index[f.Name] = i
		}
		if c, ok := f.DataType.(*types.StructType); ok {
			si.nested[i] = newStructInfo(c, -1)
		}
	}
	return si
}

func newJSONParser(schema *types.StructType, o options, mode parseMode, loc *time.Location) (*jsonParser, error) {
	p := &jsonParser{mode: mode}
	var err error
	if p.corrupt, _, err = corruptColumn(schema, o); err != nil {
		return nil, err
	}
	if p.multi, err = o.boolean("multiLine", false); err != nil {
		return nil, err
	}
	if p.sc.single, err = o.boolean("allowSingleQuotes", true); err != nil {
		return nil, err
	}
	p.root = newStructInfo(schema, p.corrupt)
	if p.tp, err = newTimeParser(loc, o.str("timestampFormat", ""), o.str("dateFormat", "")); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *jsonParser) parse(name, s string, out *batchSink, pos *position) error {
	if p.multi {
		// The whole file is one JSON value (an object, or an array of objects).
		if strings.TrimSpace(s) == "" {
			return nil
		}
		return p.record(out, name, strings.TrimSpace(s), 1)
	}
	line := pos.line - 1
	defer func() { pos.line = line + 1 }()
	for i := 0; i < len(s); {
		j := strings.IndexByte(s[i:], '\n')
		var rec string
		if j < 0 {
			rec, i = s[i:], len(s)
		} else {
			rec, i = s[i:i+j], i+j+1
		}
		line++
		rec = strings.TrimSuffix(rec, "\r")
		if isBlank(rec) {
			continue
		}
		if err := p.record(out, name, rec, line); err != nil {
			return err
		}
	}
	return nil
}

func isBlank(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\r', '\n':
		default:
			return false
		}
	}
	return true
}

// record parses one JSON record (an object, or an array of objects giving one row each).
func (p *jsonParser) record(out *batchSink, name, rec string, line int) error {
	b := out.batch()
	start := b.N
	p.sc.reset(rec)
	_, err := p.rows(b)
	if err == nil {
		return nil
	}
	var partial *partialError
	if errors.As(err, &partial) && p.mode == permissive {
		// Values that did not fit their type are null; the rest stay, and the corrupt
		// column holds the record (Spark's partial results, on by default since 3.4).
		if p.corrupt >= 0 {
			c := b.Cols[p.corrupt]
			for i := start; i < b.N; i++ {
				c.Str[i] = rec
				c.Nulls[i] = false
			}
		}
		return nil
	}
	// Malformed: undo what the record appended.
	for _, c := range b.Cols {
		truncate(c, start)
	}
	b.N = start
	switch p.mode {
	case dropMalformed:
		return nil
	case failFast:
		return &MalformedError{Path: name, Line: line, Record: rec, Cause: err.Error()}
	}
	for i, c := range b.Cols {
		if i == p.corrupt {
			pushStr(c, rec)
		} else {
			c.AppendNull()
		}
	}
	b.N++
	return nil
}

func (p *jsonParser) rows(b *batch.Batch) (int, error) {
	sc := &p.sc
	sc.ws()
	if sc.eof() {
		return 0, errors.New("empty record")
	}
	n := 0
	var partial error
	switch sc.peek() {
	case '{':
		if err := p.row(b); err != nil {
			if !isPartial(err) {
				return n, err
			}
			partial = err
		}
		n++
	case '[':
		sc.i++
		sc.ws()
		if sc.peek() == ']' {
			sc.i++
			break
		}
		for {
			sc.ws()
			if sc.peek() != '{' {
				return n, sc.errorf("expected an object in the top-level array")
			}
			if err := p.row(b); err != nil {
				if !isPartial(err) {
					return n, err
				}
				if partial == nil {
					partial = err
				}
			}
			n++
			sc.ws()
			c := sc.next()
			if c == ']' {
				break
			}
			if c != ',' {
				return n, sc.errorf("expected ',' or ']'")
			}
		}
	default:
		return n, sc.errorf("a record must be a JSON object")
	}
	sc.ws()
	if !sc.eof() {
		return n, sc.errorf("unexpected text after the record")
	}
	return n, partial
}

// partialError reports an object whose values did not all fit their types: those are
// null, the others were read.
type partialError struct{ cause error }

func (e *partialError) Error() string { return e.cause.Error() }

func isPartial(err error) bool {
	var pe *partialError
	return errors.As(err, &pe)
}

// row parses one object into a new row of b.
func (p *jsonParser) row(b *batch.Batch) error {
	for _, c := range b.Cols {
		pushNull(c)
	}
	b.N++
	return p.object(b.Cols, p.root)
}

// object parses an object into the last row of cols (fields of si).
func (p *jsonParser) object(cols []*batch.Vector, si *structInfo) error {
	sc := &p.sc
	if sc.next() != '{' {
		return sc.errorf("expected '{'")
	}
	sc.ws()
	if sc.peek() == '}' {
		sc.i++
		return nil
	}
	var partial error
	for pos := 0; ; pos++ {
		sc.ws()
		key, err := sc.str()
		if err != nil {
			return err
		}
		sc.ws()
		if sc.next() != ':' {
			return sc.errorf("expected ':'")
		}
		sc.ws()
		// Records usually list their keys in the schema's order: try that position
		// before hashing.
		idx, ok := pos, pos < len(si.names) && si.names[pos] == key && key != ""
		if !ok {
			idx, ok = si.index[key]
		}
		if ok {
			start := sc.i
			if err := p.value(cols[idx], si.nested[idx]); err != nil {
				if !isPartial(err) {
					// A value of the wrong type (valid JSON all the same) is null; a
					// syntax error spoils the whole record.
					sc.i = start
					if sc.skip() != nil {
						return err
					}
					setLastNull(cols[idx])
					err = &partialError{err}
				}
				if partial == nil {
					partial = err
				}
			}
		} else if err := sc.skip(); err != nil {
			return err
		}
		sc.ws()
		c := sc.next()
		if c == '}' {
			return partial
		}
		if c != ',' {
			return sc.errorf("expected ',' or '}'")
		}
	}
}

// value parses the next JSON value into the last row of v (already null).
func (p *jsonParser) value(v *batch.Vector, si *structInfo) error {
	sc := &p.sc
	i := v.Len() - 1
	if sc.peek() == 'n' {
		if err := sc.lit("null"); err != nil {
			return err
		}
		setLastNull(v)
		return nil
	}
	switch v.Type.ID() {
	case types.StructID:
		if sc.peek() != '{' {
			return p.mismatch(v)
		}
		v.Nulls[i] = false
		return p.object(v.Children, si)
	case types.StringID:
		s, err := p.stringish()
		if err != nil {
			return err
		}
		v.Str[i] = s
	case types.IntegerID, types.LongID:
		// The common numeric cases avoid boxing.
		if c := sc.peek(); c == '-' || c >= '0' && c <= '9' {
			tok, isInt, err := sc.number()
			if err != nil {
				return err
			}
			if !isInt {
				return sc.errorf("cannot read %s as %s", tok, v.Type.SimpleString())
			}
			if v.Type.ID() == types.IntegerID {
				x, ok := parseInt32(tok)
				if !ok {
					return sc.errorf("numeric value %s out of range of int", tok)
				}
				v.I32[i] = x
			} else {
				x, ok := parseInt64(tok)
				if !ok {
					return sc.errorf("numeric value %s out of range of long", tok)
				}
				v.I64[i] = x
			}
			v.Nulls[i] = false
			return nil
		}
		return sc.errorf("cannot read a JSON %s as %s", sc.kind(), v.Type.SimpleString())
	case types.DoubleID:
		if c := sc.peek(); c == '-' || c >= '0' && c <= '9' {
			tok, _, err := sc.number()
			if err != nil {
				return err
			}
			f, ok := fastDecimal(tok)
			if !ok {
				if f, err = strconv.ParseFloat(tok, 64); err != nil && !errors.Is(err, strconv.ErrRange) {
					return sc.errorf("bad number %s", tok)
				}
			}
			v.F64[i] = f
			v.Nulls[i] = false
			return nil
		}
		x, err := p.scalar(v.Type)
		if err != nil {
			return err
		}
		v.F64[i] = x.(float64)
	case types.BooleanID:
		switch sc.peek() {
		case 't':
			if err := sc.lit("true"); err != nil {
				return err
			}
			v.Bool[i] = true
		case 'f':
			if err := sc.lit("false"); err != nil {
				return err
			}
			v.Bool[i] = false
		default:
			return p.mismatch(v)
		}
	case types.FloatID, types.TimestampID, types.DateID, types.BinaryID, types.ArrayID, types.MapID:
		x, err := p.scalar(v.Type)
		if err != nil {
			return err
		}
		switch v.Type.ID() {
		case types.DateID:
			v.I32[i] = x.(int32)
		case types.TimestampID:
			v.I64[i] = x.(int64)
		case types.FloatID:
			v.F32[i] = x.(float32)
		case types.BinaryID:
			v.Bytes[i] = x.([]byte)
		default:
			if x == nil {
				return nil
			}
			v.Any[i] = x
		}
	default:
		return p.mismatch(v)
	}
	v.Nulls[i] = false
	return nil
}

func (p *jsonParser) mismatch(v *batch.Vector) error {
	return p.sc.errorf("cannot read a JSON %s as %s", p.sc.kind(), v.Type.SimpleString())
}

// stringish reads a value for a string column: a string's text, or any other value as
// compact JSON text (Spark copies the structure).
func (p *jsonParser) stringish() (string, error) {
	sc := &p.sc
	if sc.atString() {
		return sc.str()
	}
	start := sc.i
	if err := sc.skip(); err != nil {
		return "", err
	}
	return compactJSON(sc.s[start:sc.i]), nil
}

// scalar reads a value of type t as an internal value (boxed; used for the typed fields'
// conversion and for array elements and map values). Null returns nil.
func (p *jsonParser) scalar(t types.DataType) (any, error) {
	sc := &p.sc
	if sc.peek() == 'n' {
		return nil, sc.lit("null")
	}
	switch t.ID() {
	case types.StringID:
		return p.stringish()
	case types.IntegerID, types.LongID:
		if c := sc.peek(); c != '-' && (c < '0' || c > '9') {
			return nil, sc.errorf("cannot read a JSON %s as %s", sc.kind(), t.SimpleString())
		}
		tok, isInt, err := sc.number()
		if err != nil {
			return nil, err
		}
		if !isInt {
			return nil, sc.errorf("cannot read %s as %s", tok, t.SimpleString())
		}
		if t.ID() == types.IntegerID {
			x, ok := parseInt32(tok)
			if !ok {
				return nil, sc.errorf("numeric value %s out of range of int", tok)
			}
			return x, nil
		}
		x, ok := parseInt64(tok)
		if !ok {
			return nil, sc.errorf("numeric value %s out of range of long", tok)
		}
		return x, nil
	case types.DoubleID, types.FloatID:
		var f float64
		if sc.atString() {
			s, err := sc.str()
			if err != nil {
				return nil, err
			}
			switch s {
			case "NaN":
				f = math.NaN()
			case "Infinity", "+Infinity", "INF", "+INF":
				f = math.Inf(1)
			case "-Infinity", "-INF":
				f = math.Inf(-1)
			default:
				return nil, sc.errorf("cannot read string %q as %s", s, t.SimpleString())
			}
		} else {
			tok, _, err := sc.number()
			if err != nil {
				return nil, err
			}
			f, err = strconv.ParseFloat(tok, 64)
			if err != nil && !errors.Is(err, strconv.ErrRange) {
				return nil, sc.errorf("bad number %s", tok)
			}
		}
		if t.ID() == types.FloatID {
			return float32(f), nil
		}
		return f, nil
	case types.BooleanID:
		switch sc.peek() {
		case 't':
			return true, sc.lit("true")
		case 'f':
			return false, sc.lit("false")
		}
		return nil, sc.errorf("cannot read a JSON %s as boolean", sc.kind())
	case types.TimestampID:
		if sc.atString() {
			s, err := sc.str()
			if err != nil {
				return nil, err
			}
			x, ok := p.tp.timestamp(s)
			if !ok {
				return nil, sc.errorf("cannot parse %q as timestamp", s)
			}
			return x, nil
		}
		tok, isInt, err := sc.number()
		if err != nil {
			return nil, err
		}
		if !isInt {
			return nil, sc.errorf("cannot read %s as timestamp", tok)
		}
		x, ok := parseInt64(tok)
		if !ok || x > math.MaxInt64/1000000 || x < math.MinInt64/1000000 {
			return nil, sc.errorf("timestamp %s out of range", tok)
		}
		return x * 1000000, nil
	case types.DateID:
		if !sc.atString() {
			return nil, sc.errorf("cannot read a JSON %s as date", sc.kind())
		}
		s, err := sc.str()
		if err != nil {
			return nil, err
		}
		x, ok := p.tp.date(s)
		if !ok {
			return nil, sc.errorf("cannot parse %q as date", s)
		}
		return x, nil
	case types.BinaryID:
		if !sc.atString() {
			return nil, sc.errorf("cannot read a JSON %s as binary", sc.kind())
		}
		s, err := sc.str()
		if err != nil {
			return nil, err
		}
		bs, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, sc.errorf("cannot decode %q as base64", s)
		}
		return bs, nil
	case types.ArrayID:
		if sc.peek() != '[' {
			return nil, sc.errorf("cannot read a JSON %s as %s", sc.kind(), t.SimpleString())
		}
		sc.i++
		elem := t.(*types.ArrayType).ElementType
		out := []any{}
		sc.ws()
		if sc.peek() == ']' {
			sc.i++
			return out, nil
		}
		for {
			sc.ws()
			x, err := p.scalar(elem)
			if err != nil {
				return nil, err
			}
			out = append(out, x)
			sc.ws()
			c := sc.next()
			if c == ']' {
				return out, nil
			}
			if c != ',' {
				return nil, sc.errorf("expected ',' or ']'")
			}
		}
	case types.MapID:
		if sc.peek() != '{' {
			return nil, sc.errorf("cannot read a JSON %s as %s", sc.kind(), t.SimpleString())
		}
		sc.i++
		mt := t.(*types.MapType)
		m := &batch.MapValue{}
		sc.ws()
		if sc.peek() == '}' {
			sc.i++
			return m, nil
		}
		for {
			sc.ws()
			k, err := sc.str()
			if err != nil {
				return nil, err
			}
			sc.ws()
			if sc.next() != ':' {
				return nil, sc.errorf("expected ':'")
			}
			sc.ws()
			x, err := p.scalar(mt.ValueType)
			if err != nil {
				return nil, err
			}
			key, err := mapKey(k, mt.KeyType)
			if err != nil {
				return nil, sc.errorf("%v", err)
			}
			m.Keys = append(m.Keys, key)
			m.Values = append(m.Values, x)
			sc.ws()
			c := sc.next()
			if c == '}' {
				return m, nil
			}
			if c != ',' {
				return nil, sc.errorf("expected ',' or '}'")
			}
		}
	case types.StructID:
		st := t.(*types.StructType)
		if sc.peek() != '{' {
			return nil, sc.errorf("cannot read a JSON %s as %s", sc.kind(), t.SimpleString())
		}
		sc.i++
		vals := make([]any, len(st.Fields))
		sc.ws()
		if sc.peek() == '}' {
			sc.i++
			return vals, nil
		}
		for {
			sc.ws()
			k, err := sc.str()
			if err != nil {
				return nil, err
			}
			sc.ws()
			if sc.next() != ':' {
				return nil, sc.errorf("expected ':'")
			}
			sc.ws()
			idx := -1
			for fi, f := range st.Fields {
				if f.Name == k {
					idx = fi
					break
				}
			}
			if idx < 0 {
				if err := sc.skip(); err != nil {
					return nil, err
				}
			} else {
				x, err := p.scalar(st.Fields[idx].DataType)
				if err != nil {
					return nil, err
				}
				vals[idx] = x
			}
			sc.ws()
			c := sc.next()
			if c == '}' {
				return vals, nil
			}
			if c != ',' {
				return nil, sc.errorf("expected ',' or '}'")
			}
		}
	}
	return nil, sc.errorf("unsupported type %s", t.SimpleString())
}

// mapKey converts a JSON object key to the map's key type.
func mapKey(k string, t types.DataType) (any, error) {
	switch t.ID() {
	case types.StringID:
		return k, nil
	case types.IntegerID:
		if x, ok := parseInt32(k); ok {
			return x, nil
		}
	case types.LongID:
		if x, ok := parseInt64(k); ok {
			return x, nil
		}
	}
	return nil, fmt.Errorf("cannot use key %q as %s", k, t.SimpleString())
}

// compactJSON drops the whitespace outside strings of valid JSON text.
func compactJSON(s string) string {
	if !strings.ContainsAny(s, " \t\r\n") {
		return s
	}
	var b strings.Builder
	in := byte(0) // the quote of the string being copied
	for i := 0; i < len(s); i++ {
		c := s[i]
		if in != 0 {
			b.WriteByte(c)
			if c == '\\' && i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			} else if c == in {
				in = 0
			}
			continue
		}
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case '"', '\'':
			in = c
		}
		b.WriteByte(c)
	}
	return b.String()
}

// scanner reads JSON tokens from one record.
type scanner struct {
	s   string
	i   int
	buf []byte
	// single allows 'single-quoted' strings (allowSingleQuotes, on by default in Spark).
	single bool
}

// atString reports whether a string starts at the cursor.
func (sc *scanner) atString() bool {
	c := sc.peek()
	return c == '"' || sc.single && c == '\''
}

func (sc *scanner) reset(s string) { sc.s, sc.i = s, 0 }

func (sc *scanner) eof() bool { return sc.i >= len(sc.s) }

func (sc *scanner) peek() byte {
	if sc.i < len(sc.s) {
		return sc.s[sc.i]
	}
	return 0
}

func (sc *scanner) next() byte {
	if sc.i < len(sc.s) {
		c := sc.s[sc.i]
		sc.i++
		return c
	}
	return 0
}

func (sc *scanner) ws() {
	for sc.i < len(sc.s) {
		switch sc.s[sc.i] {
		case ' ', '\t', '\r', '\n':
			sc.i++
		default:
			return
		}
	}
}

func (sc *scanner) errorf(format string, args ...any) error {
	return fmt.Errorf("at character %d: %s", sc.i+1, fmt.Sprintf(format, args...))
}

// kind names the next value's JSON kind, for messages.
func (sc *scanner) kind() string {
	switch sc.peek() {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"', '\'':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	case 0:
		return "end of input"
	}
	return "number"
}

func (sc *scanner) lit(word string) error {
	if strings.HasPrefix(sc.s[sc.i:], word) {
		sc.i += len(word)
		return nil
	}
	return sc.errorf("unexpected token")
}

// number scans a JSON number and returns its text and whether it is an integer.
func (sc *scanner) number() (string, bool, error) {
	s, start := sc.s, sc.i
	i := start
	if i < len(s) && s[i] == '-' {
		i++
	}
	d := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == d {
		return "", false, sc.errorf("unexpected %s", sc.kind())
	}
	isInt := true
	if i < len(s) && s[i] == '.' {
		isInt = false
		i++
		d = i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == d {
			return "", false, sc.errorf("bad number")
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		isInt = false
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		d = i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == d {
			return "", false, sc.errorf("bad number")
		}
	}
	sc.i = i
	return s[start:i], isInt, nil
}

// str reads a JSON string, unescaping it; without escapes it is a substring (no copy).
func (sc *scanner) str() (string, error) {
	s := sc.s
	if !sc.atString() {
		return "", sc.errorf("expected a string")
	}
	q := s[sc.i]
	start := sc.i + 1
	for i := start; i < len(s); i++ {
		switch s[i] {
		case q:
			sc.i = i + 1
			return s[start:i], nil
		case '\\':
			return sc.strSlow(start, i, q)
		}
	}
	return "", sc.errorf("unterminated string")
}

func (sc *scanner) strSlow(start, i int, q byte) (string, error) {
	s := sc.s
	b := append(sc.buf[:0], s[start:i]...)
	for i < len(s) {
		c := s[i]
		switch c {
		case q:
			sc.i = i + 1
			sc.buf = b
			return string(b), nil
		case '\\':
			if i+1 >= len(s) {
				return "", sc.errorf("unterminated string")
			}
			e := s[i+1]
			i += 2
			switch e {
			case '"', '\\', '/', '\'':
				b = append(b, e)
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r, ok := hex4(s, i)
				if !ok {
					return "", sc.errorf("bad \\u escape")
				}
				i += 4
				if utf16.IsSurrogate(r) {
					if r2, ok := hex4(s, i+2); ok && i+1 < len(s) && s[i] == '\\' && s[i+1] == 'u' {
						if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
							r = d
							i += 6
						}
					}
				}
				b = utf8.AppendRune(b, r)
			default:
				return "", sc.errorf("bad escape \\%c", e)
			}
		default:
			b = append(b, c)
			i++
		}
	}
	return "", sc.errorf("unterminated string")
}

func hex4(s string, i int) (rune, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	x, err := strconv.ParseUint(s[i:i+4], 16, 32)
	return rune(x), err == nil
}

// skip passes over one value, checking its syntax.
func (sc *scanner) skip() error {
	sc.ws()
	switch sc.peek() {
	case '{':
		sc.i++
		sc.ws()
		if sc.peek() == '}' {
			sc.i++
			return nil
		}
		for {
			sc.ws()
			if _, err := sc.str(); err != nil {
				return err
			}
			sc.ws()
			if sc.next() != ':' {
				return sc.errorf("expected ':'")
			}
			if err := sc.skip(); err != nil {
				return err
			}
			sc.ws()
			c := sc.next()
			if c == '}' {
				return nil
			}
			if c != ',' {
				return sc.errorf("expected ',' or '}'")
			}
		}
	case '[':
		sc.i++
		sc.ws()
		if sc.peek() == ']' {
			sc.i++
			return nil
		}
		for {
			if err := sc.skip(); err != nil {
				return err
			}
			sc.ws()
			c := sc.next()
			if c == ']' {
				return nil
			}
			if c != ',' {
				return sc.errorf("expected ',' or ']'")
			}
		}
	case '"', '\'':
		_, err := sc.str()
		return err
	case 't':
		return sc.lit("true")
	case 'f':
		return sc.lit("false")
	case 'n':
		return sc.lit("null")
	}
	_, _, err := sc.number()
	return err
}
