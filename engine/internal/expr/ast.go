// Package expr holds Spark SQL expressions: the tree that the SQL parser and the public
// Column API build (this file), and their analysis and compilation into evaluators that
// work on whole column vectors.
package expr

import "github.com/runnel-go/runnel/engine/types"

// Node is an unresolved expression tree node. Trees are never changed in place:
// Transform returns a copy.
type Node interface {
	// String is Spark's text for the expression, also the output column name Spark gives
	// it when it has no alias: "word", "sum(amount)", "(amount * price)",
	// "CAST(dt AS TIMESTAMP)", "count(1)", "window".
	String() string
	// Children returns the direct sub-expressions.
	Children() []Node
	// WithChildren returns a copy with the children replaced (same count as Children).
	WithChildren(children []Node) Node
}

// ColumnRef is a column name, possibly qualified or a struct path: "word", "window.start",
// "t.name". Resolution decides which parts are a qualifier and which are fields.
type ColumnRef struct {
	Parts []string
	Pos   int // byte offset in the SQL text it was parsed from, -1 if built by code
}

// Star is * or qualifier.*.
type Star struct {
	Qualifier string
}

// Literal is a constant. Value is an internal value (see batch.Vector): string, int32,
// int64, float64, float32, bool, nil, int64 micros for timestamps, batch.Interval, ...
type Literal struct {
	Value any
	Type  types.DataType
}

// TypedLiteral is a literal whose value is read at analysis time because it may depend on
// the session time zone: TIMESTAMP '2021-01-01 00:00:00', DATE '2021-01-01'.
type TypedLiteral struct {
	Type types.DataType
	Text string
}

// Unary is "-x", "NOT x", "~x".
type Unary struct {
	Op string // "-", "NOT", "~"
	X  Node
}

// Binary is an infix operator. Op is one of + - * / % div = == != <> < <= > >= <=> AND OR
// || & | ^ (upper case for words).
type Binary struct {
	Op   string
	L, R Node
}

// Call is a function call, aggregate or not: sum(amount), count(*) (Args: [Star]),
// window(dt, '10 minutes', '5 minutes'), count(DISTINCT x).
type Call struct {
	Name     string // lower case
	Args     []Node
	Distinct bool
}

// WhenClause is one WHEN cond THEN value of a Case.
type WhenClause struct {
	Cond, Value Node
}

// Case is CASE [operand] WHEN ... THEN ... [ELSE ...] END, and F.When(...).Otherwise(...).
type Case struct {
	Operand Node // nil for the searched form
	Whens   []WhenClause
	Else    Node // nil for none (null)
}

// Cast is CAST(x AS type) and Column.Cast.
type Cast struct {
	X  Node
	To types.DataType
}

// Alias is "x AS name" and Column.Alias.
type Alias struct {
	X    Node
	Name string
}

// GetField is x.field on a struct value that is not a plain column path, and
// Column.GetField.
type GetField struct {
	X     Node
	Field string
}

// GetItem is x[i] on an array or x[key] on a map.
type GetItem struct {
	X, Index Node
}

// IsNull is "x IS NULL" or, with Not, "x IS NOT NULL".
type IsNull struct {
	X   Node
	Not bool
}

// In is "x [NOT] IN (a, b, ...)".
type In struct {
	X    Node
	List []Node
	Not  bool
}

// Between is "x [NOT] BETWEEN lo AND hi".
type Between struct {
	X, Lo, Hi Node
	Not       bool
}

// Like is "x [NOT] LIKE pattern" and, with Regex, RLIKE.
type Like struct {
	X, Pattern Node
	Not, Regex bool
}

// SortOrder is an ORDER BY item; only valid at the top of a sort key.
type SortOrder struct {
	X          Node
	Descending bool
	NullsFirst bool // Spark's default: true for ASC, false for DESC
}

func (*ColumnRef) Children() []Node    { return nil }
func (*Star) Children() []Node         { return nil }
func (*Literal) Children() []Node      { return nil }
func (*TypedLiteral) Children() []Node { return nil }
func (n *Unary) Children() []Node      { return []Node{n.X} }
func (n *Binary) Children() []Node     { return []Node{n.L, n.R} }
func (n *Call) Children() []Node       { return n.Args }
func (n *Cast) Children() []Node       { return []Node{n.X} }
func (n *Alias) Children() []Node      { return []Node{n.X} }
func (n *GetField) Children() []Node   { return []Node{n.X} }
func (n *GetItem) Children() []Node    { return []Node{n.X, n.Index} }
func (n *IsNull) Children() []Node     { return []Node{n.X} }
func (n *Between) Children() []Node    { return []Node{n.X, n.Lo, n.Hi} }
func (n *Like) Children() []Node       { return []Node{n.X, n.Pattern} }
func (n *SortOrder) Children() []Node {
	return []Node{n.X}
}
func (n *In) Children() []Node { return append([]Node{n.X}, n.List...) }
func (n *Case) Children() []Node {
	var out []Node
	if n.Operand != nil {
		out = append(out, n.Operand)
	}
	for _, w := range n.Whens {
		out = append(out, w.Cond, w.Value)
	}
	if n.Else != nil {
		out = append(out, n.Else)
	}
	return out
}

func (n *ColumnRef) WithChildren([]Node) Node    { c := *n; return &c }
func (n *Star) WithChildren([]Node) Node         { c := *n; return &c }
func (n *Literal) WithChildren([]Node) Node      { c := *n; return &c }
func (n *TypedLiteral) WithChildren([]Node) Node { c := *n; return &c }
func (n *Unary) WithChildren(ch []Node) Node     { c := *n; c.X = ch[0]; return &c }
func (n *Binary) WithChildren(ch []Node) Node    { c := *n; c.L, c.R = ch[0], ch[1]; return &c }
func (n *Call) WithChildren(ch []Node) Node {
	c := *n
	c.Args = append([]Node(nil), ch...)
	return &c
}
func (n *Cast) WithChildren(ch []Node) Node     { c := *n; c.X = ch[0]; return &c }
func (n *Alias) WithChildren(ch []Node) Node    { c := *n; c.X = ch[0]; return &c }
func (n *GetField) WithChildren(ch []Node) Node { c := *n; c.X = ch[0]; return &c }
func (n *GetItem) WithChildren(ch []Node) Node  { c := *n; c.X, c.Index = ch[0], ch[1]; return &c }
func (n *IsNull) WithChildren(ch []Node) Node   { c := *n; c.X = ch[0]; return &c }
func (n *Between) WithChildren(ch []Node) Node {
	c := *n
	c.X, c.Lo, c.Hi = ch[0], ch[1], ch[2]
	return &c
}
func (n *Like) WithChildren(ch []Node) Node      { c := *n; c.X, c.Pattern = ch[0], ch[1]; return &c }
func (n *SortOrder) WithChildren(ch []Node) Node { c := *n; c.X = ch[0]; return &c }
func (n *In) WithChildren(ch []Node) Node {
	c := *n
	c.X = ch[0]
	c.List = append([]Node(nil), ch[1:]...)
	return &c
}
func (n *Case) WithChildren(ch []Node) Node {
	c := *n
	i := 0
	if n.Operand != nil {
		c.Operand = ch[0]
		i = 1
	}
	c.Whens = make([]WhenClause, len(n.Whens))
	for j := range n.Whens {
		c.Whens[j] = WhenClause{Cond: ch[i], Value: ch[i+1]}
		i += 2
	}
	if n.Else != nil {
		c.Else = ch[i]
	}
	return &c
}

// Transform rewrites a tree bottom-up: f sees each node after its children were rewritten
// and returns the node to use in its place.
func Transform(n Node, f func(Node) Node) Node {
	if n == nil {
		return nil
	}
	ch := n.Children()
	if len(ch) > 0 {
		nc := make([]Node, len(ch))
		changed := false
		for i, c := range ch {
			nc[i] = Transform(c, f)
			if nc[i] != c {
				changed = true
			}
		}
		if changed {
			n = n.WithChildren(nc)
		}
	}
	return f(n)
}

// Walk calls f on n and its descendants, parents first; f returning false skips a subtree.
func Walk(n Node, f func(Node) bool) {
	if n == nil || !f(n) {
		return
	}
	for _, c := range n.Children() {
		Walk(c, f)
	}
}
