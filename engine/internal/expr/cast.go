package expr

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/internal/show"
	"github.com/runnel-go/runnel/engine/types"
)

// canCast reports whether Spark (non-ANSI) allows CAST(from AS to).
func canCast(from, to types.DataType) bool {
	if types.Equal(from, to) || from.ID() == types.NullID {
		return true
	}
	f, t := from.ID(), to.ID()
	if t == types.StringID {
		return true
	}
	switch f {
	case types.StringID:
		switch t {
		case types.IntegerID, types.LongID, types.DoubleID, types.FloatID, types.BooleanID,
			types.TimestampID, types.DateID, types.BinaryID, types.IntervalID:
			return true
		}
	case types.IntegerID, types.LongID, types.DoubleID, types.FloatID, types.BooleanID:
		switch t {
		case types.IntegerID, types.LongID, types.DoubleID, types.FloatID, types.BooleanID, types.TimestampID:
			return true
		}
	case types.TimestampID:
		switch t {
		case types.IntegerID, types.LongID, types.DoubleID, types.FloatID, types.BooleanID, types.DateID:
			return true
		}
	case types.DateID:
		return t == types.TimestampID
	case types.ArrayID:
		if t == types.ArrayID {
			return canCast(from.(*types.ArrayType).ElementType, to.(*types.ArrayType).ElementType)
		}
	case types.MapID:
		if t == types.MapID {
			a, b := from.(*types.MapType), to.(*types.MapType)
			return canCast(a.KeyType, b.KeyType) && canCast(a.ValueType, b.ValueType)
		}
	case types.StructID:
		if t == types.StructID {
			a, b := from.(*types.StructType), to.(*types.StructType)
			if len(a.Fields) != len(b.Fields) {
				return false
			}
			for i := range a.Fields {
				if !canCast(a.Fields[i].DataType, b.Fields[i].DataType) {
					return false
				}
			}
			return true
		}
	}
	return false
}

// castVector casts the first n rows of v to type to. Rows that do not convert become
// null (Spark's non-ANSI behaviour). v is not changed; the result may share it when the
// types are equal.
func castVector(v *batch.Vector, to types.DataType, loc *time.Location, n int) *batch.Vector {
	from := v.Type
	if types.Equal(from, to) {
		return v
	}
	if from.ID() == types.NullID {
		return constVec(to, nil, n)
	}
	out := newVec(to, n)
	if v.Nulls != nil {
		out.Nulls = append([]bool(nil), v.Nulls[:n]...)
	}
	f, t := from.ID(), to.ID()
	switch {
	case isNumID(f) && isNumID(t):
		convertNum(v, out)
		return out
	case t == types.StringID:
		castToString(v, out, loc)
		return out
	case f == types.StringID:
		castFromString(v, out, loc)
		return out
	}
	for i := 0; i < n; i++ {
		if v.IsNull(i) {
			continue
		}
		setValue(out, i, castValue(v.Get(i), from, to, loc))
	}
	return out
}

func isNumID(id types.TypeID) bool {
	switch id {
	case types.IntegerID, types.LongID, types.FloatID, types.DoubleID:
		return true
	}
	return false
}

// convertNum converts between numeric vectors of equal length the way Java's primitive
// casts do: integers wrap, floating point to integer truncates and saturates, NaN gives 0.
func convertNum(v, out *batch.Vector) {
	switch out.Type.ID() {
	case types.IntegerID:
		switch x := numSlice(v).(type) {
		case []int64:
			for i := range out.I32 {
				out.I32[i] = int32(x[i])
			}
		case []float64:
			for i := range out.I32 {
				out.I32[i] = int32(f64ToI64(x[i], math.MinInt32, math.MaxInt32))
			}
		case []float32:
			for i := range out.I32 {
				out.I32[i] = int32(f64ToI64(float64(x[i]), math.MinInt32, math.MaxInt32))
			}
		}
	case types.LongID:
		switch x := numSlice(v).(type) {
		case []int32:
			for i := range out.I64 {
				out.I64[i] = int64(x[i])
			}
		case []float64:
			for i := range out.I64 {
				out.I64[i] = f64ToI64(x[i], math.MinInt64, math.MaxInt64)
			}
		case []float32:
			for i := range out.I64 {
				out.I64[i] = f64ToI64(float64(x[i]), math.MinInt64, math.MaxInt64)
			}
		}
	case types.DoubleID:
		convertLoop(numSlice(v), out.F64)
	case types.FloatID:
		convertLoop(numSlice(v), out.F32)
	}
}

func convertLoop[R float32 | float64](in any, out []R) {
	switch x := in.(type) {
	case []int32:
		for i := range out {
			out[i] = R(x[i])
		}
	case []int64:
		for i := range out {
			out[i] = R(x[i])
		}
	case []float32:
		for i := range out {
			out[i] = R(x[i])
		}
	case []float64:
		for i := range out {
			out[i] = R(x[i])
		}
	}
}

// f64ToI64 is Java's (long)/(int) cast of a double: truncation toward zero, saturating at
// the bounds, NaN to 0.
func f64ToI64(d float64, lo, hi int64) int64 {
	switch {
	case d != d:
		return 0
	case d <= float64(lo):
		return lo
	case d >= float64(hi):
		return hi
	}
	return int64(d)
}

func castToString(v, out *batch.Vector, loc *time.Location) {
	n := out.Len()
	switch v.Type.ID() {
	case types.IntegerID:
		for i := 0; i < n; i++ {
			out.Str[i] = strconv.FormatInt(int64(v.I32[i]), 10)
		}
	case types.LongID:
		for i := 0; i < n; i++ {
			out.Str[i] = strconv.FormatInt(v.I64[i], 10)
		}
	case types.DoubleID:
		for i := 0; i < n; i++ {
			out.Str[i] = show.FormatDouble(v.F64[i])
		}
	case types.FloatID:
		for i := 0; i < n; i++ {
			out.Str[i] = show.FormatFloat(v.F32[i])
		}
	case types.BooleanID:
		for i := 0; i < n; i++ {
			out.Str[i] = strconv.FormatBool(v.Bool[i])
		}
	case types.TimestampID:
		for i := 0; i < n; i++ {
			if !v.IsNull(i) {
				out.Str[i] = show.FormatTimestamp(v.I64[i], loc)
			}
		}
	case types.DateID:
		for i := 0; i < n; i++ {
			if !v.IsNull(i) {
				out.Str[i] = show.FormatDate(v.I32[i])
			}
		}
	default:
		for i := 0; i < n; i++ {
			if !v.IsNull(i) {
				out.Str[i] = show.CastString(v.Get(i), v.Type, loc)
			}
		}
	}
}

func castFromString(v, out *batch.Vector, loc *time.Location) {
	n := out.Len()
	var zones zoneCache
	for i := 0; i < n; i++ {
		if v.IsNull(i) {
			continue
		}
		s := v.Str[i]
		ok := true
		switch out.Type.ID() {
		case types.IntegerID:
			var x int64
			x, ok = parseIntegral(s, math.MinInt32, math.MaxInt32)
			out.I32[i] = int32(x)
		case types.LongID:
			out.I64[i], ok = parseIntegral(s, math.MinInt64, math.MaxInt64)
		case types.DoubleID:
			out.F64[i], ok = parseDouble(s)
		case types.FloatID:
			var d float64
			d, ok = parseDouble(s)
			out.F32[i] = float32(d)
		case types.BooleanID:
			out.Bool[i], ok = parseBool(s)
		case types.TimestampID:
			out.I64[i], ok = parseTimestamp(s, loc, &zones)
		case types.DateID:
			out.I32[i], ok = parseDate(s)
		default:
			x := castValue(s, types.StringType, out.Type, loc)
			ok = x != nil
			if ok {
				setValue(out, i, x)
			}
		}
		if !ok {
			setNull(out, i)
		}
	}
}

// castValue casts one boxed internal value; nil means null (including a failed cast).
func castValue(x any, from, to types.DataType, loc *time.Location) any {
	if x == nil {
		return nil
	}
	if types.Equal(from, to) {
		return x
	}
	if to.ID() == types.StringID {
		return show.CastString(x, from, loc)
	}
	if from.ID() == types.StringID {
		s := x.(string)
		switch to.ID() {
		case types.BinaryID:
			return []byte(s)
		case types.IntervalID:
			iv, err := parseIntervalString(s)
			if err != nil {
				return nil
			}
			return iv
		}
		v := newVec(types.StringType, 1)
		v.Str[0] = s
		out := castVector(v, to, loc, 1)
		return out.Get(0)
	}
	switch from.ID() {
	case types.IntegerID, types.LongID, types.FloatID, types.DoubleID, types.BooleanID:
		d, l := numericParts(x)
		switch to.ID() {
		case types.IntegerID:
			if _, isF := x.(float64); isF {
				return int32(f64ToI64(d, math.MinInt32, math.MaxInt32))
			}
			if _, isF := x.(float32); isF {
				return int32(f64ToI64(d, math.MinInt32, math.MaxInt32))
			}
			return int32(l)
		case types.LongID:
			switch x.(type) {
			case float64, float32:
				return f64ToI64(d, math.MinInt64, math.MaxInt64)
			}
			return l
		case types.DoubleID:
			return d
		case types.FloatID:
			return float32(d)
		case types.BooleanID:
			return d != 0
		case types.TimestampID:
			switch x.(type) {
			case float64, float32:
				if math.IsNaN(d) || math.IsInf(d, 0) {
					return nil
				}
				return int64(d * 1e6)
			case bool:
				return l
			}
			return satMul(l, 1e6)
		}
	case types.TimestampID:
		m := x.(int64)
		switch to.ID() {
		case types.LongID:
			return floorDiv(m, 1e6)
		case types.IntegerID:
			return int32(floorDiv(m, 1e6))
		case types.DoubleID:
			return float64(m) / 1e6
		case types.FloatID:
			return float32(float64(m) / 1e6)
		case types.BooleanID:
			return m != 0
		case types.DateID:
			return tsToDate(m, loc)
		}
	case types.DateID:
		if to.ID() == types.TimestampID {
			return dateToTS(x.(int32), loc)
		}
	case types.ArrayID:
		et := from.(*types.ArrayType).ElementType
		tt := to.(*types.ArrayType).ElementType
		items := x.([]any)
		out := make([]any, len(items))
		for i, it := range items {
			out[i] = castValue(it, et, tt, loc)
		}
		return out
	case types.MapID:
		a, b := from.(*types.MapType), to.(*types.MapType)
		m := x.(*batch.MapValue)
		out := &batch.MapValue{Keys: make([]any, len(m.Keys)), Values: make([]any, len(m.Values))}
		for i := range m.Keys {
			out.Keys[i] = castValue(m.Keys[i], a.KeyType, b.KeyType, loc)
			out.Values[i] = castValue(m.Values[i], a.ValueType, b.ValueType, loc)
		}
		return out
	case types.StructID:
		a, b := from.(*types.StructType), to.(*types.StructType)
		fields := x.([]any)
		out := make([]any, len(fields))
		for i, f := range fields {
			out[i] = castValue(f, a.Fields[i].DataType, b.Fields[i].DataType, loc)
		}
		return out
	}
	return nil
}

// numericParts returns a numeric or boolean value as a double and as a long (truncated).
func numericParts(x any) (float64, int64) {
	switch v := x.(type) {
	case int32:
		return float64(v), int64(v)
	case int64:
		return float64(v), v
	case float64:
		return v, int64(v)
	case float32:
		return float64(v), int64(v)
	case bool:
		if v {
			return 1, 1
		}
	}
	return 0, 0
}

func satMul(a, b int64) int64 {
	if a == 0 {
		return 0
	}
	c := a * b
	if c/b != a {
		if (a < 0) != (b < 0) {
			return math.MinInt64
		}
		return math.MaxInt64
	}
	return c
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// tsToDate is the date of a timestamp in loc.
func tsToDate(micros int64, loc *time.Location) int32 {
	t := time.UnixMicro(micros).In(loc)
	return civilDays(t.Year(), t.Month(), t.Day())
}

// dateToTS is midnight of a date in loc.
func dateToTS(days int32, loc *time.Location) int64 {
	d := time.Unix(int64(days)*86400, 0).UTC()
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc).UnixMicro()
}

func civilDays(y int, m time.Month, d int) int32 {
	if m < 1 || m > 12 {
		// Out-of-range months normalize as time.Date does.
		return int32(floorDiv(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix(), 86400))
	}
	return int32(daysFromCivil(int64(y), int64(m), int64(d)))
}

// daysFromCivil counts days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
// (Howard Hinnant's algorithm), for 1 <= m <= 12; days past the month's end run on into
// the next months, as with time.Date. It is the arithmetic of time.Date without its
// normalization and zone lookups, which cost more than the parse on hot paths.
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// trimAll trims whitespace and control characters as UTF8String.trimAll does.
func trimAll(s string) string {
	// Bytes >= 0x80 belong to runes above ' ', so text whose first and last bytes are
	// above ' ' has nothing to trim.
	if len(s) > 0 && s[0] > ' ' && s[len(s)-1] > ' ' {
		return s
	}
	return strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
}

// parseIntegral is UTF8String.toLong/toInt: optional sign, digits, and an optional
// fraction of digits that is dropped ("25.5" gives 25); anything else, or a value out
// of [lo, hi], fails.
func parseIntegral(s string, lo, hi int64) (int64, bool) {
	s = trimAll(s)
	if s == "" {
		return 0, false
	}
	neg := false
	i := 0
	if s[0] == '-' || s[0] == '+' {
		neg = s[0] == '-'
		i = 1
	}
	if i == len(s) {
		return 0, false
	}
	var v uint64
	digits := 0
	for ; i < len(s); i++ {
		c := s[i]
		if c == '.' {
			break
		}
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
		digits++
		if v > 1<<63 {
			return 0, false
		}
	}
	if i < len(s) { // a fraction: digits only
		for j := i + 1; j < len(s); j++ {
			if s[j] < '0' || s[j] > '9' {
				return 0, false
			}
		}
		if digits == 0 && i+1 == len(s) {
			return 0, false
		}
	}
	var r int64
	if neg {
		if v > uint64(-lo) {
			return 0, false
		}
		r = -int64(v)
	} else {
		if v > uint64(hi) {
			return 0, false
		}
		r = int64(v)
	}
	return r, true
}

// parseDouble is Spark's string to double: Java's Double.parseDouble plus the special
// words inf, infinity and nan in any case.
func parseDouble(s string) (float64, bool) {
	s = trimAll(s)
	switch strings.ToLower(s) {
	case "inf", "+inf", "infinity", "+infinity":
		return math.Inf(1), true
	case "-inf", "-infinity":
		return math.Inf(-1), true
	case "nan", "+nan", "-nan":
		return math.NaN(), true
	}
	if s == "" || strings.ContainsAny(s, "_xXpP") {
		return 0, false
	}
	if c := s[len(s)-1]; c == 'd' || c == 'D' || c == 'f' || c == 'F' {
		s = s[:len(s)-1]
	}
	if strings.EqualFold(s, "inf") || strings.EqualFold(s, "infinity") || strings.EqualFold(s, "nan") {
		return 0, false
	}
	d, err := strconv.ParseFloat(s, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return d, true
		}
		return 0, false
	}
	return d, true
}

func parseBool(s string) (bool, bool) {
	switch strings.ToLower(trimAll(s)) {
	case "t", "true", "y", "yes", "1":
		return true, true
	case "f", "false", "n", "no", "0":
		return false, true
	}
	return false, false
}

// zoneCache keeps time zones loaded by name during one vector's conversion.
type zoneCache map[string]*time.Location

func (z *zoneCache) get(name string) (*time.Location, bool) {
	if *z == nil {
		*z = zoneCache{}
	}
	if l, ok := (*z)[name]; ok {
		return l, l != nil
	}
	l, ok := parseZone(name)
	if !ok {
		l = nil
	}
	(*z)[name] = l
	return l, ok
}

// parseZone reads a zone id: Z, UTC, GMT, +08:00, -0830, UTC+8, GMT+08:00 or a region
// such as America/Los_Angeles.
func parseZone(s string) (*time.Location, bool) {
	switch strings.ToUpper(s) {
	case "Z", "UTC", "GMT", "UT":
		return time.UTC, true
	}
	rest := s
	for _, p := range []string{"UTC", "GMT", "UT"} {
		if len(s) > len(p) && strings.EqualFold(s[:len(p)], p) && (s[len(p)] == '+' || s[len(p)] == '-') {
			rest = s[len(p):]
			break
		}
	}
	if rest[0] == '+' || rest[0] == '-' {
		sign := 1
		if rest[0] == '-' {
			sign = -1
		}
		body := strings.ReplaceAll(rest[1:], ":", "")
		var h, m, sec int
		var err error
		switch len(body) {
		case 1, 2:
			h, err = strconv.Atoi(body)
		case 4:
			h, err = strconv.Atoi(body[:2])
			if err == nil {
				m, err = strconv.Atoi(body[2:])
			}
		case 6:
			h, err = strconv.Atoi(body[:2])
			if err == nil {
				m, err = strconv.Atoi(body[2:4])
			}
			if err == nil {
				sec, err = strconv.Atoi(body[4:])
			}
		default:
			return nil, false
		}
		if err != nil || h > 18 || m > 59 || sec > 59 {
			return nil, false
		}
		return time.FixedZone(s, sign*(h*3600+m*60+sec)), true
	}
	l, err := time.LoadLocation(s)
	if err != nil {
		return nil, false
	}
	return l, true
}

// readDigits reads between 1 and max digits at s[i:].
func readDigits(s string, i, max int) (int, int, bool) {
	v, j := 0, i
	for j < len(s) && j-i < max && s[j] >= '0' && s[j] <= '9' {
		v = v*10 + int(s[j]-'0')
		j++
	}
	return v, j, j > i
}

// parseDateParts reads yyyy[-[m]m[-[d]d]] and returns the position after it.
func parseDateParts(s string) (y, m, d, end int, ok bool) {
	m, d = 1, 1
	i := 0
	neg := false
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		neg = s[i] == '-'
		i++
	}
	start := i
	y, i, ok = readDigits(s, i, 7)
	if !ok || i-start < 4 {
		return 0, 0, 0, 0, false
	}
	if neg {
		y = -y
	}
	if i < len(s) && s[i] == '-' {
		if m, i, ok = readDigits(s, i+1, 2); !ok {
			return 0, 0, 0, 0, false
		}
		if i < len(s) && s[i] == '-' {
			if d, i, ok = readDigits(s, i+1, 2); !ok {
				return 0, 0, 0, 0, false
			}
		}
	}
	if m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, 0, 0, 0, false
	}
	return y, m, d, i, true
}

func daysIn(y, m int) int {
	switch m {
	case 4, 6, 9, 11:
		return 30
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 1, 3, 5, 7, 8, 10, 12:
		return 31
	}
	return time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// parseDate is Spark's string to date: yyyy, yyyy-[m]m, yyyy-[m]m-[d]d, optionally
// followed by a space or T and anything.
func parseDate(s string) (int32, bool) {
	s = trimAll(s)
	y, m, d, i, ok := parseDateParts(s)
	if !ok || i < len(s) && s[i] != ' ' && s[i] != 'T' {
		return 0, false
	}
	return civilDays(y, time.Month(m), d), true
}

// parseTimestampFixed is parseTimestamp's fast path for the common layout
// yyyy-mm-dd hh:mm:ss[.f...] (a space or T in the middle, up to 9 fraction digits, no
// zone); ok is false for anything else, which the general parser then reads.
func parseTimestampFixed(s string, loc *time.Location) (int64, bool) {
	if len(s) < 19 || len(s) > 29 || s[4] != '-' || s[7] != '-' || (s[10] != ' ' && s[10] != 'T') ||
		s[13] != ':' || s[16] != ':' || (len(s) > 19 && (s[19] != '.' || len(s) == 20)) {
		return 0, false
	}
	_ = s[18]
	y1, ok1 := twoDigits(s[0], s[1])
	y2, ok2 := twoDigits(s[2], s[3])
	mo, ok3 := twoDigits(s[5], s[6])
	d, ok4 := twoDigits(s[8], s[9])
	h, ok5 := twoDigits(s[11], s[12])
	mi, ok6 := twoDigits(s[14], s[15])
	sec, ok7 := twoDigits(s[17], s[18])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7) {
		return 0, false
	}
	y := y1*100 + y2
	if mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || h > 23 || mi > 59 || sec > 59 {
		return 0, false
	}
	nanos := 0
	if len(s) > 19 {
		for _, c := range []byte(s[20:]) {
			if c < '0' || c > '9' {
				return 0, false
			}
			nanos = nanos*10 + int(c-'0')
		}
		for k := len(s) - 20; k < 9; k++ {
			nanos *= 10
		}
	}
	if loc == time.UTC {
		return daysFromCivil(int64(y), int64(mo), int64(d))*86_400_000_000 +
			int64(h*3600+mi*60+sec)*1_000_000 + int64(nanos/1000), true
	}
	return time.Date(y, time.Month(mo), d, h, mi, sec, nanos/1000*1000, loc).UnixMicro(), true
}

func twoDigits(a, b byte) (int, bool) {
	a -= '0'
	b -= '0'
	return int(a)*10 + int(b), a <= 9 && b <= 9
}

// parseTimestamp is Spark's string to timestamp: a date as parseDate takes it, then
// optionally ' ' or 'T' and [h]h:[m]m[:[s]s[.fraction]] and a zone (Z, +hh:mm, UTC,
// a region id, possibly after a space). Without a zone the text is local time in loc.
func parseTimestamp(s string, loc *time.Location, zones *zoneCache) (int64, bool) {
	s = trimAll(s)
	if us, ok := parseTimestampFixed(s, loc); ok {
		return us, true
	}
	y, mo, d, i, ok := parseDateParts(s)
	if !ok {
		return 0, false
	}
	var h, mi, sec, nanos int
	zone := loc
	if i < len(s) {
		if s[i] != ' ' && s[i] != 'T' {
			return 0, false
		}
		i++
		if i < len(s) {
			if h, i, ok = readDigits(s, i, 2); !ok || i >= len(s) || s[i] != ':' {
				return 0, false
			}
			if mi, i, ok = readDigits(s, i+1, 2); !ok {
				return 0, false
			}
			if i < len(s) && s[i] == ':' {
				if sec, i, ok = readDigits(s, i+1, 2); !ok {
					return 0, false
				}
				if i < len(s) && s[i] == '.' {
					j := i + 1
					frac, digits := 0, 0
					for j < len(s) && s[j] >= '0' && s[j] <= '9' {
						if digits < 9 {
							frac = frac*10 + int(s[j]-'0')
							digits++
						}
						j++
					}
					for k := digits; k < 9; k++ {
						frac *= 10
					}
					nanos = frac / 1000 * 1000 // microsecond precision
					i = j
				}
			}
			if h > 23 || mi > 59 || sec > 59 {
				return 0, false
			}
			if i < len(s) {
				z := strings.TrimLeft(s[i:], " ")
				if z == "" {
					return 0, false
				}
				l, ok := zones.get(z)
				if !ok {
					return 0, false
				}
				zone = l
			}
		}
	}
	if zone == time.UTC {
		// No zone rules to apply: plain arithmetic (time.Date is most of the cost).
		return daysFromCivil(int64(y), int64(mo), int64(d))*86_400_000_000 +
			int64(h*3600+mi*60+sec)*1_000_000 + int64(nanos/1000), true
	}
	return time.Date(y, time.Month(mo), d, h, mi, sec, nanos, zone).UnixMicro(), true
}
