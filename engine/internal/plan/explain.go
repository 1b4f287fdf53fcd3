package plan

import (
	"fmt"
	"strings"

	"github.com/runnel-go/runnel/engine/internal/expr"
)

// TreeString renders a plan as an indented tree, one node per line with its arguments,
// as Spark's explain() lists a logical plan.
func TreeString(n Node) string {
	var b strings.Builder
	writeTree(&b, n, "", true, true)
	return b.String()
}

func writeTree(b *strings.Builder, n Node, prefix string, last, root bool) {
	if !root {
		b.WriteString(prefix)
		if last {
			b.WriteString("+- ")
			prefix += "   "
		} else {
			b.WriteString(":- ")
			prefix += ":  "
		}
	}
	b.WriteString(n.Name())
	if args := describe(n); args != "" {
		b.WriteString(" " + args)
	}
	b.WriteByte('\n')
	ch := n.Children()
	for i, c := range ch {
		writeTree(b, c, prefix, i == len(ch)-1, false)
	}
}

func exprList(ns []expr.Node) string {
	parts := make([]string, len(ns))
	for i, e := range ns {
		e = Strip(e)
		if a, ok := e.(*expr.Alias); ok {
			parts[i] = a.X.String() + " AS " + a.Name
		} else {
			parts[i] = e.String()
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func describe(n Node) string {
	switch x := n.(type) {
	case *Relation:
		return "[" + strings.Join(x.Out.Names(), ", ") + "]"
	case *StreamSource:
		return fmt.Sprintf("%s [%s] %s", x.Format, strings.Join(x.Out.Names(), ", "), strings.Join(x.Paths, ","))
	case *Project:
		return exprList(x.Exprs)
	case *Filter:
		return Strip(x.Cond).String()
	case *Generate:
		return x.Func + "(" + Strip(x.Arg).String() + ") AS [" + strings.Join(x.GenNames, ", ") + "]"
	case *Aggregate:
		aggs := make([]string, len(x.Aggs))
		for i, a := range x.Aggs {
			aggs[i] = a.Text
		}
		return exprList(x.Keys) + " [" + strings.Join(aggs, ", ") + "]"
	case *Deduplicate:
		names := make([]string, len(x.Keys))
		for i, k := range x.Keys {
			names[i] = x.Schema().Fields[k].Name
		}
		return "[" + strings.Join(names, ", ") + "]"
	case *Sort:
		parts := make([]string, len(x.Orders))
		for i, o := range x.Orders {
			parts[i] = (&expr.SortOrder{X: Strip(o.X), Descending: o.Descending, NullsFirst: o.NullsFirst}).String()
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case *Limit:
		return fmt.Sprint(x.N)
	case *Watermark:
		return fmt.Sprintf("%s, %d microseconds", x.Column, x.DelayMicros)
	case *SubqueryAlias:
		return x.Alias
	case *Join:
		s := x.Type.String()
		if len(x.LeftKeys) > 0 {
			s += " " + exprList(x.LeftKeys) + " = " + exprList(x.RightKeys)
		}
		if x.Cond != nil {
			s += ", " + x.Cond.String()
		}
		return s
	}
	return ""
}
