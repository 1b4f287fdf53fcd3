package expr

import (
	"strconv"
	"strings"

	"github.com/runnel-go/runnel/engine/internal/batch"
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
