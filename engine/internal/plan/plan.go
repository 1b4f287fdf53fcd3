// Package plan holds the engine's logical plans: nodes built by the public DataFrame API
// and by spark.SQL, analysed when they are built (schemas, types, aggregate extraction,
// window keys, watermarks), and the checks Spark applies to streaming queries.
// Execution lives in engine/internal/exec; this package never runs data.
package plan

import (
	"strings"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/internal/expr"
	"github.com/runnel-go/runnel/engine/types"
)

// Node is an analysed logical plan node. Nodes are immutable once built.
type Node interface {
	// Schema is the node's output schema.
	Schema() *types.StructType
	// Children are the node's inputs.
	Children() []Node
	// Name is the node's name in messages ("Aggregate", "Sort", ...).
	Name() string
}

// Relation is a static table: rows from CreateDataFrame, a batch read, or a memory sink.
// Data is called when the plan runs, so a memory sink's view shows its current rows.
type Relation struct {
	Out  *types.StructType
	Data func() ([]*batch.Batch, error)
}

// StreamSource is a streaming source. The same *StreamSource used twice in a query is one
// source of that query (as Spark shares a StreamingRelation).
type StreamSource struct {
	Format  string
	Options map[string]string
	Paths   []string
	Out     *types.StructType
}

// Project computes Exprs (each with an output name) over the child's rows.
type Project struct {
	Child Node
	Exprs []expr.Node
	Out   *types.StructType
}

// Filter keeps the rows where Cond is true.
type Filter struct {
	Child Node
	Cond  expr.Node
}

// Generate appends the elements of Arg (an array, or a map's entries) as new rows: one
// output row per element with the child's columns repeated (explode, posexplode and their
// _outer forms). The generated columns are named GenNames.
type Generate struct {
	Child    Node
	Func     string // explode, explode_outer, posexplode, posexplode_outer, window
	Arg      expr.Node
	Window   *WindowKey // for window: the durations; Arg is the time column
	GenNames []string
	Out      *types.StructType
}

// AggCall is one aggregate function of an Aggregate.
type AggCall struct {
	Func     string    // count, sum, avg, min, max, first, last, collect_list, ...
	Arg      expr.Node // nil for count(*)
	Distinct bool
	// IgnoreNulls is first/last's second argument: skip null values.
	IgnoreNulls bool
	ArgType     types.DataType
	Type        types.DataType
	Text        string // Spark's text, e.g. "sum(amount)"
}

// WindowKey describes a grouping key that is window(ts, ...) or session_window(ts, gap).
type WindowKey struct {
	Index   int       // position among Aggregate.Keys
	Time    expr.Node // the event-time expression
	Session bool
	// Tumbling and sliding windows, in micros.
	Size, Slide, Start int64
	// Session windows: the gap in micros.
	Gap int64
}

// Aggregate groups the child's rows by Keys and computes Aggs. Its output schema is
// the keys (named _key0, _key1, ...) followed by the aggregates (_agg0, ...); a Project
// above it gives the user's names and expressions.
type Aggregate struct {
	Child  Node
	Keys   []expr.Node
	Window *WindowKey
	Aggs   []AggCall
	Out    *types.StructType
}

// Deduplicate drops rows whose Keys columns equal those of an earlier row.
type Deduplicate struct {
	Child Node
	Keys  []int
}

// Union concatenates its children by position.
type Union struct {
	Inputs []Node
	Out    *types.StructType
}

// Sort orders rows.
type Sort struct {
	Child  Node
	Orders []*expr.SortOrder
}

// Limit keeps the first N rows.
type Limit struct {
	Child Node
	N     int
}

// SubqueryAlias names its child's columns' qualifier: a view's name or an alias, for
// references such as s.name.
type SubqueryAlias struct {
	Child Node
	Alias string
}

func (n *SubqueryAlias) Schema() *types.StructType { return n.Child.Schema() }
func (n *SubqueryAlias) Children() []Node          { return []Node{n.Child} }
func (n *SubqueryAlias) Name() string              { return "SubqueryAlias" }

// Qualifiers lists, for each output column of n, the names that may qualify it; nil when
// no column has a qualifier (then a qualified name's qualifier is ignored).
func Qualifiers(n Node) [][]string {
	q := qualifiers(n)
	for _, x := range q {
		if len(x) > 0 {
			return q
		}
	}
	return nil
}

func qualifiers(n Node) [][]string {
	out := make([][]string, len(n.Schema().Fields))
	switch x := n.(type) {
	case *SubqueryAlias:
		for i := range out {
			out[i] = []string{x.Alias}
		}
	case *Filter, *Deduplicate, *Sort, *Limit, *Watermark:
		copy(out, Qualifiers(n.Children()[0]))
	case *Generate:
		copy(out, Qualifiers(x.Child))
	case *Project:
		in := qualifiers(x.Child)
		for i, e := range x.Exprs {
			if a, ok := e.(*expr.Alias); ok {
				switch a.X.(type) {
				case *expr.ColumnRef, *OrdinalRef:
					continue // a renamed column loses its qualifier
				}
			}
			if j := columnIndexIn(e, x.Child.Schema(), in); j >= 0 {
				out[i] = in[j]
			}
		}
	case *Join:
		comb := append(qualifiers(x.Left), qualifiers(x.Right)...)
		for i, p := range x.Project {
			out[i] = comb[p]
		}
	case *Union:
		copy(out, Qualifiers(x.Inputs[0]))
	}
	return out
}

// columnIndexIn is ColumnIndex resolved the way the expression compiler resolves it
// over node (qualifiers included).
func columnIndexIn(e expr.Node, schema *types.StructType, quals [][]string) int {
	if a, ok := e.(*expr.Alias); ok {
		e = a.X
	}
	if o, ok := e.(*OrdinalRef); ok {
		return o.Index
	}
	ref, ok := e.(*expr.ColumnRef)
	if !ok {
		return -1
	}
	if len(ref.Parts) == 2 {
		// q.name: the column named name that q qualifies.
		for i, f := range schema.Fields {
			if strings.EqualFold(f.Name, ref.Parts[1]) {
				for _, q := range quals[i] {
					if strings.EqualFold(q, ref.Parts[0]) {
						return i
					}
				}
			}
		}
	}
	return ColumnIndex(e, schema)
}

// Watermark marks Column as the child's event time with a delay (withWatermark).
type Watermark struct {
	Child       Node
	Column      string
	DelayMicros int64
}

// JoinType is the kind of join.
type JoinType int

const (
	Inner JoinType = iota
	LeftOuter
	RightOuter
	FullOuter
	LeftSemi
	LeftAnti
	Cross
)

// String is Spark's name for the join type in messages.
func (t JoinType) String() string {
	return [...]string{"Inner", "LeftOuter", "RightOuter", "FullOuter", "LeftSemi", "LeftAnti", "Cross"}[t]
}

// Join combines two inputs. Equi-join keys are LeftKeys[i] = RightKeys[i] (over each side's
// schema); Cond is any remaining condition over the combined row (left columns then right
// columns, named as in CondSchema). Using joins output the key columns once; Project holds
// the output columns as indexes into the combined row.
type Join struct {
	Left, Right         Node
	Type                JoinType
	LeftKeys, RightKeys []expr.Node
	Cond                expr.Node
	CondSchema          *types.StructType
	Project             []int
	// UsingCoalesce lists, for using-joins, output columns that take the right side's key
	// when the left side is null (full outer joins): output index -> right combined index.
	UsingCoalesce map[int]int
	Out           *types.StructType
}

func (n *Relation) Schema() *types.StructType     { return n.Out }
func (n *StreamSource) Schema() *types.StructType { return n.Out }
func (n *Project) Schema() *types.StructType      { return n.Out }
func (n *Filter) Schema() *types.StructType       { return n.Child.Schema() }
func (n *Generate) Schema() *types.StructType     { return n.Out }
func (n *Aggregate) Schema() *types.StructType    { return n.Out }
func (n *Deduplicate) Schema() *types.StructType  { return n.Child.Schema() }
func (n *Union) Schema() *types.StructType        { return n.Out }
func (n *Sort) Schema() *types.StructType         { return n.Child.Schema() }
func (n *Limit) Schema() *types.StructType        { return n.Child.Schema() }
func (n *Watermark) Schema() *types.StructType    { return n.Child.Schema() }
func (n *Join) Schema() *types.StructType         { return n.Out }

func (n *Relation) Children() []Node     { return nil }
func (n *StreamSource) Children() []Node { return nil }
func (n *Project) Children() []Node      { return []Node{n.Child} }
func (n *Filter) Children() []Node       { return []Node{n.Child} }
func (n *Generate) Children() []Node     { return []Node{n.Child} }
func (n *Aggregate) Children() []Node    { return []Node{n.Child} }
func (n *Deduplicate) Children() []Node  { return []Node{n.Child} }
func (n *Union) Children() []Node        { return n.Inputs }
func (n *Sort) Children() []Node         { return []Node{n.Child} }
func (n *Limit) Children() []Node        { return []Node{n.Child} }
func (n *Watermark) Children() []Node    { return []Node{n.Child} }
func (n *Join) Children() []Node         { return []Node{n.Left, n.Right} }

func (n *Relation) Name() string     { return "LocalRelation" }
func (n *StreamSource) Name() string { return "StreamingRelation" }
func (n *Project) Name() string      { return "Project" }
func (n *Filter) Name() string       { return "Filter" }
func (n *Generate) Name() string     { return "Generate" }
func (n *Aggregate) Name() string    { return "Aggregate" }
func (n *Deduplicate) Name() string  { return "Deduplicate" }
func (n *Union) Name() string        { return "Union" }
func (n *Sort) Name() string         { return "Sort" }
func (n *Limit) Name() string        { return "Limit" }
func (n *Watermark) Name() string    { return "EventTimeWatermark" }
func (n *Join) Name() string         { return "Join" }

var (
	_ Node = (*Relation)(nil)
	_ Node = (*StreamSource)(nil)
	_ Node = (*Project)(nil)
	_ Node = (*Filter)(nil)
	_ Node = (*Generate)(nil)
	_ Node = (*Aggregate)(nil)
	_ Node = (*Deduplicate)(nil)
	_ Node = (*Union)(nil)
	_ Node = (*Sort)(nil)
	_ Node = (*Limit)(nil)
	_ Node = (*Watermark)(nil)
	_ Node = (*Join)(nil)
	_ Node = (*SubqueryAlias)(nil)
)

// IsStreaming reports whether n reads a streaming source.
func IsStreaming(n Node) bool {
	if _, ok := n.(*StreamSource); ok {
		return true
	}
	for _, c := range n.Children() {
		if IsStreaming(c) {
			return true
		}
	}
	return false
}

// Walk calls f on n and its descendants, parents first.
func Walk(n Node, f func(Node)) {
	f(n)
	for _, c := range n.Children() {
		Walk(c, f)
	}
}

// Sources lists the distinct streaming sources of a plan in a stable order (first seen,
// depth first): their positions are the query's source indexes.
func Sources(n Node) []*StreamSource {
	var out []*StreamSource
	seen := map[*StreamSource]bool{}
	Walk(n, func(x Node) {
		if s, ok := x.(*StreamSource); ok && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	})
	return out
}

// Watermarks lists the withWatermark nodes of a plan in the same stable order.
func Watermarks(n Node) []*Watermark {
	var out []*Watermark
	seen := map[*Watermark]bool{}
	Walk(n, func(x Node) {
		if w, ok := x.(*Watermark); ok && !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	})
	return out
}
