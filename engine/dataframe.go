package engine

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/internal/exec"
	"github.com/runnel-go/runnel/engine/internal/expr"
	"github.com/runnel-go/runnel/engine/internal/plan"
	"github.com/runnel-go/runnel/engine/internal/show"
	"github.com/runnel-go/runnel/engine/internal/sqlparse"
	"github.com/runnel-go/runnel/engine/types"
)

// DataFrame is a static or streaming table described by a logical plan. Transformations
// return new DataFrames; an analysis error is kept in the DataFrame (Err) and returned by
// every action and by WriteStream().Start().
type DataFrame struct {
	session *Session
	plan    plan.Node
	err     error
	// out is where Show prints, for the DataFrame a ForeachBatch function gets (the
	// query's writer); nil means the current output.
	out io.Writer
	// shown is set on the DataFrame a show hook receives: the table Show printed.
	shown *ShownTable
}

func (df *DataFrame) derive(p plan.Node, err error) *DataFrame {
	if df.err != nil {
		return df
	}
	if err != nil {
		return &DataFrame{session: df.session, err: err, out: df.out}
	}
	return &DataFrame{session: df.session, plan: p, out: df.out}
}

// Err is the DataFrame's analysis error, or nil.
func (df *DataFrame) Err() error { return df.err }

// Session is the session that made the DataFrame.
func (df *DataFrame) Session() *Session { return df.session }

// Schema is the DataFrame's schema (an empty one when it has an error).
func (df *DataFrame) Schema() *types.StructType {
	if df.err != nil {
		return types.NewStructType()
	}
	return df.plan.Schema()
}

// Columns lists the column names.
func (df *DataFrame) Columns() []string { return df.Schema().Names() }

// Dtypes lists (name, type) pairs as PySpark's dtypes: [["name", "string"], ...].
func (df *DataFrame) Dtypes() [][2]string {
	var out [][2]string
	for _, f := range df.Schema().Fields {
		out = append(out, [2]string{f.Name, f.DataType.SimpleString()})
	}
	return out
}

// IsStreaming reports whether the DataFrame reads a streaming source.
func (df *DataFrame) IsStreaming() bool { return df.err == nil && plan.IsStreaming(df.plan) }

// String is PySpark's repr: DataFrame[name: string, age: int].
func (df *DataFrame) String() string {
	if df.err != nil {
		return "DataFrame[error: " + df.err.Error() + "]"
	}
	parts := make([]string, len(df.Schema().Fields))
	for i, f := range df.Schema().Fields {
		parts[i] = f.Name + ": " + f.DataType.SimpleString()
	}
	return "DataFrame[" + strings.Join(parts, ", ") + "]"
}

func (df *DataFrame) writer() io.Writer {
	if df.out != nil {
		return df.out
	}
	return currentOutput()
}

// PrintSchema prints the schema tree ("root", " |-- value: string (nullable = true)").
func (df *DataFrame) PrintSchema() {
	fmt.Fprintln(df.writer(), df.Schema().TreeString())
}

// Explain prints the DataFrame's logical plan.
func (df *DataFrame) Explain() {
	if df.err != nil {
		fmt.Fprintln(df.writer(), df.err)
		return
	}
	fmt.Fprint(df.writer(), "== Logical Plan ==\n"+plan.TreeString(df.plan)+"\n")
}

// Col is a column of this DataFrame (df.name / df["name"] in PySpark). In a join
// condition it refers to this DataFrame's side.
func (df *DataFrame) Col(name string) Column {
	c := Col(name)
	if ref, ok := c.node.(*expr.ColumnRef); ok && df.plan != nil {
		return Column{node: &plan.BoundColumn{ColumnRef: *ref, From: df.plan}}
	}
	return c
}

// node converts a select argument: a column name, a Column, or a literal.
func node(c any) (expr.Node, error) {
	switch x := c.(type) {
	case string:
		return plan.Strip(Col(x).node), nil
	case Column:
		if x.err != nil {
			return nil, x.err
		}
		if x.node == nil {
			return nil, fmt.Errorf("invalid column")
		}
		return plan.Strip(x.node), nil
	case []string:
		return nil, fmt.Errorf("pass column names as separate arguments (names...)")
	}
	n, err := literal(c)
	if err != nil {
		return nil, err
	}
	return n, nil
}

func nodes(cols []any) ([]expr.Node, error) {
	var out []expr.Node
	for _, c := range cols {
		if list, ok := c.([]string); ok {
			for _, s := range list {
				out = append(out, plan.Strip(Col(s).node))
			}
			continue
		}
		if list, ok := c.([]Column); ok {
			for _, col := range list {
				n, err := node(col)
				if err != nil {
					return nil, err
				}
				out = append(out, n)
			}
			continue
		}
		n, err := node(c)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// Select projects columns given by name ("*" for all) or as Columns.
func (df *DataFrame) Select(cols ...any) *DataFrame {
	if df.err != nil {
		return df
	}
	ns, err := nodes(cols)
	if err != nil {
		return df.derive(nil, err)
	}
	return df.derive(plan.NewProject(df.plan, ns))
}

// SelectExpr projects Spark SQL expressions.
func (df *DataFrame) SelectExpr(exprs ...string) *DataFrame {
	if df.err != nil {
		return df
	}
	var ns []expr.Node
	for _, e := range exprs {
		n, err := sqlparse.ParseExpr(e)
		if err != nil {
			return df.derive(nil, err)
		}
		ns = append(ns, n)
	}
	return df.derive(plan.NewProject(df.plan, ns))
}

// condition reads a Where argument: SQL text or a Column.
func condition(cond any) (expr.Node, error) {
	if s, ok := cond.(string); ok {
		return sqlparse.ParseExpr(s)
	}
	return node(cond)
}

// Where keeps rows satisfying cond (SQL text or a Column).
func (df *DataFrame) Where(cond any) *DataFrame {
	if df.err != nil {
		return df
	}
	n, err := condition(cond)
	if err != nil {
		return df.derive(nil, err)
	}
	return df.derive(plan.NewFilter(df.plan, n))
}

// Filter is Where.
func (df *DataFrame) Filter(cond any) *DataFrame { return df.Where(cond) }

// WithColumn adds a column, or replaces the one of that name.
func (df *DataFrame) WithColumn(name string, c Column) *DataFrame {
	return df.WithColumns(map[string]Column{name: c}, name)
}

// WithColumns adds or replaces several columns; order gives the order of new names
// (map order is random), defaulting to sorted names.
func (df *DataFrame) WithColumns(cols map[string]Column, order ...string) *DataFrame {
	if df.err != nil {
		return df
	}
	if len(order) == 0 {
		for k := range cols {
			order = append(order, k)
		}
		sortStrings(order)
	}
	s := df.Schema()
	var ns []expr.Node
	done := map[string]bool{}
	for i, f := range s.Fields {
		replaced := false
		for _, name := range order {
			if strings.EqualFold(name, f.Name) {
				n, err := node(cols[name])
				if err != nil {
					return df.derive(nil, err)
				}
				ns = append(ns, &expr.Alias{X: unalias(n), Name: name})
				done[name] = true
				replaced = true
				break
			}
		}
		if !replaced {
			ns = append(ns, &plan.OrdinalRef{Index: i, Name: f.Name})
		}
	}
	for _, name := range order {
		if done[name] {
			continue
		}
		n, err := node(cols[name])
		if err != nil {
			return df.derive(nil, err)
		}
		ns = append(ns, &expr.Alias{X: unalias(n), Name: name})
	}
	return df.derive(plan.NewProject(df.plan, ns))
}

func unalias(n expr.Node) expr.Node {
	if a, ok := n.(*expr.Alias); ok {
		return a.X
	}
	return n
}

// WithColumnRenamed renames a column; a missing name is a no-op, as in Spark.
func (df *DataFrame) WithColumnRenamed(existing, newName string) *DataFrame {
	if df.err != nil {
		return df
	}
	s := df.Schema()
	if s.FieldIndex(existing) < 0 {
		return df
	}
	var ns []expr.Node
	for i, f := range s.Fields {
		ref := &plan.OrdinalRef{Index: i, Name: f.Name}
		if strings.EqualFold(f.Name, existing) {
			ns = append(ns, &expr.Alias{X: ref, Name: newName})
		} else {
			ns = append(ns, ref)
		}
	}
	return df.derive(plan.NewProject(df.plan, ns))
}

// Drop removes columns given by name or as Columns; unknown names are ignored.
func (df *DataFrame) Drop(cols ...any) *DataFrame {
	if df.err != nil {
		return df
	}
	drop := map[string]bool{}
	for _, c := range cols {
		switch x := c.(type) {
		case string:
			drop[strings.ToLower(x)] = true
		case Column:
			drop[strings.ToLower(x.Expression())] = true
		}
	}
	var ns []expr.Node
	for i, f := range df.Schema().Fields {
		if !drop[strings.ToLower(f.Name)] {
			ns = append(ns, &plan.OrdinalRef{Index: i, Name: f.Name})
		}
	}
	return df.derive(plan.NewProject(df.plan, ns))
}

// ToDF renames all columns.
func (df *DataFrame) ToDF(names ...string) *DataFrame {
	if df.err != nil {
		return df
	}
	s := df.Schema()
	if len(names) != len(s.Fields) {
		return df.derive(nil, fmt.Errorf("[LENGTH_MISMATCH] Number of columns doesn't match.\nOld column names (%d): %s\nNew column names (%d): %s",
			len(s.Fields), strings.Join(s.Names(), ", "), len(names), strings.Join(names, ", ")))
	}
	ns := make([]expr.Node, len(names))
	for i, f := range s.Fields {
		ns[i] = &expr.Alias{X: &plan.OrdinalRef{Index: i, Name: f.Name}, Name: names[i]}
	}
	return df.derive(plan.NewProject(df.plan, ns))
}

// Alias names the DataFrame for qualified column references ("a.id"), as in
// df.Alias("a").Join(other.Alias("b"), F.Col("a.id").Eq(F.Col("b.id"))).
func (df *DataFrame) Alias(name string) *DataFrame {
	if df.err != nil {
		return df
	}
	return df.derive(&plan.SubqueryAlias{Child: df.plan, Alias: name}, nil)
}

// GroupBy groups by columns (names or Columns, including F.Window) for aggregation.
func (df *DataFrame) GroupBy(cols ...any) *GroupedData {
	if df.err != nil {
		return &GroupedData{df: df}
	}
	ns, err := nodes(cols)
	if err != nil {
		return &GroupedData{df: df.derive(nil, err)}
	}
	return &GroupedData{df: df, keys: ns}
}

// Groupby is GroupBy (PySpark's groupby alias).
func (df *DataFrame) Groupby(cols ...any) *GroupedData { return df.GroupBy(cols...) }

// Agg aggregates the whole DataFrame (groupBy() with no keys).
func (df *DataFrame) Agg(cols ...Column) *DataFrame { return df.GroupBy().Agg(cols...) }

// DropDuplicates drops rows equal on the named columns (all columns when none given).
// On a stream it keeps the keys seen as state, evicted by a watermark on a key column.
func (df *DataFrame) DropDuplicates(cols ...string) *DataFrame {
	if df.err != nil {
		return df
	}
	return df.derive(plan.NewDeduplicate(df.plan, cols))
}

// Distinct drops duplicate rows.
func (df *DataFrame) Distinct() *DataFrame { return df.DropDuplicates() }

// Union appends other's rows by column position (UNION ALL).
func (df *DataFrame) Union(other *DataFrame) *DataFrame {
	if df.err != nil {
		return df
	}
	if other.err != nil {
		return df.derive(nil, other.err)
	}
	return df.derive(plan.NewUnion(df.plan, other.plan))
}

// UnionAll is Union.
func (df *DataFrame) UnionAll(other *DataFrame) *DataFrame { return df.Union(other) }

// UnionByName appends other's rows matching columns by name.
func (df *DataFrame) UnionByName(other *DataFrame) *DataFrame {
	if df.err != nil {
		return df
	}
	if other.err != nil {
		return df.derive(nil, other.err)
	}
	var ns []expr.Node
	os := other.Schema()
	for _, f := range df.Schema().Fields {
		if os.FieldIndex(f.Name) < 0 {
			return df.derive(nil, fmt.Errorf("[NUM_COLUMNS_MISMATCH] UnionByName: column `%s` is missing on the right side; the right side has [%s].", f.Name, strings.Join(os.Names(), ", ")))
		}
		ns = append(ns, &expr.ColumnRef{Parts: []string{f.Name}, Pos: -1})
	}
	if len(os.Fields) != len(ns) {
		return df.derive(nil, fmt.Errorf("[NUM_COLUMNS_MISMATCH] UNION can only be performed on inputs with the same number of columns, but the first input has %d columns and the second input has %d columns.", len(ns), len(os.Fields)))
	}
	right, err := plan.NewProject(other.plan, ns)
	if err != nil {
		return df.derive(nil, err)
	}
	return df.derive(plan.NewUnion(df.plan, right))
}

func sortOrders(cols []any) ([]*expr.SortOrder, error) {
	var out []*expr.SortOrder
	for _, c := range cols {
		n, err := node(c)
		if err != nil {
			return nil, err
		}
		if s, ok := n.(*expr.SortOrder); ok {
			out = append(out, s)
		} else {
			out = append(out, &expr.SortOrder{X: n, NullsFirst: true})
		}
	}
	return out, nil
}

// OrderBy sorts by columns (names, Columns, or Column.Desc()...).
func (df *DataFrame) OrderBy(cols ...any) *DataFrame {
	if df.err != nil {
		return df
	}
	orders, err := sortOrders(cols)
	if err != nil {
		return df.derive(nil, err)
	}
	return df.derive(plan.NewSort(df.plan, orders))
}

// Sort is OrderBy.
func (df *DataFrame) Sort(cols ...any) *DataFrame { return df.OrderBy(cols...) }

// Limit keeps the first n rows.
func (df *DataFrame) Limit(n int) *DataFrame {
	if df.err != nil {
		return df
	}
	if n < 0 {
		return df.derive(nil, fmt.Errorf("The limit expression must be equal to or greater than 0, but got %d", n))
	}
	return df.derive(&plan.Limit{Child: df.plan, N: n}, nil)
}

// WithWatermark declares eventTime the event-time column, with rows later than delay
// (Spark's interval text, "20 minutes") allowed to be dropped.
func (df *DataFrame) WithWatermark(eventTime, delay string) *DataFrame {
	if df.err != nil {
		return df
	}
	return df.derive(plan.NewWatermark(df.plan, eventTime, delay))
}

// Join joins with other on a column name, a []string of names, a Column condition or a
// []Column of conditions that must all hold; how is "inner" (default), "left", "right",
// "full"/"outer", "left_semi", "left_anti", "cross".
func (df *DataFrame) Join(other *DataFrame, on any, how ...string) *DataFrame {
	if df.err != nil {
		return df
	}
	if other.err != nil {
		return df.derive(nil, other.err)
	}
	h := "inner"
	if len(how) > 0 {
		h = how[0]
	}
	t, err := plan.ParseJoinType(h)
	if err != nil {
		return df.derive(nil, err)
	}
	switch x := on.(type) {
	case nil:
		return df.derive(plan.NewJoinOn(df.plan, other.plan, nil, t))
	case string:
		return df.derive(plan.NewJoinUsing(df.plan, other.plan, []string{x}, t))
	case []string:
		return df.derive(plan.NewJoinUsing(df.plan, other.plan, x, t))
	case Column:
		if x.err != nil {
			return df.derive(nil, x.err)
		}
		return df.derive(plan.NewJoinOn(df.plan, other.plan, x.node, t))
	case []Column:
		// A list of conditions, all of which must hold.
		if len(x) == 0 {
			return df.derive(plan.NewJoinOn(df.plan, other.plan, nil, t))
		}
		cond := x[0]
		for _, c := range x[1:] {
			cond = cond.And(c)
		}
		return df.Join(other, cond, h)
	}
	return df.derive(nil, fmt.Errorf("Join: on must be a column name, []string or a Column, not %T", on))
}

// CrossJoin is the cartesian product.
func (df *DataFrame) CrossJoin(other *DataFrame) *DataFrame { return df.Join(other, nil, "cross") }

// CreateOrReplaceTempView registers the DataFrame as a temporary view for spark.SQL.
func (df *DataFrame) CreateOrReplaceTempView(name string) error {
	if df.err != nil {
		return df.err
	}
	df.session.registerView(name, df.plan)
	return nil
}

// CreateTempView registers a temporary view; it fails if the name is taken.
func (df *DataFrame) CreateTempView(name string) error {
	if df.err != nil {
		return df.err
	}
	if _, ok := df.session.view(name); ok {
		return fmt.Errorf("[TEMP_TABLE_OR_VIEW_ALREADY_EXISTS] Cannot create the temporary view `%s` because it already exists.", name)
	}
	df.session.registerView(name, df.plan)
	return nil
}

// collect runs a static DataFrame.
func (df *DataFrame) collect() (*batch.Batch, error) {
	if df.err != nil {
		return nil, df.err
	}
	if plan.IsStreaming(df.plan) {
		return nil, plan.ErrStreamingAction
	}
	return exec.Run(context.Background(), df.plan, exec.Options{Location: df.session.location()})
}

// Collect returns all rows.
func (df *DataFrame) Collect() ([]Row, error) {
	b, err := df.collect()
	if err != nil {
		return nil, err
	}
	return rowsOf(b, df.session.location()), nil
}

// Count returns the number of rows.
func (df *DataFrame) Count() (int64, error) {
	b, err := df.collect()
	if err != nil {
		return 0, err
	}
	return int64(b.N), nil
}

// Take returns the first n rows.
func (df *DataFrame) Take(n int) ([]Row, error) { return df.Limit(n).Collect() }

// Head returns the first n rows (1 when n is not given).
func (df *DataFrame) Head(n ...int) ([]Row, error) {
	k := 1
	if len(n) > 0 {
		k = n[0]
	}
	return df.Take(k)
}

// First returns the first row; ok is false when there is none.
func (df *DataFrame) First() (row Row, ok bool, err error) {
	rows, err := df.Take(1)
	if err != nil || len(rows) == 0 {
		return Row{}, false, err
	}
	return rows[0], true, nil
}

// IsEmpty reports whether the DataFrame has no rows.
func (df *DataFrame) IsEmpty() (bool, error) {
	rows, err := df.Take(1)
	return len(rows) == 0, err
}

// ShowString is Spark's showString, the text Show prints before its final newline: the table of the first numRows rows with cells
// cut to truncate characters (0: no cutting, then left-aligned), or one block per row
// when vertical.
func (df *DataFrame) ShowString(numRows, truncate int, vertical ...bool) (string, error) {
	b, err := df.Limit(numRows + 1).collect()
	if err != nil {
		return "", err
	}
	loc := df.session.location()
	if len(vertical) > 0 && vertical[0] {
		return strings.TrimSuffix(show.Vertical(b, numRows, truncate, loc), "\n"), nil
	}
	return show.ShowString(b, numRows, truncate, loc), nil
}

// Show prints the first rows (20 unless given) as Spark's text table, cells cut to 20
// characters.
func (df *DataFrame) Show(numRows ...int) error {
	n := 20
	if len(numRows) > 0 {
		n = numRows[0]
	}
	return df.ShowTruncate(n, 20)
}

// ShowTruncate is Show with Spark's truncate argument (0 for full cells).
func (df *DataFrame) ShowTruncate(numRows, truncate int) error {
	t, err := df.ShowCells(numRows, truncate)
	if err != nil {
		return err
	}
	text := t.Text + "\n"
	w := df.writer()
	shown := *df
	shown.shown = t
	if h := showHook(); h != nil && h(w, &shown, text) {
		return nil
	}
	_, err = io.WriteString(w, text)
	return err
}

// Cache, Persist and Unpersist are accepted for compatibility: a static DataFrame's rows
// are already held in memory once read, so they return df unchanged.
func (df *DataFrame) Cache() *DataFrame     { return df }
func (df *DataFrame) Persist() *DataFrame   { return df }
func (df *DataFrame) Unpersist() *DataFrame { return df }

// Repartition and Coalesce are accepted for compatibility: the engine runs each query in
// one pipeline without partitions, so they return df unchanged.
func (df *DataFrame) Repartition(numPartitions int, cols ...any) *DataFrame { return df }
func (df *DataFrame) Coalesce(numPartitions int) *DataFrame                 { return df }
