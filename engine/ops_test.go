package engine_test

import (
	"testing"

	"github.com/runnel-go/runnel/engine"
	F "github.com/runnel-go/runnel/engine/functions"
)

func TestSelectWhereWithColumn(t *testing.T) {
	s, _ := newSession(t)
	df := students(s)
	expectTable(t, df.Where("age > 16").Select("name", df.Col("score").Plus(1).Alias("s1")), `
+-------+----+
|   name|  s1|
+-------+----+
|Michael|71.5|
|   Andy|81.0|
| Justin|88.0|
+-------+----+
`)
	expectTable(t, df.Filter(F.Col("score").Ge(80).And(F.Col("age").Lt(18))).SelectExpr("upper(name) as n", "age * 2", "score >= 85 AS good"), `
+---------+---------+-----+
|        n|(age * 2)| good|
+---------+---------+-----+
|HANMEIMEI|       32| true|
|     ANDY|       34|false|
+---------+---------+-----+
`)
	w := df.WithColumn("age", F.Col("age").Plus(1)).WithColumn("grade", F.When(F.Col("score").Ge(85), "A").When(F.Col("score").Ge(75), "B").Otherwise("C")).
		WithColumnRenamed("name", "student").Drop("score")
	expectTable(t, w, `
+---------+---+-----+
|  student|age|grade|
+---------+---+-----+
|    LiLei| 13|    B|
|Hanmeimei| 17|    A|
|     Lily| 16|    C|
|  Michael| 21|    C|
|     Andy| 18|    B|
|   Justin| 20|    A|
+---------+---+-----+
`)
	expectErr(t, df.Select("nosuch").Err(), "[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column or function parameter with name `nosuch` cannot be resolved. Did you mean one of the following? [`name`, `age`, `score`].")
}

func TestAggregateFunctions(t *testing.T) {
	s, _ := newSession(t)
	df := s.CreateDataFrame([][]any{
		{"a", int32(1), 1.5, "x"}, {"b", int32(2), 2.5, "y"}, {"a", int32(3), nil, "x"}, {"a", nil, 4.0, "z"}, {"b", int32(5), 0.5, nil},
	}, "k string, i int, d double, s string")
	agg := df.GroupBy("k").Agg(F.Count("*"), F.Count("i"), F.Sum("i"), F.Sum("d"), F.Avg("i"), F.Min("d"), F.Max("s"),
		F.First("s"), F.Last("i"), F.CollectList("s"), F.CollectSet("s"), F.ApproxCountDistinct("s"), F.CountDistinct("s"))
	expectTable(t, agg, `
+---+--------+--------+------+------+------+------+------+--------+-------+---------------+--------------+------------------------+-----------------+
|  k|count(1)|count(i)|sum(i)|sum(d)|avg(i)|min(d)|max(s)|first(s)|last(i)|collect_list(s)|collect_set(s)|approx_count_distinct(s)|count(DISTINCT s)|
+---+--------+--------+------+------+------+------+------+--------+-------+---------------+--------------+------------------------+-----------------+
|  a|       3|       2|     4|   5.5|   2.0|   1.5|     z|       x|   NULL|      [x, x, z]|        [x, z]|                       2|                2|
|  b|       2|       2|     7|   3.0|   3.5|   0.5|     y|       y|      5|            [y]|           [y]|                       1|                1|
+---+--------+--------+------+------+------+------+------+--------+-------+---------------+--------------+------------------------+-----------------+
`)
	if got := agg.Schema().TreeString(); got != `root
 |-- k: string (nullable = true)
 |-- count(1): long (nullable = false)
 |-- count(i): long (nullable = false)
 |-- sum(i): long (nullable = true)
 |-- sum(d): double (nullable = true)
 |-- avg(i): double (nullable = true)
 |-- min(d): double (nullable = true)
 |-- max(s): string (nullable = true)
 |-- first(s): string (nullable = true)
 |-- last(i): integer (nullable = true)
 |-- collect_list(s): array (nullable = true)
 |    |-- element: string (containsNull = false)
 |-- collect_set(s): array (nullable = true)
 |    |-- element: string (containsNull = false)
 |-- approx_count_distinct(s): long (nullable = false)
 |-- count(DISTINCT s): long (nullable = false)
` {
		t.Errorf("schema\n%s", got)
	}
	expectTable(t, df.Agg(F.Sum("i").Alias("total"), F.Max("d")), `
+-----+------+
|total|max(d)|
+-----+------+
|   11|   4.0|
+-----+------+
`)
	expectTable(t, df.Where("i > 100").Agg(F.Count("*"), F.Sum("i")), `
+--------+------+
|count(1)|sum(i)|
+--------+------+
|       0|  NULL|
+--------+------+
`)
	expectTable(t, df.GroupBy("k").Sum("i", "d").OrderBy(F.Col("k").Desc()), `
+---+------+------+
|  k|sum(i)|sum(d)|
+---+------+------+
|  b|     7|   3.0|
|  a|     4|   5.5|
+---+------+------+
`)
	expectTable(t, df.GroupBy("k").Avg(), `
+---+------+------+
|  k|avg(i)|avg(d)|
+---+------+------+
|  a|   2.0|  2.75|
|  b|   3.5|   1.5|
+---+------+------+
`)
}

func TestDistinctUnionSortLimit(t *testing.T) {
	s, _ := newSession(t)
	a := s.CreateDataFrame([][]any{{"x", 1}, {"y", 2}, {"x", 1}}, "k", "v")
	b := s.CreateDataFrame([][]any{{"z", 3}, {"x", 1}}, "k", "v")
	expectTable(t, a.Union(b).Distinct().OrderBy(F.Col("v").Desc()), `
+---+---+
|  k|  v|
+---+---+
|  z|  3|
|  y|  2|
|  x|  1|
+---+---+
`)
	expectTable(t, a.Union(b).DropDuplicates("k").OrderBy("k").Limit(2), `
+---+---+
|  k|  v|
+---+---+
|  x|  1|
|  y|  2|
+---+---+
`)
	c := s.CreateDataFrame([][]any{{3, "w"}}, "v", "k")
	expectTable(t, a.UnionByName(c).Sort("v", "k"), `
+---+---+
|  k|  v|
+---+---+
|  x|  1|
|  x|  1|
|  y|  2|
|  w|  3|
+---+---+
`)
	n := s.CreateDataFrame([][]any{{nil}, {2}, {1}}, "v")
	expectTable(t, n.OrderBy("v"), "\n+----+\n|   v|\n+----+\n|NULL|\n|   1|\n|   2|\n+----+\n")
	expectTable(t, n.OrderBy(F.Col("v").Desc()), "\n+----+\n|   v|\n+----+\n|   2|\n|   1|\n|NULL|\n+----+\n")
	expectErr(t, a.Union(s.CreateDataFrame([][]any{{1}}, "v")).Err(),
		"[NUM_COLUMNS_MISMATCH] UNION can only be performed on inputs with the same number of columns, but the first input has 2 columns and the second input has 1 columns.")
}

func TestJoins(t *testing.T) {
	s, _ := newSession(t)
	l := s.CreateDataFrame([][]any{{"a", 1}, {"b", 2}, {"c", 3}}, "k", "lv")
	r := s.CreateDataFrame([][]any{{"a", "x"}, {"a", "y"}, {"d", "z"}}, "k", "rv")
	expectTable(t, l.Join(r, "k"), `
+---+---+---+
|  k| lv| rv|
+---+---+---+
|  a|  1|  x|
|  a|  1|  y|
+---+---+---+
`)
	expectTable(t, l.Join(r, []string{"k"}, "left"), `
+---+---+----+
|  k| lv|  rv|
+---+---+----+
|  a|  1|   x|
|  a|  1|   y|
|  b|  2|NULL|
|  c|  3|NULL|
+---+---+----+
`)
	expectTable(t, l.Join(r, "k", "right"), `
+---+----+---+
|  k|  lv| rv|
+---+----+---+
|  a|   1|  x|
|  a|   1|  y|
|  d|NULL|  z|
+---+----+---+
`)
	expectTable(t, l.Join(r, "k", "full"), `
+---+----+----+
|  k|  lv|  rv|
+---+----+----+
|  a|   1|   x|
|  a|   1|   y|
|  b|   2|NULL|
|  c|   3|NULL|
|  d|NULL|   z|
+---+----+----+
`)
	expectTable(t, l.Join(r, "k", "left_semi"), "\n+---+---+\n|  k| lv|\n+---+---+\n|  a|  1|\n+---+---+\n")
	expectTable(t, l.Join(r, "k", "left_anti"), "\n+---+---+\n|  k| lv|\n+---+---+\n|  b|  2|\n|  c|  3|\n+---+---+\n")
	// A Column condition keeps both key columns; df.Col tells the sides apart.
	expectTable(t, l.Join(r, l.Col("k").Eq(r.Col("k")).And(r.Col("rv").NotEq("y"))), `
+---+---+---+---+
|  k| lv|  k| rv|
+---+---+---+---+
|  a|  1|  a|  x|
+---+---+---+---+
`)
	expectTable(t, l.Join(r, F.Expr("lv < 2"), "cross").Select("lv", "rv"), `
+---+---+
| lv| rv|
+---+---+
|  1|  x|
|  1|  y|
|  1|  z|
+---+---+
`)
	expectTable(t, l.Join(r, []engine.Column{l.Col("k").Eq(r.Col("k")), r.Col("rv").Eq("y")}).Select("lv", "rv"), `
+---+---+
| lv| rv|
+---+---+
|  1|  y|
+---+---+
`)
	expectErr(t, l.Join(r, F.Col("k").Eq(F.Col("k"))).Err(), "[AMBIGUOUS_REFERENCE] Reference `k` is ambiguous, could be: [`k`, `k`].")
	expectErr(t, l.Join(r, "x").Err(), "[UNRESOLVED_USING_COLUMN_FOR_JOIN] USING column `x` cannot be resolved on the left side of the join. The left-side columns: [`k`, `lv`].")
}

func TestSQL(t *testing.T) {
	s, _ := newSession(t)
	if err := students(s).CreateOrReplaceTempView("students"); err != nil {
		t.Fatal(err)
	}
	classes := s.CreateDataFrame([][]any{{"LiLei", "class1"}, {"Hanmeimei", "class2"}, {"Lily", "class1"}}).ToDF("name", "class")
	if err := classes.CreateOrReplaceTempView("classes"); err != nil {
		t.Fatal(err)
	}
	expectTable(t, s.SQL("select * from students where age > 16 order by score desc limit 2"), `
+------+---+-----+
|  name|age|score|
+------+---+-----+
|Justin| 19| 87.0|
|  Andy| 17| 80.0|
+------+---+-----+
`)
	expectTable(t, s.SQL(`SELECT c.class, count(*), avg(s.score) AS avg_score
		FROM students s JOIN classes c ON s.name = c.name
		GROUP BY c.class HAVING count(*) >= 1 ORDER BY c.class`), `
+------+--------+---------+
| class|count(1)|avg_score|
+------+--------+---------+
|class1|       2|    71.75|
|class2|       1|     90.0|
+------+--------+---------+
`)
	expectTable(t, s.SQL("select age > 16 as adult, max(score) from students group by 1 order by adult"), `
+-----+----------+
|adult|max(score)|
+-----+----------+
|false|      90.0|
| true|      87.0|
+-----+----------+
`)
	expectErr(t, s.SQL("select * from nosuch").Err(), "[TABLE_OR_VIEW_NOT_FOUND] The table or view `nosuch` cannot be found. Verify the spelling and correctness of the schema and catalog.")
	expectErr(t, s.SQL("select name, count(*) from students").Err(), "[MISSING_AGGREGATION] The non-aggregating expression \"name\" is based on columns which are not participating in the GROUP BY clause.\nAdd the columns or the expression to the GROUP BY, aggregate the expression, or use \"any_value(name)\" if you do not care which of the values within a group is returned.")
}

func TestQualifiedNames(t *testing.T) {
	s, _ := newSession(t)
	if err := students(s).CreateOrReplaceTempView("students"); err != nil {
		t.Fatal(err)
	}
	classes := s.CreateDataFrame([][]any{{"LiLei", "class1"}, {"Lily", "class3"}}).ToDF("name", "class")
	if err := classes.CreateOrReplaceTempView("classes"); err != nil {
		t.Fatal(err)
	}
	expectTable(t, s.SQL("SELECT s.name, c.name AS cname, c.class FROM students s LEFT JOIN classes c ON s.name = c.name WHERE s.age < 17"), `
+---------+-----+------+
|     name|cname| class|
+---------+-----+------+
|    LiLei|LiLei|class1|
|Hanmeimei| NULL|  NULL|
|     Lily| Lily|class3|
+---------+-----+------+
`)
	expectTable(t, s.SQL("SELECT students.age, classes.* FROM students JOIN classes ON students.name = classes.name"), `
+---+-----+------+
|age| name| class|
+---+-----+------+
| 12|LiLei|class1|
| 15| Lily|class3|
+---+-----+------+
`)
	expectErr(t, s.SQL("SELECT name FROM students s JOIN classes c ON s.name = c.name").Err(),
		"[AMBIGUOUS_REFERENCE] Reference `name` is ambiguous, could be: [`s`.`name`, `c`.`name`].")
	// Self-join through DataFrame aliases.
	l := s.CreateDataFrame([][]any{{"a", 1}, {"b", 2}}, "k", "v")
	expectTable(t, l.Alias("x").Join(l.Alias("y"), F.Col("x.v").Eq(F.Col("y.v").Minus(1))).Select("x.k", F.Col("y.k").Alias("next")), `
+---+----+
|  k|next|
+---+----+
|  a|   b|
+---+----+
`)
}

func TestJoinKeysOfDifferentTypes(t *testing.T) {
	s, _ := newSession(t)
	l := s.CreateDataFrame([][]any{{int32(1), "a"}, {int32(2), "b"}}, "id", "lv")
	r := s.CreateDataFrame([][]any{{int64(2), "x"}}, "rid", "rv")
	expectTable(t, l.Join(r, l.Col("id").Eq(r.Col("rid")), "left"), `
+---+---+----+----+
| id| lv| rid|  rv|
+---+---+----+----+
|  1|  a|NULL|NULL|
|  2|  b|   2|   x|
+---+---+----+----+
`)
}

func TestRangeAndExplain(t *testing.T) {
	s, out := newSession(t)
	df := s.Range(10).Where("id % 3 = 0").Select(F.Col("id").Mul(2).Alias("x"))
	expectTable(t, df, "\n+---+\n|  x|\n+---+\n|  0|\n|  6|\n| 12|\n| 18|\n+---+\n")
	expectTable(t, s.Range(5, 0, -2), "\n+---+\n| id|\n+---+\n|  5|\n|  3|\n|  1|\n+---+\n")
	df.Explain()
	want := "== Logical Plan ==\nProject [(id * 2) AS x]\n+- Filter ((id % 3) = 0)\n   +- LocalRelation [id]\n\n"
	if out.String() != want {
		t.Errorf("explain\n%q\nwant\n%q", out.String(), want)
	}
}

func TestFirstLastIgnoreNulls(t *testing.T) {
	s, _ := newSession(t)
	df := s.CreateDataFrame([][]any{{"a", nil}, {"a", int64(1)}, {"a", int64(2)}, {"a", nil}}, "k", "v")
	expectTable(t, df.GroupBy("k").Agg(F.First("v"), F.First("v", true).Alias("f"), F.Last("v"), F.Last("v", true).Alias("l")), `
+---+--------+---+-------+---+
|  k|first(v)|  f|last(v)|  l|
+---+--------+---+-------+---+
|  a|    NULL|  1|   NULL|  2|
+---+--------+---+-------+---+
`)
}

func TestCountDistinctSeveralColumns(t *testing.T) {
	s, _ := newSession(t)
	df := s.CreateDataFrame([][]any{{"a", 1}, {"a", 1}, {"a", 2}, {"b", nil}}, "x", "y")
	expectTable(t, df.Agg(F.CountDistinct("x", "y"), F.CountDistinct("x")), `
+--------------------+-----------------+
|count(DISTINCT x, y)|count(DISTINCT x)|
+--------------------+-----------------+
|                   2|                2|
+--------------------+-----------------+
`)
}

func TestSQLOrderByUnselectedColumn(t *testing.T) {
	s, _ := newSession(t)
	if err := students(s).CreateOrReplaceTempView("students"); err != nil {
		t.Fatal(err)
	}
	expectTable(t, s.SQL("select name from students where score > 80 order by age desc"), `
+---------+
|     name|
+---------+
|   Justin|
|Hanmeimei|
+---------+
`)
	expectErr(t, s.SQL("select name from students order by nosuch").Err(),
		"[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column or function parameter with name `nosuch` cannot be resolved. Did you mean one of the following? [`students`.`name`].")
}

func TestGenerators(t *testing.T) {
	s, _ := newSession(t)
	df := s.CreateDataFrame([][]any{{"a", []any{"x", "y"}, map[string]any{"k1": int64(1), "k2": int64(2)}}, {"b", []any{}, nil}}, "id", "arr", "m")
	expectTable(t, df.Select("id", F.PosExplode("arr")), "\n+---+---+---+\n| id|pos|col|\n+---+---+---+\n|  a|  0|  x|\n|  a|  1|  y|\n+---+---+---+\n")
	expectTable(t, df.Select("id", F.ExplodeOuter("arr").Alias("e")), "\n+---+----+\n| id|   e|\n+---+----+\n|  a|   x|\n|  a|   y|\n|  b|NULL|\n+---+----+\n")
	expectTable(t, df.Select("id", F.Explode("m")), "\n+---+---+-----+\n| id|key|value|\n+---+---+-----+\n|  a| k1|    1|\n|  a| k2|    2|\n+---+---+-----+\n")
	expectErr(t, df.Select(F.Explode("arr"), F.Explode("arr")).Err(),
		"[UNSUPPORTED_GENERATOR.MULTI_GENERATOR] The generator is not supported: only one generator allowed per SELECT clause but found 2: \"explode(arr)\", \"explode(arr)\".")
}

func TestColumnsWithDuplicateNames(t *testing.T) {
	s, _ := newSession(t)
	l := s.CreateDataFrame([][]any{{"a", 1}}, "k", "v")
	r := s.CreateDataFrame([][]any{{"a", 2}}, "k", "w")
	j := l.Join(r, l.Col("k").Eq(r.Col("k")))
	expectTable(t, j.WithColumn("x", F.Col("v").Plus(F.Col("w"))).ToDF("k1", "v", "k2", "w", "x").Drop("k2"), `
+---+---+---+---+
| k1|  v|  w|  x|
+---+---+---+---+
|  a|  1|  2|  3|
+---+---+---+---+
`)
}

func TestUnionWidensNumericColumns(t *testing.T) {
	s, _ := newSession(t)
	a := s.CreateDataFrame([][]any{{int32(1), "x"}}, "n", "s")
	b := s.CreateDataFrame([][]any{{2.5, "y"}}, "n", "s")
	u := a.Union(b)
	expectTable(t, u, "\n+---+---+\n|  n|  s|\n+---+---+\n|1.0|  x|\n|2.5|  y|\n+---+---+\n")
	if got := u.Schema().Fields[0].DataType.SimpleString(); got != "double" {
		t.Errorf("type %s", got)
	}
	expectErr(t, a.Union(s.CreateDataFrame([][]any{{true, "z"}}, "n", "s")).Err(),
		"[INCOMPATIBLE_COLUMN_TYPE] UNION can only be performed on columns with compatible column types. The first column of the second table is \"BOOLEAN\" type which is not compatible with \"INT\" at the same column of the first table.")
}
