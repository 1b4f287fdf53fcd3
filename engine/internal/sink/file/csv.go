package file

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/internal/show"
	"github.com/runnel-go/runnel/engine/types"
)

// csvWriter writes rows as Spark's CSV writer (univocity with Spark's write settings) does:
// no header unless header=true; null as nullValue (""), an empty string as emptyValue
// (`""`); leading and trailing whitespace trimmed; a value holding the separator, the
// quote, a line break, or (with escapeQuotes) a quote is quoted, inner quotes escaped with
// the escape character (`\"`); timestamps and dates in timestampFormat and dateFormat.
type csvWriter struct {
	schema      *types.StructType
	sep         []byte
	quote       byte
	escape      byte
	header      bool
	nullValue   string
	emptyValue  string
	quoteAll    bool
	escapeQuote bool
	trimLeft    bool
	trimRight   bool
	lineSep     string
	ts, date    *timeFormat
	loc         *time.Location
	cell, row   []byte // scratch buffers reused across rows
}

func newCSVWriter(schema *types.StructType, o options, loc *time.Location) (*csvWriter, error) {
	w := &csvWriter{schema: schema, quote: '"', escape: '\\', emptyValue: `""`, lineSep: "\n", loc: loc}
	sep := o.get("sep", o.get("delimiter", ","))
	if sep == `\t` {
		sep = "\t"
	}
	if sep == "" {
		return nil, fmt.Errorf("Delimiter cannot be empty string")
	}
	w.sep = []byte(sep)
	var err error
	if w.quote, err = o.char("quote", '"'); err != nil {
		return nil, err
	}
	if w.escape, err = o.char("escape", '\\'); err != nil {
		return nil, err
	}
	if w.header, err = o.bool("header", false); err != nil {
		return nil, err
	}
	w.nullValue = o.get("nullValue", "")
	w.emptyValue = o.get("emptyValue", `""`)
	if w.quoteAll, err = o.bool("quoteAll", false); err != nil {
		return nil, err
	}
	if w.escapeQuote, err = o.bool("escapeQuotes", true); err != nil {
		return nil, err
	}
	if w.trimLeft, err = o.bool("ignoreLeadingWhiteSpace", true); err != nil {
		return nil, err
	}
	if w.trimRight, err = o.bool("ignoreTrailingWhiteSpace", true); err != nil {
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

func (w *csvWriter) writeBatch(out *bufio.Writer, b *batch.Batch) error {
	row := w.row[:0]
	if w.header {
		for c, f := range w.schema.Fields {
			if c > 0 {
				row = append(row, w.sep...)
			}
			w.cell = append(w.cell[:0], f.Name...)
			row = w.appendCell(row, w.cell, true)
		}
		row = append(row, w.lineSep...)
	}
	for i := 0; i < b.N; i++ {
		for c, col := range b.Cols {
			if c > 0 {
				row = append(row, w.sep...)
			}
			if col.IsNull(i) {
				// univocity writes the null value as is (quoted only with quoteAll).
				if w.quoteAll {
					row = append(row, w.quote)
					row = append(row, w.nullValue...)
					row = append(row, w.quote)
				} else {
					row = append(row, w.nullValue...)
				}
				continue
			}
			w.cell = w.appendValue(w.cell[:0], col, i)
			row = w.appendCell(row, w.cell, col.Type.ID() == types.StringID || col.Type.ID() == types.BinaryID)
		}
		row = append(row, w.lineSep...)
		if len(row) >= 32<<10 {
			if _, err := out.Write(row); err != nil {
				return err
			}
			row = row[:0]
		}
	}
	_, err := out.Write(row)
	w.row = row[:0]
	return err
}

// appendValue renders a non-null value as Spark's CSV generator (UnivocityGenerator) does.
func (w *csvWriter) appendValue(dst []byte, v *batch.Vector, i int) []byte {
	switch v.Type.ID() {
	case types.StringID:
		return append(dst, v.Str[i]...)
	case types.IntegerID:
		return strconv.AppendInt(dst, int64(v.I32[i]), 10)
	case types.LongID:
		return strconv.AppendInt(dst, v.I64[i], 10)
	case types.DoubleID:
		return appendDouble(dst, v.F64[i])
	case types.FloatID:
		return append(dst, show.FormatFloat(v.F32[i])...)
	case types.BooleanID:
		return strconv.AppendBool(dst, v.Bool[i])
	case types.TimestampID:
		return w.ts.appendMicros(dst, v.I64[i], w.loc)
	case types.DateID:
		return w.date.appendDate(dst, v.I32[i])
	case types.BinaryID:
		return append(dst, v.Bytes[i]...)
	}
	return append(dst, show.CastString(v.Get(i), v.Type, w.loc)...)
}

func isCSVSpace(c byte) bool { return c <= ' ' }

// appendCell appends one non-null cell, trimming and quoting it as univocity does.
func (w *csvWriter) appendCell(dst, cell []byte, isText bool) []byte {
	if isText {
		if w.trimLeft {
			for len(cell) > 0 && isCSVSpace(cell[0]) {
				cell = cell[1:]
			}
		}
		if w.trimRight {
			for len(cell) > 0 && isCSVSpace(cell[len(cell)-1]) {
				cell = cell[:len(cell)-1]
			}
		}
		if len(cell) == 0 {
			return append(dst, w.emptyValue...)
		}
	}
	if !w.quoteAll && !w.needsQuotes(cell) {
		return append(dst, cell...)
	}
	dst = append(dst, w.quote)
	for {
		j := bytes.IndexByte(cell, w.quote)
		if j < 0 {
			break
		}
		dst = append(dst, cell[:j]...)
		dst = append(dst, w.escape, w.quote)
		cell = cell[j+1:]
	}
	dst = append(dst, cell...)
	return append(dst, w.quote)
}

func (w *csvWriter) needsQuotes(cell []byte) bool {
	if len(w.sep) == 1 {
		sep := w.sep[0]
		for _, c := range cell {
			if c == sep || c == '\n' || c == '\r' || (c == w.quote && w.escapeQuote) {
				return true
			}
		}
	} else {
		if bytes.Contains(cell, w.sep) {
			return true
		}
		for _, c := range cell {
			if c == '\n' || c == '\r' || (c == w.quote && w.escapeQuote) {
				return true
			}
		}
	}
	// Whitespace kept at either end would be lost by a reader that trims.
	return !w.trimLeft && isCSVSpace(cell[0]) || !w.trimRight && isCSVSpace(cell[len(cell)-1])
}

// verifyCSVSchema rejects the types Spark's CSV data source cannot write.
func verifyCSVSchema(schema *types.StructType) error {
	for _, f := range schema.Fields {
		switch f.DataType.ID() {
		case types.ArrayID, types.MapID, types.StructID, types.IntervalID:
			return unsupportedType("CSV", f)
		}
	}
	return nil
}

// appendDouble appends Java's Double.toString of d (show.FormatDouble), taking a direct
// path for the plain-notation range, the common case, that skips building a string.
func appendDouble(dst []byte, d float64) []byte {
	if a := math.Abs(d); a >= 1e-3 && a < 1e7 {
		start := len(dst)
		dst = strconv.AppendFloat(dst, d, 'f', -1, 64)
		if bytes.IndexByte(dst[start:], '.') < 0 {
			dst = append(dst, '.', '0')
		}
		return dst
	}
	return append(dst, show.FormatDouble(d)...)
}
