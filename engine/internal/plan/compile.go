package plan

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/internal/expr"
	"github.com/runnel-go/runnel/engine/types"
)

// Evaluator computes one expression over whole batches. expr.Compile's evaluators satisfy it.
type Evaluator interface {
	Type() types.DataType
	Nullable() bool
	Eval(b *batch.Batch) (*batch.Vector, error)
}

// Options are what evaluation needs from the session and the running query.
type Options struct {
	// Location is the session time zone; nil means UTC.
	Location *time.Location
	// Now gives the current batch's timestamp (current_timestamp()); nil means time.Now.
	Now func() time.Time
	// Seed seeds rand() without a seed.
	Seed int64
	// Qualifiers lists, per input column, the names that may qualify it (table names and
	// aliases: "s" in s.name); nil when none do.
	Qualifiers [][]string
}

// CompileIn compiles n over the output of node, with its columns' qualifiers.
func CompileIn(node Node, n expr.Node) (Evaluator, error) {
	return CompileWith(n, node.Schema(), Options{Qualifiers: Qualifiers(node)})
}

// Compile compiles n over schema with default options: for analysis, where only types
// and errors matter.
func Compile(n expr.Node, schema *types.StructType) (Evaluator, error) {
	return CompileWith(n, schema, Options{})
}

// CompileWith compiles n over schema. Column references, aliases and literals are
// handled here directly (they are the bulk of projections and cost nothing); everything
// else is compiled by the expression package.
func CompileWith(n expr.Node, schema *types.StructType, opts Options) (Evaluator, error) {
	n = Strip(n)
	if _, top := n.(*OrdinalRef); !top {
		n, schema = bindOrdinals(n, schema)
	}
	switch x := n.(type) {
	case *expr.Alias:
		return CompileWith(x.X, schema, opts)
	case *expr.ColumnRef:
		if ev, ok := resolveRef(x.Parts, schema); ok && !qualifies(opts.Qualifiers, x.Parts[0]) {
			return ev, nil
		}
	case *expr.Literal:
		return &literal{v: x.Value, t: x.Type}, nil
	case *OrdinalRef:
		f := schema.Fields[x.Index]
		return &columnRef{index: x.Index, t: f.DataType, null: f.Nullable}, nil
	}
	return compileExpr(n, schema, opts)
}

// OutputName is the column name Spark gives n: its alias, a column's (last) name, or the
// expression's text.
func OutputName(n expr.Node) string {
	switch x := n.(type) {
	case *expr.Alias:
		return x.Name
	case *expr.ColumnRef:
		return x.Parts[len(x.Parts)-1]
	case *OrdinalRef:
		return x.Name
	case *expr.Cast:
		// Spark's analyzer names a cast of a plain column after the column
		// (ResolveAliases: Cast(ne: NamedExpression) => Alias(c, ne.name)).
		if ref, ok := x.X.(*expr.ColumnRef); ok && len(ref.Parts) == 1 {
			return ref.Parts[0]
		}
	case *expr.Call:
		switch x.Name {
		case "window":
			return "window"
		case "session_window":
			return "session_window"
		}
	}
	return exprOutputName(n)
}

// columnRef is a resolved reference to a column, possibly a field path inside a struct.
type columnRef struct {
	index int
	path  []int
	t     types.DataType
	null  bool
}

func (c *columnRef) Type() types.DataType { return c.t }
func (c *columnRef) Nullable() bool       { return c.null }
func (c *columnRef) Eval(b *batch.Batch) (*batch.Vector, error) {
	v := b.Cols[c.index]
	for _, p := range c.path {
		parent := v
		v = v.Children[p]
		if parent.Nulls != nil {
			// A null struct has null fields.
			w := *v
			w.Nulls = make([]bool, v.Len())
			for i := range w.Nulls {
				w.Nulls[i] = parent.Nulls[i] || v.IsNull(i)
			}
			v = &w
		}
	}
	return v, nil
}

// qualifies reports whether name is a qualifier of some column.
func qualifies(quals [][]string, name string) bool {
	for _, qs := range quals {
		for _, q := range qs {
			if strings.EqualFold(q, name) {
				return true
			}
		}
	}
	return false
}

// unique reports whether name matches exactly one field (case-insensitively).
func unique(schema *types.StructType, name string) bool {
	n := 0
	for _, f := range schema.Fields {
		if strings.EqualFold(f.Name, name) {
			n++
		}
	}
	return n == 1
}

// resolveRef finds a column (case-insensitively) and then struct fields. A name with
// dots that is itself a column (as "window.start" could be) wins over a field path.
// Names that several columns share are left to the expression compiler, which tells
// them apart by qualifier or reports the ambiguity.
func resolveRef(parts []string, schema *types.StructType) (*columnRef, bool) {
	if len(parts) == 0 {
		return nil, false
	}
	if !unique(schema, parts[0]) && !(len(parts) > 1 && unique(schema, strings.Join(parts, "."))) {
		return nil, false
	}
	if i := schema.FieldIndex(strings.Join(parts, ".")); i >= 0 && len(parts) > 1 {
		f := schema.Fields[i]
		return &columnRef{index: i, t: f.DataType, null: f.Nullable}, true
	}
	i := schema.FieldIndex(parts[0])
	if i < 0 {
		return nil, false
	}
	f := schema.Fields[i]
	ref := &columnRef{index: i, t: f.DataType, null: f.Nullable}
	for _, p := range parts[1:] {
		st, ok := ref.t.(*types.StructType)
		if !ok {
			return nil, false
		}
		j := st.FieldIndex(p)
		if j < 0 {
			return nil, false
		}
		ref.path = append(ref.path, j)
		ref.t = st.Fields[j].DataType
		ref.null = ref.null || st.Fields[j].Nullable
	}
	return ref, true
}

// ColumnIndex returns the index of the top-level column a single-part reference names,
// or -1.
func ColumnIndex(n expr.Node, schema *types.StructType) int {
	if a, ok := n.(*expr.Alias); ok {
		n = a.X
	}
	if o, ok := n.(*OrdinalRef); ok {
		return o.Index
	}
	ref, ok := n.(*expr.ColumnRef)
	if !ok {
		return -1
	}
	r, ok := resolveRef(ref.Parts, schema)
	if !ok || len(r.path) > 0 {
		return -1
	}
	return r.index
}

type literal struct {
	v any
	t types.DataType
}

func (l *literal) Type() types.DataType { return l.t }
func (l *literal) Nullable() bool       { return l.v == nil }
func (l *literal) Eval(b *batch.Batch) (*batch.Vector, error) {
	return Constant(l.v, l.t, b.N), nil
}

// Constant returns a vector of n copies of the internal value v.
func Constant(v any, t types.DataType, n int) *batch.Vector {
	out := batch.NewVector(t, n)
	if v == nil {
		for i := 0; i < n; i++ {
			out.AppendNull()
		}
		return out
	}
	switch t.ID() {
	case types.StringID:
		s := v.(string)
		for i := 0; i < n; i++ {
			out.Str = append(out.Str, s)
		}
		out.SetLen(n)
	case types.LongID, types.TimestampID:
		x := v.(int64)
		for i := 0; i < n; i++ {
			out.I64 = append(out.I64, x)
		}
		out.SetLen(n)
	case types.IntegerID, types.DateID:
		x := v.(int32)
		for i := 0; i < n; i++ {
			out.I32 = append(out.I32, x)
		}
		out.SetLen(n)
	case types.DoubleID:
		x := v.(float64)
		for i := 0; i < n; i++ {
			out.F64 = append(out.F64, x)
		}
		out.SetLen(n)
	default:
		for i := 0; i < n; i++ {
			out.Append(v)
		}
	}
	return out
}

// unresolvedColumn is Spark's message for a name that is not a column of schema.
func unresolvedColumn(name string, schema *types.StructType) error {
	cols := make([]string, len(schema.Fields))
	for i, f := range schema.Fields {
		cols[i] = "`" + f.Name + "`"
	}
	return fmt.Errorf("[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column or function parameter with name `%s` cannot be resolved. Did you mean one of the following? [%s].",
		name, strings.Join(cols, ", "))
}

// bindOrdinals rewrites positional references nested in n (a cast of a column chosen by
// position) as references to internal names given to those columns in a copy of schema;
// evaluators read columns by index, so the copy serves for the real batches.
func bindOrdinals(n expr.Node, schema *types.StructType) (expr.Node, *types.StructType) {
	var copied *types.StructType
	n = expr.Transform(n, func(x expr.Node) expr.Node {
		o, ok := x.(*OrdinalRef)
		if !ok {
			return x
		}
		if copied == nil {
			copied = &types.StructType{Fields: append([]types.StructField(nil), schema.Fields...)}
		}
		name := "#" + strconv.Itoa(o.Index)
		copied.Fields[o.Index].Name = name
		return &expr.ColumnRef{Parts: []string{name}, Pos: -1}
	})
	if copied == nil {
		return n, schema
	}
	return n, copied
}
