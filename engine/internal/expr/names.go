package expr

import (
	"fmt"
	"strings"
)

// The String methods give Spark's text for an expression, which is also the column name
// Spark derives for it.

func (n *ColumnRef) String() string { return strings.Join(n.Parts, ".") }
func (n *Star) String() string {
	if n.Qualifier != "" {
		return n.Qualifier + ".*"
	}
	return "*"
}
func (n *Literal) String() string {
	if n.Value == nil {
		return "NULL"
	}
	return fmt.Sprint(n.Value)
}
func (n *Unary) String() string {
	if n.Op == "NOT" {
		return "(NOT " + n.X.String() + ")"
	}
	return "(" + n.Op + n.X.String() + ")"
}
func (n *Binary) String() string { return "(" + n.L.String() + " " + n.Op + " " + n.R.String() + ")" }
func (n *Call) String() string {
	args := make([]string, len(n.Args))
	for i, a := range n.Args {
		args[i] = a.String()
	}
	d := ""
	if n.Distinct {
		d = "DISTINCT "
	}
	return n.Name + "(" + d + strings.Join(args, ", ") + ")"
}
func (n *Case) String() string {
	var b strings.Builder
	b.WriteString("CASE")
	if n.Operand != nil {
		b.WriteString(" " + n.Operand.String())
	}
	for _, w := range n.Whens {
		b.WriteString(" WHEN " + w.Cond.String() + " THEN " + w.Value.String())
	}
	if n.Else != nil {
		b.WriteString(" ELSE " + n.Else.String())
	}
	b.WriteString(" END")
	return b.String()
}
func (n *Cast) String() string {
	return "CAST(" + n.X.String() + " AS " + strings.ToUpper(n.To.SimpleString()) + ")"
}
func (n *Alias) String() string    { return n.Name }
func (n *GetField) String() string { return n.X.String() + "." + n.Field }
func (n *GetItem) String() string  { return n.X.String() + "[" + n.Index.String() + "]" }
func (n *IsNull) String() string {
	if n.Not {
		return "(" + n.X.String() + " IS NOT NULL)"
	}
	return "(" + n.X.String() + " IS NULL)"
}
func (n *In) String() string {
	items := make([]string, len(n.List))
	for i, a := range n.List {
		items[i] = a.String()
	}
	not := ""
	if n.Not {
		not = "NOT "
	}
	return "(" + n.X.String() + " " + not + "IN (" + strings.Join(items, ", ") + "))"
}
func (n *Between) String() string {
	return "(" + n.X.String() + " BETWEEN " + n.Lo.String() + " AND " + n.Hi.String() + ")"
}
func (n *Like) String() string {
	op := " LIKE "
	if n.Regex {
		op = " RLIKE "
	}
	return n.X.String() + op + n.Pattern.String()
}
func (n *SortOrder) String() string {
	if n.Descending {
		return n.X.String() + " DESC NULLS LAST"
	}
	return n.X.String() + " ASC NULLS FIRST"
}
