package source

import (
	"fmt"
	"strings"
	"time"
)

// timeParser turns text into timestamps (micros since the epoch) and dates (days since the
// epoch). With no explicit format it accepts what Spark's default (lenient ISO-8601)
// parsers accept; with a format it follows the Java DateTimeFormatter pattern.
type timeParser struct {
	loc *time.Location
	ts  []patToken // nil: lenient ISO parsing
	dt  []patToken
}

func newTimeParser(loc *time.Location, tsFormat, dateFormat string) (*timeParser, error) {
	if loc == nil {
		loc = time.UTC
	}
	p := &timeParser{loc: loc}
	var err error
	if tsFormat != "" {
		if p.ts, err = compilePattern(tsFormat); err != nil {
			return nil, err
		}
	}
	if dateFormat != "" {
		if p.dt, err = compilePattern(dateFormat); err != nil {
			return nil, err
		}
	}
	return p, nil
}

const microsPerDay = 86400 * 1000000

func (p *timeParser) timestamp(s string) (int64, bool) {
	var f fields
	var ok bool
	if p.ts == nil {
		f, ok = parseISO(s)
	} else {
		f, ok = parsePattern(p.ts, s)
	}
	if !ok {
		return 0, false
	}
	return f.micros(p.loc)
}

func (p *timeParser) date(s string) (int32, bool) {
	var f fields
	var ok bool
	if p.dt == nil {
		f, ok = parseISO(s)
		// Spark's stringToDate ignores the time part and any zone.
		f.hasZone = false
	} else {
		f, ok = parsePattern(p.dt, s)
	}
	if !ok || f.month < 1 || f.month > 12 || f.day < 1 || f.day > daysIn(f.year, f.month) {
		return 0, false
	}
	d := time.Date(f.year, time.Month(f.month), f.day, 0, 0, 0, 0, time.UTC).Unix() / 86400
	return int32(d), true
}

// strictDate accepts only yyyy-MM-dd: the default date format used by CSV inference.
func strictDate(s string) bool {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	for i, c := range []byte(s) {
		if i != 4 && i != 7 && (c < '0' || c > '9') {
			return false
		}
	}
	y := atoi(s[0:4])
	m := atoi(s[5:7])
	d := atoi(s[8:10])
	return m >= 1 && m <= 12 && d >= 1 && d <= daysIn(y, m)
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

func daysIn(y, m int) int {
	return time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// fields are the parts of a date-time read from text.
type fields struct {
	year, month, day     int
	hour, minute, second int
	nanos                int
	pm, hasAmPm          bool
	hasZone              bool
	offset               int // seconds east of UTC when zone is nil
	zone                 *time.Location
}

func (f fields) micros(loc *time.Location) (int64, bool) {
	if f.month < 1 || f.month > 12 || f.day < 1 || f.day > daysIn(f.year, f.month) ||
		f.hour > 23 || f.minute > 59 || f.second > 59 {
		return 0, false
	}
	h := f.hour
	if f.hasAmPm {
		if h < 1 || h > 12 {
			return 0, false
		}
		h %= 12
		if f.pm {
			h += 12
		}
	}
	l := loc
	if f.hasZone {
		if f.zone != nil {
			l = f.zone
		} else {
			l = time.FixedZone("", f.offset)
		}
	}
	t := time.Date(f.year, time.Month(f.month), f.day, h, f.minute, f.second, 0, l)
	return t.Unix()*1000000 + int64(f.nanos/1000), true
}

// parseISO reads Spark's lenient forms: yyyy, yyyy-[m]m, yyyy-[m]m-[d]d, then optionally
// ' ' or 'T' and [h]h:[m]m[:[s]s[.fraction]] and a zone (Z, +hh:mm, +hhmm, +hh, UTC,
// GMT+hh:mm, or a region id such as America/New_York).
func parseISO(s string) (fields, bool) {
	f := fields{month: 1, day: 1}
	s = strings.TrimSpace(s)
	i := 0
	num := func(minD, maxD int) (int, bool) {
		start := i
		n := 0
		for i < len(s) && i-start < maxD && s[i] >= '0' && s[i] <= '9' {
			n = n*10 + int(s[i]-'0')
			i++
		}
		return n, i-start >= minD
	}
	var ok bool
	if f.year, ok = num(4, 6); !ok {
		return f, false
	}
	if i == len(s) {
		return f, true
	}
	if s[i] != '-' {
		return f, false
	}
	i++
	if f.month, ok = num(1, 2); !ok {
		return f, false
	}
	if i == len(s) {
		return f, true
	}
	if s[i] != '-' {
		return f, false
	}
	i++
	if f.day, ok = num(1, 2); !ok {
		return f, false
	}
	if i == len(s) {
		return f, true
	}
	if s[i] != ' ' && s[i] != 'T' {
		return f, false
	}
	i++
	if i == len(s) {
		return f, true
	}
	if f.hour, ok = num(1, 2); !ok {
		return f, false
	}
	if i == len(s) || s[i] != ':' {
		return f, false
	}
	i++
	if f.minute, ok = num(1, 2); !ok {
		return f, false
	}
	if i < len(s) && s[i] == ':' {
		i++
		if f.second, ok = num(1, 2); !ok {
			return f, false
		}
		if i < len(s) && s[i] == '.' {
			i++
			start := i
			frac, _ := num(1, 9)
			d := i - start
			if d == 0 {
				return f, false
			}
			for ; d < 9; d++ {
				frac *= 10
			}
			f.nanos = frac
			// More than 9 fraction digits leave text that no zone matches: rejected.
		}
	}
	if i == len(s) {
		return f, true
	}
	z := strings.TrimSpace(s[i:])
	return f, parseZone(z, &f)
}

func parseZone(z string, f *fields) bool {
	f.hasZone = true
	switch {
	case z == "Z" || z == "UTC" || z == "GMT" || z == "UT":
		f.offset = 0
		return true
	case z[0] == '+' || z[0] == '-':
		return parseOffset(z, f)
	case strings.HasPrefix(z, "UTC") || strings.HasPrefix(z, "GMT"):
		return parseOffset(z[3:], f)
	}
	l, err := time.LoadLocation(z)
	if err != nil {
		return false
	}
	f.zone = l
	return true
}

// parseOffset reads +h, +hh, +hh:mm, +hhmm, +hh:mm:ss.
func parseOffset(z string, f *fields) bool {
	if len(z) < 2 || z[0] != '+' && z[0] != '-' {
		return false
	}
	sign := 1
	if z[0] == '-' {
		sign = -1
	}
	digits := strings.ReplaceAll(z[1:], ":", "")
	for _, c := range []byte(digits) {
		if c < '0' || c > '9' {
			return false
		}
	}
	var h, m, sec int
	switch len(digits) {
	case 1, 2:
		h = atoi(digits)
	case 4:
		h, m = atoi(digits[:2]), atoi(digits[2:])
	case 6:
		h, m, sec = atoi(digits[:2]), atoi(digits[2:4]), atoi(digits[4:])
	default:
		return false
	}
	if h > 18 || m > 59 || sec > 59 {
		return false
	}
	f.offset = sign * (h*3600 + m*60 + sec)
	return true
}

// patToken is one element of a compiled DateTimeFormatter pattern: a letter run (kind,
// width) or a literal.
type patToken struct {
	kind     byte // 0 for a literal
	width    int
	lit      string
	optStart bool // '[': the tokens up to the matching ']' may be absent
	optEnd   bool
}

func compilePattern(p string) ([]patToken, error) {
	var out []patToken
	for i := 0; i < len(p); {
		c := p[i]
		switch {
		case c == '\'':
			j := i + 1
			var lit strings.Builder
			for j < len(p) {
				if p[j] == '\'' {
					if j+1 < len(p) && p[j+1] == '\'' {
						lit.WriteByte('\'')
						j += 2
						continue
					}
					break
				}
				lit.WriteByte(p[j])
				j++
			}
			if j >= len(p) {
				return nil, fmt.Errorf("unterminated quote in datetime pattern %q", p)
			}
			if lit.Len() == 0 {
				lit.WriteByte('\'')
			}
			out = append(out, patToken{lit: lit.String()})
			i = j + 1
		case c == '[':
			out = append(out, patToken{optStart: true})
			i++
		case c == ']':
			out = append(out, patToken{optEnd: true})
			i++
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			j := i
			for j < len(p) && p[j] == c {
				j++
			}
			switch c {
			case 'y', 'u', 'M', 'L', 'd', 'H', 'h', 'k', 'K', 'm', 's', 'S', 'a', 'X', 'x', 'Z', 'z', 'V', 'E', 'D':
			default:
				return nil, fmt.Errorf("unsupported datetime pattern letter '%c' in %q", c, p)
			}
			out = append(out, patToken{kind: c, width: j - i})
			i = j
		default:
			out = append(out, patToken{lit: string(c)})
			i++
		}
	}
	return out, nil
}

var monthNames = []string{"january", "february", "march", "april", "may", "june", "july",
	"august", "september", "october", "november", "december"}
var dayNames = []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}

// parsePattern matches all of s against the pattern; optional sections that do not match
// are skipped.
func parsePattern(toks []patToken, s string) (fields, bool) {
	f := fields{year: 1970, month: 1, day: 1}
	i, ok := matchTokens(toks, s, 0, &f)
	return f, ok && i == len(s)
}

func matchTokens(toks []patToken, s string, i int, f *fields) (int, bool) {
	for k := 0; k < len(toks); k++ {
		t := toks[k]
		if t.optStart {
			// find the matching end
			depth, e := 0, k
			for ; e < len(toks); e++ {
				if toks[e].optStart {
					depth++
				} else if toks[e].optEnd {
					depth--
					if depth == 0 {
						break
					}
				}
			}
			saved := *f
			if j, ok := matchTokens(toks[k+1:e], s, i, f); ok {
				i = j
			} else {
				*f = saved
			}
			k = e
			continue
		}
		if t.optEnd {
			continue
		}
		adjacent := k+1 < len(toks) && toks[k+1].kind != 0 && strings.IndexByte("yuMLdDHhkKmsS", toks[k+1].kind) >= 0
		j, ok := matchToken(t, s, i, f, adjacent)
		if !ok {
			return i, false
		}
		i = j
	}
	return i, true
}

func digitsAt(s string, i, minD, maxD int) (int, int, bool) {
	n, j := 0, i
	for j < len(s) && j-i < maxD && s[j] >= '0' && s[j] <= '9' {
		n = n*10 + int(s[j]-'0')
		j++
	}
	return n, j, j-i >= minD
}

// adjacent says a numeric field follows directly, so a variable-width field (the year)
// takes only its pattern width.
func matchToken(t patToken, s string, i int, f *fields, adjacent bool) (int, bool) {
	if t.kind == 0 {
		if strings.HasPrefix(s[i:], t.lit) {
			return i + len(t.lit), true
		}
		return i, false
	}
	// A single letter accepts one or two digits (Java's SMART resolver); two or more
	// letters need exactly that many digits.
	minD, maxD := t.width, t.width
	if t.width == 1 {
		maxD = 2
	}
	var n, j int
	var ok bool
	switch t.kind {
	case 'y', 'u':
		if t.width == 2 {
			if n, j, ok = digitsAt(s, i, 2, 2); !ok {
				return i, false
			}
			f.year = 2000 + n
			return j, true
		}
		maxY := 9
		if adjacent {
			maxY = max(t.width, 4)
		}
		if n, j, ok = digitsAt(s, i, max(t.width, 4), maxY); !ok && t.width < 4 {
			n, j, ok = digitsAt(s, i, 1, 9)
		}
		f.year = n
		return j, ok
	case 'M', 'L':
		if t.width >= 3 {
			return matchName(s, i, monthNames, t.width == 3, func(k int) { f.month = k + 1 })
		}
		n, j, ok = digitsAt(s, i, minD, maxD)
		f.month = n
		return j, ok
	case 'd':
		n, j, ok = digitsAt(s, i, minD, maxD)
		f.day = n
		return j, ok
	case 'D':
		n, j, ok = digitsAt(s, i, minD, 3)
		if ok {
			t := time.Date(f.year, 1, n, 0, 0, 0, 0, time.UTC)
			f.month, f.day = int(t.Month()), t.Day()
		}
		return j, ok
	case 'H', 'k':
		n, j, ok = digitsAt(s, i, minD, maxD)
		f.hour = n
		return j, ok
	case 'h', 'K':
		n, j, ok = digitsAt(s, i, minD, maxD)
		f.hour = n
		f.hasAmPm = true
		return j, ok
	case 'm':
		n, j, ok = digitsAt(s, i, minD, maxD)
		f.minute = n
		return j, ok
	case 's':
		n, j, ok = digitsAt(s, i, minD, maxD)
		f.second = n
		return j, ok
	case 'S':
		n, j, ok = digitsAt(s, i, t.width, t.width)
		if !ok {
			return i, false
		}
		for d := t.width; d < 9; d++ {
			n *= 10
		}
		f.nanos = n
		return j, true
	case 'a':
		if len(s) >= i+2 {
			switch strings.ToUpper(s[i : i+2]) {
			case "AM":
				f.pm = false
				return i + 2, true
			case "PM":
				f.pm = true
				return i + 2, true
			}
		}
		return i, false
	case 'E':
		return matchName(s, i, dayNames, t.width <= 3, func(int) {})
	case 'X', 'x', 'Z':
		if t.kind == 'X' && i < len(s) && s[i] == 'Z' {
			f.hasZone = true
			f.offset = 0
			return i + 1, true
		}
		j = i
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == ':') {
				j++
			}
		}
		if j == i || !parseOffset(s[i:j], f) {
			return i, false
		}
		f.hasZone = true
		return j, true
	case 'z', 'V':
		j = i
		for j < len(s) && s[j] != ' ' {
			j++
		}
		if j == i || !parseZone(s[i:j], f) {
			return i, false
		}
		return j, true
	}
	return i, false
}

func matchName(s string, i int, names []string, short bool, set func(int)) (int, bool) {
	rest := strings.ToLower(s[i:])
	for k, n := range names {
		if short {
			n = n[:3]
		}
		if strings.HasPrefix(rest, n) {
			set(k)
			return i + len(n), true
		}
	}
	return i, false
}
