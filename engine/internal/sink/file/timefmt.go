package file

import (
	"fmt"
	"strconv"
	"time"
)

// Spark 3.5's default write formats for CSV and JSON (non-legacy parser policy). The
// optional sections are always printed when formatting.
const (
	DefaultTimestampFormat = "yyyy-MM-dd'T'HH:mm:ss[.SSS][XXX]"
	DefaultDateFormat      = "yyyy-MM-dd"
)

// timeFormat is a compiled java.time DateTimeFormatter pattern, for formatting only.
type timeFormat struct {
	parts []timePart
}

type timePart struct {
	letter  byte   // pattern letter, 0 for a literal
	count   int    // how many times the letter repeats
	literal string // for literals
}

// compileTimeFormat parses a DateTimeFormatter pattern: letters y u M L d D H h k K m s S a
// E X x Z z V, quoted text ('...', ” for a quote), optional sections [ ] and other
// characters as literals.
func compileTimeFormat(pattern string) (*timeFormat, error) {
	f := &timeFormat{}
	for i := 0; i < len(pattern); {
		c := pattern[i]
		switch {
		case c == '\'':
			j := i + 1
			var lit []byte
			for {
				if j >= len(pattern) {
					return nil, fmt.Errorf("pattern %q: unterminated quote", pattern)
				}
				if pattern[j] == '\'' {
					if j+1 < len(pattern) && pattern[j+1] == '\'' {
						lit = append(lit, '\'')
						j += 2
						continue
					}
					break
				}
				lit = append(lit, pattern[j])
				j++
			}
			if j == i+1 {
				lit = []byte{'\''}
			}
			f.parts = append(f.parts, timePart{literal: string(lit)})
			i = j + 1
		case c == '[' || c == ']':
			i++ // optional sections: every field is available when formatting
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			j := i
			for j < len(pattern) && pattern[j] == c {
				j++
			}
			n := j - i
			switch c {
			case 'y', 'u', 'M', 'L', 'd', 'D', 'H', 'h', 'k', 'K', 'm', 's', 'S', 'a', 'E', 'X', 'x', 'Z', 'z', 'V':
			default:
				return nil, fmt.Errorf("Unknown pattern letter: %c", c)
			}
			if (c == 'X' || c == 'x') && n > 5 || c == 'S' && n > 9 {
				return nil, fmt.Errorf("Too many pattern letters: %c", c)
			}
			f.parts = append(f.parts, timePart{letter: c, count: n})
			i = j
		default:
			f.parts = append(f.parts, timePart{literal: string(c)})
			i++
		}
	}
	return f, nil
}

func appendPadded(dst []byte, v, width int) []byte {
	if v < 0 {
		dst = append(dst, '-')
		v = -v
	}
	var buf [20]byte
	s := strconv.AppendInt(buf[:0], int64(v), 10)
	for k := len(s); k < width; k++ {
		dst = append(dst, '0')
	}
	return append(dst, s...)
}

// appendOffset writes a zone offset for X/x/Z letters.
func appendOffset(dst []byte, letter byte, n, offset int) []byte {
	if offset == 0 && letter == 'X' {
		return append(dst, 'Z')
	}
	if letter == 'Z' {
		if n == 4 {
			dst = append(dst, "GMT"...)
			if offset == 0 {
				return dst
			}
			n = 3
		} else if n == 5 {
			n = 3
		} else {
			n = 2
		}
		letter = 'x'
	}
	sign := byte('+')
	if offset < 0 {
		sign, offset = '-', -offset
	}
	h, m, s := offset/3600, offset/60%60, offset%60
	dst = append(dst, sign)
	dst = appendPadded(dst, h, 2)
	switch n {
	case 1:
		if m != 0 {
			dst = appendPadded(dst, m, 2)
		}
	case 2:
		dst = appendPadded(dst, m, 2)
	case 3:
		dst = append(dst, ':')
		dst = appendPadded(dst, m, 2)
	case 4:
		dst = appendPadded(dst, m, 2)
		if s != 0 {
			dst = appendPadded(dst, s, 2)
		}
	case 5:
		dst = append(dst, ':')
		dst = appendPadded(dst, m, 2)
		if s != 0 {
			dst = append(dst, ':')
			dst = appendPadded(dst, s, 2)
		}
	}
	return dst
}

// appendMicros formats a timestamp (microseconds since the epoch) in loc.
func (f *timeFormat) appendMicros(dst []byte, micros int64, loc *time.Location) []byte {
	t := time.UnixMicro(micros).In(loc)
	frac := int(((micros % 1_000_000) + 1_000_000) % 1_000_000) // micros within the second
	return f.appendTime(dst, t, frac*1000)
}

// appendDate formats a date (days since the epoch).
func (f *timeFormat) appendDate(dst []byte, days int32) []byte {
	return f.appendTime(dst, time.Unix(int64(days)*86400, 0).UTC(), 0)
}

func (f *timeFormat) appendTime(dst []byte, t time.Time, nanos int) []byte {
	for _, p := range f.parts {
		if p.letter == 0 {
			dst = append(dst, p.literal...)
			continue
		}
		n := p.count
		switch p.letter {
		case 'y', 'u':
			y := t.Year()
			if n == 2 {
				dst = appendPadded(dst, (y%100+100)%100, 2)
			} else {
				dst = appendPadded(dst, y, n)
			}
		case 'M', 'L':
			switch {
			case n >= 4:
				dst = append(dst, t.Month().String()...)
			case n == 3:
				dst = append(dst, t.Month().String()[:3]...)
			default:
				dst = appendPadded(dst, int(t.Month()), n)
			}
		case 'd':
			dst = appendPadded(dst, t.Day(), n)
		case 'D':
			dst = appendPadded(dst, t.YearDay(), n)
		case 'H':
			dst = appendPadded(dst, t.Hour(), n)
		case 'k':
			h := t.Hour()
			if h == 0 {
				h = 24
			}
			dst = appendPadded(dst, h, n)
		case 'h':
			h := t.Hour() % 12
			if h == 0 {
				h = 12
			}
			dst = appendPadded(dst, h, n)
		case 'K':
			dst = appendPadded(dst, t.Hour()%12, n)
		case 'm':
			dst = appendPadded(dst, t.Minute(), n)
		case 's':
			dst = appendPadded(dst, t.Second(), n)
		case 'S':
			// Fraction of second, truncated to n digits.
			digits := nanos
			for k := 9; k > n; k-- {
				digits /= 10
			}
			dst = appendPadded(dst, digits, n)
		case 'a':
			if t.Hour() < 12 {
				dst = append(dst, "AM"...)
			} else {
				dst = append(dst, "PM"...)
			}
		case 'E':
			if n >= 4 {
				dst = append(dst, t.Weekday().String()...)
			} else {
				dst = append(dst, t.Weekday().String()[:3]...)
			}
		case 'X', 'x', 'Z':
			_, off := t.Zone()
			dst = appendOffset(dst, p.letter, n, off)
		case 'z':
			name, _ := t.Zone()
			dst = append(dst, name...)
		case 'V':
			dst = append(dst, t.Location().String()...)
		}
	}
	return dst
}
