package source

import (
	"fmt"
	"strings"
	"time"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/types"
)

// csvConfig is the tokenizer's part of Spark's CSV options.
type csvConfig struct {
	sep         string
	sep0        byte
	quote       byte
	hasQuote    bool
	escape      byte
	hasEscape   bool
	comment     byte
	hasComment  bool
	header      bool
	multiLine   bool
	trimLeft    bool
	trimRight   bool
	nullValue   string
	emptyValue  string
	nanValue    string
	posInf      string
	negInf      string
	samplingAll bool
}

func newCSVConfig(o options) (*csvConfig, error) {
	c := &csvConfig{}
	sep := o.str("sep", o.str("delimiter", ","))
	switch sep {
	case "":
		return nil, fmt.Errorf("Delimiter cannot be empty string")
	case `\t`:
		sep = "\t"
	}
	c.sep, c.sep0 = sep, sep[0]
	var err error
	if c.quote, c.hasQuote, err = o.char("quote", '"', true); err != nil {
		return nil, err
	}
	if c.escape, c.hasEscape, err = o.char("escape", '\\', true); err != nil {
		return nil, err
	}
	if c.comment, c.hasComment, err = o.char("comment", 0, true); err != nil {
		return nil, err
	}
	if _, set := o.get("comment"); !set {
		c.hasComment = false
	}
	if c.header, err = o.boolean("header", false); err != nil {
		return nil, err
	}
	if c.multiLine, err = o.boolean("multiLine", false); err != nil {
		return nil, err
	}
	if c.trimLeft, err = o.boolean("ignoreLeadingWhiteSpace", false); err != nil {
		return nil, err
	}
	if c.trimRight, err = o.boolean("ignoreTrailingWhiteSpace", false); err != nil {
		return nil, err
	}
	c.nullValue = o.str("nullValue", "")
	c.emptyValue = o.str("emptyValue", "")
	c.nanValue = o.str("nanValue", "NaN")
	c.posInf = o.str("positiveInf", "Inf")
	c.negInf = o.str("negativeInf", "-Inf")
	return c, nil
}

// csvField is one token of a record: its text (quotes and escapes removed) and whether
// it was quoted.
type csvField struct {
	s      string
	quoted bool
}

// tokenizer splits CSV text into records, reusing its field slice.
type tokenizer struct {
	*csvConfig
	fields []csvField
	buf    []byte
}

// next reads the record starting at i of s. It returns the index after the record (past
// its line end), the record's raw text, and false when it is a blank or comment line
// that produces no row.
func (t *tokenizer) next(s string, i int) (end int, raw string, isRecord bool) {
	n := len(s)
	start := i
	t.fields = t.fields[:0]
	// lineEnd is the first '\n' at or after the position it was found from (n if none),
	// valid while the scan has not passed it (a quoted field may span lines).
	lineEnd := -1
	// Blank lines and comment lines are skipped, as univocity does.
	if s[i] == '\n' {
		return i + 1, "", false
	}
	if s[i] == '\r' && (i+1 == n || s[i+1] == '\n') {
		return min(i+2, n), "", false
	}
	if t.hasComment && s[i] == t.comment {
		j := strings.IndexByte(s[i:], '\n')
		if j < 0 {
			return n, "", false
		}
		return i + j + 1, "", false
	}
	for {
		// One field starting at i.
		if t.trimLeft {
			for i < n && (s[i] == ' ' || s[i] == '\t') && s[i] != t.sep0 {
				i++
			}
		}
		if t.hasQuote && i < n && s[i] == t.quote {
			i = t.quoted(s, i+1)
		} else {
			j := i
			if len(t.sep) == 1 {
				// The field ends at the separator or the line end, whichever comes
				// first; both are found with IndexByte, the line end once per line.
				if i > lineEnd {
					lineEnd = n
					if k := strings.IndexByte(s[i:], '\n'); k >= 0 {
						lineEnd = i + k
					}
				}
				j = lineEnd
				if k := strings.IndexByte(s[i:lineEnd], t.sep0); k >= 0 {
					j = i + k
				}
			} else {
				for j < n && s[j] != '\n' && !(s[j] == t.sep0 && strings.HasPrefix(s[j:], t.sep)) {
					j++
				}
			}
			e := j
			if e > i && s[e-1] == '\r' && (e == n || s[e] == '\n') {
				e--
			}
			f := s[i:e]
			if t.trimRight {
				f = strings.TrimRight(f, " \t")
			}
			if t.trimLeft {
				f = strings.TrimLeft(f, " \t")
			}
			t.fields = append(t.fields, csvField{s: f})
			i = j
		}
		if i >= n {
			end = n
			break
		}
		if s[i] == '\n' {
			end = i + 1
			break
		}
		// A separator: another field follows (possibly empty at the end of the line).
		i += len(t.sep)
		if i >= n || s[i] == '\n' || s[i] == '\r' && (i+1 == n || s[i+1] == '\n') {
			t.fields = append(t.fields, csvField{})
			if i < n && s[i] == '\r' {
				i++
			}
			end = min(i+1, n)
			break
		}
	}
	raw = s[start:end]
	raw = strings.TrimSuffix(raw, "\n")
	raw = strings.TrimSuffix(raw, "\r")
	return end, raw, true
}

// quoted reads a quoted field whose text starts at i and appends it; it returns the index
// of the separator or line end that follows.
func (t *tokenizer) quoted(s string, i int) int {
	n := len(s)
	fs := i
	t.buf = t.buf[:0]
	copied := false
	for i < n {
		c := s[i]
		if t.hasEscape && c == t.escape && c != t.quote && i+1 < n && (s[i+1] == t.quote || s[i+1] == t.escape) {
			t.buf = append(t.buf, s[fs:i]...)
			t.buf = append(t.buf, s[i+1])
			copied = true
			i += 2
			fs = i
			continue
		}
		if c == t.quote {
			if i+1 < n && s[i+1] == t.quote {
				// A doubled quote stands for one quote character.
				t.buf = append(t.buf, s[fs:i+1]...)
				copied = true
				i += 2
				fs = i
				continue
			}
			break
		}
		if c == '\n' && !t.multiLine {
			break
		}
		i++
	}
	var val string
	if copied {
		t.buf = append(t.buf, s[fs:i]...)
		val = string(t.buf)
	} else {
		val = s[fs:i]
	}
	closed := i < n && s[i] == t.quote
	if closed {
		i++
	} else {
		val = strings.TrimSuffix(val, "\r")
	}
	// Text after the closing quote up to the separator is kept, as univocity does with
	// unescaped quotes.
	j := i
	for j < n && s[j] != '\n' && !(s[j] == t.sep0 && strings.HasPrefix(s[j:], t.sep)) {
		j++
	}
	if j > i {
		tail := s[i:j]
		tail = strings.TrimSuffix(tail, "\r")
		if t.trimRight {
			tail = strings.TrimRight(tail, " \t")
		}
		if tail != "" {
			val += tail
		}
	}
	t.fields = append(t.fields, csvField{s: val, quoted: true})
	return j
}

// csvParser converts CSV text into rows of a schema.
type csvParser struct {
	tok        tokenizer
	schema     *types.StructType
	cols       []int // schema index of each parsed (non-corrupt) column
	corrupt    int
	mode       parseMode
	tp         *timeParser
	lineCounts bool
}

func newCSVParser(schema *types.StructType, o options, mode parseMode, loc *time.Location) (*csvParser, error) {
	cfg, err := newCSVConfig(o)
	if err != nil {
		return nil, err
	}
	p := &csvParser{tok: tokenizer{csvConfig: cfg}, schema: schema, mode: mode}
	if p.corrupt, _, err = corruptColumn(schema, o); err != nil {
		return nil, err
	}
	for i, f := range schema.Fields {
		if i == p.corrupt {
			continue
		}
		switch f.DataType.ID() {
		case types.ArrayID, types.MapID, types.StructID, types.IntervalID, types.NullID:
			return nil, fmt.Errorf("[UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE] The CSV datasource doesn't support the column `%s` of the type \"%s\".",
				f.Name, strings.ToUpper(f.DataType.SimpleString()))
		}
		p.cols = append(p.cols, i)
	}
	if p.tp, err = newTimeParser(loc, o.str("timestampFormat", ""), o.str("dateFormat", "")); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *csvParser) parse(name, s string, out *batchSink, pos *position) error {
	line := pos.line
	first := pos.first
	defer func() { pos.line, pos.first = line, first }()
	for i := 0; i < len(s); {
		end, raw, ok := p.tok.next(s, i)
		recLine := line
		if p.tok.multiLine {
			line += strings.Count(s[i:end], "\n")
		} else {
			line++
		}
		i = end
		if !ok {
			continue
		}
		if first && p.tok.header {
			first = false
			continue
		}
		first = false
		if err := p.row(out.batch(), raw, name, recLine); err != nil {
			return err
		}
	}
	return nil
}

// row appends the current record's row to b (or drops it, or fails, by mode).
func (p *csvParser) row(b *batch.Batch, raw, name string, line int) error {
	fields := p.tok.fields
	bad := len(fields) != len(p.cols)
	cause := ""
	if bad {
		cause = fmt.Sprintf("expected %d fields, found %d", len(p.cols), len(fields))
	}
	for k, ci := range p.cols {
		v := b.Cols[ci]
		if k >= len(fields) {
			v.AppendNull()
			continue
		}
		if !p.convert(v, fields[k]) {
			v.AppendNull()
			if !bad {
				cause = fmt.Sprintf("cannot parse %q as %s", fields[k].s, v.Type.SimpleString())
			}
			bad = true
		}
	}
	if bad {
		switch p.mode {
		case dropMalformed:
			for _, ci := range p.cols {
				truncate(b.Cols[ci], b.N)
			}
			return nil
		case failFast:
			return &MalformedError{Path: name, Line: line, Record: raw, Cause: cause}
		}
	}
	if p.corrupt >= 0 {
		if bad {
			pushStr(b.Cols[p.corrupt], raw)
		} else {
			b.Cols[p.corrupt].AppendNull()
		}
	}
	b.N++
	return nil
}

// convert appends field f to v; false means the text does not fit the type (nothing is
// appended then).
func (p *csvParser) convert(v *batch.Vector, f csvField) bool {
	s := f.s
	if !f.quoted && s == "" {
		v.AppendNull()
		return true
	}
	if f.quoted && s == "" {
		s = p.tok.emptyValue
	}
	if s == p.tok.nullValue {
		v.AppendNull()
		return true
	}
	return convertText(v, s, p.tp, p.tok.csvConfig)
}

// convertText appends the value that text s denotes for v's type. CSV's special
// NaN/Inf spellings apply when cfg is given.
func convertText(v *batch.Vector, s string, tp *timeParser, cfg *csvConfig) bool {
	switch v.Type.ID() {
	case types.StringID:
		pushStr(v, s)
	case types.IntegerID:
		x, ok := parseInt32(s)
		if !ok {
			return false
		}
		pushI32(v, x)
	case types.LongID:
		x, ok := parseInt64(s)
		if !ok {
			return false
		}
		pushI64(v, x)
	case types.DoubleID, types.FloatID:
		var x float64
		var ok bool
		if cfg != nil && s == cfg.nanValue {
			x, ok = nan(), true
		} else if cfg != nil && s == cfg.posInf {
			x, ok = inf(1), true
		} else if cfg != nil && s == cfg.negInf {
			x, ok = inf(-1), true
		} else if v.Type.ID() == types.FloatID {
			x, ok = parseJavaDouble(s, 32)
		} else {
			x, ok = parseJavaDouble(s, 64)
		}
		if !ok {
			return false
		}
		if v.Type.ID() == types.FloatID {
			pushF32(v, float32(x))
		} else {
			pushF64(v, x)
		}
	case types.BooleanID:
		switch {
		case strings.EqualFold(s, "true"):
			pushBool(v, true)
		case strings.EqualFold(s, "false"):
			pushBool(v, false)
		default:
			return false
		}
	case types.TimestampID:
		x, ok := tp.timestamp(s)
		if !ok {
			return false
		}
		pushI64(v, x)
	case types.DateID:
		x, ok := tp.date(s)
		if !ok {
			return false
		}
		pushI32(v, x)
	case types.BinaryID:
		pushBytes(v, []byte(s))
	default:
		return false
	}
	return true
}
