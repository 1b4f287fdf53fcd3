// Package show renders values and batches as Spark prints them: the text of a value cast
// to string (Java's number formatting, Spark's timestamp, array, map and struct forms) and
// the table of Dataset.show.
package show

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/types"
)

// FormatValue returns the text Spark's show() prints for an internal value v of type t
// (Spark's ToPrettyString): null, also nested inside arrays, maps and structs, is "NULL";
// timestamps are printed in loc (nil means UTC).
func FormatValue(v any, t types.DataType, loc *time.Location) string {
	var b strings.Builder
	writeValue(&b, v, t, loc, true)
	return b.String()
}

// CastString is CAST(v AS STRING) for a non-null internal value: as FormatValue except
// that nulls nested in arrays, maps and structs print as "null" and binary is decoded as
// UTF-8 text rather than shown as hex. A top-level nil gives "".
func CastString(v any, t types.DataType, loc *time.Location) string {
	if v == nil {
		return ""
	}
	var b strings.Builder
	writeValue(&b, v, t, loc, false)
	return b.String()
}

// writeValue writes v; pretty selects show's form (NULL, binary as hex) over CAST's
// (null, binary as text).
func writeValue(b *strings.Builder, v any, t types.DataType, loc *time.Location, pretty bool) {
	if v == nil {
		if pretty {
			b.WriteString("NULL")
		} else {
			b.WriteString("null")
		}
		return
	}
	switch x := v.(type) {
	case string:
		b.WriteString(x)
		return
	case bool:
		b.WriteString(strconv.FormatBool(x))
		return
	case float64:
		b.WriteString(FormatDouble(x))
		return
	case float32:
		b.WriteString(FormatFloat(x))
		return
	case time.Time:
		if t != nil && t.ID() == types.DateID {
			b.WriteString(x.Format("2006-01-02"))
		} else {
			b.WriteString(FormatTimestamp(x.UnixMicro(), loc))
		}
		return
	case []byte:
		if !pretty {
			b.Write(x)
			return
		}
		b.WriteByte('[')
		for i, c := range x {
			if i > 0 {
				b.WriteByte(' ')
			}
			const hex = "0123456789ABCDEF"
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
		b.WriteByte(']')
		return
	case batch.Interval:
		b.WriteString(FormatInterval(x))
		return
	}
	id := types.NullID
	if t != nil {
		id = t.ID()
	}
	switch id {
	case types.TimestampID:
		if m, ok := v.(int64); ok {
			b.WriteString(FormatTimestamp(m, loc))
			return
		}
	case types.DateID:
		if d, ok := v.(int32); ok {
			b.WriteString(FormatDate(d))
			return
		}
	case types.ArrayID:
		if items, ok := v.([]any); ok {
			et := t.(*types.ArrayType).ElementType
			b.WriteByte('[')
			for i, it := range items {
				if i > 0 {
					b.WriteString(", ")
				}
				writeValue(b, it, et, loc, pretty)
			}
			b.WriteByte(']')
			return
		}
	case types.MapID:
		if m, ok := v.(*batch.MapValue); ok {
			mt := t.(*types.MapType)
			b.WriteByte('{')
			for i := range m.Keys {
				if i > 0 {
					b.WriteString(", ")
				}
				writeValue(b, m.Keys[i], mt.KeyType, loc, pretty)
				b.WriteString(" -> ")
				writeValue(b, m.Values[i], mt.ValueType, loc, pretty)
			}
			b.WriteByte('}')
			return
		}
	case types.StructID:
		if fields, ok := v.([]any); ok {
			st := t.(*types.StructType)
			b.WriteByte('{')
			for i, f := range fields {
				if i > 0 {
					b.WriteString(", ")
				}
				var ft types.DataType
				if i < len(st.Fields) {
					ft = st.Fields[i].DataType
				}
				writeValue(b, f, ft, loc, pretty)
			}
			b.WriteByte('}')
			return
		}
	}
	switch x := v.(type) {
	case int32:
		b.WriteString(strconv.FormatInt(int64(x), 10))
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case int:
		b.WriteString(strconv.Itoa(x))
	case []any:
		b.WriteByte('[')
		for i, it := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			writeValue(b, it, nil, loc, pretty)
		}
		b.WriteByte(']')
	default:
		b.WriteString(fmt.Sprint(x))
	}
}

// FormatDouble is Java's Double.toString: plain notation with at least one fraction digit
// for 1e-3 <= |d| < 1e7 ("90.0", "10000.666666666666"), otherwise computerized scientific
// notation ("1.0E7", "1.234E-5"); "NaN", "Infinity", "-Infinity".
func FormatDouble(d float64) string { return javaFloat(d, 64) }

// FormatFloat is Java's Float.toString, the float32 twin of FormatDouble.
func FormatFloat(f float32) string { return javaFloat(float64(f), 32) }

func javaFloat(d float64, bits int) string {
	switch {
	case d != d:
		return "NaN"
	case math.IsInf(d, 1):
		return "Infinity"
	case math.IsInf(d, -1):
		return "-Infinity"
	}
	if d == 0 {
		if 1/d < 0 {
			return "-0.0"
		}
		return "0.0"
	}
	// Shortest digits that round-trip, as d.ddddde±x.
	s := strconv.FormatFloat(d, 'e', -1, bits)
	neg := false
	if s[0] == '-' {
		neg = true
		s = s[1:]
	}
	epos := strings.IndexByte(s, 'e')
	mant, expStr := s[:epos], s[epos+1:]
	exp, _ := strconv.Atoi(expStr)
	digits := strings.Replace(mant, ".", "", 1)
	var out strings.Builder
	if neg {
		out.WriteByte('-')
	}
	abs := d
	if abs < 0 {
		abs = -abs
	}
	if abs >= 1e-3 && abs < 1e7 {
		if exp >= 0 {
			intLen := exp + 1
			if len(digits) <= intLen {
				out.WriteString(digits)
				out.WriteString(strings.Repeat("0", intLen-len(digits)))
				out.WriteString(".0")
			} else {
				out.WriteString(digits[:intLen])
				out.WriteByte('.')
				out.WriteString(digits[intLen:])
			}
		} else {
			out.WriteString("0.")
			out.WriteString(strings.Repeat("0", -exp-1))
			out.WriteString(digits)
		}
		return out.String()
	}
	out.WriteByte(digits[0])
	out.WriteByte('.')
	if len(digits) > 1 {
		out.WriteString(digits[1:])
	} else {
		out.WriteByte('0')
	}
	out.WriteByte('E')
	out.WriteString(strconv.Itoa(exp))
	return out.String()
}

// FormatTimestamp prints microseconds since the epoch as Spark's default timestamp text in
// loc: "2021-01-01 00:00:00", with a fraction only when it is not zero, trailing zeros
// trimmed ("2021-01-01 00:00:00.5").
func FormatTimestamp(micros int64, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	t := time.UnixMicro(micros).In(loc)
	s := t.Format("2006-01-02 15:04:05")
	if frac := t.Nanosecond() / 1000; frac != 0 {
		f := strconv.Itoa(frac + 1000000)[1:]
		s += "." + strings.TrimRight(f, "0")
	}
	return s
}

// FormatDate prints days since the epoch as "2021-01-01".
func FormatDate(days int32) string {
	return time.Unix(int64(days)*86400, 0).UTC().Format("2006-01-02")
}

// FormatInterval is Spark's CalendarInterval text: "1 hours 30 minutes", "2 days",
// "1.5 seconds", "0 seconds".
func FormatInterval(iv batch.Interval) string {
	if iv.Months == 0 && iv.Days == 0 && iv.Micros == 0 {
		return "0 seconds"
	}
	var parts []string
	unit := func(n int64, name string) {
		if n != 0 {
			parts = append(parts, strconv.FormatInt(n, 10)+" "+name)
		}
	}
	unit(int64(iv.Months/12), "years")
	unit(int64(iv.Months%12), "months")
	unit(int64(iv.Days), "days")
	rest := iv.Micros
	unit(rest/3600000000, "hours")
	rest %= 3600000000
	unit(rest/60000000, "minutes")
	rest %= 60000000
	if rest != 0 {
		neg := rest < 0
		if neg {
			rest = -rest
		}
		s := strconv.FormatInt(rest/1000000, 10)
		if f := rest % 1000000; f != 0 {
			s += "." + strings.TrimRight(strconv.FormatInt(f+1000000, 10)[1:], "0")
		}
		if neg {
			s = "-" + s
		}
		parts = append(parts, s+" seconds")
	}
	return strings.Join(parts, " ")
}

// EscapeMeta replaces control characters that would break the table layout with their
// escapes, as Spark's SchemaUtils.escapeMetaCharacters does.
func EscapeMeta(s string) string {
	if !strings.ContainsAny(s, "\n\r\t\f\b\v\a") {
		return s
	}
	r := strings.NewReplacer("\n", `\n`, "\r", `\r`, "\t", `\t`, "\f", `\f`, "\b", `\b`, "\v", `\v`, "\a", `\a`)
	return r.Replace(s)
}

// javaLen is the length of s in UTF-16 code units, Java's String.length.
func javaLen(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// javaPrefix returns the first n UTF-16 code units of s (never splitting a rune).
func javaPrefix(s string, n int) string {
	used := 0
	for i, r := range s {
		w := 1
		if r >= 0x10000 {
			w = 2
		}
		if used+w > n {
			return s[:i]
		}
		used += w
	}
	return s
}

// halfWidth is Spark's Utils.stringHalfWidth: the length plus one for each full-width
// (East Asian) character, so that such characters take two columns.
func halfWidth(s string) int {
	n := javaLen(s)
	for _, r := range s {
		if r >= 0x1100 && r <= 0x115F || r >= 0x2E80 && r <= 0xA4CF || r >= 0xAC00 && r <= 0xD7A3 ||
			r >= 0xF900 && r <= 0xFAFF || r >= 0xFE10 && r <= 0xFE19 || r >= 0xFE30 && r <= 0xFE6F ||
			r >= 0xFF00 && r <= 0xFF60 || r >= 0xFFE0 && r <= 0xFFE6 {
			n++
		}
	}
	return n
}

// Cells returns the header (field names) and up to numRows rows of cell texts of b as
// show prints them: escaped, and cut to truncate characters when truncate > 0 (the first
// truncate-3 and "...", or just the first truncate when truncate < 4). more reports that
// b has rows beyond numRows.
func Cells(b *batch.Batch, numRows, truncate int, loc *time.Location) (header []string, rows [][]string, more bool) {
	numRows = max(numRows, 0)
	header = make([]string, len(b.Schema.Fields))
	for i, f := range b.Schema.Fields {
		header[i] = EscapeMeta(f.Name)
	}
	n := min(numRows, b.N)
	rows = make([][]string, n)
	for r := 0; r < n; r++ {
		row := make([]string, len(b.Cols))
		for c, col := range b.Cols {
			s := EscapeMeta(FormatValue(col.Get(r), col.Type, loc))
			if truncate > 0 && javaLen(s) > truncate {
				if truncate < 4 {
					s = javaPrefix(s, truncate)
				} else {
					s = javaPrefix(s, truncate-3) + "..."
				}
			}
			row[c] = s
		}
		rows[r] = row
	}
	return header, rows, b.N > numRows
}

// ShowString is Spark's Dataset.showString(numRows, truncate): the table with '+---+'
// borders, a header, cells right-aligned when truncate > 0 and left-aligned otherwise,
// columns at least 3 wide, and "only showing top N rows" when b has more rows than
// numRows. It ends with a newline.
func ShowString(b *batch.Batch, numRows, truncate int, loc *time.Location) string {
	header, rows, more := Cells(b, numRows, truncate, loc)
	widths := make([]int, len(header))
	for i, h := range header {
		widths[i] = max(3, halfWidth(h))
	}
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], halfWidth(c))
		}
	}
	var sb strings.Builder
	sep := func() {
		sb.WriteByte('+')
		for _, w := range widths {
			sb.WriteString(strings.Repeat("-", w))
			sb.WriteByte('+')
		}
		sb.WriteByte('\n')
	}
	line := func(cells []string) {
		sb.WriteByte('|')
		for i, c := range cells {
			pad := strings.Repeat(" ", widths[i]-halfWidth(c))
			if truncate > 0 {
				sb.WriteString(pad)
				sb.WriteString(c)
			} else {
				sb.WriteString(c)
				sb.WriteString(pad)
			}
			sb.WriteByte('|')
		}
		sb.WriteByte('\n')
	}
	sep()
	line(header)
	sep()
	for _, r := range rows {
		line(r)
	}
	sep()
	writeFooter(&sb, numRows, more, false, len(rows))
	return sb.String()
}

// Table is exactly what Dataset.show(numRows, truncate) writes to standard output: the
// ShowString followed by the newline of println, so the text ends with a blank line.
func Table(b *batch.Batch, numRows, truncate int, loc *time.Location) string {
	return ShowString(b, numRows, truncate, loc) + "\n"
}

// Vertical is Dataset.showString with vertical = true: one "-RECORD i---" block per row
// with " name | value " lines, "(0 rows)" when empty. Like Table it includes the trailing
// newline of println.
func Vertical(b *batch.Batch, numRows, truncate int, loc *time.Location) string {
	header, rows, more := Cells(b, numRows, truncate, loc)
	nameW := 3
	for _, h := range header {
		nameW = max(nameW, halfWidth(h))
	}
	dataW := 3
	for _, r := range rows {
		rowMax := 0
		for _, c := range r {
			rowMax = max(rowMax, halfWidth(c))
		}
		dataW = max(dataW, rowMax)
	}
	var sb strings.Builder
	for i, r := range rows {
		head := "-RECORD " + strconv.Itoa(i)
		if w := nameW + dataW + 5; javaLen(head) < w {
			head += strings.Repeat("-", w-javaLen(head))
		}
		sb.WriteString(head)
		sb.WriteByte('\n')
		for j, c := range r {
			sb.WriteByte(' ')
			sb.WriteString(header[j])
			sb.WriteString(strings.Repeat(" ", max(0, nameW-halfWidth(header[j]))))
			sb.WriteString(" | ")
			sb.WriteString(c)
			sb.WriteString(strings.Repeat(" ", max(0, dataW-halfWidth(c))))
			sb.WriteString(" \n")
		}
	}
	writeFooter(&sb, numRows, more, true, len(rows))
	return sb.String() + "\n"
}

func writeFooter(sb *strings.Builder, numRows int, more, vertical bool, shown int) {
	if vertical && shown == 0 {
		sb.WriteString("(0 rows)\n")
	} else if more {
		word := "rows"
		if numRows == 1 {
			word = "row"
		}
		sb.WriteString("only showing top " + strconv.Itoa(numRows) + " " + word + "\n")
	}
}
