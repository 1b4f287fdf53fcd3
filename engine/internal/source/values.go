package source

import (
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/runnel-go/runnel/engine/internal/batch"
)

// Typed appends that keep Nulls in step; the parsers call these instead of Vector.Append
// to avoid boxing each value.

func pushI32(v *batch.Vector, x int32) {
	v.I32 = append(v.I32, x)
	pushed(v)
}

func pushI64(v *batch.Vector, x int64) {
	v.I64 = append(v.I64, x)
	pushed(v)
}

func pushF64(v *batch.Vector, x float64) {
	v.F64 = append(v.F64, x)
	pushed(v)
}

func pushF32(v *batch.Vector, x float32) {
	v.F32 = append(v.F32, x)
	pushed(v)
}

func pushBool(v *batch.Vector, x bool) {
	v.Bool = append(v.Bool, x)
	pushed(v)
}

func pushStr(v *batch.Vector, x string) {
	v.Str = append(v.Str, x)
	pushed(v)
}

func pushBytes(v *batch.Vector, x []byte) {
	v.Bytes = append(v.Bytes, x)
	pushed(v)
}

func pushed(v *batch.Vector) {
	if v.Nulls != nil {
		v.Nulls = append(v.Nulls, false)
	}
	v.SetLen(v.Len() + 1)
}

// truncate drops the rows of v from n on: a malformed record that was partly appended.
func truncate(v *batch.Vector, n int) {
	if v.Len() <= n {
		return
	}
	if v.Nulls != nil {
		v.Nulls = v.Nulls[:n]
	}
	switch {
	case v.Str != nil:
		v.Str = v.Str[:n]
	case v.I32 != nil:
		v.I32 = v.I32[:n]
	case v.I64 != nil:
		v.I64 = v.I64[:n]
	case v.F64 != nil:
		v.F64 = v.F64[:n]
	case v.F32 != nil:
		v.F32 = v.F32[:n]
	case v.Bool != nil:
		v.Bool = v.Bool[:n]
	case v.Bytes != nil:
		v.Bytes = v.Bytes[:n]
	case v.Any != nil:
		v.Any = v.Any[:n]
	}
	for _, c := range v.Children {
		truncate(c, n)
	}
	v.SetLen(n)
}

// setNull marks the last row of v null (and its struct children, recursively).
func setLastNull(v *batch.Vector) {
	v.SetNull(v.Len() - 1)
	for _, c := range v.Children {
		setLastNull(c)
	}
}

// parseJavaDouble accepts what java.lang.Double.parseDouble accepts for decimal text:
// surrounding whitespace, a trailing d/D/f/F, NaN and [+-]Infinity.
func parseJavaDouble(s string, bits int) (float64, bool) {
	if bits == 64 {
		if f, ok := fastDecimal(s); ok {
			return f, true
		}
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	switch s {
	case "NaN":
		return math.NaN(), true
	case "Infinity", "+Infinity":
		return math.Inf(1), true
	case "-Infinity":
		return math.Inf(-1), true
	}
	if c := s[len(s)-1]; c == 'd' || c == 'D' || c == 'f' || c == 'F' {
		s = s[:len(s)-1]
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(s, bits)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false
	}
	return f, true
}

// parseInt32 is Integer.parseInt: an optional sign and decimal digits, no spaces; values
// out of range fail.
func parseInt32(s string) (int32, bool) {
	// Fast path for short unsigned numbers, the common case.
	if n := len(s); n > 0 && n < 10 {
		var x int32
		for i := 0; i < n; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				goto slow
			}
			x = x*10 + int32(c-'0')
		}
		return x, true
	}
slow:
	x, err := strconv.ParseInt(s, 10, 32)
	return int32(x), err == nil
}

func parseInt64(s string) (int64, bool) {
	if n := len(s); n > 0 && n < 19 {
		var x int64
		for i := 0; i < n; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				goto slow
			}
			x = x*10 + int64(c-'0')
		}
		return x, true
	}
slow:
	x, err := strconv.ParseInt(s, 10, 64)
	return x, err == nil
}

func nan() float64         { return math.NaN() }
func inf(sign int) float64 { return math.Inf(sign) }

// pushNull appends a null row; like Vector.AppendNull but without its generic switch for
// the flat types the parsers fill most.
func pushNull(v *batch.Vector) {
	if v.Nulls == nil {
		v.Nulls = make([]bool, v.Len(), max(cap(v.I64), cap(v.I32), cap(v.F64), cap(v.Str), 16))
	}
	switch {
	case v.I64 != nil:
		v.I64 = append(v.I64, 0)
	case v.I32 != nil:
		v.I32 = append(v.I32, 0)
	case v.F64 != nil:
		v.F64 = append(v.F64, 0)
	case v.Str != nil:
		v.Str = append(v.Str, "")
	case v.Bool != nil:
		v.Bool = append(v.Bool, false)
	default:
		v.AppendNull()
		return
	}
	v.Nulls = append(v.Nulls, true)
	v.SetLen(v.Len() + 1)
}

// pow10 holds the powers of ten that float64 represents exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15}

// fastDecimal parses the common plain decimal text, [-]digits[.digits] with at most 15
// digits, as float64: the digits as an integer are exact, so is the power of ten, and
// one IEEE division of exact values rounds correctly, giving what strconv.ParseFloat
// gives at a fraction of its cost. ok is false for anything else (the caller falls back).
func fastDecimal(s string) (float64, bool) {
	i, neg := 0, false
	if len(s) > 0 && s[0] == '-' {
		i, neg = 1, true
	}
	if i == len(s) || len(s)-i > 16 {
		return 0, false
	}
	var mant uint64
	dot := -1
	for ; i < len(s); i++ {
		if d := s[i] - '0'; d <= 9 {
			mant = mant*10 + uint64(d)
			continue
		}
		if s[i] != '.' || dot >= 0 {
			return 0, false
		}
		dot = i
	}
	digits, frac := len(s), 0
	if neg {
		digits--
	}
	if dot >= 0 {
		digits--
		frac = len(s) - dot - 1
	}
	if digits == 0 || digits > 15 {
		return 0, false
	}
	f := float64(mant)
	if frac > 0 {
		f /= pow10[frac]
	}
	if neg {
		f = -f
	}
	return f, true
}
