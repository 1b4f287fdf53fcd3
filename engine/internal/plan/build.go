package plan

import (
	"fmt"
	"strings"

	"github.com/runnel-go/runnel/engine/internal/expr"
	"github.com/runnel-go/runnel/engine/internal/interval"
	"github.com/runnel-go/runnel/engine/types"
)

// aggregateFuncs are the aggregate functions the executor implements.
var aggregateFuncs = map[string]bool{
	"count": true, "sum": true, "avg": true, "mean": true, "min": true, "max": true,
	"first": true, "last": true, "first_value": true, "last_value": true,
	"collect_list": true, "collect_set": true, "approx_count_distinct": true,
	"count_distinct": true, "any_value": true, "max_by": true, "min_by": true,
}

// IsAggregate reports whether name is an aggregate function.
func IsAggregate(name string) bool { return aggregateFuncs[strings.ToLower(name)] }

var generatorFuncs = map[string]bool{
	"explode": true, "explode_outer": true, "posexplode": true, "posexplode_outer": true,
}

func containsAggregate(n expr.Node) bool {
	found := false
	expr.Walk(n, func(x expr.Node) bool {
		if c, ok := x.(*expr.Call); ok && IsAggregate(c.Name) {
			found = true
		}
		return !found
	})
	return found
}

// expandStars replaces * with the columns of child, and t.* with those t qualifies.
// Columns are referred to by position, so duplicate names (after a join) stay apart.
func expandStars(exprs []expr.Node, child Node) []expr.Node {
	var out []expr.Node
	var quals [][]string
	for _, e := range exprs {
		star, ok := e.(*expr.Star)
		if !ok {
			out = append(out, e)
			continue
		}
		if quals == nil {
			quals = qualifiers(child)
		}
		for i, f := range child.Schema().Fields {
			if star.Qualifier != "" && !hasQualifier(quals[i], star.Qualifier) {
				continue
			}
			out = append(out, &OrdinalRef{Index: i, Name: f.Name})
		}
	}
	return out
}

func hasQualifier(qs []string, q string) bool {
	for _, x := range qs {
		if strings.EqualFold(x, q) {
			return true
		}
	}
	return false
}

// OrdinalRef refers to an input column by position (from * expansion).
type OrdinalRef struct {
	Index int
	Name  string
}

func (n *OrdinalRef) String() string                     { return n.Name }
func (n *OrdinalRef) Children() []expr.Node              { return nil }
func (n *OrdinalRef) WithChildren([]expr.Node) expr.Node { c := *n; return &c }

// NewProject builds a projection of exprs over child. A generator (explode) becomes a
// Generate below the projection; aggregate functions make it a global aggregation.
func NewProject(child Node, exprs []expr.Node) (Node, error) {
	exprs = expandStars(exprs, child)
	for _, e := range exprs {
		if containsAggregate(e) {
			return NewAggregate(child, nil, exprs, nil)
		}
	}
	// Generators: at most one, at the top of an item (under an alias). window() in a
	// projection is one too: a row falls in as many windows as the overlap.
	genAt := -1
	for i, e := range exprs {
		inner := e
		if a, ok := e.(*expr.Alias); ok {
			inner = a.X
		}
		if c, ok := inner.(*expr.Call); ok && (generatorFuncs[c.Name] || c.Name == "window") {
			if genAt >= 0 {
				return nil, fmt.Errorf("[UNSUPPORTED_GENERATOR.MULTI_GENERATOR] The generator is not supported: only one generator allowed per SELECT clause but found 2: %q, %q.", unalias(exprs[genAt]).String(), inner.String())
			}
			genAt = i
		}
	}
	if genAt >= 0 {
		e := exprs[genAt]
		alias := ""
		inner := e
		if a, ok := e.(*expr.Alias); ok {
			alias, inner = a.Name, a.X
		}
		call := inner.(*expr.Call)
		var gen Node
		var err error
		if call.Name == "window" {
			gen, err = NewWindowGenerate(child, call, alias)
		} else {
			if len(call.Args) != 1 {
				return nil, fmt.Errorf("%s takes exactly one argument, got %d", call.Name, len(call.Args))
			}
			gen, err = NewGenerate(child, call.Name, call.Args[0], alias)
		}
		if err != nil {
			return nil, err
		}
		g := gen.(*Generate)
		rewritten := make([]expr.Node, 0, len(exprs)+1)
		for i, x := range exprs {
			if i != genAt {
				rewritten = append(rewritten, x)
				continue
			}
			for _, name := range g.GenNames {
				rewritten = append(rewritten, &expr.ColumnRef{Parts: []string{name}, Pos: -1})
			}
		}
		return newProject(gen, rewritten)
	}
	return newProject(child, exprs)
}

func newProject(child Node, exprs []expr.Node) (*Project, error) {
	out := types.NewStructType()
	for _, e := range exprs {
		if c, ok := unalias(e).(*expr.Call); ok && c.Name == "session_window" {
			return nil, fmt.Errorf("session_window can only be used as a grouping expression of groupBy")
		}
		ev, err := CompileIn(child, e)
		if err != nil {
			return nil, err
		}
		out.Add(OutputName(e), ev.Type(), ev.Nullable())
	}
	return &Project{Child: child, Exprs: exprs, Out: out}, nil
}

func unalias(n expr.Node) expr.Node {
	if a, ok := n.(*expr.Alias); ok {
		return a.X
	}
	return n
}

// NewGenerate builds explode-like generation of arg's elements. alias names the generated
// column (for a map: key and value unless given).
func NewGenerate(child Node, fn string, arg expr.Node, alias string) (Node, error) {
	ev, err := CompileIn(child, arg)
	if err != nil {
		return nil, err
	}
	out := types.NewStructType()
	for _, f := range child.Schema().Fields {
		out.Add(f.Name, f.DataType, f.Nullable)
	}
	var names []string
	outer := strings.HasSuffix(fn, "_outer")
	if strings.HasPrefix(fn, "pos") {
		names = append(names, "pos")
		out.Add("pos", types.IntegerType, outer)
	}
	switch t := ev.Type().(type) {
	case *types.ArrayType:
		name := "col"
		if alias != "" {
			name = alias
		}
		names = append(names, name)
		out.Add(name, t.ElementType, true)
	case *types.MapType:
		names = append(names, "key", "value")
		out.Add("key", t.KeyType, outer)
		out.Add("value", t.ValueType, true)
	default:
		return nil, fmt.Errorf("[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve \"%s(%s)\" due to data type mismatch: The first parameter requires the (\"ARRAY\" or \"MAP\") type, however \"%s\" has the type \"%s\".",
			fn, arg, arg, strings.ToUpper(ev.Type().SimpleString()))
	}
	return &Generate{Child: child, Func: fn, Arg: arg, GenNames: names, Out: out}, nil
}

// NewFilter keeps the rows of child where cond holds.
func NewFilter(child Node, cond expr.Node) (Node, error) {
	if containsAggregate(cond) {
		return nil, fmt.Errorf("[INVALID_WHERE_CONDITION] The WHERE condition %q contains invalid expressions: aggregate functions are not allowed in WHERE.", cond.String())
	}
	ev, err := CompileIn(child, cond)
	if err != nil {
		return nil, err
	}
	if id := ev.Type().ID(); id != types.BooleanID && id != types.NullID {
		return nil, fmt.Errorf("[DATATYPE_MISMATCH.FILTER_NOT_BOOLEAN] Cannot resolve \"%s\" due to data type mismatch: Filter expression \"%s\" of type \"%s\" is not a boolean.",
			cond, cond, strings.ToUpper(ev.Type().SimpleString()))
	}
	return &Filter{Child: child, Cond: cond}, nil
}

// NewWatermark marks column as child's event time with delay.
func NewWatermark(child Node, column, delay string) (Node, error) {
	i := child.Schema().FieldIndex(column)
	if i < 0 {
		return nil, unresolvedColumn(column, child.Schema())
	}
	f := child.Schema().Fields[i]
	if f.DataType.ID() != types.TimestampID {
		return nil, fmt.Errorf("Event time must be defined on a window or a timestamp, but %s is of type %s", f.Name, f.DataType.SimpleString())
	}
	d, err := interval.DurationMicros(delay)
	if err != nil {
		return nil, fmt.Errorf("withWatermark: %w", err)
	}
	if d < 0 {
		return nil, fmt.Errorf("delay threshold (%s) should not be negative.", delay)
	}
	return &Watermark{Child: child, Column: f.Name, DelayMicros: d}, nil
}

// NewUnion concatenates inputs by position; their column counts must agree.
func NewUnion(inputs ...Node) (Node, error) {
	first := inputs[0].Schema()
	streaming, static := false, false
	for _, in := range inputs {
		if IsStreaming(in) {
			streaming = true
		} else {
			static = true
		}
	}
	if streaming && static {
		return nil, fmt.Errorf("Union between streaming and batch DataFrames/Datasets is not supported")
	}
	for i, in := range inputs[1:] {
		if n := len(in.Schema().Fields); n != len(first.Fields) {
			return nil, fmt.Errorf("[NUM_COLUMNS_MISMATCH] UNION can only be performed on inputs with the same number of columns, but the first input has %d columns and the %s input has %d columns.",
				len(first.Fields), ordinal(i+2), n)
		}
	}
	// Column types: numeric types widen (int, bigint, float, double) and a null column
	// takes the other's type, as Spark's union coercion does.
	out := types.NewStructType()
	for j, f := range first.Fields {
		t, nullable := f.DataType, f.Nullable
		for i, in := range inputs[1:] {
			g := in.Schema().Fields[j]
			w, ok := widen(t, g.DataType)
			if !ok {
				return nil, fmt.Errorf("[INCOMPATIBLE_COLUMN_TYPE] UNION can only be performed on columns with compatible column types. The %s column of the %s table is %q type which is not compatible with %q at the same column of the first table.",
					ordinal(j+1), ordinal(i+2), strings.ToUpper(g.DataType.SimpleString()), strings.ToUpper(f.DataType.SimpleString()))
			}
			t, nullable = w, nullable || g.Nullable
		}
		out.Add(f.Name, t, nullable)
	}
	cast := make([]Node, len(inputs))
	for i, in := range inputs {
		cast[i] = in
		var exprs []expr.Node
		changed := false
		for j, f := range in.Schema().Fields {
			var e expr.Node = &OrdinalRef{Index: j, Name: f.Name}
			if !types.Equal(f.DataType, out.Fields[j].DataType) {
				e, changed = &expr.Alias{X: &expr.Cast{X: e, To: out.Fields[j].DataType}, Name: f.Name}, true
			}
			exprs = append(exprs, e)
		}
		if changed {
			p, err := newProject(in, exprs)
			if err != nil {
				return nil, err
			}
			cast[i] = p
		}
	}
	return &Union{Inputs: cast, Out: out}, nil
}

// widen is the common type of a and b for a union column, if there is one.
func widen(a, b types.DataType) (types.DataType, bool) {
	if types.Equal(a, b) {
		return a, true
	}
	if a.ID() == types.NullID {
		return b, true
	}
	if b.ID() == types.NullID {
		return a, true
	}
	rank := map[types.TypeID]int{types.IntegerID: 1, types.LongID: 2, types.FloatID: 3, types.DoubleID: 4}
	ra, rb := rank[a.ID()], rank[b.ID()]
	if ra == 0 || rb == 0 {
		return nil, false
	}
	if ra > rb {
		return a, true
	}
	return b, true
}

func ordinal(i int) string {
	switch i {
	case 1:
		return "first"
	case 2:
		return "second"
	case 3:
		return "third"
	}
	return fmt.Sprintf("%dth", i)
}

// NewSort orders child by orders; each is resolved against child's columns.
func NewSort(child Node, orders []*expr.SortOrder) (Node, error) {
	for _, o := range orders {
		if _, err := CompileIn(child, o.X); err != nil {
			return nil, err
		}
	}
	return &Sort{Child: child, Orders: orders}, nil
}

// NewDeduplicate drops duplicate rows over the named columns (all when names is empty).
func NewDeduplicate(child Node, names []string) (Node, error) {
	s := child.Schema()
	var keys []int
	if len(names) == 0 {
		for i := range s.Fields {
			keys = append(keys, i)
		}
	}
	for _, n := range names {
		i := s.FieldIndex(n)
		if i < 0 {
			return nil, fmt.Errorf("[UNRESOLVED_COLUMN_AMONG_FIELD_NAMES] Cannot resolve column name %q among (%s).", n, strings.Join(s.Names(), ", "))
		}
		keys = append(keys, i)
	}
	return &Deduplicate{Child: child, Keys: keys}, nil
}

// DurationArg reads a duration argument of window() or session_window(): a string literal
// in Spark's interval syntax or an interval literal.
func DurationArg(n expr.Node) (int64, error) {
	lit, ok := n.(*expr.Literal)
	if !ok {
		return 0, fmt.Errorf("the duration %s must be a string or interval literal", n)
	}
	switch v := lit.Value.(type) {
	case string:
		return interval.DurationMicros(v)
	case interface{ DurationMicros() int64 }:
		return v.DurationMicros(), nil
	}
	if iv, ok := intervalMicros(lit.Value); ok {
		return iv, nil
	}
	return 0, fmt.Errorf("the duration %s must be a string or interval literal", n)
}

// NewWindowGenerate assigns each row of child to the windows of call (window(ts, size[,
// slide[, start]])) containing its time, one output row per window, with the window in a
// struct column named alias (or "window").
func NewWindowGenerate(child Node, call *expr.Call, alias string) (Node, error) {
	w, err := windowKey(call, child)
	if err != nil {
		return nil, err
	}
	name := "window"
	if alias != "" {
		name = alias
	}
	out := types.NewStructType()
	for _, f := range child.Schema().Fields {
		out.Add(f.Name, f.DataType, f.Nullable)
	}
	out.Add(name, WindowType(), false)
	return &Generate{Child: child, Func: "window", Arg: w.Time, Window: w, GenNames: []string{name}, Out: out}, nil
}
