package expr

import (
	"bytes"
	"regexp"
	"strings"
	"time"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/types"
)

func numRank(t types.DataType) int {
	switch t.ID() {
	case types.IntegerID:
		return 1
	case types.LongID:
		return 2
	case types.FloatID:
		return 3
	case types.DoubleID:
		return 4
	}
	return 0
}

func widerNumeric(a, b types.DataType) types.DataType {
	if numRank(a) >= numRank(b) {
		return a
	}
	return b
}

// widerType is Spark's findWiderTypeForTwo for CASE, IF, COALESCE and IN: numbers widen,
// date and timestamp give timestamp, a string with another atomic type gives string.
func widerType(a, b types.DataType) (types.DataType, bool) {
	switch {
	case types.Equal(a, b):
		return a, true
	case a.ID() == types.NullID:
		return b, true
	case b.ID() == types.NullID:
		return a, true
	case isNumID(a.ID()) && isNumID(b.ID()):
		return widerNumeric(a, b), true
	case a.ID() == types.DateID && b.ID() == types.TimestampID, a.ID() == types.TimestampID && b.ID() == types.DateID:
		return types.TimestampType, true
	case a.ID() == types.StringID && isStringPromotable(b), b.ID() == types.StringID && isStringPromotable(a):
		return types.StringType, true
	case a.ID() == types.ArrayID && b.ID() == types.ArrayID:
		e, ok := widerType(a.(*types.ArrayType).ElementType, b.(*types.ArrayType).ElementType)
		if ok {
			return types.NewArrayType(e), true
		}
	}
	return nil, false
}

func isStringPromotable(t types.DataType) bool {
	switch t.ID() {
	case types.IntegerID, types.LongID, types.FloatID, types.DoubleID, types.DateID, types.TimestampID, types.StringID:
		return true
	}
	return false
}

// comparisonType is Spark's findCommonTypeForBinaryComparison (non-ANSI): a string
// compared with a date, timestamp, number or boolean is cast to that type.
func comparisonType(a, b types.DataType) (types.DataType, bool) {
	switch {
	case types.Equal(a, b):
		return a, true
	case a.ID() == types.NullID:
		return b, true
	case b.ID() == types.NullID:
		return a, true
	case isNumID(a.ID()) && isNumID(b.ID()):
		return widerNumeric(a, b), true
	case a.ID() == types.DateID && b.ID() == types.TimestampID, a.ID() == types.TimestampID && b.ID() == types.DateID:
		return types.TimestampType, true
	case a.ID() == types.StringID && isAtomic(b):
		return b, true
	case b.ID() == types.StringID && isAtomic(a):
		return a, true
	}
	return nil, false
}

func isAtomic(t types.DataType) bool {
	switch t.ID() {
	case types.ArrayID, types.MapID, types.StructID, types.NullID, types.IntervalID:
		return false
	}
	return true
}

var arithOps = map[string]arithOp{"+": opAdd, "-": opSub, "*": opMul, "/": opDiv, "%": opMod, "div": opIDiv}
var cmpOps = map[string]cmpOp{"=": cmpEq, "==": cmpEq, "<": cmpLt, "<=": cmpLe, ">": cmpGt, ">=": cmpGe}

func (c *compiler) binary(x *Binary) (*evaluator, error) {
	op := strings.ToUpper(x.Op)
	if op == "||" {
		return c.call(&Call{Name: "concat", Args: []Node{x.L, x.R}})
	}
	if op == "!=" || op == "<>" {
		return c.compile(&Unary{Op: "NOT", X: &Binary{Op: "=", L: x.L, R: x.R}})
	}
	if op == "DIV" {
		op = "div"
	}
	l, err := c.compile(x.L)
	if err != nil {
		return nil, err
	}
	r, err := c.compile(x.R)
	if err != nil {
		return nil, err
	}
	switch op {
	case "AND", "OR":
		if l, err = c.expectBool(l, x); err != nil {
			return nil, err
		}
		if r, err = c.expectBool(r, x); err != nil {
			return nil, err
		}
		return logicEval(op == "AND", l, r, x), nil
	case "&", "|", "^":
		return c.bitwise(op, l, r, x)
	case "<=>":
		return c.comparison(cmpEq, true, l, r, x)
	}
	if k, ok := cmpOps[op]; ok {
		return c.comparison(k, false, l, r, x)
	}
	if k, ok := arithOps[op]; ok {
		return c.arithmetic(k, l, r, x)
	}
	return nil, analysisErr("PARSE_SYNTAX_ERROR", "Unknown operator %q.", x.Op)
}

func typeMismatch(x Node, l, r *evaluator) error {
	return analysisErr("DATATYPE_MISMATCH.BINARY_OP_DIFF_TYPES",
		"Cannot resolve \"%s\" due to data type mismatch: the left and right operands of the binary operator have incompatible types (\"%s\" and \"%s\").",
		x.String(), TypeSQL(l.typ), TypeSQL(r.typ))
}

func (c *compiler) arithmetic(op arithOp, l, r *evaluator, x *Binary) (*evaluator, error) {
	lid, rid := l.typ.ID(), r.typ.ID()
	// Date and time arithmetic.
	switch {
	case op == opAdd && lid == types.TimestampID && rid == types.IntervalID,
		op == opSub && lid == types.TimestampID && rid == types.IntervalID:
		return c.timestampPlusInterval(l, r, op == opSub, x), nil
	case op == opAdd && lid == types.IntervalID && rid == types.TimestampID:
		return c.timestampPlusInterval(r, l, false, x), nil
	case op == opAdd && lid == types.DateID && (rid == types.IntegerID || rid == types.LongID):
		return c.call(&Call{Name: "date_add", Args: []Node{x.L, x.R}})
	case op == opSub && lid == types.DateID && (rid == types.IntegerID || rid == types.LongID):
		return c.call(&Call{Name: "date_sub", Args: []Node{x.L, x.R}})
	case op == opSub && lid == types.DateID && rid == types.DateID:
		return c.call(&Call{Name: "datediff", Args: []Node{x.L, x.R}})
	}
	// Strings in arithmetic are read as doubles; a null literal takes the other side's type.
	if lid == types.StringID {
		l = c.cast(l, types.DoubleType)
	}
	if rid == types.StringID {
		r = c.cast(r, types.DoubleType)
	}
	if l.typ.ID() == types.NullID && r.typ.ID() == types.NullID {
		l, r = c.cast(l, types.DoubleType), c.cast(r, types.DoubleType)
	} else if l.typ.ID() == types.NullID {
		l = c.cast(l, r.typ)
	} else if r.typ.ID() == types.NullID {
		r = c.cast(r, l.typ)
	}
	if !isNumID(l.typ.ID()) || !isNumID(r.typ.ID()) {
		if types.Equal(l.typ, r.typ) {
			return nil, analysisErr("DATATYPE_MISMATCH.BINARY_OP_WRONG_TYPE",
				"Cannot resolve \"%s\" due to data type mismatch: the binary operator requires the input type \"NUMERIC\", not \"%s\".",
				x.String(), TypeSQL(l.typ))
		}
		return nil, typeMismatch(x, l, r)
	}
	var rt types.DataType
	switch op {
	case opDiv:
		rt = types.DoubleType
	case opIDiv:
		rt = types.LongType
		l, r = c.cast(l, types.LongType), c.cast(r, types.LongType)
	default:
		rt = widerNumeric(l.typ, r.typ)
	}
	nullable := l.nullable || r.nullable || op == opDiv || op == opMod || op == opIDiv
	if l.constant && r.constant {
		// Fold: evaluate on a one-row batch.
		ev := arithEval(op, rt, nullable, l, r, x)
		v, err := ev.fn(&batch.Batch{N: 1})
		if err != nil {
			return nil, err
		}
		return constEval(rt, v.Get(0), x), nil
	}
	return arithEval(op, rt, nullable, l, r, x), nil
}

func arithEval(op arithOp, rt types.DataType, nullable bool, l, r *evaluator, x Node) *evaluator {
	return &evaluator{typ: rt, nullable: nullable, node: x, fn: func(b *batch.Batch) (*batch.Vector, error) {
		lv, err := l.fn(b)
		if err != nil {
			return nil, err
		}
		rv, err := r.fn(b)
		if err != nil {
			return nil, err
		}
		out := newVec(rt, b.N)
		var zero []bool
		switch rt.ID() {
		case types.IntegerID:
			zero = arith(op, lv, rv, out.I32)
		case types.LongID:
			zero = arith(op, lv, rv, out.I64)
		case types.FloatID:
			zero = arith(op, lv, rv, out.F32)
		case types.DoubleID:
			zero = arith(op, lv, rv, out.F64)
		}
		out.Nulls = orNulls(b.N, lv, rv)
		if zero != nil {
			if out.Nulls == nil {
				out.Nulls = zero
			} else {
				for i, z := range zero {
					if z {
						out.Nulls[i] = true
					}
				}
			}
		}
		return out, nil
	}}
}

// timestampPlusInterval adds (or subtracts) a calendar interval: months and days in the
// session time zone's calendar, then the microseconds.
func (c *compiler) timestampPlusInterval(ts, iv *evaluator, sub bool, x Node) *evaluator {
	loc := c.loc
	return c.rowFunc(x, types.TimestampType, []*evaluator{ts, iv}, func(a []any) any {
		return addInterval(a[0].(int64), a[1].(batch.Interval), sub, loc)
	})
}

func addInterval(m int64, iv batch.Interval, sub bool, loc *time.Location) int64 {
	if sub {
		iv = batch.Interval{Months: -iv.Months, Days: -iv.Days, Micros: -iv.Micros}
	}
	if iv.Months != 0 || iv.Days != 0 {
		t := time.UnixMicro(m).In(loc)
		y, mo, d := t.Date()
		// Spark clamps the day to the target month's length (Jan 31 + 1 month = Feb 28).
		target := time.Date(y, mo+time.Month(iv.Months), 1, 0, 0, 0, 0, time.UTC)
		if last := daysIn(target.Year(), int(target.Month())); d > last {
			d = last
		}
		t = time.Date(target.Year(), target.Month(), d+int(iv.Days), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), loc)
		m = t.UnixMicro()
	}
	return m + iv.Micros
}

// comparison compiles = < <= > >= (and <=> with nullSafe) after coercing both sides to
// their common type.
func (c *compiler) comparison(op cmpOp, nullSafe bool, l, r *evaluator, x *Binary) (*evaluator, error) {
	t, ok := comparisonType(l.typ, r.typ)
	if !ok {
		if !(types.Equal(l.typ, r.typ)) {
			return nil, typeMismatch(x, l, r)
		}
		t = l.typ
	}
	if t.ID() == types.NullID {
		t = types.StringType
	}
	if t.ID() == types.MapID && op != cmpEq {
		return nil, analysisErr("DATATYPE_MISMATCH.INVALID_ORDERING_TYPE",
			"Cannot resolve \"%s\" due to data type mismatch: the binary operator does not support ordering on type \"%s\".", x.String(), TypeSQL(t))
	}
	// Numbers are compared without materialising casts: the kernel converts.
	if !(isNumID(l.typ.ID()) && isNumID(r.typ.ID())) {
		l, r = c.cast(l, t), c.cast(r, t)
	}
	nullable := !nullSafe && (l.nullable || r.nullable)
	if isNumID(l.typ.ID()) && isNumID(r.typ.ID()) && (l.constant && l.value != nil || r.constant && r.value != nil) && !(l.constant && r.constant) {
		return compareScalarEval(op, t, l, r, nullSafe, nullable, x), nil
	}
	return &evaluator{typ: types.BooleanType, nullable: nullable, node: x, fn: func(b *batch.Batch) (*batch.Vector, error) {
		lv, err := l.fn(b)
		if err != nil {
			return nil, err
		}
		rv, err := r.fn(b)
		if err != nil {
			return nil, err
		}
		out := newVec(types.BooleanType, b.N)
		switch t.ID() {
		case types.IntegerID, types.DateID:
			compareNum[int32](op, lv, rv, out.Bool)
		case types.LongID, types.TimestampID:
			compareNum[int64](op, lv, rv, out.Bool)
		case types.FloatID:
			compareNum[float32](op, lv, rv, out.Bool)
		case types.DoubleID:
			compareNum[float64](op, lv, rv, out.Bool)
		case types.StringID:
			compareStrings(op, lv.Str, rv.Str, out.Bool)
		case types.BooleanID:
			compareBools(op, lv.Bool, rv.Bool, out.Bool)
		default:
			for i := 0; i < b.N; i++ {
				a, z := lv.Get(i), rv.Get(i)
				if a == nil || z == nil {
					continue
				}
				if op == cmpEq {
					out.Bool[i] = valuesEqual(a, z)
				} else {
					out.Bool[i] = cmpResult(op, compareValues(a, z))
				}
			}
		}
		if nullSafe {
			if lv.Nulls != nil || rv.Nulls != nil {
				for i := 0; i < b.N; i++ {
					ln, rn := lv.IsNull(i), rv.IsNull(i)
					if ln || rn {
						out.Bool[i] = ln && rn
					}
				}
			}
			return out, nil
		}
		out.Nulls = orNulls(b.N, lv, rv)
		return out, nil
	}}, nil
}

// compareScalarEval compares a numeric column with a non-null numeric constant without
// materialising the constant.
func compareScalarEval(op cmpOp, t types.DataType, l, r *evaluator, nullSafe, nullable bool, x Node) *evaluator {
	col, k := l, r
	if l.constant {
		col, k, op = r, l, flip(op)
	}
	return &evaluator{typ: types.BooleanType, nullable: nullable, node: x, fn: func(b *batch.Batch) (*batch.Vector, error) {
		v, err := col.fn(b)
		if err != nil {
			return nil, err
		}
		out := newVec(types.BooleanType, b.N)
		switch t.ID() {
		case types.IntegerID:
			compareScalar(op, v, scalarAs[int32](k.value), out.Bool)
		case types.LongID:
			compareScalar(op, v, scalarAs[int64](k.value), out.Bool)
		case types.FloatID:
			compareScalar(op, v, scalarAs[float32](k.value), out.Bool)
		default:
			compareScalar(op, v, scalarAs[float64](k.value), out.Bool)
		}
		if v.Nulls != nil {
			if nullSafe {
				for i, n := range v.Nulls[:b.N] {
					if n {
						out.Bool[i] = false
					}
				}
			} else {
				out.Nulls = orNulls(b.N, v)
			}
		}
		return out, nil
	}}
}

// valuesEqual compares two internal values of one type (NaN equals NaN).
func valuesEqual(a, b any) bool {
	switch x := a.(type) {
	case float64:
		y, ok := b.(float64)
		return ok && floatCompare(x, y) == 0
	case float32:
		y, ok := b.(float32)
		return ok && floatCompare(float64(x), float64(y)) == 0
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if (x[i] == nil) != (y[i] == nil) || x[i] != nil && !valuesEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case *batch.MapValue:
		y, ok := b.(*batch.MapValue)
		return ok && valuesEqual(x.Keys, y.Keys) && valuesEqual(x.Values, y.Values)
	case []byte:
		y, ok := b.([]byte)
		return ok && bytes.Equal(x, y)
	}
	return a == b
}

// compareValues orders two non-null internal values of one type; nulls inside arrays and
// structs sort first.
func compareValues(a, b any) int {
	switch x := a.(type) {
	case int32:
		y := b.(int32)
		return cmp3(x < y, x > y)
	case int64:
		y := b.(int64)
		return cmp3(x < y, x > y)
	case float64:
		return floatCompare(x, b.(float64))
	case float32:
		return floatCompare(float64(x), float64(b.(float32)))
	case string:
		return strings.Compare(x, b.(string))
	case bool:
		y := b.(bool)
		return cmp3(!x && y, x && !y)
	case []byte:
		return bytes.Compare(x, b.([]byte))
	case []any:
		y := b.([]any)
		for i := 0; i < len(x) && i < len(y); i++ {
			switch {
			case x[i] == nil && y[i] == nil:
				continue
			case x[i] == nil:
				return -1
			case y[i] == nil:
				return 1
			}
			if c := compareValues(x[i], y[i]); c != 0 {
				return c
			}
		}
		return cmp3(len(x) < len(y), len(x) > len(y))
	}
	return 0
}

func cmp3(less, greater bool) int {
	switch {
	case less:
		return -1
	case greater:
		return 1
	}
	return 0
}

// logicEval is SQL's three-valued AND / OR.
func logicEval(and bool, l, r *evaluator, x Node) *evaluator {
	return &evaluator{typ: types.BooleanType, nullable: l.nullable || r.nullable, node: x, fn: func(b *batch.Batch) (*batch.Vector, error) {
		lv, err := l.fn(b)
		if err != nil {
			return nil, err
		}
		rv, err := r.fn(b)
		if err != nil {
			return nil, err
		}
		out := newVec(types.BooleanType, b.N)
		lb, rb := lv.Bool[:b.N], rv.Bool[:b.N]
		if lv.Nulls == nil && rv.Nulls == nil {
			if and {
				for i := range out.Bool {
					out.Bool[i] = lb[i] && rb[i]
				}
			} else {
				for i := range out.Bool {
					out.Bool[i] = lb[i] || rb[i]
				}
			}
			return out, nil
		}
		for i := 0; i < b.N; i++ {
			ln, rn := lv.IsNull(i), rv.IsNull(i)
			if and {
				switch {
				case !ln && !lb[i], !rn && !rb[i]:
					out.Bool[i] = false
				case ln || rn:
					setNull(out, i)
				default:
					out.Bool[i] = true
				}
			} else {
				switch {
				case !ln && lb[i], !rn && rb[i]:
					out.Bool[i] = true
				case ln || rn:
					setNull(out, i)
				default:
					out.Bool[i] = false
				}
			}
		}
		return out, nil
	}}
}

func (c *compiler) bitwise(op string, l, r *evaluator, x *Binary) (*evaluator, error) {
	isInt := func(t types.DataType) bool {
		return t.ID() == types.IntegerID || t.ID() == types.LongID || t.ID() == types.NullID
	}
	if !isInt(l.typ) || !isInt(r.typ) {
		return nil, typeMismatch(x, l, r)
	}
	t := widerNumeric(l.typ, r.typ)
	if t.ID() == types.NullID {
		t = types.IntegerType
	}
	l, r = c.cast(l, t), c.cast(r, t)
	return c.rowFunc(x, t, []*evaluator{l, r}, func(a []any) any {
		if t.ID() == types.IntegerID {
			p, q := a[0].(int32), a[1].(int32)
			switch op {
			case "&":
				return p & q
			case "|":
				return p | q
			}
			return p ^ q
		}
		p, q := a[0].(int64), a[1].(int64)
		switch op {
		case "&":
			return p & q
		case "|":
			return p | q
		}
		return p ^ q
	}), nil
}

// caseWhen compiles CASE (both forms): every branch is evaluated over the batch and each
// row takes the value of its first true condition.
func (c *compiler) caseWhen(x *Case) (*evaluator, error) {
	conds := make([]*evaluator, len(x.Whens))
	vals := make([]*evaluator, len(x.Whens), len(x.Whens)+1)
	for i, w := range x.Whens {
		cond := w.Cond
		if x.Operand != nil {
			cond = &Binary{Op: "=", L: x.Operand, R: w.Cond}
		}
		ce, err := c.compile(cond)
		if err != nil {
			return nil, err
		}
		if ce, err = c.expectBool(ce, cond); err != nil {
			return nil, err
		}
		conds[i] = ce
		if vals[i], err = c.compile(w.Value); err != nil {
			return nil, err
		}
	}
	if x.Else != nil {
		e, err := c.compile(x.Else)
		if err != nil {
			return nil, err
		}
		vals = append(vals, e)
	}
	t, err := c.commonType(x, vals)
	if err != nil {
		return nil, err
	}
	nullable := x.Else == nil
	for i := range vals {
		vals[i] = c.cast(vals[i], t)
		nullable = nullable || vals[i].nullable
	}
	return &evaluator{typ: t, nullable: nullable, node: x, fn: func(b *batch.Batch) (*batch.Vector, error) {
		chosen := make([]int, b.N)
		for i := range chosen {
			chosen[i] = -1
		}
		left := b.N
		for k, ce := range conds {
			cv, err := ce.fn(b)
			if err != nil {
				return nil, err
			}
			for i := 0; i < b.N; i++ {
				if chosen[i] == -1 && cv.Bool[i] && !cv.IsNull(i) {
					chosen[i] = k
					left--
				}
			}
			if left == 0 {
				break
			}
		}
		if len(vals) > len(conds) {
			for i := range chosen {
				if chosen[i] == -1 {
					chosen[i] = len(conds)
				}
			}
		}
		out := newVec(t, b.N)
		for k, ve := range vals {
			used := false
			for _, ch := range chosen {
				if ch == k {
					used = true
					break
				}
			}
			if !used {
				continue
			}
			vv, err := ve.fn(b)
			if err != nil {
				return nil, err
			}
			copyChosen(out, vv, chosen, k)
		}
		for i, ch := range chosen {
			if ch == -1 {
				setNull(out, i)
			}
		}
		return out, nil
	}}, nil
}

// commonType is the wider type of all values, or Spark's mismatch error.
func (c *compiler) commonType(x Node, vals []*evaluator) (types.DataType, error) {
	t := types.NullType
	for _, v := range vals {
		w, ok := widerType(t, v.typ)
		if !ok {
			list := make([]string, len(vals))
			for i, v := range vals {
				list[i] = "\"" + TypeSQL(v.typ) + "\""
			}
			return nil, analysisErr("DATATYPE_MISMATCH.DATA_DIFF_TYPES",
				"Cannot resolve \"%s\" due to data type mismatch: Input to `%s` should all be the same type, but it's [%s].",
				x.String(), funcLabel(x), strings.Join(list, ", "))
		}
		t = w
	}
	return t, nil
}

func funcLabel(x Node) string {
	switch n := x.(type) {
	case *Call:
		return n.Name
	case *Case:
		return "casewhen"
	}
	return x.String()
}

// copyChosen copies the rows i of src with chosen[i] == k into out.
func copyChosen(out, src *batch.Vector, chosen []int, k int) {
	switch out.Type.ID() {
	case types.StringID:
		for i, ch := range chosen {
			if ch == k {
				out.Str[i] = src.Str[i]
			}
		}
	case types.IntegerID, types.DateID:
		for i, ch := range chosen {
			if ch == k {
				out.I32[i] = src.I32[i]
			}
		}
	case types.LongID, types.TimestampID:
		for i, ch := range chosen {
			if ch == k {
				out.I64[i] = src.I64[i]
			}
		}
	case types.DoubleID:
		for i, ch := range chosen {
			if ch == k {
				out.F64[i] = src.F64[i]
			}
		}
	case types.BooleanID:
		for i, ch := range chosen {
			if ch == k {
				out.Bool[i] = src.Bool[i]
			}
		}
	default:
		for i, ch := range chosen {
			if ch == k {
				setValue(out, i, src.Get(i))
			}
		}
		return
	}
	if src.Nulls != nil {
		for i, ch := range chosen {
			if ch == k && src.Nulls[i] {
				setNull(out, i)
			}
		}
	}
}

// likeRegexp turns a SQL LIKE pattern into an anchored regular expression: % is any
// sequence, _ any one character, and \ escapes the next character.
func likeRegexp(p string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString("(?s)^")
	rs := []rune(p)
	for i := 0; i < len(rs); i++ {
		switch r := rs[i]; r {
		case '\\':
			if i+1 < len(rs) {
				i++
				b.WriteString(regexp.QuoteMeta(string(rs[i])))
			} else {
				b.WriteString(`\\`)
			}
		case '%':
			b.WriteString(".*")
		case '_':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}

func (c *compiler) like(x *Like) (*evaluator, error) {
	s, err := c.compile(x.X)
	if err != nil {
		return nil, err
	}
	p, err := c.compile(x.Pattern)
	if err != nil {
		return nil, err
	}
	s, p = c.cast(s, types.StringType), c.cast(p, types.StringType)
	compilePat := func(pat string) (*regexp.Regexp, error) {
		if x.Regex {
			return regexp.Compile(pat)
		}
		return likeRegexp(pat)
	}
	var ev *evaluator
	if p.constant && p.value != nil {
		re, err := compilePat(p.value.(string))
		if err != nil {
			fn := "like"
			if x.Regex {
				fn = "rlike"
			}
			return nil, analysisErr("INVALID_PARAMETER_VALUE.PATTERN",
				"The value of parameter(s) `regexp` in `%s` is invalid: '%s'.", fn, p.value)
		}
		ev = &evaluator{typ: types.BooleanType, nullable: s.nullable, node: x, fn: func(b *batch.Batch) (*batch.Vector, error) {
			v, err := s.fn(b)
			if err != nil {
				return nil, err
			}
			out := newVec(types.BooleanType, b.N)
			for i, str := range v.Str[:b.N] {
				out.Bool[i] = re.MatchString(str)
			}
			out.Nulls = orNulls(b.N, v)
			return out, nil
		}}
	} else {
		// A pattern that varies per row is compiled once per distinct value; an invalid
		// one matches nothing (null).
		cache := map[string]*regexp.Regexp{}
		ev = c.rowFunc(x, types.BooleanType, []*evaluator{s, p}, func(a []any) any {
			pat := a[1].(string)
			re, ok := cache[pat]
			if !ok {
				re, _ = compilePat(pat)
				cache[pat] = re
			}
			if re == nil {
				return nil
			}
			return re.MatchString(a[0].(string))
		})
	}
	if x.Not {
		inner := ev
		return &evaluator{typ: types.BooleanType, nullable: inner.nullable, node: x, fn: func(b *batch.Batch) (*batch.Vector, error) {
			v, err := inner.fn(b)
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
	}
	return ev, nil
}

// getItem is array[index] (0-based; out of range gives null) or map[key].
func (c *compiler) getItem(x *GetItem) (*evaluator, error) {
	e, err := c.compile(x.X)
	if err != nil {
		return nil, err
	}
	idx, err := c.compile(x.Index)
	if err != nil {
		return nil, err
	}
	switch t := e.typ.(type) {
	case *types.ArrayType:
		if !isNumID(idx.typ.ID()) && idx.typ.ID() != types.StringID && idx.typ.ID() != types.NullID {
			return nil, analysisErr("DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
				"Cannot resolve \"%s\" due to data type mismatch: Parameter 2 requires the \"INTEGRAL\" type, however \"%s\" has the type \"%s\".",
				x.String(), x.Index.String(), TypeSQL(idx.typ))
		}
		idx = c.cast(idx, types.IntegerType)
		return c.rowFunc(x, t.ElementType, []*evaluator{e, idx}, func(a []any) any {
			items, i := a[0].([]any), int(a[1].(int32))
			if i < 0 || i >= len(items) {
				return nil
			}
			return items[i]
		}), nil
	case *types.MapType:
		return c.mapLookup(e, idx)
	case *types.StructType:
		if idx.constant {
			if s, ok := idx.value.(string); ok {
				return c.extractField(e, s, x.X.String())
			}
		}
	}
	return nil, analysisErr("INVALID_EXTRACT_BASE_FIELD_TYPE",
		"Can't extract a value from \"%s\". Need a complex type [STRUCT, ARRAY, MAP] but got \"%s\".", x.X.String(), TypeSQL(e.typ))
}

func (c *compiler) mapLookup(m, key *evaluator) (*evaluator, error) {
	mt := m.typ.(*types.MapType)
	key = c.cast(key, mt.KeyType)
	return c.rowFunc(m.node, mt.ValueType, []*evaluator{m, key}, func(a []any) any {
		mv := a[0].(*batch.MapValue)
		for i, k := range mv.Keys {
			if valuesEqual(k, a[1]) {
				return mv.Values[i]
			}
		}
		return nil
	}), nil
}
