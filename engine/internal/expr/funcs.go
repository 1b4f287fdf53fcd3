package expr

import (
	"fmt"
	"math"
	"math/big"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/internal/show"
	"github.com/runnel-go/runnel/engine/types"
)

// IsAggregate reports whether name (lower case) is an aggregate function; the caller
// plans aggregation itself (see ResultType).
func IsAggregate(name string) bool {
	switch strings.ToLower(name) {
	case "count", "sum", "avg", "mean", "min", "max", "first", "last", "first_value", "last_value",
		"collect_list", "collect_set", "approx_count_distinct", "count_distinct", "countdistinct",
		"stddev", "stddev_samp", "stddev_pop", "std", "variance", "var_samp", "var_pop",
		"any_value", "bool_and", "bool_or", "every", "some", "any", "sum_distinct", "max_by", "min_by":
		return true
	}
	return false
}

// IsGenerator reports whether name is a generator (one row in, many out), which the plan
// runs: explode, explode_outer, posexplode, posexplode_outer, inline.
func IsGenerator(name string) bool {
	switch strings.ToLower(name) {
	case "explode", "explode_outer", "posexplode", "posexplode_outer", "inline", "inline_outer":
		return true
	}
	return false
}

// IsTimeWindow reports window() and session_window(), which the plan turns into grouping.
func IsTimeWindow(name string) bool {
	switch strings.ToLower(name) {
	case "window", "session_window":
		return true
	}
	return false
}

// ContainsAggregate reports whether n has an aggregate call outside any nested Alias-free
// aggregate argument (it looks at the whole tree).
func ContainsAggregate(n Node) bool {
	found := false
	Walk(n, func(m Node) bool {
		if c, ok := m.(*Call); ok && IsAggregate(c.Name) {
			found = true
			return false
		}
		return !found
	})
	return found
}

// ResultType is the type of aggregate name over arguments of types args, as Spark types
// it: count → long; sum of integers → long, of floating point → double; avg, mean,
// stddev and variance → double; min, max, first, last → the argument's type;
// collect_list and collect_set → array of it; approx_count_distinct → long.
func ResultType(name string, args []types.DataType) types.DataType {
	var a types.DataType = types.NullType
	if len(args) > 0 && args[0] != nil {
		a = args[0]
	}
	switch strings.ToLower(name) {
	case "count", "count_distinct", "countdistinct", "approx_count_distinct":
		return types.LongType
	case "sum", "sum_distinct":
		switch a.ID() {
		case types.IntegerID, types.LongID, types.BooleanID:
			return types.LongType
		case types.IntervalID:
			return types.IntervalType
		}
		return types.DoubleType
	case "avg", "mean", "stddev", "stddev_samp", "stddev_pop", "std", "variance", "var_samp", "var_pop":
		return types.DoubleType
	case "collect_list", "collect_set":
		return types.NewArrayType(a)
	case "bool_and", "bool_or", "every", "some", "any":
		return types.BooleanType
	}
	return a
}

// AggregateNullable reports whether an aggregate's result may be null: count never is.
func AggregateNullable(name string) bool {
	switch strings.ToLower(name) {
	case "count", "count_distinct", "countdistinct", "approx_count_distinct", "collect_list", "collect_set":
		return false
	}
	return true
}

func (c *compiler) call(x *Call) (*evaluator, error) {
	name := strings.ToLower(x.Name)
	if IsAggregate(name) {
		return nil, analysisErr("UNSUPPORTED_EXPR_FOR_OPERATOR",
			"Aggregate function %s is not allowed here: aggregates must be planned by groupBy().agg() or a SELECT with GROUP BY.", x.String())
	}
	if IsGenerator(name) {
		return nil, analysisErr("UNSUPPORTED_GENERATOR.NESTED_IN_EXPRESSIONS",
			"The generator is not supported: nested in expressions \"%s\".", x.String())
	}
	if IsTimeWindow(name) {
		return nil, analysisErr("UNSUPPORTED_EXPR_FOR_OPERATOR",
			"%s() is only supported as a grouping expression of a streaming or batch aggregation.", name)
	}
	// Forms that are rewrites of other nodes.
	switch name {
	case "if", "iff":
		if err := arity(x, 3, 3); err != nil {
			return nil, err
		}
		return c.compile(&Case{Whens: []WhenClause{{Cond: x.Args[0], Value: x.Args[1]}}, Else: x.Args[2]})
	case "nvl", "ifnull":
		if err := arity(x, 2, 2); err != nil {
			return nil, err
		}
		return c.call(&Call{Name: "coalesce", Args: x.Args})
	case "nvl2":
		if err := arity(x, 3, 3); err != nil {
			return nil, err
		}
		return c.compile(&Case{Whens: []WhenClause{{Cond: &IsNull{X: x.Args[0], Not: true}, Value: x.Args[1]}}, Else: x.Args[2]})
	case "nullif":
		if err := arity(x, 2, 2); err != nil {
			return nil, err
		}
		return c.compile(&Case{Whens: []WhenClause{{Cond: &Binary{Op: "=", L: x.Args[0], R: x.Args[1]}, Value: &Literal{Type: types.NullType}}}, Else: x.Args[0]})
	case "isnull", "isnotnull":
		if err := arity(x, 1, 1); err != nil {
			return nil, err
		}
		return c.compile(&IsNull{X: x.Args[0], Not: name == "isnotnull"})
	case "like", "rlike", "regexp", "regexp_like":
		if err := arity(x, 2, 2); err != nil {
			return nil, err
		}
		return c.compile(&Like{X: x.Args[0], Pattern: x.Args[1], Regex: name != "like"})
	case "int", "integer", "bigint", "long", "double", "float", "string", "boolean", "timestamp", "date", "binary", "smallint", "tinyint":
		if err := arity(x, 1, 1); err != nil {
			return nil, err
		}
		t, err := types.ParseDataType(name)
		if err != nil {
			return nil, err
		}
		return c.compile(&Cast{X: x.Args[0], To: t})
	case "mod":
		if err := arity(x, 2, 2); err != nil {
			return nil, err
		}
		return c.compile(&Binary{Op: "%", L: x.Args[0], R: x.Args[1]})
	case "negative":
		if err := arity(x, 1, 1); err != nil {
			return nil, err
		}
		return c.compile(&Unary{Op: "-", X: x.Args[0]})
	case "positive":
		if err := arity(x, 1, 1); err != nil {
			return nil, err
		}
		return c.compile(x.Args[0])
	case "struct":
		return c.structFunc(x)
	case "named_struct":
		return c.namedStruct(x)
	}
	args := make([]*evaluator, len(x.Args))
	for i, a := range x.Args {
		if _, ok := a.(*Star); ok {
			return nil, analysisErr("INVALID_USAGE_OF_STAR_OR_REGEX", "Invalid usage of '*' in expression `%s`.", name)
		}
		e, err := c.compile(a)
		if err != nil {
			return nil, err
		}
		args[i] = e
	}
	if e, ok, err := c.stringFunc(name, x, args); ok {
		return e, err
	}
	if e, ok, err := c.mathFunc(name, x, args); ok {
		return e, err
	}
	if e, ok, err := c.timeFunc(name, x, args); ok {
		return e, err
	}
	if e, ok, err := c.collectionFunc(name, x, args); ok {
		return e, err
	}
	return nil, analysisErr("UNRESOLVED_ROUTINE",
		"Cannot resolve function `%s` on search path [`system`.`builtin`, `system`.`session`, `spark_catalog`.`default`].", x.Name)
}

// arity checks the argument count, with Spark's WRONG_NUM_ARGS message.
func arity(x *Call, lo, hi int) error {
	n := len(x.Args)
	if n >= lo && (hi < 0 || n <= hi) {
		return nil
	}
	want := strconv.Itoa(lo)
	switch {
	case hi < 0:
		want = ">= " + want
	case hi != lo:
		want = "[" + strconv.Itoa(lo) + ", " + strconv.Itoa(hi) + "]"
	}
	return analysisErr("WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
		"The `%s` requires %s parameters but the actual number is %d. Please, refer to 'https://spark.apache.org/docs/latest/sql-ref-functions.html' for a fix.",
		strings.ToLower(x.Name), want, n)
}

func inputTypeErr(x *Call, pos int, want string, e *evaluator) error {
	return analysisErr("DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
		"Cannot resolve \"%s\" due to data type mismatch: The %s parameter requires the %s type, however \"%s\" has the type \"%s\".",
		x.String(), ordinal(pos), want, x.Args[pos].String(), TypeSQL(e.typ))
}

func ordinal(i int) string {
	switch i {
	case 0:
		return "first"
	case 1:
		return "second"
	case 2:
		return "third"
	case 3:
		return "fourth"
	}
	return strconv.Itoa(i+1) + "th"
}

// toStr casts an argument to string as Spark's implicit casts do for string functions;
// complex types are refused.
func (c *compiler) toStr(x *Call, i int, e *evaluator) (*evaluator, error) {
	switch e.typ.ID() {
	case types.ArrayID, types.MapID, types.StructID:
		return nil, inputTypeErr(x, i, "\"STRING\"", e)
	}
	return c.cast(e, types.StringType), nil
}

func (c *compiler) toDouble(x *Call, i int, e *evaluator) (*evaluator, error) {
	switch e.typ.ID() {
	case types.IntegerID, types.LongID, types.FloatID, types.DoubleID, types.StringID, types.NullID:
		return c.cast(e, types.DoubleType), nil
	}
	return nil, inputTypeErr(x, i, "\"DOUBLE\"", e)
}

func (c *compiler) toInt(x *Call, i int, e *evaluator) (*evaluator, error) {
	switch e.typ.ID() {
	case types.IntegerID, types.LongID, types.StringID, types.NullID, types.FloatID, types.DoubleID:
		return c.cast(e, types.IntegerType), nil
	}
	return nil, inputTypeErr(x, i, "\"INT\"", e)
}

// strMap applies f to each non-null string of e.
func strMap(x Node, e *evaluator, f func(string) string) *evaluator {
	return &evaluator{typ: types.StringType, nullable: e.nullable, node: x, fn: func(b *batch.Batch) (*batch.Vector, error) {
		v, err := e.fn(b)
		if err != nil {
			return nil, err
		}
		out := newVec(types.StringType, b.N)
		for i, s := range v.Str[:b.N] {
			if !v.IsNull(i) {
				out.Str[i] = f(s)
			}
		}
		out.Nulls = orNulls(b.N, v)
		return out, nil
	}}
}

// constStr returns the value of a constant string argument.
func constStr(e *evaluator) (string, bool) {
	if !e.constant {
		return "", false
	}
	s, ok := e.value.(string)
	return s, ok
}

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

func (c *compiler) mathFunc(name string, x *Call, args []*evaluator) (*evaluator, bool, error) {
	unaryF64 := func(f func(float64) (float64, bool)) (*evaluator, bool, error) {
		if err := arity(x, 1, 1); err != nil {
			return nil, true, err
		}
		e, err := c.toDouble(x, 0, args[0])
		if err != nil {
			return nil, true, err
		}
		return &evaluator{typ: types.DoubleType, nullable: true, node: x, fn: func(b *batch.Batch) (*batch.Vector, error) {
			v, err := e.fn(b)
			if err != nil {
				return nil, err
			}
			out := newVec(types.DoubleType, b.N)
			out.Nulls = orNulls(b.N, v)
			for i, d := range v.F64[:b.N] {
				r, ok := f(d)
				out.F64[i] = r
				if !ok {
					setNull(out, i)
				}
			}
			return out, nil
		}}, true, nil
	}
	plain := func(f func(float64) float64) func(float64) (float64, bool) {
		return func(d float64) (float64, bool) { return f(d), true }
	}
	positive := func(f func(float64) float64) func(float64) (float64, bool) {
		return func(d float64) (float64, bool) {
			if d <= 0 {
				return 0, false
			}
			return f(d), true
		}
	}
	switch name {
	case "sqrt":
		return unaryF64(plain(math.Sqrt))
	case "cbrt":
		return unaryF64(plain(math.Cbrt))
	case "exp":
		return unaryF64(plain(math.Exp))
	case "expm1":
		return unaryF64(plain(math.Expm1))
	case "ln":
		return unaryF64(positive(math.Log))
	case "log10":
		return unaryF64(positive(math.Log10))
	case "log2":
		return unaryF64(positive(math.Log2))
	case "log1p":
		return unaryF64(func(d float64) (float64, bool) { return math.Log1p(d), d > -1 })
	case "sin":
		return unaryF64(plain(math.Sin))
	case "cos":
		return unaryF64(plain(math.Cos))
	case "tan":
		return unaryF64(plain(math.Tan))
	case "asin":
		return unaryF64(plain(math.Asin))
	case "acos":
		return unaryF64(plain(math.Acos))
	case "atan":
		return unaryF64(plain(math.Atan))
	case "sinh":
		return unaryF64(plain(math.Sinh))
	case "cosh":
		return unaryF64(plain(math.Cosh))
	case "tanh":
		return unaryF64(plain(math.Tanh))
	case "degrees":
		return unaryF64(plain(func(d float64) float64 { return d * 180 / math.Pi }))
	case "radians":
		return unaryF64(plain(func(d float64) float64 { return d * math.Pi / 180 }))
	case "signum", "sign":
		return unaryF64(plain(func(d float64) float64 {
			switch {
			case d > 0:
				return 1
			case d < 0:
				return -1
			}
			return d
		}))
	case "log":
		if len(args) == 1 {
			return c.mathFunc("ln", x, args)
		}
		if err := arity(x, 1, 2); err != nil {
			return nil, true, err
		}
		base, err := c.toDouble(x, 0, args[0])
		if err != nil {
			return nil, true, err
		}
		v, err := c.toDouble(x, 1, args[1])
		if err != nil {
			return nil, true, err
		}
		return c.rowFunc(x, types.DoubleType, []*evaluator{base, v}, func(a []any) any {
			bs, d := a[0].(float64), a[1].(float64)
			if bs <= 0 || d <= 0 {
				return nil
			}
			return math.Log(d) / math.Log(bs)
		}), true, nil
	case "pow", "power", "atan2", "hypot":
		if err := arity(x, 2, 2); err != nil {
			return nil, true, err
		}
		a, err := c.toDouble(x, 0, args[0])
		if err != nil {
			return nil, true, err
		}
		bb, err := c.toDouble(x, 1, args[1])
		if err != nil {
			return nil, true, err
		}
		f := math.Pow
		switch name {
		case "atan2":
			f = math.Atan2
		case "hypot":
			f = math.Hypot
		}
		return &evaluator{typ: types.DoubleType, nullable: a.nullable || bb.nullable, node: x, fn: func(b *batch.Batch) (*batch.Vector, error) {
			av, err := a.fn(b)
			if err != nil {
				return nil, err
			}
			bv, err := bb.fn(b)
			if err != nil {
				return nil, err
			}
			out := newVec(types.DoubleType, b.N)
			for i := range out.F64 {
				out.F64[i] = f(av.F64[i], bv.F64[i])
			}
			out.Nulls = orNulls(b.N, av, bv)
			return out, nil
		}}, true, nil
	case "abs":
		if err := arity(x, 1, 1); err != nil {
			return nil, true, err
		}
		e := args[0]
		if e.typ.ID() == types.StringID {
			e = c.cast(e, types.DoubleType)
		}
		if !isNumID(e.typ.ID()) && e.typ.ID() != types.NullID {
			return nil, true, inputTypeErr(x, 0, "\"NUMERIC\"", e)
		}
		return c.rowFunc(x, e.typ, []*evaluator{e}, func(a []any) any {
			switch v := a[0].(type) {
			case int32:
				if v < 0 {
					return -v
				}
				return v
			case int64:
				if v < 0 {
					return -v
				}
				return v
			case float32:
				return float32(math.Abs(float64(v)))
			case float64:
				return math.Abs(v)
			}
			return nil
		}), true, nil
	case "round", "bround":
		if err := arity(x, 1, 2); err != nil {
			return nil, true, err
		}
		e := args[0]
		if e.typ.ID() == types.StringID {
			e = c.cast(e, types.DoubleType)
		}
		if !isNumID(e.typ.ID()) && e.typ.ID() != types.NullID {
			return nil, true, inputTypeErr(x, 0, "\"NUMERIC\"", e)
		}
		scale := 0
		if len(args) == 2 {
			s := args[1]
			if !s.constant || s.typ.ID() != types.IntegerID {
				return nil, true, inputTypeErr(x, 1, "\"INT\" foldable", s)
			}
			if s.value != nil {
				scale = int(s.value.(int32))
			}
		}
		halfEven := name == "bround"
		return c.rowFunc(x, e.typ, []*evaluator{e}, func(a []any) any {
			return roundValue(a[0], scale, halfEven)
		}), true, nil
	case "floor", "ceil", "ceiling":
		if err := arity(x, 1, 1); err != nil {
			return nil, true, err
		}
		e := args[0]
		if e.typ.ID() == types.StringID {
			e = c.cast(e, types.DoubleType)
		}
		if !isNumID(e.typ.ID()) && e.typ.ID() != types.NullID {
			return nil, true, inputTypeErr(x, 0, "\"NUMERIC\"", e)
		}
		up := name != "floor"
		return c.rowFunc(x, types.LongType, []*evaluator{e}, func(a []any) any {
			d, l := numericParts(a[0])
			switch a[0].(type) {
			case float64, float32:
				if up {
					d = math.Ceil(d)
				} else {
					d = math.Floor(d)
				}
				return f64ToI64(d, math.MinInt64, math.MaxInt64)
			}
			return l
		}), true, nil
	case "greatest", "least":
		if err := arity(x, 2, -1); err != nil {
			return nil, true, err
		}
		t, err := c.commonType(x, args)
		if err != nil {
			return nil, true, err
		}
		cs := make([]*evaluator, len(args))
		for i, a := range args {
			cs[i] = c.cast(a, t)
		}
		greatest := name == "greatest"
		return c.rowFuncNulls(x, t, cs, true, func(a []any) any {
			var best any
			for _, v := range a {
				if v == nil {
					continue
				}
				if best == nil {
					best = v
					continue
				}
				cmp := compareValues(v, best)
				if greatest && cmp > 0 || !greatest && cmp < 0 {
					best = v
				}
			}
			return best
		}), true, nil
	case "pmod":
		if err := arity(x, 2, 2); err != nil {
			return nil, true, err
		}
		l, r := args[0], args[1]
		if l.typ.ID() == types.StringID {
			l = c.cast(l, types.DoubleType)
		}
		if r.typ.ID() == types.StringID {
			r = c.cast(r, types.DoubleType)
		}
		if !isNumID(l.typ.ID()) || !isNumID(r.typ.ID()) {
			return nil, true, typeMismatch(x, l, r)
		}
		t := widerNumeric(l.typ, r.typ)
		l, r = c.cast(l, t), c.cast(r, t)
		return c.rowFunc(x, t, []*evaluator{l, r}, func(a []any) any {
			switch p := a[0].(type) {
			case int32:
				q := a[1].(int32)
				if q == 0 {
					return nil
				}
				m := p % q
				if m < 0 {
					m = (m + q) % q
				}
				return m
			case int64:
				q := a[1].(int64)
				if q == 0 {
					return nil
				}
				m := p % q
				if m < 0 {
					m = (m + q) % q
				}
				return m
			case float64:
				q := a[1].(float64)
				if q == 0 {
					return nil
				}
				m := math.Mod(p, q)
				if m < 0 {
					m = math.Mod(m+q, q)
				}
				return m
			case float32:
				q := a[1].(float32)
				if q == 0 {
					return nil
				}
				m := math.Mod(float64(p), float64(q))
				if m < 0 {
					m = math.Mod(m+float64(q), float64(q))
				}
				return float32(m)
			}
			return nil
		}), true, nil
	case "rand", "random", "randn":
		if err := arity(x, 0, 1); err != nil {
			return nil, true, err
		}
		var seed *int64
		if len(args) == 1 {
			s := args[0]
			if !s.constant || (s.typ.ID() != types.IntegerID && s.typ.ID() != types.LongID && s.typ.ID() != types.NullID) {
				return nil, true, inputTypeErr(x, 0, "\"INT\" or \"BIGINT\" foldable", s)
			}
			_, l := numericParts(s.value)
			seed = &l
		}
		rng := c.newRand(seed)
		gauss := name == "randn"
		return &evaluator{typ: types.DoubleType, node: x, fn: func(b *batch.Batch) (*batch.Vector, error) {
			out := newVec(types.DoubleType, b.N)
			for i := range out.F64 {
				if gauss {
					out.F64[i] = rng.NormFloat64()
				} else {
					out.F64[i] = rng.Float64()
				}
			}
			return out, nil
		}}, true, nil
	case "pi", "e":
		if err := arity(x, 0, 0); err != nil {
			return nil, true, err
		}
		v := math.Pi
		if name == "e" {
			v = math.E
		}
		return constEval(types.DoubleType, v, x), true, nil
	case "isnan":
		if err := arity(x, 1, 1); err != nil {
			return nil, true, err
		}
		e, err := c.toDouble(x, 0, args[0])
		if err != nil {
			return nil, true, err
		}
		return c.rowFuncNulls(x, types.BooleanType, []*evaluator{e}, true, func(a []any) any {
			d, ok := a[0].(float64)
			return ok && math.IsNaN(d)
		}), true, nil
	case "nanvl":
		if err := arity(x, 2, 2); err != nil {
			return nil, true, err
		}
		a, err := c.toDouble(x, 0, args[0])
		if err != nil {
			return nil, true, err
		}
		bb, err := c.toDouble(x, 1, args[1])
		if err != nil {
			return nil, true, err
		}
		return c.rowFuncNulls(x, types.DoubleType, []*evaluator{a, bb}, true, func(v []any) any {
			if d, ok := v[0].(float64); ok && math.IsNaN(d) {
				return v[1]
			}
			return v[0]
		}), true, nil
	case "coalesce":
		if err := arity(x, 1, -1); err != nil {
			return nil, true, err
		}
		t, err := c.commonType(x, args)
		if err != nil {
			return nil, true, err
		}
		cs := make([]*evaluator, len(args))
		nullable := true
		for i, a := range args {
			cs[i] = c.cast(a, t)
			if !a.nullable {
				nullable = false
			}
		}
		return &evaluator{typ: t, nullable: nullable, node: x, fn: func(b *batch.Batch) (*batch.Vector, error) {
			chosen := make([]int, b.N)
			for i := range chosen {
				chosen[i] = -1
			}
			out := newVec(t, b.N)
			left := b.N
			for k, e := range cs {
				v, err := e.fn(b)
				if err != nil {
					return nil, err
				}
				for i := range chosen {
					if chosen[i] == -1 && !v.IsNull(i) {
						chosen[i] = k
						left--
					}
				}
				copyChosen(out, v, chosen, k)
				if left == 0 {
					break
				}
			}
			for i, ch := range chosen {
				if ch == -1 {
					setNull(out, i)
				}
			}
			return out, nil
		}}, true, nil
	case "hash":
		if err := arity(x, 1, -1); err != nil {
			return nil, true, err
		}
		ts := make([]types.DataType, len(args))
		for i, a := range args {
			ts[i] = a.typ
		}
		ev := c.rowFuncNulls(x, types.IntegerType, args, true, func(a []any) any {
			h := uint32(42)
			for i, v := range a {
				h = sparkHash(v, ts[i], h)
			}
			return int32(h)
		})
		ev.nullable = false
		return ev, true, nil
	}
	return nil, false, nil
}

// roundValue rounds to scale decimal places, HALF_UP (or HALF_EVEN) on the value's
// decimal text, as Spark does through BigDecimal.
func roundValue(v any, scale int, halfEven bool) any {
	switch x := v.(type) {
	case int32:
		return int32(roundInt(int64(x), scale, halfEven))
	case int64:
		return roundInt(x, scale, halfEven)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return x
		}
		return roundDecimal(strconv.FormatFloat(x, 'g', -1, 64), scale, halfEven, 64)
	case float32:
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return x
		}
		// Spark widens the float to a double first and rounds that double's decimal text.
		return float32(roundDecimal(strconv.FormatFloat(float64(x), 'g', -1, 64), scale, halfEven, 32))
	}
	return nil
}

func roundInt(x int64, scale int, halfEven bool) int64 {
	if scale >= 0 {
		return x
	}
	if scale < -18 {
		return 0
	}
	p := int64(math.Pow10(-scale))
	q, r := x/p, x%p
	if r < 0 {
		r = -r
	}
	up := 2*r > p || 2*r == p && (!halfEven || q%2 != 0)
	if up {
		if x < 0 {
			q--
		} else {
			q++
		}
	}
	return q * p
}

// roundDecimal rounds the decimal number text s exactly.
func roundDecimal(s string, scale int, halfEven bool, bits int) float64 {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return 0
	}
	neg := r.Sign() < 0
	if neg {
		r.Neg(r)
	}
	pow := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs(scale))), nil))
	if scale >= 0 {
		r.Mul(r, pow)
	} else {
		r.Quo(r, pow)
	}
	q, rem := new(big.Int).QuoRem(r.Num(), r.Denom(), new(big.Int))
	twice := new(big.Int).Mul(rem, big.NewInt(2))
	switch twice.Cmp(r.Denom()) {
	case 1:
		q.Add(q, big.NewInt(1))
	case 0:
		if !halfEven || q.Bit(0) == 1 {
			q.Add(q, big.NewInt(1))
		}
	}
	res := new(big.Rat).SetInt(q)
	if scale >= 0 {
		res.Quo(res, pow)
	} else {
		res.Mul(res, pow)
	}
	if neg {
		res.Neg(res)
	}
	f, _ := res.Float64()
	if bits == 32 {
		f32, _ := res.Float32()
		return float64(f32)
	}
	return f
}

func abs(i int) int {
	if i < 0 {
		return -i
	}
	return i
}

func (c *compiler) structFunc(x *Call) (*evaluator, error) {
	st := types.NewStructType()
	args := make([]*evaluator, len(x.Args))
	for i, a := range x.Args {
		e, err := c.compile(a)
		if err != nil {
			return nil, err
		}
		args[i] = e
		name := "col" + strconv.Itoa(i+1)
		switch n := a.(type) {
		case *ColumnRef:
			name = n.Parts[len(n.Parts)-1]
		case *Alias:
			name = n.Name
		case *GetField:
			name = n.Field
		}
		st.Add(name, e.typ, e.nullable)
	}
	return structEval(st, args, x), nil
}

func structEval(st *types.StructType, args []*evaluator, x Node) *evaluator {
	return &evaluator{typ: st, node: x, fn: func(b *batch.Batch) (*batch.Vector, error) {
		vs, err := evalAll(args, b)
		if err != nil {
			return nil, err
		}
		v := &batch.Vector{Type: st, Children: vs}
		v.SetLen(b.N)
		return v, nil
	}}
}

func (c *compiler) namedStruct(x *Call) (*evaluator, error) {
	if len(x.Args)%2 != 0 || len(x.Args) == 0 {
		return nil, analysisErr("WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
			"The `named_struct` requires 2n (n > 0) parameters but the actual number is %d. Please, refer to 'https://spark.apache.org/docs/latest/sql-ref-functions.html' for a fix.", len(x.Args))
	}
	st := types.NewStructType()
	var args []*evaluator
	for i := 0; i < len(x.Args); i += 2 {
		ne, err := c.compile(x.Args[i])
		if err != nil {
			return nil, err
		}
		name, ok := constStr(ne)
		if !ok {
			return nil, analysisErr("DATATYPE_MISMATCH.CREATE_NAMED_STRUCT_WITHOUT_FOLDABLE_STRING",
				"Cannot resolve \"%s\" due to data type mismatch: Only foldable `STRING` expressions are allowed to appear at odd position, but they are [\"%s\"].", x.String(), x.Args[i].String())
		}
		e, err := c.compile(x.Args[i+1])
		if err != nil {
			return nil, err
		}
		st.Add(name, e.typ, e.nullable)
		args = append(args, e)
	}
	return structEval(st, args, x), nil
}

func (c *compiler) concatArrays(x *Call, args []*evaluator) (*evaluator, bool, error) {
	t, err := c.commonType(x, args)
	if err != nil {
		return nil, true, err
	}
	cs := make([]*evaluator, len(args))
	for i, a := range args {
		cs[i] = c.cast(a, t)
	}
	return c.rowFunc(x, t, cs, func(a []any) any {
		var out []any
		for _, v := range a {
			out = append(out, v.([]any)...)
		}
		if out == nil {
			out = []any{}
		}
		return out
	}), true, nil
}

func (c *compiler) collectionFunc(name string, x *Call, args []*evaluator) (*evaluator, bool, error) {
	switch name {
	case "size", "cardinality":
		if err := arity(x, 1, 1); err != nil {
			return nil, true, err
		}
		if id := args[0].typ.ID(); id != types.ArrayID && id != types.MapID && id != types.NullID {
			return nil, true, inputTypeErr(x, 0, "(\"ARRAY\" or \"MAP\")", args[0])
		}
		ev := c.rowFuncNulls(x, types.IntegerType, args, true, func(a []any) any {
			switch v := a[0].(type) {
			case []any:
				return int32(len(v))
			case *batch.MapValue:
				return int32(len(v.Keys))
			}
			return int32(-1)
		})
		ev.nullable = false
		return ev, true, nil
	case "array":
		t, err := c.commonType(x, args)
		if err != nil {
			return nil, true, err
		}
		cs := make([]*evaluator, len(args))
		for i, a := range args {
			cs[i] = c.cast(a, t)
		}
		ev := c.rowFuncNulls(x, types.NewArrayType(t), cs, true, func(a []any) any {
			return append([]any{}, a...)
		})
		ev.nullable = false
		return ev, true, nil
	case "array_contains":
		if err := arity(x, 2, 2); err != nil {
			return nil, true, err
		}
		at, ok := args[0].typ.(*types.ArrayType)
		if !ok {
			return nil, true, inputTypeErr(x, 0, "\"ARRAY\"", args[0])
		}
		v := c.cast(args[1], at.ElementType)
		return c.rowFunc(x, types.BooleanType, []*evaluator{args[0], v}, func(a []any) any {
			sawNull := false
			for _, it := range a[0].([]any) {
				if it == nil {
					sawNull = true
				} else if valuesEqual(it, a[1]) {
					return true
				}
			}
			if sawNull {
				return nil
			}
			return false
		}), true, nil
	case "element_at":
		if err := arity(x, 2, 2); err != nil {
			return nil, true, err
		}
		switch t := args[0].typ.(type) {
		case *types.ArrayType:
			idx, err := c.toInt(x, 1, args[1])
			if err != nil {
				return nil, true, err
			}
			var failure error
			ev := c.rowFunc(x, t.ElementType, []*evaluator{args[0], idx}, func(a []any) any {
				items, i := a[0].([]any), int(a[1].(int32))
				switch {
				case i == 0:
					if failure == nil {
						failure = &AnalysisError{Class: "INVALID_INDEX_OF_ZERO", Message: "[INVALID_INDEX_OF_ZERO] The index 0 is invalid. An index shall be either < 0 or > 0 (the first element has index 1)."}
					}
					return nil
				case i > 0 && i <= len(items):
					return items[i-1]
				case i < 0 && -i <= len(items):
					return items[len(items)+i]
				}
				return nil
			})
			inner := ev.fn
			ev.fn = func(b *batch.Batch) (*batch.Vector, error) {
				v, err := inner(b)
				if err == nil && failure != nil {
					err, failure = failure, nil
				}
				return v, err
			}
			return ev, true, nil
		case *types.MapType:
			e, err := c.mapLookup(args[0], args[1])
			return e, true, err
		}
		return nil, true, inputTypeErr(x, 0, "(\"ARRAY\" or \"MAP\")", args[0])
	case "map", "create_map":
		if len(args)%2 != 0 {
			return nil, true, analysisErr("WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
				"The `map` requires 2n (n > 0) parameters but the actual number is %d. Please, refer to 'https://spark.apache.org/docs/latest/sql-ref-functions.html' for a fix.", len(args))
		}
		var keys, vals []*evaluator
		for i := 0; i < len(args); i += 2 {
			keys = append(keys, args[i])
			vals = append(vals, args[i+1])
		}
		kt, err := c.commonType(x, keys)
		if err != nil {
			return nil, true, err
		}
		vt, err := c.commonType(x, vals)
		if err != nil {
			return nil, true, err
		}
		if kt.ID() == types.NullID {
			kt = types.StringType
		}
		if vt.ID() == types.NullID {
			vt = types.StringType
		}
		cs := make([]*evaluator, len(args))
		for i := range args {
			if i%2 == 0 {
				cs[i] = c.cast(args[i], kt)
			} else {
				cs[i] = c.cast(args[i], vt)
			}
		}
		ev := c.rowFuncNulls(x, types.NewMapType(kt, vt), cs, true, func(a []any) any {
			m := &batch.MapValue{}
			for i := 0; i < len(a); i += 2 {
				replaced := false
				for j, k := range m.Keys {
					if valuesEqual(k, a[i]) {
						m.Values[j] = a[i+1] // the last value wins, as Spark's LAST_WIN policy
						replaced = true
					}
				}
				if !replaced {
					m.Keys = append(m.Keys, a[i])
					m.Values = append(m.Values, a[i+1])
				}
			}
			return m
		})
		ev.nullable = false
		return ev, true, nil
	case "map_keys", "map_values":
		if err := arity(x, 1, 1); err != nil {
			return nil, true, err
		}
		mt, ok := args[0].typ.(*types.MapType)
		if !ok {
			return nil, true, inputTypeErr(x, 0, "\"MAP\"", args[0])
		}
		et := mt.KeyType
		if name == "map_values" {
			et = mt.ValueType
		}
		return c.rowFunc(x, types.NewArrayType(et), args, func(a []any) any {
			m := a[0].(*batch.MapValue)
			if name == "map_keys" {
				return append([]any{}, m.Keys...)
			}
			return append([]any{}, m.Values...)
		}), true, nil
	case "sort_array", "array_sort":
		if err := arity(x, 1, 2); err != nil {
			return nil, true, err
		}
		if _, ok := args[0].typ.(*types.ArrayType); !ok {
			return nil, true, inputTypeErr(x, 0, "\"ARRAY\"", args[0])
		}
		asc := true
		if len(args) == 2 {
			if b, ok := args[1].value.(bool); args[1].constant && ok {
				asc = b
			}
		}
		return c.rowFunc(x, args[0].typ, args[:1], func(a []any) any {
			items := append([]any{}, a[0].([]any)...)
			sort.SliceStable(items, func(i, j int) bool {
				p, q := items[i], items[j]
				switch {
				case p == nil && q == nil:
					return false
				case p == nil: // nulls first ascending, last descending (sort_array)
					return asc
				case q == nil:
					return !asc
				}
				if asc {
					return compareValues(p, q) < 0
				}
				return compareValues(p, q) > 0
			})
			return items
		}), true, nil
	case "array_distinct":
		if err := arity(x, 1, 1); err != nil {
			return nil, true, err
		}
		if _, ok := args[0].typ.(*types.ArrayType); !ok {
			return nil, true, inputTypeErr(x, 0, "\"ARRAY\"", args[0])
		}
		return c.rowFunc(x, args[0].typ, args, func(a []any) any {
			var out []any
			for _, it := range a[0].([]any) {
				dup := false
				for _, o := range out {
					if (o == nil && it == nil) || o != nil && it != nil && valuesEqual(o, it) {
						dup = true
						break
					}
				}
				if !dup {
					out = append(out, it)
				}
			}
			if out == nil {
				out = []any{}
			}
			return out
		}), true, nil
	case "array_join":
		if err := arity(x, 2, 3); err != nil {
			return nil, true, err
		}
		if _, ok := args[0].typ.(*types.ArrayType); !ok {
			return nil, true, inputTypeErr(x, 0, "\"ARRAY\"", args[0])
		}
		arr := c.cast(args[0], types.NewArrayType(types.StringType))
		sep, err := c.toStr(x, 1, args[1])
		if err != nil {
			return nil, true, err
		}
		all := []*evaluator{arr, sep}
		if len(args) == 3 {
			rep, err := c.toStr(x, 2, args[2])
			if err != nil {
				return nil, true, err
			}
			all = append(all, rep)
		}
		return c.rowFunc(x, types.StringType, all, func(a []any) any {
			var parts []string
			for _, it := range a[0].([]any) {
				if it == nil {
					if len(a) == 3 {
						parts = append(parts, a[2].(string))
					}
					continue
				}
				parts = append(parts, it.(string))
			}
			return strings.Join(parts, a[1].(string))
		}), true, nil
	case "array_max", "array_min":
		if err := arity(x, 1, 1); err != nil {
			return nil, true, err
		}
		at, ok := args[0].typ.(*types.ArrayType)
		if !ok {
			return nil, true, inputTypeErr(x, 0, "\"ARRAY\"", args[0])
		}
		return c.rowFunc(x, at.ElementType, args, func(a []any) any {
			var best any
			for _, it := range a[0].([]any) {
				if it == nil {
					continue
				}
				if best == nil || (name == "array_max") == (compareValues(it, best) > 0) && compareValues(it, best) != 0 {
					best = it
				}
			}
			return best
		}), true, nil
	}
	return nil, false, nil
}
