package expr_test

import (
	"testing"

	"github.com/runnel-go/runnel/engine/internal/expr"
	"github.com/runnel-go/runnel/engine/internal/sqlparse"
)

// FuzzCompileEval parses, compiles and evaluates arbitrary expressions over the people
// batch: whatever the input, analysis may fail but nothing may panic, and a successful
// evaluation returns one value per row of the declared type.
func FuzzCompileEval(f *testing.F) {
	for _, s := range []string{"age + 1", "upper(name) || dt", "cast(dt as timestamp) > '2021-01-01'",
		"CASE WHEN age > 1 THEN tags ELSE array('x') END", "window.start + interval 1 day",
		"element_at(tags, age)", "date_format(ts, 'yyyy-MM-dd''T''HH')", "split(name, '')[1]",
		"map(name, age)[dt]", "round(score, -1) / 0", "substring(name, -100, 2147483647)",
		"regexp_extract(name, '(', 1)", "format_string('%5.1f|%-4s|%x', score, name, age)",
		"to_timestamp(dt, 'yyyy-MM-dd HH:mm:ss')", "hash(window, tags, ts)", "greatest(dt, ts)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := sqlparse.ParseExpr(s)
		if err != nil {
			return
		}
		b := people(t)
		ev, err := expr.Compile(n, b.Schema, utcOpts)
		if err != nil {
			return
		}
		v, err := ev.Eval(b)
		if err != nil {
			return
		}
		if v.Len() != b.N {
			t.Fatalf("%q: %d rows, want %d", s, v.Len(), b.N)
		}
		if v.Type.ID() != ev.Type().ID() {
			t.Fatalf("%q: vector type %s, declared %s", s, v.Type.SimpleString(), ev.Type().SimpleString())
		}
		for i := 0; i < b.N; i++ {
			_ = v.Get(i)
		}
	})
}
