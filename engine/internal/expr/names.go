package expr

import (
	"strconv"
	"strings"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/internal/show"
	"github.com/runnel-go/runnel/engine/types"
)

// The String methods give Spark's text for an expression (what Spark's toPrettySQL
// prints), which is also the column name Spark derives for an unaliased expression
// nested in another. OutputName gives the name of a top-level select item.

func (n *ColumnRef) String() string { return strings.Join(n.Parts, ".") }
func (n *Star) String() string {
	if n.Qualifier != "" {
		return n.Qualifier + ".*"
	}
	return "*"
}

// String prints a literal as Spark names it: strings and numbers by their value ("a",
// "1", "1.5", "1.0E7"), booleans "true"/"false", null "NULL".
func (n *Literal) String() string {
	if n.Value == nil {
		return "NULL"
	}
	switch v := n.Value.(type) {
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case int32:
		if n.Type != nil && n.Type.ID() == types.DateID {
			return "DATE '" + show.FormatDate(v) + "'"
		}
		return strconv.FormatInt(int64(v), 10)
	case int64:
		if n.Type != nil && n.Type.ID() == types.TimestampID {
			return "TIMESTAMP '" + show.FormatTimestamp(v, nil) + "'"
		}
		return strconv.FormatInt(v, 10)
	case int:
		return strconv.Itoa(v)
	case float64:
		return show.FormatDouble(v)
	case float32:
		return show.FormatFloat(v)
	case batch.Interval:
		return "INTERVAL '" + show.FormatInterval(v) + "'"
	}
	return show.FormatValue(n.Value, n.Type, nil)
}

func (n *TypedLiteral) String() string {
	return strings.ToUpper(n.Type.SimpleString()) + " '" + n.Text + "'"
}

func (n *Unary) String() string {
	switch n.Op {
	case "NOT":
		return "(NOT " + n.X.String() + ")"
	case "~":
		return "~" + n.X.String()
	}
	return "(" + n.Op + " " + n.X.String() + ")"
}

func (n *Binary) String() string {
	l, r := n.L.String(), n.R.String()
	switch n.Op {
	case "==":
		return "(" + l + " = " + r + ")"
	case "!=", "<>":
		return "(NOT (" + l + " = " + r + "))"
	case "||":
		return "concat(" + l + ", " + r + ")"
	}
	return "(" + l + " " + n.Op + " " + r + ")"
}

// defaultArgs lists the trailing arguments Spark fills in for functions called with
// fewer, which show in the derived name: split(value,  , -1), round(x, 0).
var defaultArgs = map[string]struct {
	given int
	extra string
}{
	"split":             {2, "-1"},
	"round":             {1, "0"},
	"bround":            {1, "0"},
	"regexp_extract":    {2, "1"},
	"substring":         {2, "2147483647"},
	"substr":            {2, "2147483647"},
	"unix_timestamp":    {1, "yyyy-MM-dd HH:mm:ss"},
	"from_unixtime":     {1, "yyyy-MM-dd HH:mm:ss"},
	"to_unix_timestamp": {1, "yyyy-MM-dd HH:mm:ss"},
}

func (n *Call) String() string {
	args := make([]string, 0, len(n.Args)+1)
	for _, a := range n.Args {
		args = append(args, a.String())
	}
	name := n.Name
	switch name {
	case "count":
		if len(n.Args) == 1 && isStarArg(n.Args[0]) {
			args[0] = "1"
		}
	case "if":
		if len(args) == 3 {
			return "(IF(" + strings.Join(args, ", ") + "))"
		}
	case "isnull":
		if len(args) == 1 {
			return "(" + args[0] + " IS NULL)"
		}
	case "isnotnull":
		if len(args) == 1 {
			return "(" + args[0] + " IS NOT NULL)"
		}
	case "ceil", "ceiling", "floor":
		// Spark 3.3+ prints these through an expression builder, upper case.
		name = strings.ToUpper(name)
		if name == "CEILING" {
			name = "ceiling"
		}
	case "unix_timestamp":
		if len(args) == 0 {
			args = append(args, "current_timestamp()")
		}
	case "countdistinct", "count_distinct":
		return "count(DISTINCT " + strings.Join(args, ", ") + ")"
	}
	if d, ok := defaultArgs[n.Name]; ok && len(args) == d.given {
		args = append(args, d.extra)
	}
	dist := ""
	if n.Distinct {
		dist = "DISTINCT "
	}
	return name + "(" + dist + strings.Join(args, ", ") + ")"
}

// isStarArg reports count's * argument: a Star, a ColumnRef "*" or a literal "*"
// (PySpark's count("*")).
func isStarArg(n Node) bool {
	switch a := n.(type) {
	case *Star:
		return a.Qualifier == ""
	case *ColumnRef:
		return len(a.Parts) == 1 && a.Parts[0] == "*"
	}
	return false
}

// String prints the searched form; the simple form CASE x WHEN v prints as Spark rewrites
// it, CASE WHEN (x = v).
func (n *Case) String() string {
	var b strings.Builder
	b.WriteString("CASE")
	for _, w := range n.Whens {
		cond := w.Cond.String()
		if n.Operand != nil {
			cond = "(" + n.Operand.String() + " = " + cond + ")"
		}
		b.WriteString(" WHEN " + cond + " THEN " + w.Value.String())
	}
	if n.Else != nil {
		b.WriteString(" ELSE " + n.Else.String())
	}
	b.WriteString(" END")
	return b.String()
}

func (n *Cast) String() string {
	return "CAST(" + n.X.String() + " AS " + TypeSQL(n.To) + ")"
}

// TypeSQL is Spark's DataType.sql: INT, BIGINT, STRING, TIMESTAMP, ARRAY<STRING>,
// MAP<STRING, INT>, STRUCT<a: INT, b: STRING>.
func TypeSQL(t types.DataType) string {
	switch x := t.(type) {
	case *types.ArrayType:
		return "ARRAY<" + TypeSQL(x.ElementType) + ">"
	case *types.MapType:
		return "MAP<" + TypeSQL(x.KeyType) + ", " + TypeSQL(x.ValueType) + ">"
	case *types.StructType:
		parts := make([]string, len(x.Fields))
		for i, f := range x.Fields {
			parts[i] = f.Name + ": " + TypeSQL(f.DataType)
		}
		return "STRUCT<" + strings.Join(parts, ", ") + ">"
	}
	if t.ID() == types.NullID {
		return "VOID"
	}
	return strings.ToUpper(t.SimpleString())
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
	s := "(" + n.X.String() + " IN (" + strings.Join(items, ", ") + "))"
	if n.Not {
		return "(NOT " + s + ")"
	}
	return s
}

// String prints BETWEEN the way Spark 3.5 rewrites it: a conjunction of two comparisons.
func (n *Between) String() string {
	x := n.X.String()
	s := "((" + x + " >= " + n.Lo.String() + ") AND (" + x + " <= " + n.Hi.String() + "))"
	if n.Not {
		return "(NOT " + s + ")"
	}
	return s
}
func (n *Like) String() string {
	op := " LIKE "
	if n.Regex {
		op = " RLIKE "
	}
	s := n.X.String() + op + n.Pattern.String()
	if n.Not {
		return "(NOT " + s + ")"
	}
	return s
}
func (n *SortOrder) String() string {
	dir, nulls := " ASC", " NULLS FIRST"
	if n.Descending {
		dir = " DESC"
	}
	if !n.NullsFirst {
		nulls = " NULLS LAST"
	}
	return n.X.String() + dir + nulls
}

// OutputName is the column name Spark gives a top-level select item: an alias's name; the
// last part of a column path ("window.start" gives "start"); for anything else its
// String ("sum(amount)", "(amount * price)", "CAST(dt.x AS TIMESTAMP)", "count(1)").
// Generators (explode) and window functions are named by the plan ("col", "window").
func OutputName(n Node) string {
	switch x := n.(type) {
	case *Alias:
		return x.Name
	case *ColumnRef:
		if len(x.Parts) > 0 {
			return x.Parts[len(x.Parts)-1]
		}
	case *Cast:
		// Spark's analyzer names a cast of a plain column after the column
		// (ResolveAliases: Cast(ne: NamedExpression) => Alias(c, ne.name)).
		if ref, ok := x.X.(*ColumnRef); ok && len(ref.Parts) == 1 {
			return ref.Parts[0]
		}
	case *Call:
		switch x.Name {
		case "window", "session_window":
			return x.Name
		case "explode", "explode_outer":
			return "col"
		}
	}
	return n.String()
}
