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

// timeFormat is a compiled java.time DateTimeFormatter pattern, for formatting only. It
// caches the text of the last second formatted (streams have many rows per second), so it
// must not be shared between goroutines.
type timeFormat struct {
	parts []timePart
	cache struct {
		valid  bool
		sec    int64
		loc    *time.Location
		pieces [][]byte // the text between fraction-of-second parts
	}
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
	frac := int(((micros % 1_000_000) + 1_000_000) % 1_000_000) // micros within the second
	sec := (micros - int64(frac)) / 1_000_000
	c := &f.cache
	if !c.valid || c.sec != sec || c.loc != loc {
		// Format the second once, keeping the text around the fraction parts.
		t := time.Unix(sec, 0).In(loc)
		c.pieces = c.pieces[:0]
		var piece []byte
		for _, p := range f.parts {
			if p.letter == 'S' {
				c.pieces = append(c.pieces, piece)
				piece = nil
				continue
			}
			piece = f.appendPart(piece, p, t)
		}
		c.pieces = append(c.pieces, piece)
		c.valid, c.sec, c.loc = true, sec, loc
	}
	k := 0
	for _, p := range f.parts {
		if p.letter == 'S' {
			dst = append(dst, c.pieces[k]...)
			dst = appendFraction(dst, frac*1000, p.count)
			k++
		}
	}
	return append(dst, c.pieces[k]...)
}

// appendFraction writes the first n digits of a fraction of second given in nanoseconds.
func appendFraction(dst []byte, nanos, n int) []byte {
	for k := 9; k > n; k-- {
		nanos /= 10
	}
	return appendPadded(dst, nanos, n)
}

// appendDate formats a date (days since the epoch).
func (f *timeFormat) appendDate(dst []byte, days int32) []byte {
	return f.appendMicros(dst, int64(days)*86_400_000_000, time.UTC)
}

func (f *timeFormat) appendTime(dst []byte, t time.Time, nanos int) []byte {
	for _, p := range f.parts {
		if p.letter == 'S' {
			dst = appendFraction(dst, nanos, p.count)
		} else {
			dst = f.appendPart(dst, p, t)
		}
	}
	return dst
}

// appendPart writes one literal or field other than the fraction of second.
func (f *timeFormat) appendPart(dst []byte, p timePart, t time.Time) []byte {
	if p.letter == 0 {
		return append(dst, p.literal...)
	}
	n := p.count
	switch p.letter {
	case 'y', 'u':
		y := t.Year()
		if n == 2 {
			return appendPadded(dst, (y%100+100)%100, 2)
		}
		return appendPadded(dst, y, n)
	case 'M', 'L':
		switch {
		case n >= 4:
			return append(dst, t.Month().String()...)
		case n == 3:
			return append(dst, t.Month().String()[:3]...)
		}
		return appendPadded(dst, int(t.Month()), n)
	case 'd':
		return appendPadded(dst, t.Day(), n)
	case 'D':
		return appendPadded(dst, t.YearDay(), n)
	case 'H':
		return appendPadded(dst, t.Hour(), n)
	case 'k':
		h := t.Hour()
		if h == 0 {
			h = 24
		}
		return appendPadded(dst, h, n)
	case 'h':
		h := t.Hour() % 12
		if h == 0 {
			h = 12
		}
		return appendPadded(dst, h, n)
	case 'K':
		return appendPadded(dst, t.Hour()%12, n)
	case 'm':
		return appendPadded(dst, t.Minute(), n)
	case 's':
		return appendPadded(dst, t.Second(), n)
	case 'a':
		if t.Hour() < 12 {
			return append(dst, "AM"...)
		}
		return append(dst, "PM"...)
	case 'E':
		if n >= 4 {
			return append(dst, t.Weekday().String()...)
		}
		return append(dst, t.Weekday().String()[:3]...)
	case 'X', 'x', 'Z':
		_, off := t.Zone()
		return appendOffset(dst, p.letter, n, off)
	case 'z':
		name, _ := t.Zone()
		return append(dst, name...)
	case 'V':
		return append(dst, t.Location().String()...)
	}
	return dst
}
