package plan

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/internal/expr"
	"github.com/runnel-go/runnel/engine/types"
)

func intervalMicros(v any) (int64, bool) {
	iv, ok := v.(batch.Interval)
	if !ok || iv.Months != 0 {
		return 0, false
	}
	return int64(iv.Days)*86_400_000_000 + iv.Micros, true
}

// WindowType is the type of window() and session_window() columns.
func WindowType() *types.StructType {
	return types.NewStructType().Add("start", types.TimestampType).Add("end", types.TimestampType)
}

// KeyName and AggName are the internal column names of an Aggregate's output.
func KeyName(i int) string { return "_key" + strconv.Itoa(i) }
func AggName(i int) string { return "_agg" + strconv.Itoa(i) }

// NormalizeCount rewrites count(*) as count(1), which is how Spark names and runs it.
func NormalizeCount(n expr.Node) expr.Node {
	return expr.Transform(n, func(x expr.Node) expr.Node {
		if c, ok := x.(*expr.Call); ok && c.Name == "count" && len(c.Args) == 1 {
			if _, star := c.Args[0].(*expr.Star); star {
				return &expr.Call{Name: "count", Args: []expr.Node{&expr.Literal{Value: int32(1), Type: types.IntegerType}}}
			}
		}
		return x
	})
}

type aggBuilder struct {
	node    Node
	child   *types.StructType
	keys    []expr.Node
	keyText []string
	aggs    []AggCall
	aggIdx  map[string]int
}

func exprKey(n expr.Node) string { return strings.ToLower(unalias(n).String()) }

// rewrite replaces grouping expressions and aggregate calls in n with references to the
// Aggregate's output columns.
func (b *aggBuilder) rewrite(n expr.Node) (expr.Node, error) {
	if a, ok := n.(*expr.Alias); ok {
		x, err := b.rewrite(a.X)
		if err != nil {
			return nil, err
		}
		return &expr.Alias{X: x, Name: a.Name}, nil
	}
	k := exprKey(n)
	for i, kt := range b.keyText {
		if kt == k {
			return &expr.ColumnRef{Parts: []string{KeyName(i)}, Pos: -1}, nil
		}
	}
	switch x := n.(type) {
	case *expr.Call:
		if IsAggregate(x.Name) {
			return b.addAgg(x)
		}
	case *expr.ColumnRef:
		// A field of a grouping column (window.start when grouping by window).
		for i, key := range b.keys {
			name := strings.ToLower(OutputName(key))
			if len(x.Parts) > 1 && strings.EqualFold(x.Parts[0], name) {
				parts := append([]string{KeyName(i)}, x.Parts[1:]...)
				return &expr.ColumnRef{Parts: parts, Pos: -1}, nil
			}
			if len(x.Parts) == 1 && strings.EqualFold(x.Parts[0], name) {
				return &expr.ColumnRef{Parts: []string{KeyName(i)}, Pos: -1}, nil
			}
		}
		if _, ok := resolveRef(x.Parts, b.child); !ok {
			return nil, unresolvedColumn(x.String(), b.child)
		}
		return nil, fmt.Errorf("[MISSING_AGGREGATION] The non-aggregating expression %q is based on columns which are not participating in the GROUP BY clause.\nAdd the columns or the expression to the GROUP BY, aggregate the expression, or use \"any_value(%s)\" if you do not care which of the values within a group is returned.", x.String(), x.String())
	case *expr.Star:
		return nil, fmt.Errorf("[MISSING_AGGREGATION] * cannot be used with GROUP BY; list the grouping columns")
	}
	ch := n.Children()
	if len(ch) == 0 {
		return n, nil
	}
	nc := make([]expr.Node, len(ch))
	for i, c := range ch {
		r, err := b.rewrite(c)
		if err != nil {
			return nil, err
		}
		nc[i] = r
	}
	return n.WithChildren(nc), nil
}

func (b *aggBuilder) addAgg(c *expr.Call) (expr.Node, error) {
	text := c.String()
	if i, ok := b.aggIdx[strings.ToLower(text)]; ok {
		return &expr.ColumnRef{Parts: []string{AggName(i)}, Pos: -1}, nil
	}
	for _, a := range c.Args {
		if containsAggregate(a) {
			return nil, fmt.Errorf("[NESTED_AGGREGATE_FUNCTION] It is not allowed to use an aggregate function in the argument of another aggregate function. Please use the inner aggregate function in a sub-query.")
		}
	}
	name := c.Name
	switch name {
	case "mean":
		name = "avg"
	case "first_value", "any_value":
		name = "first"
	case "last_value":
		name = "last"
	case "count_distinct":
		name = "count"
		c = &expr.Call{Name: "count", Args: c.Args, Distinct: true}
	}
	call := AggCall{Func: name, Distinct: c.Distinct, Text: text}
	args := c.Args
	if name == "count" && len(args) == 1 {
		if l, ok := args[0].(*expr.Literal); ok && l.Value != nil && !c.Distinct {
			args = nil // count(1): every row counts
		}
	}
	if len(args) == 2 && (name == "first" || name == "last") {
		l, ok := args[1].(*expr.Literal)
		b, isBool := l.Value.(bool)
		if !ok || !isBool {
			return nil, fmt.Errorf("[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] The second argument of %s must be a boolean literal (ignoreNulls), not %s", name, args[1])
		}
		call.IgnoreNulls = b
		args = args[:1]
	}
	if name == "max_by" || name == "min_by" {
		packed, err := byArgs(b.node, c, args)
		if err != nil {
			return nil, err
		}
		args = []expr.Node{packed}
	}
	if len(args) > 1 && name == "count" && call.Distinct {
		// count(DISTINCT a, b) counts distinct non-null (a, b) pairs.
		args = []expr.Node{&expr.Call{Name: "struct", Args: args}}
	}
	if len(args) > 1 && name != "approx_count_distinct" {
		return nil, fmt.Errorf("%s takes one argument, got %d", name, len(args))
	}
	if len(args) >= 1 {
		ev, err := CompileIn(b.node, args[0])
		if err != nil {
			return nil, err
		}
		call.Arg = args[0]
		call.ArgType = ev.Type()
	} else if name != "count" {
		return nil, fmt.Errorf("%s requires an argument", name)
	}
	t, err := aggResultType(name, call.ArgType, call.Distinct)
	if err != nil {
		return nil, fmt.Errorf("[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve %q due to data type mismatch: %w", text, err)
	}
	call.Type = t
	b.aggs = append(b.aggs, call)
	i := len(b.aggs) - 1
	b.aggIdx[strings.ToLower(text)] = i
	return &expr.ColumnRef{Parts: []string{AggName(i)}, Pos: -1}, nil
}

// aggResultType gives Spark's result type of an aggregate.
func aggResultType(name string, arg types.DataType, distinct bool) (types.DataType, error) {
	switch name {
	case "count", "approx_count_distinct":
		return types.LongType, nil
	case "sum":
		switch arg.ID() {
		case types.IntegerID, types.LongID:
			return types.LongType, nil
		case types.FloatID, types.DoubleID, types.StringID, types.NullID:
			return types.DoubleType, nil
		}
		return nil, fmt.Errorf("sum requires a numeric argument, not %s", arg.SimpleString())
	case "avg":
		switch arg.ID() {
		case types.IntegerID, types.LongID, types.FloatID, types.DoubleID, types.StringID, types.NullID:
			return types.DoubleType, nil
		}
		return nil, fmt.Errorf("avg requires a numeric argument, not %s", arg.SimpleString())
	case "min", "max", "first", "last":
		return arg, nil
	case "collect_list", "collect_set":
		return &types.ArrayType{ElementType: arg, ContainsNull: false}, nil
	case "max_by", "min_by":
		// The argument is struct(x, ord) (byArgs): the result is an x.
		if st, ok := arg.(*types.StructType); ok && len(st.Fields) == 2 {
			return st.Fields[0].DataType, nil
		}
	}
	return nil, fmt.Errorf("unknown aggregate function %s", name)
}

// byArgs checks the arguments of max_by(x, ord) and min_by(x, ord) and packs them into
// the one argument an aggregate call has: struct(x, ord), whose rows the accumulator
// reads by position.
func byArgs(child Node, c *expr.Call, args []expr.Node) (expr.Node, error) {
	if len(args) != 2 {
		return nil, fmt.Errorf("[WRONG_NUM_ARGS.WITHOUT_SUGGESTION] The `%s` requires 2 parameters but the actual number is %d. Please, refer to 'https://spark.apache.org/docs/latest/sql-ref-functions.html' for a fix.", c.Name, len(args))
	}
	ev, err := CompileIn(child, args[1])
	if err != nil {
		return nil, err
	}
	if hasMap(ev.Type()) {
		return nil, fmt.Errorf("[DATATYPE_MISMATCH.INVALID_ORDERING_TYPE] Cannot resolve %q due to data type mismatch: The `%s` does not support ordering on type %q.",
			c.String(), c.Name, expr.TypeSQL(ev.Type()))
	}
	return &expr.Call{Name: "struct", Args: args}, nil
}

// hasMap reports a map in t: maps have no order.
func hasMap(t types.DataType) bool {
	switch x := t.(type) {
	case *types.MapType:
		return true
	case *types.ArrayType:
		return hasMap(x.ElementType)
	case *types.StructType:
		for _, f := range x.Fields {
			if hasMap(f.DataType) {
				return true
			}
		}
	}
	return false
}

// NewAggregate groups child by keys and computes outputs (which may use grouping
// expressions and aggregate calls); having filters groups. It returns the Project over the
// Aggregate (and a Filter for having).
func NewAggregate(child Node, keys []expr.Node, outputs []expr.Node, having expr.Node) (Node, error) {
	b := &aggBuilder{node: child, child: child.Schema(), aggIdx: map[string]int{}}
	agg := &Aggregate{Child: child}
	out := types.NewStructType()
	for i, k := range keys {
		k = unalias(k)
		if _, ok := k.(*expr.Star); ok {
			return nil, fmt.Errorf("groupBy: * is not a grouping expression")
		}
		if containsAggregate(k) {
			return nil, fmt.Errorf("[GROUP_BY_AGGREGATE] Aggregate functions are not allowed in GROUP BY, but found %s.", k)
		}
		if c, ok := k.(*expr.Call); ok && (c.Name == "window" || c.Name == "session_window") {
			if agg.Window != nil {
				return nil, fmt.Errorf("Multiple time/session window expressions would result in a cartesian product of rows, therefore they are currently not supported.")
			}
			w, err := windowKey(c, child)
			if err != nil {
				return nil, err
			}
			w.Index = i
			agg.Window = w
			out.Add(KeyName(i), WindowType(), false)
		} else {
			ev, err := CompileIn(child, k)
			if err != nil {
				return nil, err
			}
			out.Add(KeyName(i), ev.Type(), ev.Nullable())
		}
		b.keys = append(b.keys, k)
		b.keyText = append(b.keyText, exprKey(k))
	}
	var rewritten []expr.Node
	for _, o := range outputs {
		o = NormalizeCount(o)
		r, err := b.rewrite(o)
		if err != nil {
			return nil, err
		}
		if _, ok := r.(*expr.Alias); !ok {
			r = &expr.Alias{X: r, Name: OutputName(o)}
		}
		rewritten = append(rewritten, r)
	}
	var havingR expr.Node
	if having != nil {
		r, err := b.rewrite(NormalizeCount(having))
		if err != nil {
			return nil, err
		}
		havingR = r
	}
	agg.Keys = b.keys
	agg.Aggs = b.aggs
	for i, a := range b.aggs {
		out.Add(AggName(i), a.Type, a.Func != "count" && a.Func != "approx_count_distinct")
	}
	agg.Out = out
	var top Node = agg
	if havingR != nil {
		f, err := NewFilter(top, havingR)
		if err != nil {
			return nil, err
		}
		top = f
	}
	return newProject(top, rewritten)
}

// windowKey analyses window(ts, size[, slide[, start]]) or session_window(ts, gap).
func windowKey(c *expr.Call, child Node) (*WindowKey, error) {
	if len(c.Args) < 2 {
		return nil, fmt.Errorf("%s needs a time column and a duration", c.Name)
	}
	ev, err := CompileIn(child, c.Args[0])
	if err != nil {
		return nil, err
	}
	timeExpr := c.Args[0]
	if id := ev.Type().ID(); id == types.StringID || id == types.DateID {
		// Spark casts the time column implicitly (TimeWindow takes any timestamp type).
		timeExpr = &expr.Cast{X: timeExpr, To: types.TimestampType}
	} else if id != types.TimestampID {
		return nil, fmt.Errorf("[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve \"%s\" due to data type mismatch: The first parameter requires the \"TIMESTAMP\" type, however \"%s\" has the type \"%s\".",
			c.String(), c.Args[0], strings.ToUpper(ev.Type().SimpleString()))
	}
	w := &WindowKey{Time: timeExpr}
	if c.Name == "session_window" {
		gap, err := DurationArg(c.Args[1])
		if err != nil {
			return nil, err
		}
		if gap <= 0 {
			return nil, fmt.Errorf("The session window gap duration (%d) must be greater than 0.", gap)
		}
		w.Session, w.Gap = true, gap
		return w, nil
	}
	if len(c.Args) > 4 {
		return nil, fmt.Errorf("window takes at most 4 arguments, got %d", len(c.Args))
	}
	size, err := DurationArg(c.Args[1])
	if err != nil {
		return nil, err
	}
	slide, start := size, int64(0)
	if len(c.Args) >= 3 {
		if slide, err = DurationArg(c.Args[2]); err != nil {
			return nil, err
		}
	}
	if len(c.Args) == 4 {
		if start, err = DurationArg(c.Args[3]); err != nil {
			return nil, err
		}
	}
	switch {
	case size <= 0:
		return nil, fmt.Errorf("The window duration (%d) must be greater than 0.", size)
	case slide <= 0:
		return nil, fmt.Errorf("The slide duration (%d) must be greater than 0.", slide)
	case slide > size:
		return nil, fmt.Errorf("The slide duration (%d) must be less than or equal to the windowDuration (%d).", slide, size)
	case start < 0 && -start >= slide, start >= slide:
		return nil, fmt.Errorf("The absolute value of start time (%d) must be less than the slideDuration (%d).", start, slide)
	}
	w.Size, w.Slide, w.Start = size, slide, start
	return w, nil
}
