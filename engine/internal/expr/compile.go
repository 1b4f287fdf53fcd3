package expr

import (
	"fmt"
	"math"
	"math/rand"
	"sort"
	"strings"
	"time"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/internal/interval"
	"github.com/runnel-go/runnel/engine/types"
)

// Evaluator is a compiled expression. Eval computes it for every row of a batch at once
// and returns a vector of b.N rows. The result may share memory with b's columns or with
// earlier results (for a constant), so callers must treat it as read-only. An Evaluator
// keeps state across calls (rand's generator) and is not safe for concurrent use.
type Evaluator interface {
	Type() types.DataType
	Nullable() bool
	Eval(b *batch.Batch) (*batch.Vector, error)
}

// Options carry what evaluation needs from the session and the query.
type Options struct {
	// Location is the session time zone (spark.sql.session.timeZone); nil means the
	// system zone, Spark's default.
	Location *time.Location
	// Seed seeds rand() and randn() called without a seed; each such call gets its own
	// generator, seeded from Seed and its position in the expression.
	Seed int64
	// Now returns the current batch's timestamp, used by current_timestamp() and
	// current_date(); nil means time.Now.
	Now func() time.Time
	// Qualifiers, when set, has one entry per schema field listing the names that may
	// qualify it ("s" in s.name: table names and aliases).
	Qualifiers [][]string
}

func (o Options) location() *time.Location {
	if o.Location == nil {
		return time.Local
	}
	return o.Location
}

// AnalysisError is an error found while resolving or typing an expression, with Spark's
// error class ("UNRESOLVED_COLUMN.WITH_SUGGESTION") and full message.
type AnalysisError struct {
	Class   string
	Message string
}

func (e *AnalysisError) Error() string { return e.Message }

func analysisErr(class, format string, args ...any) *AnalysisError {
	return &AnalysisError{Class: class, Message: "[" + class + "] " + fmt.Sprintf(format, args...)}
}

// evaluator is the one implementation of Evaluator: a typed closure.
type evaluator struct {
	typ      types.DataType
	nullable bool
	fn       func(b *batch.Batch) (*batch.Vector, error)
	// constant is set for literals and expressions folded to one; value is its value.
	constant bool
	value    any
	// node is the expression compiled, for messages.
	node Node
}

func (e *evaluator) Type() types.DataType                       { return e.typ }
func (e *evaluator) Nullable() bool                             { return e.nullable }
func (e *evaluator) Eval(b *batch.Batch) (*batch.Vector, error) { return e.fn(b) }

// Compile resolves n against schema, checks and coerces types as Spark does, and returns
// an evaluator for whole batches of that schema. Aggregates, generators (explode) and
// window() are planned by the caller and are rejected here.
func Compile(n Node, schema *types.StructType, opts Options) (Evaluator, error) {
	c := &compiler{schema: schema, opts: opts, loc: opts.location()}
	e, err := c.compile(n)
	if err != nil {
		return nil, err
	}
	return e, nil
}

type compiler struct {
	schema *types.StructType
	opts   Options
	loc    *time.Location
	rands  int // rand() calls seen, to give each its own seed
}

// constEval returns an evaluator that yields value for every row; it keeps the last
// vector it built and reuses it for batches of the same size.
func constEval(t types.DataType, value any, node Node) *evaluator {
	var cached *batch.Vector
	return &evaluator{typ: t, nullable: value == nil, constant: true, value: value, node: node,
		fn: func(b *batch.Batch) (*batch.Vector, error) {
			if cached == nil || cached.Len() != b.N {
				cached = constVec(t, value, b.N)
			}
			return cached, nil
		}}
}

func (c *compiler) compile(n Node) (*evaluator, error) {
	switch x := n.(type) {
	case nil:
		return nil, fmt.Errorf("compiling a nil expression")
	case *Literal:
		v, t := normalizeLiteral(x.Value, x.Type)
		return constEval(t, v, n), nil
	case *TypedLiteral:
		return c.typedLiteral(x)
	case *ColumnRef:
		return c.column(x)
	case *Star:
		return nil, analysisErr("INVALID_USAGE_OF_STAR_OR_REGEX", "Invalid usage of '*' in expression.")
	case *Alias:
		return c.compile(x.X)
	case *SortOrder:
		return c.compile(x.X)
	case *Unary:
		return c.unary(x)
	case *Binary:
		return c.binary(x)
	case *Call:
		return c.call(x)
	case *Case:
		return c.caseWhen(x)
	case *Cast:
		e, err := c.compile(x.X)
		if err != nil {
			return nil, err
		}
		if !canCast(e.typ, x.To) {
			return nil, analysisErr("DATATYPE_MISMATCH.CAST_WITHOUT_SUGGESTION",
				"Cannot resolve \"%s\" due to data type mismatch: cannot cast \"%s\" to \"%s\".", x.String(), TypeSQL(e.typ), TypeSQL(x.To))
		}
		return c.cast(e, x.To), nil
	case *GetField:
		e, err := c.compile(x.X)
		if err != nil {
			return nil, err
		}
		return c.extractField(e, x.Field, x.X.String())
	case *GetItem:
		return c.getItem(x)
	case *IsNull:
		e, err := c.compile(x.X)
		if err != nil {
			return nil, err
		}
		return isNullEval(e, x.Not, n), nil
	case *In:
		if len(x.List) == 0 {
			return constEval(types.BooleanType, x.Not, n), nil
		}
		var or Node
		for _, item := range x.List {
			var eq Node = &Binary{Op: "=", L: x.X, R: item}
			if or == nil {
				or = eq
			} else {
				or = &Binary{Op: "OR", L: or, R: eq}
			}
		}
		if x.Not {
			or = &Unary{Op: "NOT", X: or}
		}
		return c.compile(or)
	case *Between:
		var and Node = &Binary{Op: "AND", L: &Binary{Op: ">=", L: x.X, R: x.Lo}, R: &Binary{Op: "<=", L: x.X, R: x.Hi}}
		if x.Not {
			and = &Unary{Op: "NOT", X: and}
		}
		return c.compile(and)
	case *Like:
		return c.like(x)
	}
	return nil, fmt.Errorf("cannot compile expression %s (%T)", n, n)
}

// normalizeLiteral turns Go values that code may put in a Literal (int, time.Time, ...)
// into internal values and infers a missing type.
func normalizeLiteral(v any, t types.DataType) (any, types.DataType) {
	switch x := v.(type) {
	case int:
		if t == nil || t.ID() == types.IntegerID {
			if x >= math.MinInt32 && x <= math.MaxInt32 {
				return int32(x), types.IntegerType
			}
		}
		v = int64(x)
		if t == nil {
			t = types.LongType
		}
	case int8:
		v, t = int32(x), types.IntegerType
	case int16:
		v, t = int32(x), types.IntegerType
	case uint8:
		v, t = int32(x), types.IntegerType
	case uint16:
		v, t = int32(x), types.IntegerType
	case uint32:
		v, t = int64(x), types.LongType
	case time.Time:
		if t != nil && t.ID() == types.DateID {
			return civilDays(x.Year(), x.Month(), x.Day()), t
		}
		return x.UnixMicro(), types.TimestampType
	case time.Duration:
		return batch.Interval{Micros: x.Microseconds()}, types.IntervalType
	}
	if t == nil {
		switch v.(type) {
		case nil:
			t = types.NullType
		case string:
			t = types.StringType
		case int32:
			t = types.IntegerType
		case int64:
			t = types.LongType
		case float64:
			t = types.DoubleType
		case float32:
			t = types.FloatType
		case bool:
			t = types.BooleanType
		case []byte:
			t = types.BinaryType
		case batch.Interval:
			t = types.IntervalType
		default:
			t = types.StringType
			v = fmt.Sprint(v)
		}
	}
	// A value of another integer width than the type says (Lit(int64(1)) typed integer).
	switch t.ID() {
	case types.IntegerID:
		if l, ok := v.(int64); ok {
			v = int32(l)
		}
	case types.LongID:
		if i, ok := v.(int32); ok {
			v = int64(i)
		}
	case types.DoubleID:
		switch y := v.(type) {
		case int32:
			v = float64(y)
		case int64:
			v = float64(y)
		case float32:
			v = float64(y)
		}
	}
	return v, t
}

func (c *compiler) typedLiteral(x *TypedLiteral) (*evaluator, error) {
	var zones zoneCache
	switch x.Type.ID() {
	case types.TimestampID:
		if m, ok := parseTimestamp(x.Text, c.loc, &zones); ok {
			return constEval(types.TimestampType, m, x), nil
		}
	case types.DateID:
		if d, ok := parseDate(x.Text); ok {
			return constEval(types.DateType, d, x), nil
		}
	default:
		return c.compile(&Cast{X: &Literal{Value: x.Text, Type: types.StringType}, To: x.Type})
	}
	return nil, analysisErr("INVALID_TYPED_LITERAL", "The value of the typed literal %s is invalid: '%s'.",
		"\""+strings.ToUpper(x.Type.TypeName())+"\"", x.Text)
}

func parseIntervalString(s string) (batch.Interval, error) {
	iv, err := interval.Parse(s)
	if err != nil {
		return batch.Interval{}, err
	}
	return batch.Interval{Months: iv.Months, Days: iv.Days, Micros: iv.Micros}, nil
}

// cast wraps e in a cast to t (nothing when e already has type t).
func (c *compiler) cast(e *evaluator, t types.DataType) *evaluator {
	if types.Equal(e.typ, t) {
		return e
	}
	loc := c.loc
	if e.constant {
		return constEval(t, castValue(e.value, e.typ, t, loc), e.node)
	}
	nullable := e.nullable
	switch {
	case e.typ.ID() == types.StringID && t.ID() != types.StringID, t.ID() == types.TimestampID && isNumID(e.typ.ID()):
		nullable = true
	}
	return &evaluator{typ: t, nullable: nullable, node: e.node, fn: func(b *batch.Batch) (*batch.Vector, error) {
		v, err := e.fn(b)
		if err != nil {
			return nil, err
		}
		return castVector(v, t, loc, b.N), nil
	}}
}

// column resolves a column reference: a field of the schema, possibly qualified, followed
// by struct fields.
func (c *compiler) column(ref *ColumnRef) (*evaluator, error) {
	parts := ref.Parts
	if len(parts) == 0 {
		return nil, fmt.Errorf("empty column reference")
	}
	if len(parts) == 1 && parts[0] == "*" {
		return nil, analysisErr("INVALID_USAGE_OF_STAR_OR_REGEX", "Invalid usage of '*' in expression.")
	}
	idx, rest, err := c.resolveField(parts)
	if err != nil {
		return nil, err
	}
	if idx < 0 {
		return nil, c.unresolved(parts)
	}
	f := c.schema.Fields[idx]
	e := &evaluator{typ: f.DataType, nullable: f.Nullable, node: ref, fn: func(b *batch.Batch) (*batch.Vector, error) {
		if idx >= len(b.Cols) {
			return nil, fmt.Errorf("column %s: batch has %d columns, expected at least %d", f.Name, len(b.Cols), idx+1)
		}
		return b.Cols[idx], nil
	}}
	path := f.Name
	for _, p := range rest {
		e, err = c.extractField(e, p, path)
		if err != nil {
			return nil, err
		}
		path += "." + p
	}
	return e, nil
}

// resolveField finds the schema field that parts name and returns the remaining parts
// (struct fields). It returns -1 when nothing matches.
func (c *compiler) resolveField(parts []string) (int, []string, error) {
	match := func(name string, qual string) []int {
		var out []int
		for i, f := range c.schema.Fields {
			if !strings.EqualFold(f.Name, name) {
				continue
			}
			if qual != "" {
				ok := false
				if i < len(c.opts.Qualifiers) {
					for _, q := range c.opts.Qualifiers[i] {
						if strings.EqualFold(q, qual) {
							ok = true
						}
					}
				}
				if !ok {
					continue
				}
			}
			out = append(out, i)
		}
		return out
	}
	ambiguous := func(name string, idx []int) error {
		cands := make([]string, len(idx))
		for k, i := range idx {
			cands[k] = c.candidateName(i)
		}
		return analysisErr("AMBIGUOUS_REFERENCE", "Reference %s is ambiguous, could be: [%s].", quoteID(name), strings.Join(cands, ", "))
	}
	// qualifier.column first, as Spark tries it first.
	if len(parts) >= 2 && c.opts.Qualifiers != nil {
		if m := match(parts[1], parts[0]); len(m) == 1 {
			return m[0], parts[2:], nil
		} else if len(m) > 1 {
			return 0, nil, ambiguous(parts[0]+"."+parts[1], m)
		}
	}
	m := match(parts[0], "")
	if len(m) > 1 {
		// An exact-case match wins over case-insensitive ones only if it is unique.
		var exact []int
		for _, i := range m {
			if c.schema.Fields[i].Name == parts[0] {
				exact = append(exact, i)
			}
		}
		if len(exact) != 1 {
			return 0, nil, ambiguous(parts[0], m)
		}
		m = exact
	}
	if len(m) == 1 {
		return m[0], parts[1:], nil
	}
	// A qualifier we know nothing about: ignore it if the rest names a column.
	if len(parts) >= 2 && c.opts.Qualifiers == nil {
		if m := match(parts[1], ""); len(m) == 1 {
			return m[0], parts[2:], nil
		}
	}
	return -1, nil, nil
}

func (c *compiler) candidateName(i int) string {
	name := quoteID(c.schema.Fields[i].Name)
	if i < len(c.opts.Qualifiers) && len(c.opts.Qualifiers[i]) > 0 {
		return quoteID(c.opts.Qualifiers[i][0]) + "." + name
	}
	return name
}

// quoteID is Spark's toSQLId for one name part: `name` with backquotes doubled.
func quoteID(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

// unresolved is Spark's UNRESOLVED_COLUMN error, suggesting the existing columns ordered
// by similarity to the missing name.
func (c *compiler) unresolved(parts []string) error {
	q := make([]string, len(parts))
	for i, p := range parts {
		q[i] = quoteID(p)
	}
	name := strings.Join(q, ".")
	if len(c.schema.Fields) == 0 {
		return analysisErr("UNRESOLVED_COLUMN.WITHOUT_SUGGESTION",
			"A column or function parameter with name %s cannot be resolved.", name)
	}
	type cand struct {
		text string
		dist int
	}
	base := parts[len(parts)-1]
	cands := make([]cand, len(c.schema.Fields))
	for i, f := range c.schema.Fields {
		d := levenshtein(f.Name, base)
		if len(parts) > 1 {
			d = levenshtein(strings.Join(append(c.qualifierOf(i), f.Name), "."), strings.Join(parts, "."))
		}
		cands[i] = cand{c.candidateName(i), d}
	}
	sort.SliceStable(cands, func(a, b int) bool { return cands[a].dist < cands[b].dist })
	list := make([]string, len(cands))
	for i, cd := range cands {
		list[i] = cd.text
	}
	return analysisErr("UNRESOLVED_COLUMN.WITH_SUGGESTION",
		"A column or function parameter with name %s cannot be resolved. Did you mean one of the following? [%s].",
		name, strings.Join(list, ", "))
}

func (c *compiler) qualifierOf(i int) []string {
	if i < len(c.opts.Qualifiers) && len(c.opts.Qualifiers[i]) > 0 {
		return c.opts.Qualifiers[i][:1]
	}
	return nil
}

func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// extractField is struct.field: the field's vector, null where the struct is null.
func (c *compiler) extractField(e *evaluator, field, path string) (*evaluator, error) {
	st, ok := e.typ.(*types.StructType)
	if !ok {
		if e.typ.ID() == types.MapID {
			key := &evaluator{typ: types.StringType, constant: true, value: field}
			return c.mapLookup(e, constEval(types.StringType, field, key.node))
		}
		return nil, analysisErr("INVALID_EXTRACT_BASE_FIELD_TYPE",
			"Can't extract a value from \"%s\". Need a complex type [STRUCT, ARRAY, MAP] but got \"%s\".", path, TypeSQL(e.typ))
	}
	fi := -1
	for i, f := range st.Fields {
		if f.Name == field {
			fi = i
			break
		}
	}
	if fi < 0 {
		for i, f := range st.Fields {
			if strings.EqualFold(f.Name, field) {
				fi = i
				break
			}
		}
	}
	if fi < 0 {
		names := make([]string, len(st.Fields))
		for i, f := range st.Fields {
			names[i] = quoteID(f.Name)
		}
		return nil, analysisErr("FIELD_NOT_FOUND", "No such struct field %s in %s.", quoteID(field), strings.Join(names, ", "))
	}
	f := st.Fields[fi]
	return &evaluator{typ: f.DataType, nullable: e.nullable || f.Nullable, fn: func(b *batch.Batch) (*batch.Vector, error) {
		v, err := e.fn(b)
		if err != nil {
			return nil, err
		}
		child := v.Children[fi]
		if v.Nulls == nil {
			return child, nil
		}
		nulls := orNulls(b.N, v, child)
		return withNulls(child, nulls), nil
	}}, nil
}

func isNullEval(e *evaluator, not bool, n Node) *evaluator {
	return &evaluator{typ: types.BooleanType, node: n, fn: func(b *batch.Batch) (*batch.Vector, error) {
		v, err := e.fn(b)
		if err != nil {
			return nil, err
		}
		out := newVec(types.BooleanType, b.N)
		if v.Nulls != nil {
			copy(out.Bool, v.Nulls[:b.N])
		}
		if not {
			for i := range out.Bool {
				out.Bool[i] = !out.Bool[i]
			}
		}
		return out, nil
	}}
}

func (c *compiler) unary(x *Unary) (*evaluator, error) {
	e, err := c.compile(x.X)
	if err != nil {
		return nil, err
	}
	switch x.Op {
	case "NOT":
		e, err = c.expectBool(e, x)
		if err != nil {
			return nil, err
		}
		return &evaluator{typ: types.BooleanType, nullable: e.nullable, node: x, fn: func(b *batch.Batch) (*batch.Vector, error) {
			v, err := e.fn(b)
			if err != nil {
				return nil, err
			}
			out := newVec(types.BooleanType, b.N)
			for i, t := range v.Bool[:b.N] {
				out.Bool[i] = !t
			}
			out.Nulls = orNulls(b.N, v)
			return out, nil
		}}, nil
	case "+":
		return e, nil
	case "-", "~":
		if (e.typ.ID() == types.StringID || e.typ.ID() == types.NullID) && x.Op == "-" {
			e = c.cast(e, types.DoubleType)
		}
		id := e.typ.ID()
		if x.Op == "-" && id == types.IntervalID {
			return c.rowFunc(x, types.IntervalType, []*evaluator{e}, func(a []any) any {
				iv := a[0].(batch.Interval)
				return batch.Interval{Months: -iv.Months, Days: -iv.Days, Micros: -iv.Micros}
			}), nil
		}
		if !isNumID(id) || x.Op == "~" && (id == types.DoubleID || id == types.FloatID) {
			return nil, analysisErr("DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
				"Cannot resolve \"%s\" due to data type mismatch: the input of \"%s\" requires the \"NUMERIC\" type, however %s has the type \"%s\".",
				x.String(), x.String(), x.X.String(), TypeSQL(e.typ))
		}
		op := x.Op
		return &evaluator{typ: e.typ, nullable: e.nullable, node: x, fn: func(b *batch.Batch) (*batch.Vector, error) {
			v, err := e.fn(b)
			if err != nil {
				return nil, err
			}
			out := newVec(v.Type, b.N)
			switch v.Type.ID() {
			case types.IntegerID:
				for i, a := range v.I32[:b.N] {
					if op == "-" {
						out.I32[i] = -a
					} else {
						out.I32[i] = ^a
					}
				}
			case types.LongID:
				for i, a := range v.I64[:b.N] {
					if op == "-" {
						out.I64[i] = -a
					} else {
						out.I64[i] = ^a
					}
				}
			case types.DoubleID:
				for i, a := range v.F64[:b.N] {
					out.F64[i] = -a
				}
			case types.FloatID:
				for i, a := range v.F32[:b.N] {
					out.F32[i] = -a
				}
			}
			out.Nulls = orNulls(b.N, v)
			return out, nil
		}}, nil
	}
	return nil, fmt.Errorf("unknown unary operator %q", x.Op)
}

// expectBool casts e to boolean where Spark would (strings, null) or fails.
func (c *compiler) expectBool(e *evaluator, n Node) (*evaluator, error) {
	switch e.typ.ID() {
	case types.BooleanID:
		return e, nil
	case types.NullID, types.StringID:
		return c.cast(e, types.BooleanType), nil
	}
	return nil, analysisErr("DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
		"Cannot resolve \"%s\" due to data type mismatch: the input of \"%s\" requires the \"BOOLEAN\" type, however \"%s\" has the type \"%s\".",
		n.String(), n.String(), e.node, TypeSQL(e.typ))
}

// rowFunc is the generic slow path: fn sees each row's argument values boxed and is not
// called when any argument is null (the result is then null).
func (c *compiler) rowFunc(n Node, t types.DataType, args []*evaluator, fn func(a []any) any) *evaluator {
	return c.rowFuncNulls(n, t, args, false, fn)
}

// rowFuncNulls is rowFunc; with passNulls fn also sees rows with null arguments.
func (c *compiler) rowFuncNulls(n Node, t types.DataType, args []*evaluator, passNulls bool, fn func(a []any) any) *evaluator {
	nullable := true
	return &evaluator{typ: t, nullable: nullable, node: n, fn: func(b *batch.Batch) (*batch.Vector, error) {
		vs := make([]*batch.Vector, len(args))
		for i, a := range args {
			v, err := a.fn(b)
			if err != nil {
				return nil, err
			}
			vs[i] = v
		}
		out := newVec(t, b.N)
		vals := make([]any, len(args))
	rows:
		for r := 0; r < b.N; r++ {
			for i, v := range vs {
				vals[i] = v.Get(r)
				if vals[i] == nil && !passNulls {
					setNull(out, r)
					continue rows
				}
			}
			setValue(out, r, fn(vals))
		}
		return out, nil
	}}
}

// newRand returns the generator of one rand()/randn() call: seeded by its explicit seed
// or by the query's seed and the call's position.
func (c *compiler) newRand(seed *int64) *rand.Rand {
	c.rands++
	s := c.opts.Seed*31 + int64(c.rands)
	if seed != nil {
		s = *seed
	}
	return rand.New(rand.NewSource(s))
}
