package expr_test

import (
	"errors"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/internal/expr"
	"github.com/runnel-go/runnel/engine/internal/sqlparse"
	"github.com/runnel-go/runnel/engine/types"
)

// people is the test batch: name string, age int, score double, dt string, ts timestamp,
// tags array<string>, w struct<start,end>.
func people(t *testing.T) *batch.Batch {
	t.Helper()
	w := types.NewStructType().Add("start", "timestamp").Add("end", "timestamp")
	schema := types.NewStructType().Add("name", "string").Add("age", "integer").Add("score", "double").
		Add("dt", "string").Add("ts", "timestamp").Add("tags", "array<string>").Add("window", w).Add("amount", "long")
	b := batch.New(schema, 4)
	ts := func(s string) int64 {
		v, err := time.Parse("2006-01-02 15:04:05", s)
		if err != nil {
			t.Fatal(err)
		}
		return v.UnixMicro()
	}
	b.AppendRow([]any{"LiLei", int32(12), 75.5, "2020-12-21 08:11:25", ts("2020-12-21 08:11:25"), []any{"a", "b"},
		[]any{ts("2020-12-21 08:10:00"), ts("2020-12-21 08:20:00")}, int64(100)})
	b.AppendRow([]any{"Hanmeimei", int32(16), 90.0, "2021-01-01T00:00:00Z", ts("2021-01-01 00:00:00"), []any{}, nil, int64(7)})
	b.AppendRow([]any{nil, nil, nil, "bad", nil, nil, nil, nil})
	b.AppendRow([]any{"Lily", int32(15), 68.0, "2021-02-03", ts("2021-02-03 04:05:06"), []any{"c", nil}, nil, int64(-3)})
	return b
}

var utcOpts = expr.Options{Location: time.UTC, Seed: 1, Now: func() time.Time { return time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC) }}

func evalSQL(t *testing.T, b *batch.Batch, sql string) ([]any, types.DataType, error) {
	t.Helper()
	n, err := sqlparse.ParseExpr(sql)
	if err != nil {
		t.Fatalf("parse %q: %v", sql, err)
	}
	ev, err := expr.Compile(n, b.Schema, utcOpts)
	if err != nil {
		return nil, nil, err
	}
	v, err := ev.Eval(b)
	if err != nil {
		return nil, nil, err
	}
	if v.Len() != b.N {
		t.Fatalf("%q: %d rows, want %d", sql, v.Len(), b.N)
	}
	out := make([]any, b.N)
	for i := range out {
		out[i] = v.Get(i)
	}
	return out, ev.Type(), nil
}

type exprCase struct {
	sql  string
	typ  string // SimpleString of the result type
	want []any  // one value per row of people
}

func runCases(t *testing.T, cases []exprCase) {
	t.Helper()
	b := people(t)
	for _, c := range cases {
		got, typ, err := evalSQL(t, b, c.sql)
		if err != nil {
			t.Errorf("%s: %v", c.sql, err)
			continue
		}
		if typ.SimpleString() != c.typ {
			t.Errorf("%s: type %s, want %s", c.sql, typ.SimpleString(), c.typ)
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.sql, got, c.want)
		}
	}
}

func TestArithmeticAndCoercion(t *testing.T) {
	runCases(t, []exprCase{
		{"age + 1", "int", []any{int32(13), int32(17), nil, int32(16)}},
		{"age + amount", "bigint", []any{int64(112), int64(23), nil, int64(12)}},
		{"age * score", "double", []any{906.0, 1440.0, nil, 1020.0}},
		{"age / 4", "double", []any{3.0, 4.0, nil, 3.75}},
		{"amount / 0", "double", []any{nil, nil, nil, nil}},
		{"age % 5", "int", []any{int32(2), int32(1), nil, int32(0)}},
		{"amount % 0", "bigint", []any{nil, nil, nil, nil}},
		{"amount div 3", "bigint", []any{int64(33), int64(2), nil, int64(-1)}},
		{"-amount % 3", "bigint", []any{int64(-1), int64(-1), nil, int64(0)}},
		{"-age", "int", []any{int32(-12), int32(-16), nil, int32(-15)}},
		{"'10' + age", "double", []any{22.0, 26.0, nil, 25.0}},
		{"age + null", "int", []any{nil, nil, nil, nil}},
		{"1 + 2 * 3", "int", []any{int32(7), int32(7), int32(7), int32(7)}},
		{"2147483647 + 1", "int", []any{int32(math.MinInt32), int32(math.MinInt32), int32(math.MinInt32), int32(math.MinInt32)}},
		{"1.5 * 2", "double", []any{3.0, 3.0, 3.0, 3.0}},
		{"ts + interval 10 minutes", "timestamp", []any{int64(1608538885000000), int64(1609459800000000), nil, int64(1612325706000000)}},
	})
}

func TestComparisonAndLogic(t *testing.T) {
	runCases(t, []exprCase{
		{"age > 12", "boolean", []any{false, true, nil, true}},
		{"age >= '15.9'", "boolean", []any{false, true, nil, true}},
		{"score = 90", "boolean", []any{false, true, nil, false}},
		{"name = 'Lily'", "boolean", []any{false, false, nil, true}},
		{"name <> 'Lily'", "boolean", []any{true, true, nil, false}},
		{"name <=> null", "boolean", []any{false, false, true, false}},
		{"age > 12 AND score > 80", "boolean", []any{false, true, nil, false}},
		{"age > 12 OR null", "boolean", []any{nil, true, nil, true}},
		{"age > 100 AND null", "boolean", []any{false, false, nil, false}},
		{"NOT (age > 12)", "boolean", []any{true, false, nil, false}},
		{"ts > '2021-01-01'", "boolean", []any{false, false, nil, true}},
		{"ts >= '2021-01-01'", "boolean", []any{false, true, nil, true}},
		{"age IN (12, 15)", "boolean", []any{true, false, nil, true}},
		{"age NOT IN (12, null)", "boolean", []any{false, nil, nil, nil}},
		{"age BETWEEN 13 AND 16", "boolean", []any{false, true, nil, true}},
		{"name LIKE 'L%'", "boolean", []any{true, false, nil, true}},
		{"name LIKE '_i%'", "boolean", []any{true, false, nil, true}},
		{"name NOT LIKE 'L%'", "boolean", []any{false, true, nil, false}},
		{"name RLIKE 'm+e'", "boolean", []any{false, true, nil, false}},
		{"name IS NULL", "boolean", []any{false, false, true, false}},
		{"age IS NOT NULL", "boolean", []any{true, true, false, true}},
		{"double('NaN') = double('NaN')", "boolean", []any{true, true, true, true}},
	})
}

func TestConditional(t *testing.T) {
	runCases(t, []exprCase{
		{"CASE WHEN age > 14 THEN 'old' WHEN age > 10 THEN 'mid' ELSE 'none' END", "string", []any{"mid", "old", "none", "old"}},
		{"CASE age WHEN 12 THEN 1 WHEN 16 THEN 2.5 END", "double", []any{1.0, 2.5, nil, nil}},
		{"if(age > 12, name, 'young')", "string", []any{"young", "Hanmeimei", "young", "Lily"}},
		{"if(age > 12, 1, 'x')", "string", []any{"x", "1", "x", "1"}},
		{"coalesce(name, dt)", "string", []any{"LiLei", "Hanmeimei", "bad", "Lily"}},
		{"nvl(age, -1)", "int", []any{int32(12), int32(16), int32(-1), int32(15)}},
		{"ifnull(score, 0)", "double", []any{75.5, 90.0, 0.0, 68.0}},
		{"nullif(age, 16)", "int", []any{int32(12), nil, nil, int32(15)}},
		{"isnull(name)", "boolean", []any{false, false, true, false}},
		{"nvl2(name, 1, 2)", "int", []any{int32(1), int32(1), int32(2), int32(1)}},
		{"greatest(age, 14, null)", "int", []any{int32(14), int32(16), int32(14), int32(15)}},
		{"least(score, 80)", "double", []any{75.5, 80.0, 80.0, 68.0}},
	})
}

func TestCasts(t *testing.T) {
	runCases(t, []exprCase{
		{"cast(dt as timestamp)", "timestamp", []any{int64(1608538285000000), int64(1609459200000000), nil, int64(1612310400000000)}},
		{"cast(dt as date)", "date", []any{int32(18617), int32(18628), nil, int32(18661)}},
		{"cast(age as string)", "string", []any{"12", "16", nil, "15"}},
		{"cast(score as string)", "string", []any{"75.5", "90.0", nil, "68.0"}},
		{"cast(ts as string)", "string", []any{"2020-12-21 08:11:25", "2021-01-01 00:00:00", nil, "2021-02-03 04:05:06"}},
		{"cast(name as int)", "int", []any{nil, nil, nil, nil}},
		{"cast(' 42 ' as int)", "int", []any{int32(42), int32(42), int32(42), int32(42)}},
		{"cast('25.9' as int)", "int", []any{int32(25), int32(25), int32(25), int32(25)}},
		{"cast('1e3' as double)", "double", []any{1000.0, 1000.0, 1000.0, 1000.0}},
		{"cast('yes' as boolean)", "boolean", []any{true, true, true, true}},
		{"cast(score as int)", "int", []any{int32(75), int32(90), nil, int32(68)}},
		{"cast(ts as long)", "bigint", []any{int64(1608538285), int64(1609459200), nil, int64(1612325106)}},
		{"cast(amount as timestamp)", "timestamp", []any{int64(100000000), int64(7000000), nil, int64(-3000000)}},
		{"cast(tags as string)", "string", []any{"[a, b]", "[]", nil, "[c, null]"}},
		{"cast(window as string)", "string", []any{"{2020-12-21 08:10:00, 2020-12-21 08:20:00}", nil, nil, nil}},
		{"cast(3000000000 as int)", "int", []any{int32(-1294967296), int32(-1294967296), int32(-1294967296), int32(-1294967296)}},
		{"cast(1e20 as bigint)", "bigint", []any{int64(math.MaxInt64), int64(math.MaxInt64), int64(math.MaxInt64), int64(math.MaxInt64)}},
		{"timestamp '2021-01-01 10:00:00'", "timestamp", []any{int64(1609495200000000), int64(1609495200000000), int64(1609495200000000), int64(1609495200000000)}},
	})
}

func TestStructAndArrayAccess(t *testing.T) {
	runCases(t, []exprCase{
		{"window.start", "timestamp", []any{int64(1608538200000000), nil, nil, nil}},
		{"WINDOW.END", "timestamp", []any{int64(1608538800000000), nil, nil, nil}},
		{"tags[0]", "string", []any{"a", nil, nil, "c"}},
		{"tags[5]", "string", []any{nil, nil, nil, nil}},
		{"size(tags)", "int", []any{int32(2), int32(0), int32(-1), int32(2)}},
		{"element_at(tags, -1)", "string", []any{"b", nil, nil, nil}},
		{"array_contains(tags, 'b')", "boolean", []any{true, false, nil, nil}},
		{"struct(name, age).age", "int", []any{int32(12), int32(16), nil, int32(15)}},
		{"named_struct('x', age, 'y', 2).y", "int", []any{int32(2), int32(2), int32(2), int32(2)}},
		{"map('k', age)['k']", "int", []any{int32(12), int32(16), nil, int32(15)}},
		{"array(age, 1)", "array<int>", []any{[]any{int32(12), int32(1)}, []any{int32(16), int32(1)}, []any{nil, int32(1)}, []any{int32(15), int32(1)}}},
	})
}

func TestStringFunctions(t *testing.T) {
	runCases(t, []exprCase{
		{"upper(name)", "string", []any{"LILEI", "HANMEIMEI", nil, "LILY"}},
		{"lower(name)", "string", []any{"lilei", "hanmeimei", nil, "lily"}},
		{"length(name)", "int", []any{int32(5), int32(9), nil, int32(4)}},
		{"concat(name, '-', age)", "string", []any{"LiLei-12", "Hanmeimei-16", nil, "Lily-15"}},
		{"name || '!'", "string", []any{"LiLei!", "Hanmeimei!", nil, "Lily!"}},
		{"concat_ws(',', name, dt, tags)", "string", []any{"LiLei,2020-12-21 08:11:25,a,b", "Hanmeimei,2021-01-01T00:00:00Z", "bad", "Lily,2021-02-03,c"}},
		{"substring(name, 2, 3)", "string", []any{"iLe", "anm", nil, "ily"}},
		{"substr(name, -3)", "string", []any{"Lei", "mei", nil, "ily"}},
		{"substring(name, 0, 2)", "string", []any{"Li", "Ha", nil, "Li"}},
		{"trim('  a b  ')", "string", []any{"a b", "a b", "a b", "a b"}},
		{"ltrim('  a ')", "string", []any{"a ", "a ", "a ", "a "}},
		{"lpad(name, 7, '*')", "string", []any{"**LiLei", "Hanmeim", nil, "***Lily"}},
		{"rpad(name, 6, 'xy')", "string", []any{"LiLeix", "Hanmei", nil, "Lilyxy"}},
		{"regexp_replace(name, '([aeiou])', '<$1>')", "string", []any{"L<i>L<e><i>", "H<a>nm<e><i>m<e><i>", nil, "L<i>ly"}},
		{"regexp_extract(dt, '(\\\\d+)-(\\\\d+)', 2)", "string", []any{"12", "01", "", "02"}},
		{"instr(name, 'e')", "int", []any{int32(4), int32(5), nil, int32(0)}},
		{"split(dt, '-')", "array<string>", []any{[]any{"2020", "12", "21 08:11:25"}, []any{"2021", "01", "01T00:00:00Z"}, []any{"bad"}, []any{"2021", "02", "03"}}},
		{"split('a,b,,', ',')", "array<string>", []any{[]any{"a", "b", "", ""}, []any{"a", "b", "", ""}, []any{"a", "b", "", ""}, []any{"a", "b", "", ""}}},
		{"replace(name, 'i', 'I')", "string", []any{"LILeI", "HanmeImeI", nil, "LIly"}},
		{"initcap('hello wORLD')", "string", []any{"Hello World", "Hello World", "Hello World", "Hello World"}},
		{"reverse(name)", "string", []any{"ieLiL", "iemiemnaH", nil, "yliL"}},
		{"format_string('%.2f|%5.1f|%-3s|%03d', 0.125, 2.675, 'a', 7)", "string", []any{"0.13|  2.7|a  |007", "0.13|  2.7|a  |007", "0.13|  2.7|a  |007", "0.13|  2.7|a  |007"}},
		{"format_string('%s is %d (%.2f)', name, age, score)", "string", []any{"LiLei is 12 (75.50)", "Hanmeimei is 16 (90.00)", "null is null (null)", "Lily is 15 (68.00)"}},
	})
}

func TestMathFunctions(t *testing.T) {
	runCases(t, []exprCase{
		{"abs(-amount)", "bigint", []any{int64(100), int64(7), nil, int64(3)}},
		{"round(2.5)", "double", []any{3.0, 3.0, 3.0, 3.0}},
		{"round(-2.5)", "double", []any{-3.0, -3.0, -3.0, -3.0}},
		{"round(1.005, 2)", "double", []any{1.01, 1.01, 1.01, 1.01}},
		{"round(2.675, 2)", "double", []any{2.68, 2.68, 2.68, 2.68}},
		{"round(cast(0.125 as float), 2)", "float", []any{float32(0.13), float32(0.13), float32(0.13), float32(0.13)}},
		{"bround(2.5)", "double", []any{2.0, 2.0, 2.0, 2.0}},
		{"round(score / 7, 3)", "double", []any{10.786, 12.857, nil, 9.714}},
		{"round(amount, -1)", "bigint", []any{int64(100), int64(10), nil, int64(0)}},
		{"floor(score / 7)", "bigint", []any{int64(10), int64(12), nil, int64(9)}},
		{"ceil(score / 7)", "bigint", []any{int64(11), int64(13), nil, int64(10)}},
		{"sqrt(16)", "double", []any{4.0, 4.0, 4.0, 4.0}},
		{"pow(2, 10)", "double", []any{1024.0, 1024.0, 1024.0, 1024.0}},
		{"log10(1000)", "double", []any{3.0, 3.0, 3.0, 3.0}},
		{"log(2, 8)", "double", []any{3.0, 3.0, 3.0, 3.0}},
		{"ln(0)", "double", []any{nil, nil, nil, nil}},
		{"exp(0)", "double", []any{1.0, 1.0, 1.0, 1.0}},
		{"pmod(amount, 7)", "bigint", []any{int64(2), int64(0), nil, int64(4)}},
		{"hash('Spark', array(123), 2)", "int", []any{int32(-1321691492), int32(-1321691492), int32(-1321691492), int32(-1321691492)}},
		{"hash(1)", "int", []any{int32(-559580957), int32(-559580957), int32(-559580957), int32(-559580957)}},
	})
}

func TestDateTimeFunctions(t *testing.T) {
	runCases(t, []exprCase{
		{"year(ts)", "int", []any{int32(2020), int32(2021), nil, int32(2021)}},
		{"month(dt)", "int", []any{int32(12), int32(1), nil, int32(2)}},
		{"dayofmonth(ts)", "int", []any{int32(21), int32(1), nil, int32(3)}},
		{"hour(ts)", "int", []any{int32(8), int32(0), nil, int32(4)}},
		{"minute(ts)", "int", []any{int32(11), int32(0), nil, int32(5)}},
		{"second(dt)", "int", []any{int32(25), int32(0), nil, int32(0)}},
		{"dayofweek(ts)", "int", []any{int32(2), int32(6), nil, int32(4)}},
		{"date_format(ts, 'yyyy/MM/dd HH:mm:ss.SSS EEE MMM')", "string", []any{"2020/12/21 08:11:25.000 Mon Dec", "2021/01/01 00:00:00.000 Fri Jan", nil, "2021/02/03 04:05:06.000 Wed Feb"}},
		{"to_timestamp(dt)", "timestamp", []any{int64(1608538285000000), int64(1609459200000000), nil, int64(1612310400000000)}},
		{"to_timestamp('21/12/2020 08:11', 'dd/MM/yyyy HH:mm')", "timestamp", []any{int64(1608538260000000), int64(1608538260000000), int64(1608538260000000), int64(1608538260000000)}},
		{"to_timestamp('20201221', 'yyyyMMdd')", "timestamp", []any{int64(1608508800000000), int64(1608508800000000), int64(1608508800000000), int64(1608508800000000)}},
		{"to_timestamp(dt, 'yyyy-MM-dd')", "timestamp", []any{nil, nil, nil, int64(1612310400000000)}},
		{"to_date(dt)", "date", []any{int32(18617), int32(18628), nil, int32(18661)}},
		{"unix_timestamp(dt)", "bigint", []any{int64(1608538285), nil, nil, nil}},
		{"unix_timestamp(ts)", "bigint", []any{int64(1608538285), int64(1609459200), nil, int64(1612325106)}},
		{"from_unixtime(amount)", "string", []any{"1970-01-01 00:01:40", "1970-01-01 00:00:07", nil, "1969-12-31 23:59:57"}},
		{"date_add(dt, 10)", "date", []any{int32(18627), int32(18638), nil, int32(18671)}},
		{"date_sub(ts, 1)", "date", []any{int32(18616), int32(18627), nil, int32(18660)}},
		{"datediff(ts, '2020-12-01')", "int", []any{int32(20), int32(31), nil, int32(64)}},
		{"timestamp_seconds(amount)", "timestamp", []any{int64(100000000), int64(7000000), nil, int64(-3000000)}},
		{"current_timestamp()", "timestamp", []any{int64(1714979289000000), int64(1714979289000000), int64(1714979289000000), int64(1714979289000000)}},
		{"current_date()", "date", []any{int32(19849), int32(19849), int32(19849), int32(19849)}},
		{"date_trunc('hour', ts)", "timestamp", []any{int64(1608537600000000), int64(1609459200000000), nil, int64(1612324800000000)}},
		{"add_months('2021-01-31', 1)", "date", []any{int32(18686), int32(18686), int32(18686), int32(18686)}},
	})
}

func TestRandIsSeeded(t *testing.T) {
	b := people(t)
	a, typ, err := evalSQL(t, b, "rand(42)")
	if err != nil {
		t.Fatal(err)
	}
	again, _, _ := evalSQL(t, b, "rand(42)")
	if typ != types.DoubleType || !reflect.DeepEqual(a, again) {
		t.Errorf("rand(42) not reproducible: %v vs %v", a, again)
	}
	for _, v := range a {
		if d := v.(float64); d < 0 || d >= 1 {
			t.Errorf("rand() = %v", d)
		}
	}
	h, _, err := evalSQL(t, b, "if(rand()>0.5,'China','USA')")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range h {
		if v != "China" && v != "USA" {
			t.Errorf("hometown = %v", v)
		}
	}
}

func TestAnalysisErrors(t *testing.T) {
	b := people(t)
	cases := []struct{ sql, want string }{
		{"nmae", "[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column or function parameter with name `nmae` cannot be resolved. Did you mean one of the following? [`name`, `age`, `score`, `dt`, `ts`, `tags`, `window`, `amount`]."},
		{"window.foo", "[FIELD_NOT_FOUND] No such struct field `foo` in `start`, `end`."},
		{"age.x", "[INVALID_EXTRACT_BASE_FIELD_TYPE] Can't extract a value from \"age\". Need a complex type [STRUCT, ARRAY, MAP] but got \"INT\"."},
		{"nosuchfn(age)", "[UNRESOLVED_ROUTINE] Cannot resolve function `nosuchfn` on search path [`system`.`builtin`, `system`.`session`, `spark_catalog`.`default`]."},
		{"age + true", "[DATATYPE_MISMATCH.BINARY_OP_DIFF_TYPES] Cannot resolve \"(age + true)\" due to data type mismatch: the left and right operands of the binary operator have incompatible types (\"INT\" and \"BOOLEAN\")."},
		{"cast(age as date)", "[DATATYPE_MISMATCH.CAST_WITHOUT_SUGGESTION] Cannot resolve \"CAST(age AS DATE)\" due to data type mismatch: cannot cast \"INT\" to \"DATE\"."},
		{"upper(name, age)", "[WRONG_NUM_ARGS.WITHOUT_SUGGESTION] The `upper` requires 1 parameters but the actual number is 2. Please, refer to 'https://spark.apache.org/docs/latest/sql-ref-functions.html' for a fix."},
	}
	for _, c := range cases {
		_, _, err := evalSQL(t, b, c.sql)
		var ae *expr.AnalysisError
		if !errors.As(err, &ae) || err.Error() != c.want {
			t.Errorf("%s: error\n%v\nwant\n%s", c.sql, err, c.want)
		}
	}
	if _, _, err := evalSQL(t, b, "sum(age)"); err == nil {
		t.Error("sum(age) compiled outside an aggregation")
	}
	if _, _, err := evalSQL(t, b, "explode(tags)"); err == nil {
		t.Error("explode compiled as a plain expression")
	}
}

func TestQualifiersAndAmbiguity(t *testing.T) {
	schema := types.NewStructType().Add("name", "string").Add("class", "string").Add("name", "string")
	b := batch.New(schema, 1)
	b.AppendRow([]any{"a", "c1", "b"})
	opts := utcOpts
	opts.Qualifiers = [][]string{{"s"}, {"c"}, {"c"}}
	compile := func(sql string) (any, error) {
		n, err := sqlparse.ParseExpr(sql)
		if err != nil {
			t.Fatal(err)
		}
		ev, err := expr.Compile(n, schema, opts)
		if err != nil {
			return nil, err
		}
		v, err := ev.Eval(b)
		if err != nil {
			return nil, err
		}
		return v.Get(0), nil
	}
	if v, err := compile("c.name"); err != nil || v != "b" {
		t.Errorf("c.name = %v, %v", v, err)
	}
	if v, err := compile("S.name"); err != nil || v != "a" {
		t.Errorf("S.name = %v, %v", v, err)
	}
	_, err := compile("name")
	if err == nil || err.Error() != "[AMBIGUOUS_REFERENCE] Reference `name` is ambiguous, could be: [`s`.`name`, `c`.`name`]." {
		t.Errorf("ambiguous error = %v", err)
	}
	// Without qualifier information a leading unknown qualifier is ignored.
	plain := types.NewStructType().Add("age", "integer")
	n, _ := sqlparse.ParseExpr("students.age")
	if _, err := expr.Compile(n, plain, utcOpts); err != nil {
		t.Errorf("students.age: %v", err)
	}
}

func TestOutputNames(t *testing.T) {
	cases := []struct{ sql, want string }{
		{"sum(amount)", "sum(amount)"},
		{"avg(price)", "avg(price)"},
		{"count(*)", "count(1)"},
		{"amount*price", "(amount * price)"},
		{"cast(dt as timestamp)", "dt"},
		{"cast(s.dt as timestamp)", "CAST(s.dt AS TIMESTAMP)"},
		{"cast(amount*price as int)", "CAST((amount * price) AS INT)"},
		{"window", "window"},
		{"window.start", "start"},
		{"upper(name)", "upper(name)"},
		{"age > 25", "(age > 25)"},
		{"1", "1"},
		{"'a'", "a"},
		{"1.0E7", "1.0E7"},
		{"volume/amount as avg_price", "avg_price"},
		{"count(DISTINCT word)", "count(DISTINCT word)"},
		{"explode(split(value, ' '))", "col"},
		{"CASE WHEN age > 1 THEN 'a' END", "CASE WHEN (age > 1) THEN a END"},
		{"null", "NULL"},
		{"true", "true"},
	}
	for _, c := range cases {
		n, err := sqlparse.ParseExpr(c.sql)
		if err != nil {
			t.Fatal(err)
		}
		if got := expr.OutputName(n); got != c.want {
			t.Errorf("OutputName(%q) = %q, want %q", c.sql, got, c.want)
		}
	}
	if got := expr.OutputName(&expr.Literal{Value: 90.0, Type: types.DoubleType}); got != "90.0" {
		t.Errorf("double literal name = %q", got)
	}
}

func TestAggregateHelpers(t *testing.T) {
	if !expr.IsAggregate("count") || !expr.IsAggregate("approx_count_distinct") || expr.IsAggregate("upper") {
		t.Error("IsAggregate")
	}
	if !expr.IsGenerator("explode") || expr.IsGenerator("split") || !expr.IsTimeWindow("window") {
		t.Error("IsGenerator/IsTimeWindow")
	}
	cases := []struct {
		name string
		arg  types.DataType
		want string
	}{
		{"sum", types.IntegerType, "bigint"}, {"sum", types.DoubleType, "double"}, {"avg", types.IntegerType, "double"},
		{"count", types.StringType, "bigint"}, {"max", types.TimestampType, "timestamp"},
		{"collect_list", types.StringType, "array<string>"}, {"approx_count_distinct", types.StringType, "bigint"},
		{"first", types.StringType, "string"}, {"stddev", types.LongType, "double"},
	}
	for _, c := range cases {
		if got := expr.ResultType(c.name, []types.DataType{c.arg}).SimpleString(); got != c.want {
			t.Errorf("ResultType(%s, %s) = %s, want %s", c.name, c.arg.SimpleString(), got, c.want)
		}
	}
	n, _ := sqlparse.ParseExpr("sum(a) / count(*) + 1")
	if !expr.ContainsAggregate(n) {
		t.Error("ContainsAggregate")
	}
}

func TestNullSemantics(t *testing.T) {
	null4 := []any{nil, nil, nil, nil}
	runCases(t, []exprCase{
		{"null + null", "double", null4},
		{"-null", "double", null4},
		{"null AND true", "boolean", null4},
		{"null AND false", "boolean", []any{false, false, false, false}},
		{"null OR true", "boolean", []any{true, true, true, true}},
		{"NOT null", "boolean", null4},
		{"null = null", "boolean", null4},
		{"null <=> null", "boolean", []any{true, true, true, true}},
		{"null IN (1)", "boolean", null4},
		{"CASE WHEN null THEN 1 END", "int", null4},
		{"if(null, 1, 2)", "int", []any{int32(2), int32(2), int32(2), int32(2)}},
		{"upper(null)", "string", null4},
		{"concat('a', null)", "string", null4},
		{"concat_ws('-', 'a', null, 'b')", "string", []any{"a-b", "a-b", "a-b", "a-b"}},
		{"size(null)", "int", []any{int32(-1), int32(-1), int32(-1), int32(-1)}},
		{"hash(null)", "int", []any{int32(42), int32(42), int32(42), int32(42)}},
		{"coalesce(null, null, 3)", "int", []any{int32(3), int32(3), int32(3), int32(3)}},
		{"array()", "array<void>", []any{[]any{}, []any{}, []any{}, []any{}}},
		{"array_contains(tags, 'x')", "boolean", []any{false, false, nil, nil}},
		{"window.start IS NULL", "boolean", []any{false, true, true, true}},
		{"sort_array(tags)", "array<string>", []any{[]any{"a", "b"}, []any{}, nil, []any{nil, "c"}}},
		{"array_join(tags, '-', '?')", "string", []any{"a-b", "", nil, "c-?"}},
		{"tags = array('a', 'b')", "boolean", []any{true, false, nil, false}},
	})
}
