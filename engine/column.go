package engine

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/runnel-go/runnel/engine/internal/expr"
	"github.com/runnel-go/runnel/engine/internal/plan"
	"github.com/runnel-go/runnel/engine/internal/sqlparse"
	"github.com/runnel-go/runnel/engine/types"
)

// Column is an expression over a DataFrame's columns (PySpark's Column). Columns are
// values: every method returns a new Column. A Column built from bad input (an
// unparsable F.Expr) carries the error to the DataFrame that uses it.
type Column struct {
	node expr.Node
	err  error
}

// Col is a column by name; dots reach into structs ("window.start") and backquotes
// quote names that hold dots.
func Col(name string) Column {
	if name == "*" {
		return Column{node: &expr.Star{}}
	}
	if strings.HasSuffix(name, ".*") {
		return Column{node: &expr.Star{Qualifier: strings.TrimSuffix(name, ".*")}}
	}
	return Column{node: &expr.ColumnRef{Parts: splitName(name), Pos: -1}}
}

// splitName splits a column name at dots outside backquotes.
func splitName(name string) []string {
	var parts []string
	var cur strings.Builder
	quoted := false
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '`':
			if quoted && i+1 < len(name) && name[i+1] == '`' {
				cur.WriteByte('`')
				i++
				continue
			}
			quoted = !quoted
		case c == '.' && !quoted:
			parts = append(parts, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	return append(parts, cur.String())
}

// Lit is a literal column from a Go value: string, bool, int (integer when it fits, else
// long), int32, int64, float64, float32, time.Time (timestamp), nil (null), or a Column.
func Lit(v any) Column {
	n, err := literal(v)
	return Column{node: n, err: err}
}

func literal(v any) (expr.Node, error) {
	switch x := v.(type) {
	case Column:
		return x.node, x.err
	case nil:
		return &expr.Literal{Value: nil, Type: types.NullType}, nil
	case string:
		return &expr.Literal{Value: x, Type: types.StringType}, nil
	case bool:
		return &expr.Literal{Value: x, Type: types.BooleanType}, nil
	case int:
		if x >= math.MinInt32 && x <= math.MaxInt32 {
			return &expr.Literal{Value: int32(x), Type: types.IntegerType}, nil
		}
		return &expr.Literal{Value: int64(x), Type: types.LongType}, nil
	case int8:
		return &expr.Literal{Value: int32(x), Type: types.IntegerType}, nil
	case int16:
		return &expr.Literal{Value: int32(x), Type: types.IntegerType}, nil
	case int32:
		return &expr.Literal{Value: x, Type: types.IntegerType}, nil
	case int64:
		return &expr.Literal{Value: x, Type: types.LongType}, nil
	case uint8, uint16, uint32:
		return &expr.Literal{Value: toInt64(x), Type: types.LongType}, nil
	case float64:
		return &expr.Literal{Value: x, Type: types.DoubleType}, nil
	case float32:
		return &expr.Literal{Value: x, Type: types.FloatType}, nil
	case time.Time:
		return &expr.Literal{Value: x.UnixMicro(), Type: types.TimestampType}, nil
	case time.Duration:
		return &expr.Literal{Value: x.String(), Type: types.StringType}, nil
	}
	return nil, fmt.Errorf("[UNSUPPORTED_FEATURE.LITERAL_TYPE] The feature is not supported: Literal for '%v' of %T.", v, v)
}

func toInt64(v any) int64 {
	switch x := v.(type) {
	case uint8:
		return int64(x)
	case uint16:
		return int64(x)
	case uint32:
		return int64(x)
	}
	return 0
}

// Expr parses a Spark SQL expression ("amount * price", "cast(dt as timestamp) as dt").
func Expr(sql string) Column {
	n, err := sqlparse.ParseExpr(sql)
	return Column{node: n, err: err}
}

// CallFunction calls a Spark SQL function by name. Arguments are Columns or Go values
// (literals); a string argument is a literal, as in SQL.
func CallFunction(name string, args ...any) Column {
	call := &expr.Call{Name: strings.ToLower(name)}
	for _, a := range args {
		n, err := literal(a)
		if err != nil {
			return Column{err: err}
		}
		call.Args = append(call.Args, n)
	}
	return Column{node: call}
}

// CallDistinct calls an aggregate function over distinct values (count(DISTINCT x)).
func CallDistinct(name string, args ...any) Column {
	c := CallFunction(name, args...)
	if call, ok := c.node.(*expr.Call); ok {
		call.Distinct = true
	}
	return c
}

// ColOrName turns a column name into a Column and passes Columns through: the argument
// convention of F.Sum("amount") and F.Sum(F.Col("amount")).
func ColOrName(c any) Column {
	switch x := c.(type) {
	case string:
		return Col(x)
	case Column:
		return x
	}
	return Lit(c)
}

// Err is the error of a Column built from bad input, or nil.
func (c Column) Err() error { return c.err }

// String is Spark's text for the column's expression: "sum(amount)", "(a + 1)".
func (c Column) String() string {
	if c.node == nil {
		return "<invalid column>"
	}
	n := plan.Strip(c.node)
	if a, ok := n.(*expr.Alias); ok {
		return "Column<'" + a.X.String() + " AS " + a.Name + "'>"
	}
	return "Column<'" + n.String() + "'>"
}

// Expression is the column's SQL text (the name Spark gives it when not aliased).
func (c Column) Expression() string {
	if c.node == nil {
		return ""
	}
	return plan.OutputName(plan.Strip(c.node))
}

func (c Column) unary(f func(expr.Node) expr.Node) Column {
	if c.err != nil || c.node == nil {
		return c
	}
	return Column{node: f(c.node)}
}

func (c Column) binary(op string, x any) Column {
	if c.err != nil {
		return c
	}
	r, err := literal(x)
	if err != nil {
		return Column{err: err}
	}
	return Column{node: &expr.Binary{Op: op, L: c.node, R: r}}
}

// Alias names the column ("word").
func (c Column) Alias(name string) Column {
	return c.unary(func(n expr.Node) expr.Node { return &expr.Alias{X: n, Name: name} })
}

// As is Alias.
func (c Column) As(name string) Column { return c.Alias(name) }

// Name is Alias.
func (c Column) Name(name string) Column { return c.Alias(name) }

// Cast converts to a type given by name ("timestamp", "int", "array<string>") or as a
// types.DataType.
func (c Column) Cast(t any) Column {
	var dt types.DataType
	switch x := t.(type) {
	case string:
		p, err := types.ParseDataType(x)
		if err != nil {
			return Column{err: err}
		}
		dt = p
	case types.DataType:
		dt = x
	default:
		return Column{err: fmt.Errorf("Cast: %T is not a type", t)}
	}
	return c.unary(func(n expr.Node) expr.Node { return &expr.Cast{X: n, To: dt} })
}

// Arithmetic.
func (c Column) Plus(x any) Column  { return c.binary("+", x) }
func (c Column) Minus(x any) Column { return c.binary("-", x) }
func (c Column) Mul(x any) Column   { return c.binary("*", x) }
func (c Column) Div(x any) Column   { return c.binary("/", x) }
func (c Column) Mod(x any) Column   { return c.binary("%", x) }

// Negate is -c.
func (c Column) Negate() Column {
	return c.unary(func(n expr.Node) expr.Node { return &expr.Unary{Op: "-", X: n} })
}

// Comparisons.
func (c Column) Eq(x any) Column         { return c.binary("=", x) }
func (c Column) NotEq(x any) Column      { return c.binary("!=", x) }
func (c Column) Ne(x any) Column         { return c.binary("!=", x) }
func (c Column) EqNullSafe(x any) Column { return c.binary("<=>", x) }
func (c Column) Gt(x any) Column         { return c.binary(">", x) }
func (c Column) Ge(x any) Column         { return c.binary(">=", x) }
func (c Column) Lt(x any) Column         { return c.binary("<", x) }
func (c Column) Le(x any) Column         { return c.binary("<=", x) }

// Boolean logic.
func (c Column) And(x any) Column { return c.binary("AND", x) }
func (c Column) Or(x any) Column  { return c.binary("OR", x) }
func (c Column) Not() Column {
	return c.unary(func(n expr.Node) expr.Node { return &expr.Unary{Op: "NOT", X: n} })
}

// IsNull and IsNotNull test for null.
func (c Column) IsNull() Column {
	return c.unary(func(n expr.Node) expr.Node { return &expr.IsNull{X: n} })
}
func (c Column) IsNotNull() Column {
	return c.unary(func(n expr.Node) expr.Node { return &expr.IsNull{X: n, Not: true} })
}

// GetField reads a struct field (window.start).
func (c Column) GetField(name string) Column {
	return c.unary(func(n expr.Node) expr.Node {
		if ref, ok := n.(*expr.ColumnRef); ok {
			return &expr.ColumnRef{Parts: append(append([]string{}, ref.Parts...), name), Pos: -1}
		}
		if ref, ok := n.(*plan.BoundColumn); ok {
			b := *ref
			b.Parts = append(append([]string{}, ref.Parts...), name)
			return &b
		}
		return &expr.GetField{X: n, Field: name}
	})
}

// GetItem reads an array element (0-based) or a map value.
func (c Column) GetItem(key any) Column {
	if c.err != nil {
		return c
	}
	k, err := literal(key)
	if err != nil {
		return Column{err: err}
	}
	return Column{node: &expr.GetItem{X: c.node, Index: k}}
}

// Like is SQL LIKE; RLike a regular-expression match.
func (c Column) Like(pattern string) Column {
	return c.unary(func(n expr.Node) expr.Node {
		return &expr.Like{X: n, Pattern: &expr.Literal{Value: pattern, Type: types.StringType}}
	})
}
func (c Column) RLike(pattern string) Column {
	return c.unary(func(n expr.Node) expr.Node {
		return &expr.Like{X: n, Pattern: &expr.Literal{Value: pattern, Type: types.StringType}, Regex: true}
	})
}

// Contains, StartsWith and EndsWith test substrings (as instr, left and right do).
func (c Column) Contains(x any) Column { return CallFunction("instr", c, x).Gt(0) }
func (c Column) StartsWith(x any) Column {
	return CallFunction("left", c, CallFunction("length", x)).Eq(x)
}
func (c Column) EndsWith(x any) Column {
	return CallFunction("right", c, CallFunction("length", x)).Eq(x)
}

// Substr is substring(c, pos, len) with a 1-based pos.
func (c Column) Substr(pos, length int) Column { return CallFunction("substring", c, pos, length) }

// IsIn tests membership in a list of values.
func (c Column) IsIn(values ...any) Column {
	if c.err != nil {
		return c
	}
	if len(values) == 1 {
		if list, ok := values[0].([]any); ok {
			values = list
		}
	}
	in := &expr.In{X: c.node}
	for _, v := range values {
		n, err := literal(v)
		if err != nil {
			return Column{err: err}
		}
		in.List = append(in.List, n)
	}
	return Column{node: in}
}

// Between is lo <= c <= hi.
func (c Column) Between(lo, hi any) Column {
	if c.err != nil {
		return c
	}
	l, err := literal(lo)
	if err != nil {
		return Column{err: err}
	}
	h, err := literal(hi)
	if err != nil {
		return Column{err: err}
	}
	return Column{node: &expr.Between{X: c.node, Lo: l, Hi: h}}
}

// Sort orders for OrderBy.
func (c Column) Asc() Column { return c.sortOrder(false, true) }
func (c Column) Desc() Column {
	return c.sortOrder(true, false)
}
func (c Column) AscNullsFirst() Column  { return c.sortOrder(false, true) }
func (c Column) AscNullsLast() Column   { return c.sortOrder(false, false) }
func (c Column) DescNullsFirst() Column { return c.sortOrder(true, true) }
func (c Column) DescNullsLast() Column  { return c.sortOrder(true, false) }

func (c Column) sortOrder(desc, nullsFirst bool) Column {
	return c.unary(func(n expr.Node) expr.Node {
		if s, ok := n.(*expr.SortOrder); ok {
			n = s.X
		}
		return &expr.SortOrder{X: n, Descending: desc, NullsFirst: nullsFirst}
	})
}

// When adds a branch to a CASE built by F.When.
func (c Column) When(cond Column, value any) Column {
	if c.err != nil {
		return c
	}
	if cond.err != nil {
		return cond
	}
	cs, ok := c.node.(*expr.Case)
	if !ok || cs.Else != nil {
		return Column{err: fmt.Errorf("when() can only be applied on a Column previously generated by when() function")}
	}
	v, err := literal(value)
	if err != nil {
		return Column{err: err}
	}
	n := *cs
	n.Whens = append(append([]expr.WhenClause{}, cs.Whens...), expr.WhenClause{Cond: cond.node, Value: v})
	return Column{node: &n}
}

// Otherwise sets the value of a CASE built by F.When when no branch matches.
func (c Column) Otherwise(value any) Column {
	if c.err != nil {
		return c
	}
	cs, ok := c.node.(*expr.Case)
	if !ok || cs.Else != nil {
		return Column{err: fmt.Errorf("otherwise() can only be applied on a Column previously generated by when() function, and cannot be applied once otherwise() is applied")}
	}
	v, err := literal(value)
	if err != nil {
		return Column{err: err}
	}
	n := *cs
	n.Else = v
	return Column{node: &n}
}

// When starts a CASE WHEN cond THEN value (F.When).
func When(cond Column, value any) Column {
	if cond.err != nil {
		return cond
	}
	v, err := literal(value)
	if err != nil {
		return Column{err: err}
	}
	return Column{node: &expr.Case{Whens: []expr.WhenClause{{Cond: cond.node, Value: v}}}}
}
