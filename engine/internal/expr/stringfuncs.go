package expr

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/internal/show"
	"github.com/runnel-go/runnel/engine/types"
)

// stringFunc compiles the string functions; ok is false when name is not one.
func (c *compiler) stringFunc(name string, x *Call, args []*evaluator) (*evaluator, bool, error) {
	strArgs := func(lo, hi int) ([]*evaluator, error) {
		if err := arity(x, lo, hi); err != nil {
			return nil, err
		}
		out := make([]*evaluator, len(args))
		for i, a := range args {
			s, err := c.toStr(x, i, a)
			if err != nil {
				return nil, err
			}
			out[i] = s
		}
		return out, nil
	}
	switch name {
	case "upper", "ucase", "lower", "lcase", "initcap", "trim", "ltrim", "rtrim":
		a, err := strArgs(1, 1)
		if err != nil {
			return nil, true, err
		}
		var f func(string) string
		switch name {
		case "upper", "ucase":
			f = strings.ToUpper
		case "lower", "lcase":
			f = strings.ToLower
		case "initcap":
			f = initcap
		case "trim":
			f = func(s string) string { return strings.Trim(s, " ") }
		case "ltrim":
			f = func(s string) string { return strings.TrimLeft(s, " ") }
		case "rtrim":
			f = func(s string) string { return strings.TrimRight(s, " ") }
		}
		return strMap(x, a[0], f), true, nil
	case "btrim":
		a, err := strArgs(1, 2)
		if err != nil {
			return nil, true, err
		}
		if len(a) == 1 {
			return strMap(x, a[0], func(s string) string { return strings.Trim(s, " ") }), true, nil
		}
		return c.rowFunc(x, types.StringType, a, func(v []any) any { return strings.Trim(v[0].(string), v[1].(string)) }), true, nil
	case "length", "char_length", "character_length", "len":
		if err := arity(x, 1, 1); err != nil {
			return nil, true, err
		}
		if args[0].typ.ID() == types.BinaryID {
			return c.rowFunc(x, types.IntegerType, args, func(v []any) any { return int32(len(v[0].([]byte))) }), true, nil
		}
		a, err := strArgs(1, 1)
		if err != nil {
			return nil, true, err
		}
		e := a[0]
		return &evaluator{typ: types.IntegerType, nullable: e.nullable, node: x, fn: func(b *batch.Batch) (*batch.Vector, error) {
			v, err := e.fn(b)
			if err != nil {
				return nil, err
			}
			out := newVec(types.IntegerType, b.N)
			for i, s := range v.Str[:b.N] {
				out.I32[i] = int32(utf8.RuneCountInString(s))
			}
			out.Nulls = orNulls(b.N, v)
			return out, nil
		}}, true, nil
	case "concat":
		if len(args) > 0 && args[0].typ.ID() == types.ArrayID {
			return c.concatArrays(x, args)
		}
		a, err := strArgs(0, -1)
		if err != nil {
			return nil, true, err
		}
		nullable := false
		for _, e := range a {
			nullable = nullable || e.nullable
		}
		return &evaluator{typ: types.StringType, nullable: nullable, node: x, fn: func(b *batch.Batch) (*batch.Vector, error) {
			vs, err := evalAll(a, b)
			if err != nil {
				return nil, err
			}
			out := newVec(types.StringType, b.N)
			out.Nulls = orNulls(b.N, vs...)
			var sb strings.Builder
			for i := 0; i < b.N; i++ {
				if out.Nulls != nil && out.Nulls[i] {
					continue
				}
				sb.Reset()
				for _, v := range vs {
					sb.WriteString(v.Str[i])
				}
				out.Str[i] = sb.String()
			}
			return out, nil
		}}, true, nil
	case "concat_ws":
		if err := arity(x, 1, -1); err != nil {
			return nil, true, err
		}
		sep, err := c.toStr(x, 0, args[0])
		if err != nil {
			return nil, true, err
		}
		parts := make([]*evaluator, len(args)-1)
		for i, a := range args[1:] {
			if a.typ.ID() == types.ArrayID {
				parts[i] = c.cast(a, types.NewArrayType(types.StringType))
				continue
			}
			if parts[i], err = c.toStr(x, i+1, a); err != nil {
				return nil, true, err
			}
		}
		all := append([]*evaluator{sep}, parts...)
		return c.rowFuncNulls(x, types.StringType, all, true, func(v []any) any {
			if v[0] == nil {
				return nil
			}
			var items []string
			for _, p := range v[1:] {
				switch y := p.(type) {
				case string:
					items = append(items, y)
				case []any:
					for _, it := range y {
						if it != nil {
							items = append(items, it.(string))
						}
					}
				}
			}
			return strings.Join(items, v[0].(string))
		}), true, nil
	case "substring", "substr":
		if err := arity(x, 2, 3); err != nil {
			return nil, true, err
		}
		s, err := c.toStr(x, 0, args[0])
		if err != nil {
			return nil, true, err
		}
		pos, err := c.toInt(x, 1, args[1])
		if err != nil {
			return nil, true, err
		}
		ln := constEval(types.IntegerType, int32(math.MaxInt32), nil)
		if len(args) == 3 {
			if ln, err = c.toInt(x, 2, args[2]); err != nil {
				return nil, true, err
			}
		}
		return c.rowFunc(x, types.StringType, []*evaluator{s, pos, ln}, func(v []any) any {
			return substringSQL(v[0].(string), int(v[1].(int32)), int(v[2].(int32)))
		}), true, nil
	case "left", "right":
		if err := arity(x, 2, 2); err != nil {
			return nil, true, err
		}
		s, err := c.toStr(x, 0, args[0])
		if err != nil {
			return nil, true, err
		}
		n, err := c.toInt(x, 1, args[1])
		if err != nil {
			return nil, true, err
		}
		return c.rowFunc(x, types.StringType, []*evaluator{s, n}, func(v []any) any {
			str, k := v[0].(string), int(v[1].(int32))
			if name == "left" {
				return substringSQL(str, 1, k)
			}
			if k <= 0 {
				return ""
			}
			return substringSQL(str, -k, math.MaxInt32)
		}), true, nil
	case "lpad", "rpad":
		if err := arity(x, 2, 3); err != nil {
			return nil, true, err
		}
		s, err := c.toStr(x, 0, args[0])
		if err != nil {
			return nil, true, err
		}
		n, err := c.toInt(x, 1, args[1])
		if err != nil {
			return nil, true, err
		}
		pad := constEval(types.StringType, " ", nil)
		if len(args) == 3 {
			if pad, err = c.toStr(x, 2, args[2]); err != nil {
				return nil, true, err
			}
		}
		return c.rowFunc(x, types.StringType, []*evaluator{s, n, pad}, func(v []any) any {
			return padString(v[0].(string), int(v[1].(int32)), v[2].(string), name == "lpad")
		}), true, nil
	case "regexp_replace":
		a, err := strArgs(3, 3)
		if err != nil {
			return nil, true, err
		}
		return c.regexFunc(x, a, func(re *regexp.Regexp, v []any) any {
			return re.ReplaceAllString(v[0].(string), javaReplacement(v[2].(string), re.NumSubexp()))
		})
	case "regexp_extract":
		if err := arity(x, 2, 3); err != nil {
			return nil, true, err
		}
		a := make([]*evaluator, 3)
		var err error
		for i := 0; i < 2; i++ {
			if a[i], err = c.toStr(x, i, args[i]); err != nil {
				return nil, true, err
			}
		}
		a[2] = constEval(types.IntegerType, int32(1), nil)
		if len(args) == 3 {
			if a[2], err = c.toInt(x, 2, args[2]); err != nil {
				return nil, true, err
			}
		}
		return c.regexFunc(x, a, func(re *regexp.Regexp, v []any) any {
			idx := int(v[2].(int32))
			if idx < 0 || idx > re.NumSubexp() {
				return nil
			}
			m := re.FindStringSubmatch(v[0].(string))
			if m == nil {
				return ""
			}
			return m[idx]
		})
	case "instr":
		a, err := strArgs(2, 2)
		if err != nil {
			return nil, true, err
		}
		return c.rowFunc(x, types.IntegerType, a, func(v []any) any {
			return int32(runeIndex(v[0].(string), v[1].(string)) + 1)
		}), true, nil
	case "locate", "position":
		if err := arity(x, 2, 3); err != nil {
			return nil, true, err
		}
		sub, err := c.toStr(x, 0, args[0])
		if err != nil {
			return nil, true, err
		}
		s, err := c.toStr(x, 1, args[1])
		if err != nil {
			return nil, true, err
		}
		start := constEval(types.IntegerType, int32(1), nil)
		if len(args) == 3 {
			if start, err = c.toInt(x, 2, args[2]); err != nil {
				return nil, true, err
			}
		}
		return c.rowFunc(x, types.IntegerType, []*evaluator{sub, s, start}, func(v []any) any {
			p := int(v[2].(int32))
			if p < 1 {
				return int32(0)
			}
			rs := []rune(v[1].(string))
			if p-1 > len(rs) {
				return int32(0)
			}
			i := runeIndex(string(rs[p-1:]), v[0].(string))
			if i < 0 {
				return int32(0)
			}
			return int32(i + p)
		}), true, nil
	case "split":
		if err := arity(x, 2, 3); err != nil {
			return nil, true, err
		}
		a := make([]*evaluator, 3)
		var err error
		for i := 0; i < 2; i++ {
			if a[i], err = c.toStr(x, i, args[i]); err != nil {
				return nil, true, err
			}
		}
		a[2] = constEval(types.IntegerType, int32(-1), nil)
		if len(args) == 3 {
			if a[2], err = c.toInt(x, 2, args[2]); err != nil {
				return nil, true, err
			}
		}
		if p, ok := constStr(a[1]); ok && p != "" && regexp.QuoteMeta(p) == p {
			return splitLiteral(x, a[0], p, a[2]), true, nil
		}
		ev, _, err := c.regexFuncTyped(x, types.NewArrayType(types.StringType), a, func(re *regexp.Regexp, v []any) any {
			return splitJava(re, v[0].(string), int(v[2].(int32)))
		})
		return ev, true, err
	case "replace":
		if err := arity(x, 2, 3); err != nil {
			return nil, true, err
		}
		if len(args) == 2 {
			args = append(args, constEval(types.StringType, "", nil))
		}
		a := make([]*evaluator, 3)
		for i := range a {
			var err error
			if a[i], err = c.toStr(x, i, args[i]); err != nil {
				return nil, true, err
			}
		}
		return c.rowFunc(x, types.StringType, a, func(v []any) any {
			if v[1].(string) == "" {
				return v[0]
			}
			return strings.ReplaceAll(v[0].(string), v[1].(string), v[2].(string))
		}), true, nil
	case "reverse":
		if err := arity(x, 1, 1); err != nil {
			return nil, true, err
		}
		if args[0].typ.ID() == types.ArrayID {
			return c.rowFunc(x, args[0].typ, args, func(v []any) any {
				items := v[0].([]any)
				out := make([]any, len(items))
				for i, it := range items {
					out[len(items)-1-i] = it
				}
				return out
			}), true, nil
		}
		a, err := strArgs(1, 1)
		if err != nil {
			return nil, true, err
		}
		return strMap(x, a[0], func(s string) string {
			rs := []rune(s)
			for i, j := 0, len(rs)-1; i < j; i, j = i+1, j-1 {
				rs[i], rs[j] = rs[j], rs[i]
			}
			return string(rs)
		}), true, nil
	case "repeat":
		if err := arity(x, 2, 2); err != nil {
			return nil, true, err
		}
		s, err := c.toStr(x, 0, args[0])
		if err != nil {
			return nil, true, err
		}
		n, err := c.toInt(x, 1, args[1])
		if err != nil {
			return nil, true, err
		}
		return c.rowFunc(x, types.StringType, []*evaluator{s, n}, func(v []any) any {
			return strings.Repeat(v[0].(string), max(0, int(v[1].(int32))))
		}), true, nil
	case "format_string", "printf":
		if err := arity(x, 1, -1); err != nil {
			return nil, true, err
		}
		f, err := c.toStr(x, 0, args[0])
		if err != nil {
			return nil, true, err
		}
		all := append([]*evaluator{f}, args[1:]...)
		types0 := make([]types.DataType, len(args))
		for i, a := range args {
			types0[i] = a.typ
		}
		loc := c.loc
		return c.rowFuncNulls(x, types.StringType, all, true, func(v []any) any {
			if v[0] == nil {
				return nil
			}
			return formatString(v[0].(string), v[1:], types0[1:], loc)
		}), true, nil
	case "ascii":
		a, err := strArgs(1, 1)
		if err != nil {
			return nil, true, err
		}
		return c.rowFunc(x, types.IntegerType, a, func(v []any) any {
			r, _ := utf8.DecodeRuneInString(v[0].(string))
			if r == utf8.RuneError {
				return int32(0)
			}
			return int32(r)
		}), true, nil
	}
	return nil, false, nil
}

// regexFunc compiles a function whose second argument is a regular expression, once when
// it is constant, else per distinct pattern.
func (c *compiler) regexFunc(x *Call, a []*evaluator, f func(*regexp.Regexp, []any) any) (*evaluator, bool, error) {
	return c.regexFuncTyped(x, types.StringType, a, f)
}

func (c *compiler) regexFuncTyped(x *Call, t types.DataType, a []*evaluator, f func(*regexp.Regexp, []any) any) (*evaluator, bool, error) {
	if p, ok := constStr(a[1]); ok {
		re, err := regexp.Compile(p)
		if err != nil {
			return nil, true, analysisErr("INVALID_PARAMETER_VALUE.PATTERN",
				"The value of parameter(s) `regexp` in `%s` is invalid: '%s'.", x.Name, p)
		}
		return c.rowFunc(x, t, a, func(v []any) any { return f(re, v) }), true, nil
	}
	cache := map[string]*regexp.Regexp{}
	return c.rowFunc(x, t, a, func(v []any) any {
		p := v[1].(string)
		re, ok := cache[p]
		if !ok {
			re, _ = regexp.Compile(p)
			cache[p] = re
		}
		if re == nil {
			return nil
		}
		return f(re, v)
	}), true, nil
}

func evalAll(es []*evaluator, b *batch.Batch) ([]*batch.Vector, error) {
	vs := make([]*batch.Vector, len(es))
	for i, e := range es {
		v, err := e.fn(b)
		if err != nil {
			return nil, err
		}
		vs[i] = v
	}
	return vs, nil
}

// initcap is Spark's: lower-case everything, then upper-case the first letter of each
// space-separated word.
func initcap(s string) string {
	rs := []rune(strings.ToLower(s))
	for i := range rs {
		if i == 0 || rs[i-1] == ' ' {
			rs[i] = unicode.ToTitle(rs[i])
		}
	}
	return string(rs)
}

// substringSQL is UTF8String.substringSQL: 1-based pos, 0 means 1, negative counts from
// the end.
func substringSQL(s string, pos, length int) string {
	rs := []rune(s)
	n := len(rs)
	start := 0
	switch {
	case pos > 0:
		start = pos - 1
	case pos < 0:
		start = n + pos
	}
	end := int64(start) + int64(length)
	if end > math.MaxInt32 {
		end = math.MaxInt32
	}
	if start < 0 {
		start = 0
	}
	if int64(start) >= end || start >= n {
		return ""
	}
	if end > int64(n) {
		end = int64(n)
	}
	return string(rs[start:end])
}

// padString is UTF8String.lpad/rpad: cut to n characters, or pad with repetitions of pad.
func padString(s string, n int, pad string, left bool) string {
	rs := []rune(s)
	if n <= 0 {
		return ""
	}
	if len(rs) >= n || pad == "" {
		if len(rs) > n {
			return string(rs[:n])
		}
		return s
	}
	pr := []rune(pad)
	fill := make([]rune, 0, n-len(rs))
	for len(fill) < n-len(rs) {
		fill = append(fill, pr[len(fill)%len(pr)])
	}
	if left {
		return string(fill) + s
	}
	return s + string(fill)
}

func runeIndex(s, sub string) int {
	i := strings.Index(s, sub)
	if i < 0 {
		return -1
	}
	return utf8.RuneCountInString(s[:i])
}

// javaReplacement converts a Java regex replacement ($1, \$) into Go's syntax (${1}, $$).
func javaReplacement(r string, groups int) string {
	var b strings.Builder
	for i := 0; i < len(r); i++ {
		ch := r[i]
		switch {
		case ch == '\\' && i+1 < len(r):
			i++
			if r[i] == '$' {
				b.WriteString("$$")
			} else {
				b.WriteByte(r[i])
			}
		case ch == '$' && i+1 < len(r) && r[i+1] >= '0' && r[i+1] <= '9':
			// Java reads as many digits as still name an existing group.
			j := i + 1
			num := int(r[j] - '0')
			j++
			for j < len(r) && r[j] >= '0' && r[j] <= '9' && num*10+int(r[j]-'0') <= groups {
				num = num*10 + int(r[j]-'0')
				j++
			}
			b.WriteString("${" + strconv.Itoa(num) + "}")
			i = j - 1
		case ch == '$' && i+1 < len(r) && r[i+1] == '{':
			end := strings.IndexByte(r[i:], '}')
			if end < 0 {
				b.WriteString("$$")
				continue
			}
			b.WriteString(r[i : i+end+1])
			i += end
		case ch == '$':
			b.WriteString("$$")
		default:
			b.WriteByte(ch)
		}
	}
	return b.String()
}

// splitJava is Java's String.split(regex, limit) as Spark's split uses it: limit > 0 gives
// at most limit parts; otherwise all parts, trailing empty strings kept.
func splitJava(re *regexp.Regexp, s string, limit int) []any {
	n := -1
	if limit > 0 {
		n = limit
	}
	var parts []string
	if s == "" {
		parts = []string{""}
	} else {
		parts = re.Split(s, n)
		// Java drops the empty first part produced by a zero-width match at the start.
		if len(parts) > 1 && parts[0] == "" {
			if loc := re.FindStringIndex(s); loc != nil && loc[0] == 0 && loc[1] == 0 {
				parts = parts[1:]
			}
		}
	}
	out := make([]any, len(parts))
	for i, p := range parts {
		out[i] = p
	}
	return out
}

// splitLiteral is split() by a pattern without regular-expression metacharacters (the
// word-count case, split(value, ' ')): a plain string split, as Java's fast path does.
func splitLiteral(x Node, str *evaluator, sep string, limit *evaluator) *evaluator {
	at := types.NewArrayType(types.StringType)
	return &evaluator{typ: at, nullable: true, node: x, fn: func(b *batch.Batch) (*batch.Vector, error) {
		v, err := str.fn(b)
		if err != nil {
			return nil, err
		}
		lv, err := limit.fn(b)
		if err != nil {
			return nil, err
		}
		out := newVec(at, b.N)
		out.Nulls = orNulls(b.N, v, lv)
		for i, s := range v.Str[:b.N] {
			if out.Nulls != nil && out.Nulls[i] {
				continue
			}
			n := -1
			if l := lv.I32[i]; l > 0 {
				n = int(l)
			}
			parts := strings.SplitN(s, sep, n)
			items := make([]any, len(parts))
			for j, p := range parts {
				items[j] = p
			}
			out.Any[i] = items
		}
		return out, nil
	}}
}

// formatString is Java's String.format for the common conversions (%s %d %f %e %g %x %b
// %c %%, with flags, width and precision).
func formatString(format string, args []any, ts []types.DataType, loc *time.Location) string {
	var b strings.Builder
	argi := 0
	for i := 0; i < len(format); i++ {
		ch := format[i]
		if ch != '%' {
			b.WriteByte(ch)
			continue
		}
		j := i + 1
		for j < len(format) && strings.IndexByte("-#+ 0,(123456789.$", format[j]) >= 0 {
			j++
		}
		if j >= len(format) {
			b.WriteString(format[i:])
			break
		}
		spec := format[i+1 : j]
		conv := format[j]
		i = j
		switch conv {
		case '%':
			b.WriteByte('%')
			continue
		case 'n':
			b.WriteByte('\n')
			continue
		}
		if k := strings.IndexByte(spec, '$'); k >= 0 {
			if n, err := strconv.Atoi(spec[:k]); err == nil {
				argi = n - 1
			}
			spec = spec[k+1:]
		}
		var arg any
		var t types.DataType = types.StringType
		if argi >= 0 && argi < len(args) {
			arg, t = args[argi], ts[argi]
		}
		argi++
		comma := strings.Contains(spec, ",")
		spec = strings.ReplaceAll(spec, ",", "")
		switch conv {
		case 's', 'S':
			s := "null"
			if arg != nil {
				s = show.CastString(arg, t, loc)
			}
			if conv == 'S' {
				s = strings.ToUpper(s)
			}
			b.WriteString(fmt.Sprintf("%"+spec+"s", s))
		case 'b', 'B':
			s := strconv.FormatBool(arg != nil)
			if bv, ok := arg.(bool); ok {
				s = strconv.FormatBool(bv)
			}
			b.WriteString(fmt.Sprintf("%"+spec+"s", s))
		case 'd':
			_, l := numericParts(arg)
			s := fmt.Sprintf("%"+spec+"d", l)
			if comma {
				s = groupThousands(s)
			}
			if arg == nil {
				s = "null"
			}
			b.WriteString(s)
		case 'x', 'X', 'o':
			_, l := numericParts(arg)
			b.WriteString(fmt.Sprintf("%"+spec+string(conv), l))
		case 'f', 'e', 'E', 'g', 'G':
			d, _ := numericParts(arg)
			if !strings.Contains(spec, ".") {
				spec += ".6"
			}
			if conv == 'f' && !math.IsNaN(d) && !math.IsInf(d, 0) {
				// Java rounds the shortest decimal text half-up (0.125 -> 0.13).
				if prec, err := strconv.Atoi(spec[strings.IndexByte(spec, '.')+1:]); err == nil {
					d = roundDecimal(strconv.FormatFloat(d, 'g', -1, 64), prec, false, 64)
				}
			}
			s := fmt.Sprintf("%"+spec+string(conv), d)
			if comma {
				s = groupThousands(s)
			}
			if arg == nil {
				s = "null"
			}
			b.WriteString(s)
		case 'c':
			if l, ok := arg.(int32); ok {
				b.WriteRune(rune(l))
			} else if s, ok := arg.(string); ok && s != "" {
				r, _ := utf8.DecodeRuneInString(s)
				b.WriteRune(r)
			}
		default:
			b.WriteString("%" + spec + string(conv))
		}
	}
	return b.String()
}

func groupThousands(s string) string {
	start := strings.IndexAny(s, "0123456789")
	if start < 0 {
		return s
	}
	end := start
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	digits := s[start:end]
	var b strings.Builder
	for i, d := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(d)
	}
	return s[:start] + b.String() + s[end:]
}
