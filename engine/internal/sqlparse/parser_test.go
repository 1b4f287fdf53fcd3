package sqlparse

import (
	"errors"
	"reflect"
	"testing"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/internal/expr"
	"github.com/runnel-go/runnel/engine/types"
)

// TestParseExprNames parses expressions and checks the Spark text (and so the derived
// column name) of the tree.
func TestParseExprNames(t *testing.T) {
	cases := []struct{ in, want string }{
		{"amount*price", "(amount * price)"},
		{"amount * price as volume", "volume"},
		{"volume/amount", "(volume / amount)"},
		{"a + b * c - d", "((a + (b * c)) - d)"},
		{"(a + b) * c", "((a + b) * c)"},
		{"a % 2 = 0", "((a % 2) = 0)"},
		{"a div 2", "(a div 2)"},
		{"age > 25", "(age > 25)"},
		{"a == 1", "(a = 1)"},
		{"a != 1", "(NOT (a = 1))"},
		{"a <> 1", "(NOT (a = 1))"},
		{"a <=> NULL", "(a <=> NULL)"},
		{"a >= 1 AND b < 2 OR c <= 3", "(((a >= 1) AND (b < 2)) OR (c <= 3))"},
		{"NOT a AND b", "((NOT a) AND b)"},
		{"not a = 1", "(NOT (a = 1))"},
		{"-a", "(- a)"},
		{"-1", "-1"},
		{"- 2.5", "-2.5"},
		{"1 - -1", "(1 - -1)"},
		{"count(*)", "count(1)"},
		{"COUNT(DISTINCT word)", "count(DISTINCT word)"},
		{"sum(amount)", "sum(amount)"},
		{"Upper(name)", "upper(name)"},
		{"window.start", "window.start"},
		{"a.b.c", "a.b.c"},
		{"`my col` + 1", "(my col + 1)"},
		{"`a``b`", "a`b"},
		{"arr[0]", "arr[0]"},
		{"m['k']", "m[k]"},
		{"f(x).y", "f(x).y"},
		{"a IS NULL", "(a IS NULL)"},
		{"a is not null", "(a IS NOT NULL)"},
		{"a IN (1, 2, 3)", "(a IN (1, 2, 3))"},
		{"a NOT IN ('x')", "(NOT (a IN (x)))"},
		{"a BETWEEN 1 AND 3", "((a >= 1) AND (a <= 3))"},
		{"a NOT BETWEEN 1 AND 3", "(NOT ((a >= 1) AND (a <= 3)))"},
		{"name LIKE 'A%'", "name LIKE A%"},
		{"name NOT LIKE 'A%'", "(NOT name LIKE A%)"},
		{"name RLIKE '^A'", "name RLIKE ^A"},
		{"CASE WHEN a > 1 THEN 'x' ELSE 'y' END", "CASE WHEN (a > 1) THEN x ELSE y END"},
		{"case a when 1 then 'one' when 2 then 'two' end", "CASE WHEN (a = 1) THEN one WHEN (a = 2) THEN two END"},
		{"if(rand()>0.5,'China','USA') as hometown", "hometown"},
		{"if(rand()>0.5,'China','USA')", "(IF((rand() > 0.5), China, USA))"},
		{"cast(dt as timestamp)", "CAST(dt AS TIMESTAMP)"},
		{"CAST(x AS int)", "CAST(x AS INT)"},
		{"cast(x as bigint)", "CAST(x AS BIGINT)"},
		{"cast(x as decimal(10, 2))", "CAST(x AS DOUBLE)"},
		{"cast(x as array<string>)", "CAST(x AS ARRAY<STRING>)"},
		{"cast(x as map<string,array<int>>)", "CAST(x AS MAP<STRING, ARRAY<INT>>)"},
		{"x::string", "CAST(x AS STRING)"},
		{"'it''s'", "its"},
		{`"double \"q\""`, `double "q"`},
		{`'a\tb'`, "a\tb"},
		{"true AND false", "(true AND false)"},
		{"null", "NULL"},
		{"1e3", "1000.0"},
		{"1.5", "1.5"},
		{"10L", "10"},
		{"2147483648", "2147483648"},
		{"upper(name) n", "n"},
		{"x AS `weird name`", "weird name"},
		{"concat(a, '!')", "concat(a, !)"},
		{"a || b", "concat(a, b)"},
		{"split(value, ' ')", "split(value,  , -1)"},
		{"round(x)", "round(x, 0)"},
		{"ceil(x)", "CEIL(x)"},
		{"t.*", "t.*"},
		{"current_timestamp()", "current_timestamp()"},
		{"a /* comment */ + 1 -- trailing", "(a + 1)"},
		{"a & b | c ^ d", "((a & b) | (c ^ d))"},
		{"(a, b)", "struct(a, b)"},
		{"a IS TRUE", "(a <=> true)"},
		{"timestamp '2021-01-01 00:00:00'", "TIMESTAMP '2021-01-01 00:00:00'"},
		{"date '2021-01-01'", "DATE '2021-01-01'"},
		{"count(1)", "count(1)"},
		{"window(dt, '10 minutes', '5 minutes')", "window(dt, 10 minutes, 5 minutes)"},
	}
	for _, c := range cases {
		n, err := ParseExpr(c.in)
		if err != nil {
			t.Errorf("ParseExpr(%q): %v", c.in, err)
			continue
		}
		if got := n.String(); got != c.want {
			t.Errorf("ParseExpr(%q).String() = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestParseLiteralTypes(t *testing.T) {
	cases := []struct {
		in  string
		val any
		typ types.DataType
	}{
		{"1", int32(1), types.IntegerType},
		{"-2147483648", int32(-2147483648), types.IntegerType},
		{"2147483648", int64(2147483648), types.LongType},
		{"10L", int64(10), types.LongType},
		{"1.5", 1.5, types.DoubleType},
		{"1e3", 1000.0, types.DoubleType},
		{".5", 0.5, types.DoubleType},
		{"2D", 2.0, types.DoubleType},
		{"2.5F", float32(2.5), types.FloatType},
		{"7S", int32(7), types.IntegerType},
		{"1.25BD", 1.25, types.DoubleType},
		{"99999999999999999999", 1e20, types.DoubleType},
		{"'x'", "x", types.StringType},
		{"'a' 'b'", "ab", types.StringType},
		{`'\u0041\n'`, "A\n", types.StringType},
		{"TRUE", true, types.BooleanType},
		{"interval 10 minutes", batch.Interval{Micros: 600000000}, types.IntervalType},
		{"INTERVAL '1' HOUR", batch.Interval{Micros: 3600000000}, types.IntervalType},
		{"interval '10 minutes'", batch.Interval{Micros: 600000000}, types.IntervalType},
		{"interval 1 day 2 hours", batch.Interval{Days: 1, Micros: 7200000000}, types.IntervalType},
		{"interval -5 seconds", batch.Interval{Micros: -5000000}, types.IntervalType},
	}
	for _, c := range cases {
		n, err := ParseExpr(c.in)
		if err != nil {
			t.Errorf("ParseExpr(%q): %v", c.in, err)
			continue
		}
		lit, ok := n.(*expr.Literal)
		if !ok {
			t.Errorf("ParseExpr(%q) = %T, want a literal", c.in, n)
			continue
		}
		if !reflect.DeepEqual(lit.Value, c.val) || lit.Type != c.typ {
			t.Errorf("ParseExpr(%q) = %#v (%v), want %#v (%v)", c.in, lit.Value, lit.Type, c.val, c.typ)
		}
	}
}

func TestParseTree(t *testing.T) {
	n, err := ParseExpr("window.start")
	if err != nil {
		t.Fatal(err)
	}
	if want := (&expr.ColumnRef{Parts: []string{"window", "start"}, Pos: 0}); !reflect.DeepEqual(n, want) {
		t.Errorf("got %#v", n)
	}
	n, err = ParseExpr("count(*)")
	if err != nil {
		t.Fatal(err)
	}
	if want := (&expr.Call{Name: "count", Args: []expr.Node{&expr.Star{}}}); !reflect.DeepEqual(n, want) {
		t.Errorf("got %#v", n)
	}
	n, err = ParseExpr("x + 1 total")
	if err != nil {
		t.Fatal(err)
	}
	want := &expr.Alias{Name: "total", X: &expr.Binary{Op: "+", L: &expr.ColumnRef{Parts: []string{"x"}}, R: &expr.Literal{Value: int32(1), Type: types.IntegerType}}}
	if !reflect.DeepEqual(n, want) {
		t.Errorf("got %#v", n)
	}
	list, err := ParseExprList("a, b as c, count(*)")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, n := range list {
		names = append(names, expr.OutputName(n))
	}
	if !reflect.DeepEqual(names, []string{"a", "c", "count(1)"}) {
		t.Errorf("names = %q", names)
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct{ in, want string }{
		{"a FROM", "[PARSE_SYNTAX_ERROR] Syntax error at or near 'FROM': extra input 'FROM'.(line 1, pos 2)"},
		{"a +", "[PARSE_SYNTAX_ERROR] Syntax error at or near end of input.(line 1, pos 3)"},
		{"(a + 1", "[PARSE_SYNTAX_ERROR] Syntax error at or near end of input: missing ')'.(line 1, pos 6)"},
		{"a b c", "[PARSE_SYNTAX_ERROR] Syntax error at or near 'c': extra input 'c'.(line 1, pos 4)"},
		{"a +\n  )", "[PARSE_SYNTAX_ERROR] Syntax error at or near ')'.(line 2, pos 2)"},
		{"cast(x as foo)", "[UNSUPPORTED_DATATYPE] Unsupported data type \"FOO\".(line 1, pos 10)"},
		{"'abc", "[PARSE_SYNTAX_ERROR] Syntax error at or near '''.(line 1, pos 0)"},
		{"a # b", "[PARSE_SYNTAX_ERROR] Syntax error at or near '#'.(line 1, pos 2)"},
		{"CASE END", "[PARSE_SYNTAX_ERROR] Syntax error at or near 'END'.(line 1, pos 5)"},
		{"", "[PARSE_SYNTAX_ERROR] Syntax error at or near end of input.(line 1, pos 0)"},
	}
	for _, c := range cases {
		_, err := ParseExpr(c.in)
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("ParseExpr(%q) error = %v, want a ParseError", c.in, err)
			continue
		}
		if got := pe.Short(); got != c.want {
			t.Errorf("ParseExpr(%q) error = %q, want %q", c.in, got, c.want)
		}
	}
	_, err := ParseQuery("select FROM")
	want := "[PARSE_SYNTAX_ERROR] Syntax error at or near 'FROM'.(line 1, pos 7)\n\n== SQL ==\nselect FROM\n-------^^^"
	if err == nil || err.Error() != want {
		t.Errorf("ParseQuery error = %q, want %q", err, want)
	}
}

func TestParseQuery(t *testing.T) {
	q, err := ParseQuery("select * from students where age > 25")
	if err != nil {
		t.Fatal(err)
	}
	if len(q.Items) != 1 || q.Items[0].String() != "*" || q.From.Name != "students" || q.Where.String() != "(age > 25)" || q.Limit != -1 {
		t.Errorf("got %+v", q)
	}
	q, err = ParseQuery(`SELECT DISTINCT s.name, count(*) AS n, avg(score) avg_score
		FROM students AS s LEFT JOIN classes c ON s.name = c.name
		WHERE s.age >= 12 GROUP BY s.name HAVING count(*) > 1
		ORDER BY n DESC, s.name LIMIT 10;`)
	if err != nil {
		t.Fatal(err)
	}
	var items []string
	for _, it := range q.Items {
		items = append(items, expr.OutputName(it))
	}
	if !q.Distinct || !reflect.DeepEqual(items, []string{"name", "n", "avg_score"}) {
		t.Errorf("items %q distinct %v", items, q.Distinct)
	}
	if q.From.Name != "students" || q.From.Alias != "s" || len(q.Joins) != 1 {
		t.Fatalf("from %+v joins %+v", q.From, q.Joins)
	}
	j := q.Joins[0]
	if j.Type != "left" || j.Right.Name != "classes" || j.Right.Alias != "c" || j.On.String() != "(s.name = c.name)" {
		t.Errorf("join %+v", j)
	}
	if q.Where.String() != "(s.age >= 12)" || len(q.GroupBy) != 1 || q.GroupBy[0].String() != "s.name" ||
		q.Having.String() != "(count(1) > 1)" || q.Limit != 10 {
		t.Errorf("query %+v", q)
	}
	if len(q.OrderBy) != 2 || q.OrderBy[0].String() != "n DESC NULLS LAST" || q.OrderBy[1].String() != "s.name ASC NULLS FIRST" {
		t.Errorf("order by %v", q.OrderBy)
	}
	q, err = ParseQuery("select a from (select a from t) x join u using (a, b) cross join v")
	if err != nil {
		t.Fatal(err)
	}
	if q.From.Subquery == nil || q.From.Alias != "x" || len(q.Joins) != 2 || !reflect.DeepEqual(q.Joins[0].Using, []string{"a", "b"}) || q.Joins[1].Type != "cross" {
		t.Errorf("query %+v joins %+v", q, q.Joins)
	}
	q, err = ParseQuery("select 1")
	if err != nil || q.From != nil || q.Items[0].String() != "1" {
		t.Errorf("select 1: %+v %v", q, err)
	}
}

func FuzzParseExpr(f *testing.F) {
	for _, s := range []string{"a + b", "count(DISTINCT x)", "CASE WHEN a THEN 1 END", "cast(x as array<int>)",
		"interval 10 minutes", "'it''s'", "a.b[0].c", "x NOT BETWEEN 1 AND 2", "`q`.*"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseExpr(s)
		if err == nil {
			_ = n.String()
			_ = expr.OutputName(n)
		}
		_, _ = ParseQuery("select " + s + " from t")
	})
}
