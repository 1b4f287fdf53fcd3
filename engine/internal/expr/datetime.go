package expr

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/types"
)

// DefaultTimestampPattern is the pattern of unix_timestamp and from_unixtime when none is
// given.
const DefaultTimestampPattern = "yyyy-MM-dd HH:mm:ss"

// patToken is one element of a datetime pattern: a run of one pattern letter, or literal
// text.
type patToken struct {
	letter byte // 0 for literal text
	count  int
	text   string
}

// DatetimePattern is a compiled Spark datetime pattern (yyyy-MM-dd HH:mm:ss.SSS, ...).
type DatetimePattern struct {
	src    string
	tokens []patToken
}

// ParseDatetimePattern compiles a Spark (java.time) datetime pattern. Letters: G y u M L d
// D Q q E a h H k K m s S z Z X x V; text in single quotes (” is a quote); any other
// character is literal.
func ParseDatetimePattern(p string) (*DatetimePattern, error) {
	dp := &DatetimePattern{src: p}
	for i := 0; i < len(p); {
		ch := p[i]
		switch {
		case ch == '\'':
			j := i + 1
			var sb strings.Builder
			for j < len(p) {
				if p[j] == '\'' {
					if j+1 < len(p) && p[j+1] == '\'' {
						sb.WriteByte('\'')
						j += 2
						continue
					}
					break
				}
				sb.WriteByte(p[j])
				j++
			}
			if j >= len(p) && !(i+1 == j && j == len(p)) && (j >= len(p) || p[j] != '\'') {
				return nil, patternErr(p)
			}
			if i+1 == j { // '' is a literal quote
				dp.tokens = append(dp.tokens, patToken{text: "'"})
			} else {
				dp.tokens = append(dp.tokens, patToken{text: sb.String()})
			}
			i = j + 1
		case ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z':
			if !strings.ContainsRune("GyuMLdDQqEaHhkKmsSzZXxV", rune(ch)) {
				return nil, patternErr(p)
			}
			j := i
			for j < len(p) && p[j] == ch {
				j++
			}
			n := j - i
			if ch == 'a' && n > 1 || ch == 'M' && n > 5 || ch == 'L' && n > 5 || ch == 'E' && n > 5 || ch == 'V' && n != 2 || ch == 'Q' && n > 5 {
				return nil, patternErr(p)
			}
			dp.tokens = append(dp.tokens, patToken{letter: ch, count: n})
			i = j
		default:
			dp.tokens = append(dp.tokens, patToken{text: string(ch)})
			i++
		}
	}
	return dp, nil
}

func patternErr(p string) error {
	return analysisErr("INVALID_DATETIME_PATTERN.ILLEGAL_CHARACTER",
		"Unrecognized datetime pattern: %s.", p)
}

func pad(n, width int) string {
	s := strconv.Itoa(abs(n))
	if len(s) < width {
		s = strings.Repeat("0", width-len(s)) + s
	}
	if n < 0 {
		s = "-" + s
	}
	return s
}

// Format prints t (already in the wanted zone) with the pattern.
func (dp *DatetimePattern) Format(t time.Time) string {
	var b strings.Builder
	for _, tk := range dp.tokens {
		if tk.letter == 0 {
			b.WriteString(tk.text)
			continue
		}
		n := tk.count
		switch tk.letter {
		case 'G':
			if t.Year() > 0 {
				b.WriteString("AD")
			} else {
				b.WriteString("BC")
			}
		case 'y', 'u':
			if n == 2 {
				b.WriteString(pad(t.Year()%100, 2))
			} else {
				b.WriteString(pad(t.Year(), n))
			}
		case 'M', 'L':
			switch n {
			case 1, 2:
				b.WriteString(pad(int(t.Month()), n))
			case 3:
				b.WriteString(t.Month().String()[:3])
			case 4:
				b.WriteString(t.Month().String())
			default:
				b.WriteString(t.Month().String()[:1])
			}
		case 'd':
			b.WriteString(pad(t.Day(), n))
		case 'D':
			b.WriteString(pad(t.YearDay(), n))
		case 'Q', 'q':
			q := (int(t.Month())-1)/3 + 1
			switch n {
			case 1, 2:
				b.WriteString(pad(q, n))
			case 3:
				b.WriteString("Q" + strconv.Itoa(q))
			default:
				b.WriteString([]string{"1st", "2nd", "3rd", "4th"}[q-1] + " quarter")
			}
		case 'E':
			switch {
			case n <= 3:
				b.WriteString(t.Weekday().String()[:3])
			case n == 4:
				b.WriteString(t.Weekday().String())
			default:
				b.WriteString(t.Weekday().String()[:1])
			}
		case 'a':
			if t.Hour() < 12 {
				b.WriteString("AM")
			} else {
				b.WriteString("PM")
			}
		case 'H':
			b.WriteString(pad(t.Hour(), n))
		case 'k':
			h := t.Hour()
			if h == 0 {
				h = 24
			}
			b.WriteString(pad(h, n))
		case 'h':
			h := t.Hour() % 12
			if h == 0 {
				h = 12
			}
			b.WriteString(pad(h, n))
		case 'K':
			b.WriteString(pad(t.Hour()%12, n))
		case 'm':
			b.WriteString(pad(t.Minute(), n))
		case 's':
			b.WriteString(pad(t.Second(), n))
		case 'S':
			frac := fmt.Sprintf("%09d", t.Nanosecond())
			for len(frac) < n {
				frac += "0"
			}
			b.WriteString(frac[:n])
		case 'z':
			if n >= 4 {
				b.WriteString(t.Location().String())
			} else {
				name, _ := t.Zone()
				b.WriteString(name)
			}
		case 'V':
			b.WriteString(t.Location().String())
		case 'Z':
			_, off := t.Zone()
			switch {
			case n <= 3:
				b.WriteString(offsetText(off, false, false))
			case n == 4:
				if off == 0 {
					b.WriteString("GMT")
				} else {
					b.WriteString("GMT" + offsetText(off, true, false))
				}
			default:
				b.WriteString(offsetText(off, true, true))
			}
		case 'X', 'x':
			_, off := t.Zone()
			if tk.letter == 'X' && off == 0 {
				b.WriteString("Z")
				continue
			}
			switch n {
			case 1:
				s := offsetText(off, false, false)
				if off%3600 == 0 {
					s = s[:3]
				}
				b.WriteString(s)
			case 2, 4:
				b.WriteString(offsetText(off, false, false))
			default:
				b.WriteString(offsetText(off, true, false))
			}
		}
	}
	return b.String()
}

// offsetText prints a zone offset as +hhmm or +hh:mm; zulu gives "Z" for zero.
func offsetText(off int, colon, zulu bool) string {
	if zulu && off == 0 {
		return "Z"
	}
	sign := "+"
	if off < 0 {
		sign = "-"
		off = -off
	}
	h, m := off/3600, off%3600/60
	if colon {
		return sign + pad(h, 2) + ":" + pad(m, 2)
	}
	return sign + pad(h, 2) + pad(m, 2)
}

var monthNames = []string{"january", "february", "march", "april", "may", "june", "july",
	"august", "september", "october", "november", "december"}
var dayNames = []string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}

// Parse reads s with the pattern as local time in loc (unless s names a zone) and
// returns microseconds since the epoch; ok is false when s does not match entirely.
func (dp *DatetimePattern) Parse(s string, loc *time.Location) (int64, bool) {
	year, month, day := 1970, 1, 1
	hour, minute, sec, nanos := 0, 0, 0, 0
	hour12, pm := -1, -1
	zone := loc
	pos := 0
	lower := strings.ToLower(s)
	for ti, tk := range dp.tokens {
		if tk.letter == 0 {
			if !strings.HasPrefix(lower[pos:], strings.ToLower(tk.text)) {
				return 0, false
			}
			pos += len(tk.text)
			continue
		}
		n := tk.count
		// Width kept free for fixed-width numeric fields that follow directly.
		reserved := 0
		for _, nx := range dp.tokens[ti+1:] {
			if nx.letter == 0 || !isNumericLetter(nx.letter, nx.count) || nx.count < 2 && nx.letter != 'S' {
				break
			}
			reserved += nx.count
		}
		readNum := func(minW, maxW int) (int, bool) {
			avail := 0
			for pos+avail < len(s) && s[pos+avail] >= '0' && s[pos+avail] <= '9' {
				avail++
			}
			w := min(avail-reserved, maxW)
			if avail-reserved < minW {
				w = min(avail, maxW)
			}
			if w < minW || w <= 0 {
				return 0, false
			}
			v, err := strconv.Atoi(s[pos : pos+w])
			if err != nil {
				return 0, false
			}
			pos += w
			return v, true
		}
		fixedOr := func(maxW int) (int, bool) {
			if n >= 2 {
				return readNum(n, n)
			}
			return readNum(1, maxW)
		}
		var ok bool
		switch tk.letter {
		case 'G':
			if strings.HasPrefix(lower[pos:], "ad") || strings.HasPrefix(lower[pos:], "bc") {
				pos += 2
				ok = true
			}
		case 'y', 'u':
			switch {
			case n == 2:
				var yy int
				if yy, ok = readNum(2, 2); ok {
					year = 2000 + yy
				}
			default:
				year, ok = readNum(max(n, 1), 9)
			}
		case 'M', 'L':
			if n >= 3 {
				month, ok = readName(lower, &pos, monthNames, n == 3)
			} else {
				month, ok = fixedOr(2)
			}
		case 'd':
			day, ok = fixedOr(2)
		case 'D':
			var doy int
			if doy, ok = readNum(max(n, 1), 3); ok {
				month, day = 1, doy
			}
		case 'E':
			_, ok = readName(lower, &pos, dayNames, n <= 3)
		case 'a':
			switch {
			case strings.HasPrefix(lower[pos:], "am"):
				pm, ok = 0, true
			case strings.HasPrefix(lower[pos:], "pm"):
				pm, ok = 1, true
			}
			pos += 2
		case 'H':
			hour, ok = fixedOr(2)
		case 'k':
			if hour, ok = fixedOr(2); hour == 24 {
				hour = 0
			}
		case 'h', 'K':
			hour12, ok = fixedOr(2)
		case 'm':
			minute, ok = fixedOr(2)
		case 's':
			sec, ok = fixedOr(2)
		case 'S':
			start := pos
			var v int
			if v, ok = readNum(1, n); ok {
				digits := pos - start
				for ; digits < 9; digits++ {
					v *= 10
				}
				nanos = v
			}
		case 'Q', 'q':
			_, ok = readNum(1, 2)
		case 'X', 'x', 'Z', 'z', 'V':
			zone, ok = readZone(s, &pos)
		}
		if !ok {
			return 0, false
		}
	}
	if pos != len(s) {
		return 0, false
	}
	if hour12 >= 0 {
		hour = hour12 % 12
		if pm == 1 {
			hour += 12
		}
	} else if pm == 1 && hour < 12 {
		hour += 12
	}
	if month < 1 || month > 12 || day < 1 || day > daysIn(year, month) && !(month == 1 && day <= 366) || hour > 23 || minute > 59 || sec > 59 {
		return 0, false
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, nanos/1000*1000, zone).UnixMicro(), true
}

func isNumericLetter(ch byte, n int) bool {
	switch ch {
	case 'y', 'u', 'd', 'D', 'H', 'h', 'k', 'K', 'm', 's', 'S':
		return true
	case 'M', 'L', 'Q', 'q':
		return n <= 2
	}
	return false
}

func readName(lower string, pos *int, names []string, short bool) (int, bool) {
	for i, nm := range names {
		if !short && strings.HasPrefix(lower[*pos:], nm) {
			*pos += len(nm)
			return i + 1, true
		}
		if short && strings.HasPrefix(lower[*pos:], nm[:3]) {
			*pos += 3
			return i + 1, true
		}
	}
	return 0, false
}

func readZone(s string, pos *int) (*time.Location, bool) {
	rest := s[*pos:]
	end := 0
	for end < len(rest) && rest[end] != ' ' {
		end++
	}
	l, ok := parseZone(rest[:end])
	if ok {
		*pos += end
	}
	return l, ok
}

// patternArg compiles a constant pattern argument, or returns nil when the pattern varies
// per row.
func (c *compiler) patternArg(x *Call, e *evaluator) (*DatetimePattern, error) {
	p, ok := constStr(e)
	if !ok {
		return nil, nil
	}
	dp, err := ParseDatetimePattern(p)
	if err != nil {
		return nil, err
	}
	return dp, nil
}

// rowPattern returns the pattern for one row: the constant one or one compiled (and
// cached) from the row's value.
func rowPattern(fixed *DatetimePattern, cache map[string]*DatetimePattern, v any) *DatetimePattern {
	if fixed != nil {
		return fixed
	}
	s, _ := v.(string)
	dp, ok := cache[s]
	if !ok {
		dp, _ = ParseDatetimePattern(s)
		cache[s] = dp
	}
	return dp
}

// toTimestampArg casts a function argument to timestamp (strings parsed, dates at midnight).
func (c *compiler) toTimestampArg(x *Call, i int, e *evaluator) (*evaluator, error) {
	switch e.typ.ID() {
	case types.TimestampID, types.DateID, types.StringID, types.NullID:
		return c.cast(e, types.TimestampType), nil
	}
	return nil, inputTypeErr(x, i, "\"TIMESTAMP\"", e)
}

func (c *compiler) toDateArg(x *Call, i int, e *evaluator) (*evaluator, error) {
	switch e.typ.ID() {
	case types.TimestampID, types.DateID, types.StringID, types.NullID:
		return c.cast(e, types.DateType), nil
	}
	return nil, inputTypeErr(x, i, "\"DATE\"", e)
}

// tsField compiles an extractor over timestamps in the session zone with a typed loop.
func (c *compiler) tsField(x *Call, e *evaluator, f func(time.Time) int) *evaluator {
	loc := c.loc
	return &evaluator{typ: types.IntegerType, nullable: e.nullable, node: x, fn: func(b *batch.Batch) (*batch.Vector, error) {
		v, err := e.fn(b)
		if err != nil {
			return nil, err
		}
		out := newVec(types.IntegerType, b.N)
		for i, m := range v.I64[:b.N] {
			if !v.IsNull(i) {
				out.I32[i] = int32(f(time.UnixMicro(m).In(loc)))
			}
		}
		out.Nulls = orNulls(b.N, v)
		return out, nil
	}}
}

func (c *compiler) dateField(x *Call, e *evaluator, f func(time.Time) int) *evaluator {
	return &evaluator{typ: types.IntegerType, nullable: e.nullable, node: x, fn: func(b *batch.Batch) (*batch.Vector, error) {
		v, err := e.fn(b)
		if err != nil {
			return nil, err
		}
		out := newVec(types.IntegerType, b.N)
		for i, d := range v.I32[:b.N] {
			if !v.IsNull(i) {
				out.I32[i] = int32(f(time.Unix(int64(d)*86400, 0).UTC()))
			}
		}
		out.Nulls = orNulls(b.N, v)
		return out, nil
	}}
}

func (c *compiler) now() time.Time {
	if c.opts.Now != nil {
		return c.opts.Now()
	}
	return time.Now()
}

// timeFunc compiles the date and time functions.
func (c *compiler) timeFunc(name string, x *Call, args []*evaluator) (*evaluator, bool, error) {
	loc := c.loc
	switch name {
	case "current_timestamp", "now", "localtimestamp":
		if err := arity(x, 0, 0); err != nil {
			return nil, true, err
		}
		return &evaluator{typ: types.TimestampType, node: x, fn: func(b *batch.Batch) (*batch.Vector, error) {
			return constVec(types.TimestampType, c.now().UnixMicro(), b.N), nil
		}}, true, nil
	case "current_date", "curdate":
		if err := arity(x, 0, 0); err != nil {
			return nil, true, err
		}
		return &evaluator{typ: types.DateType, node: x, fn: func(b *batch.Batch) (*batch.Vector, error) {
			return constVec(types.DateType, tsToDate(c.now().UnixMicro(), loc), b.N), nil
		}}, true, nil
	case "current_timezone":
		return constEval(types.StringType, loc.String(), x), true, nil
	case "year", "month", "dayofmonth", "day", "dayofweek", "weekday", "dayofyear", "quarter", "weekofyear":
		if err := arity(x, 1, 1); err != nil {
			return nil, true, err
		}
		var f func(time.Time) int
		switch name {
		case "year":
			f = func(t time.Time) int { return t.Year() }
		case "month":
			f = func(t time.Time) int { return int(t.Month()) }
		case "dayofmonth", "day":
			f = time.Time.Day
		case "dayofweek":
			f = func(t time.Time) int { return int(t.Weekday()) + 1 }
		case "weekday":
			f = func(t time.Time) int { return (int(t.Weekday()) + 6) % 7 }
		case "dayofyear":
			f = time.Time.YearDay
		case "quarter":
			f = func(t time.Time) int { return (int(t.Month())-1)/3 + 1 }
		case "weekofyear":
			f = func(t time.Time) int { _, w := t.ISOWeek(); return w }
		}
		if args[0].typ.ID() == types.TimestampID {
			return c.tsField(x, args[0], f), true, nil
		}
		d, err := c.toDateArg(x, 0, args[0])
		if err != nil {
			return nil, true, err
		}
		return c.dateField(x, d, f), true, nil
	case "hour", "minute", "second":
		if err := arity(x, 1, 1); err != nil {
			return nil, true, err
		}
		ts, err := c.toTimestampArg(x, 0, args[0])
		if err != nil {
			return nil, true, err
		}
		f := time.Time.Hour
		switch name {
		case "minute":
			f = time.Time.Minute
		case "second":
			f = time.Time.Second
		}
		return c.tsField(x, ts, f), true, nil
	case "to_timestamp", "to_date", "unix_timestamp", "to_unix_timestamp":
		max := 2
		if err := arity(x, 0, max); err != nil {
			return nil, true, err
		}
		if len(args) == 0 {
			if !strings.HasSuffix(name, "unix_timestamp") {
				return nil, true, arity(x, 1, 2)
			}
			return &evaluator{typ: types.LongType, node: x, fn: func(b *batch.Batch) (*batch.Vector, error) {
				return constVec(types.LongType, floorDiv(c.now().UnixMicro(), 1e6), b.N), nil
			}}, true, nil
		}
		var tsEval *evaluator
		if len(args) == 1 && !strings.HasSuffix(name, "unix_timestamp") || args[0].typ.ID() != types.StringID {
			var err error
			if tsEval, err = c.toTimestampArg(x, 0, args[0]); err != nil {
				return nil, true, err
			}
		} else {
			pe := constEval(types.StringType, DefaultTimestampPattern, nil)
			if len(args) == 2 {
				var err error
				if pe, err = c.toStr(x, 1, args[1]); err != nil {
					return nil, true, err
				}
			}
			fixed, err := c.patternArg(x, pe)
			if err != nil {
				return nil, true, err
			}
			cache := map[string]*DatetimePattern{}
			tsEval = c.rowFunc(x, types.TimestampType, []*evaluator{args[0], pe}, func(a []any) any {
				dp := rowPattern(fixed, cache, a[1])
				if dp == nil {
					return nil
				}
				m, ok := dp.Parse(a[0].(string), loc)
				if !ok {
					return nil
				}
				return m
			})
		}
		switch name {
		case "to_timestamp":
			tsEval.node = x
			return tsEval, true, nil
		case "to_date":
			return c.cast(tsEval, types.DateType), true, nil
		}
		return c.rowFunc(x, types.LongType, []*evaluator{tsEval}, func(a []any) any {
			return floorDiv(a[0].(int64), 1e6)
		}), true, nil
	case "date_format":
		if err := arity(x, 2, 2); err != nil {
			return nil, true, err
		}
		ts, err := c.toTimestampArg(x, 0, args[0])
		if err != nil {
			return nil, true, err
		}
		pe, err := c.toStr(x, 1, args[1])
		if err != nil {
			return nil, true, err
		}
		fixed, err := c.patternArg(x, pe)
		if err != nil {
			return nil, true, err
		}
		cache := map[string]*DatetimePattern{}
		return c.rowFunc(x, types.StringType, []*evaluator{ts, pe}, func(a []any) any {
			dp := rowPattern(fixed, cache, a[1])
			if dp == nil {
				return nil
			}
			return dp.Format(time.UnixMicro(a[0].(int64)).In(loc))
		}), true, nil
	case "from_unixtime":
		if err := arity(x, 1, 2); err != nil {
			return nil, true, err
		}
		secs := c.cast(args[0], types.LongType)
		pe := constEval(types.StringType, DefaultTimestampPattern, nil)
		if len(args) == 2 {
			var err error
			if pe, err = c.toStr(x, 1, args[1]); err != nil {
				return nil, true, err
			}
		}
		fixed, err := c.patternArg(x, pe)
		if err != nil {
			return nil, true, err
		}
		cache := map[string]*DatetimePattern{}
		return c.rowFunc(x, types.StringType, []*evaluator{secs, pe}, func(a []any) any {
			dp := rowPattern(fixed, cache, a[1])
			if dp == nil {
				return nil
			}
			return dp.Format(time.Unix(a[0].(int64), 0).In(loc))
		}), true, nil
	case "date_add", "date_sub", "add_months":
		if err := arity(x, 2, 2); err != nil {
			return nil, true, err
		}
		d, err := c.toDateArg(x, 0, args[0])
		if err != nil {
			return nil, true, err
		}
		n, err := c.toInt(x, 1, args[1])
		if err != nil {
			return nil, true, err
		}
		return c.rowFunc(x, types.DateType, []*evaluator{d, n}, func(a []any) any {
			days, k := a[0].(int32), a[1].(int32)
			switch name {
			case "date_add":
				return days + k
			case "date_sub":
				return days - k
			}
			t := time.Unix(int64(days)*86400, 0).UTC()
			return tsToDate(addInterval(t.UnixMicro(), batch.Interval{Months: k}, false, time.UTC), time.UTC)
		}), true, nil
	case "datediff", "date_diff":
		if err := arity(x, 2, 2); err != nil {
			return nil, true, err
		}
		end, err := c.toDateArg(x, 0, args[0])
		if err != nil {
			return nil, true, err
		}
		start, err := c.toDateArg(x, 1, args[1])
		if err != nil {
			return nil, true, err
		}
		return c.rowFunc(x, types.IntegerType, []*evaluator{end, start}, func(a []any) any {
			return a[0].(int32) - a[1].(int32)
		}), true, nil
	case "last_day":
		if err := arity(x, 1, 1); err != nil {
			return nil, true, err
		}
		d, err := c.toDateArg(x, 0, args[0])
		if err != nil {
			return nil, true, err
		}
		return c.rowFunc(x, types.DateType, []*evaluator{d}, func(a []any) any {
			t := time.Unix(int64(a[0].(int32))*86400, 0).UTC()
			return civilDays(t.Year(), t.Month(), daysIn(t.Year(), int(t.Month())))
		}), true, nil
	case "timestamp_seconds", "timestamp_millis", "timestamp_micros":
		if err := arity(x, 1, 1); err != nil {
			return nil, true, err
		}
		e := args[0]
		if !isNumID(e.typ.ID()) && e.typ.ID() != types.NullID {
			return nil, true, inputTypeErr(x, 0, "\"NUMERIC\"", e)
		}
		scale := map[string]float64{"timestamp_seconds": 1e6, "timestamp_millis": 1e3, "timestamp_micros": 1}[name]
		if id := e.typ.ID(); id == types.LongID || id == types.IntegerID {
			// Integral input, the usual case, is scaled column-wise without boxing.
			mul := int64(scale)
			return &evaluator{typ: types.TimestampType, nullable: true, node: x, fn: func(b *batch.Batch) (*batch.Vector, error) {
				v, err := e.fn(b)
				if err != nil {
					return nil, err
				}
				out := newVec(types.TimestampType, b.N)
				if id == types.LongID {
					for r, a := range v.I64[:b.N] {
						out.I64[r] = satMul(a, mul)
					}
				} else {
					for r, a := range v.I32[:b.N] {
						out.I64[r] = satMul(int64(a), mul)
					}
				}
				if v.Nulls != nil {
					out.Nulls = append([]bool(nil), v.Nulls[:b.N]...)
				}
				return out, nil
			}}, true, nil
		}
		return c.rowFunc(x, types.TimestampType, []*evaluator{e}, func(a []any) any {
			switch v := a[0].(type) {
			case float64:
				return int64(v * scale)
			case float32:
				return int64(float64(v) * scale)
			}
			_, l := numericParts(a[0])
			return satMul(l, int64(scale))
		}), true, nil
	case "unix_seconds", "unix_millis", "unix_micros", "unix_date":
		if err := arity(x, 1, 1); err != nil {
			return nil, true, err
		}
		if name == "unix_date" {
			d, err := c.toDateArg(x, 0, args[0])
			if err != nil {
				return nil, true, err
			}
			return c.cast(&evaluator{typ: types.IntegerType, nullable: d.nullable, node: x, fn: func(b *batch.Batch) (*batch.Vector, error) {
				v, err := d.fn(b)
				if err != nil {
					return nil, err
				}
				out := *v
				out.Type = types.IntegerType
				return &out, nil
			}}, types.IntegerType), true, nil
		}
		ts, err := c.toTimestampArg(x, 0, args[0])
		if err != nil {
			return nil, true, err
		}
		div := map[string]int64{"unix_seconds": 1e6, "unix_millis": 1e3, "unix_micros": 1}[name]
		return c.rowFunc(x, types.LongType, []*evaluator{ts}, func(a []any) any {
			return floorDiv(a[0].(int64), div)
		}), true, nil
	case "date_trunc", "trunc":
		if err := arity(x, 2, 2); err != nil {
			return nil, true, err
		}
		if name == "trunc" {
			// trunc(date, unit) works on the date's calendar, in UTC.
			d, err := c.toDateArg(x, 0, args[0])
			if err != nil {
				return nil, true, err
			}
			unit, err := c.toStr(x, 1, args[1])
			if err != nil {
				return nil, true, err
			}
			return c.rowFunc(x, types.DateType, []*evaluator{d, unit}, func(a []any) any {
				m := dateToTS(a[0].(int32), time.UTC)
				switch u := strings.ToLower(a[1].(string)); u {
				case "year", "yyyy", "yy", "quarter", "month", "mon", "mm", "week":
					return tsToDate(truncTime(m, u, time.UTC).(int64), time.UTC)
				}
				return nil
			}), true, nil
		}
		unit, err := c.toStr(x, 0, args[0])
		if err != nil {
			return nil, true, err
		}
		ts, err := c.toTimestampArg(x, 1, args[1])
		if err != nil {
			return nil, true, err
		}
		return c.rowFunc(x, types.TimestampType, []*evaluator{ts, unit}, func(a []any) any {
			return truncTime(a[0].(int64), strings.ToLower(a[1].(string)), loc)
		}), true, nil
	}
	return nil, false, nil
}

// truncTime truncates a timestamp to a unit in loc; an unknown unit gives null.
func truncTime(m int64, unit string, loc *time.Location) any {
	t := time.UnixMicro(m).In(loc)
	y, mo, d := t.Date()
	switch unit {
	case "year", "yyyy", "yy":
		return time.Date(y, 1, 1, 0, 0, 0, 0, loc).UnixMicro()
	case "quarter":
		return time.Date(y, (mo-1)/3*3+1, 1, 0, 0, 0, 0, loc).UnixMicro()
	case "month", "mon", "mm":
		return time.Date(y, mo, 1, 0, 0, 0, 0, loc).UnixMicro()
	case "week":
		wd := (int(t.Weekday()) + 6) % 7
		return time.Date(y, mo, d-wd, 0, 0, 0, 0, loc).UnixMicro()
	case "day", "dd":
		return time.Date(y, mo, d, 0, 0, 0, 0, loc).UnixMicro()
	case "hour":
		return time.Date(y, mo, d, t.Hour(), 0, 0, 0, loc).UnixMicro()
	case "minute":
		return time.Date(y, mo, d, t.Hour(), t.Minute(), 0, 0, loc).UnixMicro()
	case "second":
		return floorDiv(m, 1e6) * 1e6
	case "millisecond":
		return floorDiv(m, 1e3) * 1e3
	case "microsecond":
		return m
	}
	return nil
}
