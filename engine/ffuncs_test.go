package engine_test

import (
	"testing"

	F "github.com/runnel-go/runnel/engine/functions"
)

// TestFunctions runs every F function and checks a few values.
func TestFunctions(t *testing.T) {
	s, _ := newSession(t)
	df := s.CreateDataFrame([][]any{{"a b", 1.5, ts("2024-01-01 10:00:00"), []any{"x"}}}, "s", "d", "t", "arr")
	cols := map[string]F.Column{
		"split": F.Split("s", " "), "concat": F.Concat("s", "s"), "concat_ws": F.ConcatWs("-", "s", "s"), "upper": F.Upper("s"), "lower": F.Lower("s"),
		"length": F.Length("s"), "trim": F.Trim("s"), "ltrim": F.LTrim("s"), "rtrim": F.RTrim("s"), "reverse": F.Reverse("s"), "initcap": F.InitCap("s"),
		"substring": F.Substring("s", 1, 2), "regexp_replace": F.RegexpReplace("s", "a", "b"), "regexp_extract": F.RegexpExtract("s", "(a)", 1),
		"lpad": F.Lpad("s", 5, "x"), "rpad": F.Rpad("s", 5, "x"), "coalesce": F.Coalesce("s", F.Lit("z")), "greatest": F.Greatest("d", F.Lit(2.0)),
		"least": F.Least("d", F.Lit(2.0)), "abs": F.Abs("d"), "sqrt": F.Sqrt("d"), "exp": F.Exp("d"), "log": F.Log("d"), "log10": F.Log10("d"),
		"floor": F.Floor("d"), "ceil": F.Ceil("d"), "pow": F.Pow("d", 2), "round": F.Round("d", 1), "round0": F.Round("d"),
		"current_timestamp": F.CurrentTimestamp(), "current_date": F.CurrentDate(), "to_timestamp": F.ToTimestamp(F.Lit("2024-01-01 10:00:00")),
		"to_timestamp_fmt": F.ToTimestamp(F.Lit("2024/01/01"), "yyyy/MM/dd"), "to_date": F.ToDate("t"), "date_format": F.DateFormat("t", "yyyy-MM-dd"),
		"unix_timestamp": F.UnixTimestamp("t"), "from_unixtime": F.FromUnixtime(F.Lit(0)), "year": F.Year("t"), "month": F.Month("t"),
		"dayofmonth": F.DayOfMonth("t"), "hour": F.Hour("t"), "minute": F.Minute("t"), "second": F.Second("t"), "date_add": F.DateAdd("t", 1),
		"struct": F.Struct("s", "d"), "array": F.Array("s", "s"), "size": F.Size("arr"), "array_contains": F.ArrayContains("arr", "x"),
		"rand": F.Rand(), "rand_seed": F.Rand(1), "randn": F.Randn(), "isnull": F.IsNull("s"), "not": F.Not(F.Lit(true)),
		"contains": F.Col("s").Contains("a"), "startswith": F.Col("s").StartsWith("a"), "endswith": F.Col("s").EndsWith("b"),
		"rlike": F.Col("s").RLike("a.*"), "eqns": F.Col("s").EqNullSafe("a"), "mod": F.Col("d").Mod(1), "neg": F.Col("d").Negate(),
	}
	expected := map[string]any{
		"concat": "a ba b", "concat_ws": "a b-a b", "upper": "A B", "length": int32(3), "substring": "a ",
		"contains": true, "startswith": true, "endswith": true, "round": 1.5, "pow": 2.25, "year": int32(2024),
		"hour": int32(10), "size": int32(1), "array_contains": true, "eqns": false, "coalesce": "a b",
	}
	for name, c := range cols {
		if err := df.Select(c.Alias("x")).Err(); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		rows, err := df.Select(c.Alias("x")).Collect()
		if err != nil {
			t.Errorf("%s: collect: %v", name, err)
			continue
		}
		if want, ok := expected[name]; ok && rows[0].Get("x") != want {
			t.Errorf("%s = %#v, want %#v", name, rows[0].Get("x"), want)
		}
	}
}
