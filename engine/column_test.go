package engine_test

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runnel-go/runnel/engine"
	F "github.com/runnel-go/runnel/engine/functions"
)

func TestColumnMethods(t *testing.T) {
	s, _ := newSession(t)
	df := students(s)
	c := df.Col("score").Mul(2).Minus(F.Col("age")).Alias("x")
	if got := c.String(); got != "Column<'((score * 2) - age) AS x'>" {
		t.Errorf("String() = %s", got)
	}
	expectTable(t, df.Where(df.Col("name").IsIn("Lily", "Andy").Or(df.Col("age").Between(19, 20))).
		Select(F.Col("name"), F.Col("age").Cast("string").Alias("age_s"), F.Col("name").Like("%i%").Alias("has_i"),
			F.Upper(F.Substring("name", 1, 3)).Alias("abbr")), `
+-------+-----+-----+----+
|   name|age_s|has_i|abbr|
+-------+-----+-----+----+
|   Lily|   15| true| LIL|
|Michael|   20| true| MIC|
|   Andy|   17|false| AND|
| Justin|   19| true| JUS|
+-------+-----+-----+----+
`)
	arr := s.CreateDataFrame([][]any{{[]any{"x", "y"}, map[string]any{"k": int64(7)}}}, "a", "m")
	expectTable(t, arr.Select(F.Col("a").GetItem(1).Alias("a1"), F.Col("m").GetItem("k").Alias("mk"), F.Struct("a", "m").Alias("s")).
		Select("a1", "mk", F.Col("s").GetField("a").Alias("sa")), `
+---+---+------+
| a1| mk|    sa|
+---+---+------+
|  y|  7|[x, y]|
+---+---+------+
`)
	rows, err := arr.Select(F.Struct("a", "m").Alias("s")).Collect()
	if err != nil {
		t.Fatal(err)
	}
	inner := rows[0].Get("s").(engine.Row)
	if got := inner.Get("m").(map[string]any)["k"]; got != int64(7) {
		t.Errorf("struct field m = %v", inner.Get("m"))
	}
	if got := inner.Get("a").([]any); len(got) != 2 || got[1] != "y" {
		t.Errorf("struct field a = %v", inner.Get("a"))
	}
	expectErr(t, df.Select(F.Expr("age +")).Err(), firstLine(F.Expr("age +").Err()))
	if F.Expr("age +").Err() == nil {
		t.Error("a bad expression must carry an error")
	}
}

func firstLine(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestShowHookAndOutput(t *testing.T) {
	s, out := newSession(t)
	var seen []string
	engine.SetShowHook(func(w io.Writer, df *engine.DataFrame, text string) bool {
		seen = append(seen, strings.Join(df.Columns(), ","))
		return strings.Contains(text, "LiLei")
	})
	t.Cleanup(func() { engine.SetShowHook(nil) })
	if err := students(s).Show(); err != nil {
		t.Fatal(err)
	}
	if err := students(s).Select("age").Limit(1).Show(); err != nil {
		t.Fatal(err)
	}
	if strings.Join(seen, ";") != "name,age,score;age" || out.String() != "+---+\n|age|\n+---+\n| 12|\n+---+\n\n" {
		t.Errorf("hook saw %v; printed %q", seen, out.String())
	}
}

func TestBatchReadAndWrite(t *testing.T) {
	s, _ := newSession(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "people.csv"), []byte("name,age\nLiLei,12\nLily,15\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	df := s.Read().Option("header", true).Option("inferSchema", true).CSV(filepath.Join(dir, "people.csv"))
	if err := df.Err(); err != nil {
		t.Fatal(err)
	}
	if got := df.Schema().TreeString(); got != "root\n |-- name: string (nullable = true)\n |-- age: integer (nullable = true)\n" {
		t.Errorf("schema %q", got)
	}
	out := filepath.Join(dir, "out")
	if err := df.Where("age > 12").Write().Format("json").Save(out); err != nil {
		t.Fatal(err)
	}
	back := s.Read().SchemaDDL("name string, age int").JSON(out)
	expectTable(t, back, "\n+----+---+\n|name|age|\n+----+---+\n|Lily| 15|\n+----+---+\n")
	expectErr(t, df.Write().Format("json").Save(out), "[PATH_ALREADY_EXISTS] Path "+out+" already exists. Set mode as \"overwrite\" to overwrite the existing path.")
	if err := df.Write().Mode("overwrite").Format("json").Save(out); err != nil {
		t.Fatal(err)
	}
	n, err := s.Read().SchemaDDL("name string, age int").JSON(out).Count()
	if err != nil || n != 2 {
		t.Errorf("after overwrite: %d rows, %v", n, err)
	}
	_, err = s.ReadStream().JSON(dir).Count()
	expectErr(t, err, "Schema must be specified when creating a streaming source DataFrame. If some files already exist in the directory, then depending on the file format you may be able to create a static DataFrame on that data with 'spark.read.load(directory)' and infer schema from it.")
}
