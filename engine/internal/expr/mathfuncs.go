package expr

import (
	"math"
	"math/big"
	"strconv"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/types"
)

// mathFunc compiles the numeric functions, and coalesce and hash.
func (c *compiler) mathFunc(name string, x *Call, args []*evaluator) (*evaluator, bool, error) {
	unaryF64 := func(f func(float64) (float64, bool)) (*evaluator, bool, error) {
		if err := arity(x, 1, 1); err != nil {
			return nil, true, err
		}
		e, err := c.toDouble(x, 0, args[0])
		if err != nil {
			return nil, true, err
		}
		return &evaluator{typ: types.DoubleType, nullable: true, node: x, fn: func(b *batch.Batch) (*batch.Vector, error) {
			v, err := e.fn(b)
			if err != nil {
				return nil, err
			}
			out := newVec(types.DoubleType, b.N)
			out.Nulls = orNulls(b.N, v)
			for i, d := range v.F64[:b.N] {
				r, ok := f(d)
				out.F64[i] = r
				if !ok {
					setNull(out, i)
				}
			}
			return out, nil
		}}, true, nil
	}
	plain := func(f func(float64) float64) func(float64) (float64, bool) {
		return func(d float64) (float64, bool) { return f(d), true }
	}
	positive := func(f func(float64) float64) func(float64) (float64, bool) {
		return func(d float64) (float64, bool) {
			if d <= 0 {
				return 0, false
			}
			return f(d), true
		}
	}
	switch name {
	case "sqrt":
		return unaryF64(plain(math.Sqrt))
	case "cbrt":
		return unaryF64(plain(math.Cbrt))
	case "exp":
		return unaryF64(plain(math.Exp))
	case "expm1":
		return unaryF64(plain(math.Expm1))
	case "ln":
		return unaryF64(positive(math.Log))
	case "log10":
		return unaryF64(positive(math.Log10))
	case "log2":
		return unaryF64(positive(math.Log2))
	case "log1p":
		return unaryF64(func(d float64) (float64, bool) { return math.Log1p(d), d > -1 })
	case "sin":
		return unaryF64(plain(math.Sin))
	case "cos":
		return unaryF64(plain(math.Cos))
	case "tan":
		return unaryF64(plain(math.Tan))
	case "asin":
		return unaryF64(plain(math.Asin))
	case "acos":
		return unaryF64(plain(math.Acos))
	case "atan":
		return unaryF64(plain(math.Atan))
	case "sinh":
		return unaryF64(plain(math.Sinh))
	case "cosh":
		return unaryF64(plain(math.Cosh))
	case "tanh":
		return unaryF64(plain(math.Tanh))
	case "degrees":
		return unaryF64(plain(func(d float64) float64 { return d * 180 / math.Pi }))
	case "radians":
		return unaryF64(plain(func(d float64) float64 { return d * math.Pi / 180 }))
	case "signum", "sign":
		return unaryF64(plain(func(d float64) float64 {
			switch {
			case d > 0:
				return 1
			case d < 0:
				return -1
			}
			return d
		}))
	case "log":
		if len(args) == 1 {
			return c.mathFunc("ln", x, args)
		}
		if err := arity(x, 1, 2); err != nil {
			return nil, true, err
		}
		base, err := c.toDouble(x, 0, args[0])
		if err != nil {
			return nil, true, err
		}
		v, err := c.toDouble(x, 1, args[1])
		if err != nil {
			return nil, true, err
		}
		return c.rowFunc(x, types.DoubleType, []*evaluator{base, v}, func(a []any) any {
			bs, d := a[0].(float64), a[1].(float64)
			if bs <= 0 || d <= 0 {
				return nil
			}
			return math.Log(d) / math.Log(bs)
		}), true, nil
	case "pow", "power", "atan2", "hypot":
		if err := arity(x, 2, 2); err != nil {
			return nil, true, err
		}
		a, err := c.toDouble(x, 0, args[0])
		if err != nil {
			return nil, true, err
		}
		bb, err := c.toDouble(x, 1, args[1])
		if err != nil {
			return nil, true, err
		}
		f := math.Pow
		switch name {
		case "atan2":
			f = math.Atan2
		case "hypot":
			f = math.Hypot
		}
		return &evaluator{typ: types.DoubleType, nullable: a.nullable || bb.nullable, node: x, fn: func(b *batch.Batch) (*batch.Vector, error) {
			av, err := a.fn(b)
			if err != nil {
				return nil, err
			}
			bv, err := bb.fn(b)
			if err != nil {
				return nil, err
			}
			out := newVec(types.DoubleType, b.N)
			for i := range out.F64 {
				out.F64[i] = f(av.F64[i], bv.F64[i])
			}
			out.Nulls = orNulls(b.N, av, bv)
			return out, nil
		}}, true, nil
	case "abs":
		if err := arity(x, 1, 1); err != nil {
			return nil, true, err
		}
		e := args[0]
		if e.typ.ID() == types.StringID {
			e = c.cast(e, types.DoubleType)
		}
		if !isNumID(e.typ.ID()) && e.typ.ID() != types.NullID {
			return nil, true, inputTypeErr(x, 0, "\"NUMERIC\"", e)
		}
		return c.rowFunc(x, e.typ, []*evaluator{e}, func(a []any) any {
			switch v := a[0].(type) {
			case int32:
				if v < 0 {
					return -v
				}
				return v
			case int64:
				if v < 0 {
					return -v
				}
				return v
			case float32:
				return float32(math.Abs(float64(v)))
			case float64:
				return math.Abs(v)
			}
			return nil
		}), true, nil
	case "round", "bround":
		if err := arity(x, 1, 2); err != nil {
			return nil, true, err
		}
		e := args[0]
		if e.typ.ID() == types.StringID {
			e = c.cast(e, types.DoubleType)
		}
		if !isNumID(e.typ.ID()) && e.typ.ID() != types.NullID {
			return nil, true, inputTypeErr(x, 0, "\"NUMERIC\"", e)
		}
		scale := 0
		if len(args) == 2 {
			s := args[1]
			if !s.constant || s.typ.ID() != types.IntegerID {
				return nil, true, inputTypeErr(x, 1, "\"INT\" foldable", s)
			}
			if s.value != nil {
				scale = int(s.value.(int32))
			}
		}
		halfEven := name == "bround"
		return c.rowFunc(x, e.typ, []*evaluator{e}, func(a []any) any {
			return roundValue(a[0], scale, halfEven)
		}), true, nil
	case "floor", "ceil", "ceiling":
		if err := arity(x, 1, 1); err != nil {
			return nil, true, err
		}
		e := args[0]
		if e.typ.ID() == types.StringID {
			e = c.cast(e, types.DoubleType)
		}
		if !isNumID(e.typ.ID()) && e.typ.ID() != types.NullID {
			return nil, true, inputTypeErr(x, 0, "\"NUMERIC\"", e)
		}
		up := name != "floor"
		return c.rowFunc(x, types.LongType, []*evaluator{e}, func(a []any) any {
			d, l := numericParts(a[0])
			switch a[0].(type) {
			case float64, float32:
				if up {
					d = math.Ceil(d)
				} else {
					d = math.Floor(d)
				}
				return f64ToI64(d, math.MinInt64, math.MaxInt64)
			}
			return l
		}), true, nil
	case "greatest", "least":
		if err := arity(x, 2, -1); err != nil {
			return nil, true, err
		}
		t, err := c.commonType(x, args)
		if err != nil {
			return nil, true, err
		}
		cs := make([]*evaluator, len(args))
		for i, a := range args {
			cs[i] = c.cast(a, t)
		}
		greatest := name == "greatest"
		return c.rowFuncNulls(x, t, cs, true, func(a []any) any {
			var best any
			for _, v := range a {
				if v == nil {
					continue
				}
				if best == nil {
					best = v
					continue
				}
				cmp := compareValues(v, best)
				if greatest && cmp > 0 || !greatest && cmp < 0 {
					best = v
				}
			}
			return best
		}), true, nil
	case "pmod":
		if err := arity(x, 2, 2); err != nil {
			return nil, true, err
		}
		l, r := args[0], args[1]
		if l.typ.ID() == types.StringID {
			l = c.cast(l, types.DoubleType)
		}
		if r.typ.ID() == types.StringID {
			r = c.cast(r, types.DoubleType)
		}
		if !isNumID(l.typ.ID()) || !isNumID(r.typ.ID()) {
			return nil, true, typeMismatch(x, l, r)
		}
		t := widerNumeric(l.typ, r.typ)
		l, r = c.cast(l, t), c.cast(r, t)
		return c.rowFunc(x, t, []*evaluator{l, r}, func(a []any) any {
			switch p := a[0].(type) {
			case int32:
				q := a[1].(int32)
				if q == 0 {
					return nil
				}
				m := p % q
				if m < 0 {
					m = (m + q) % q
				}
				return m
			case int64:
				q := a[1].(int64)
				if q == 0 {
					return nil
				}
				m := p % q
				if m < 0 {
					m = (m + q) % q
				}
				return m
			case float64:
				q := a[1].(float64)
				if q == 0 {
					return nil
				}
				m := math.Mod(p, q)
				if m < 0 {
					m = math.Mod(m+q, q)
				}
				return m
			case float32:
				q := a[1].(float32)
				if q == 0 {
					return nil
				}
				m := math.Mod(float64(p), float64(q))
				if m < 0 {
					m = math.Mod(m+float64(q), float64(q))
				}
				return float32(m)
			}
			return nil
		}), true, nil
	case "rand", "random", "randn":
		if err := arity(x, 0, 1); err != nil {
			return nil, true, err
		}
		var seed *int64
		if len(args) == 1 {
			s := args[0]
			if !s.constant || (s.typ.ID() != types.IntegerID && s.typ.ID() != types.LongID && s.typ.ID() != types.NullID) {
				return nil, true, inputTypeErr(x, 0, "\"INT\" or \"BIGINT\" foldable", s)
			}
			_, l := numericParts(s.value)
			seed = &l
		}
		rng := c.newRand(seed)
		gauss := name == "randn"
		return &evaluator{typ: types.DoubleType, node: x, fn: func(b *batch.Batch) (*batch.Vector, error) {
			out := newVec(types.DoubleType, b.N)
			for i := range out.F64 {
				if gauss {
					out.F64[i] = rng.NormFloat64()
				} else {
					out.F64[i] = rng.Float64()
				}
			}
			return out, nil
		}}, true, nil
	case "pi", "e":
		if err := arity(x, 0, 0); err != nil {
			return nil, true, err
		}
		v := math.Pi
		if name == "e" {
			v = math.E
		}
		return constEval(types.DoubleType, v, x), true, nil
	case "isnan":
		if err := arity(x, 1, 1); err != nil {
			return nil, true, err
		}
		e, err := c.toDouble(x, 0, args[0])
		if err != nil {
			return nil, true, err
		}
		return c.rowFuncNulls(x, types.BooleanType, []*evaluator{e}, true, func(a []any) any {
			d, ok := a[0].(float64)
			return ok && math.IsNaN(d)
		}), true, nil
	case "nanvl":
		if err := arity(x, 2, 2); err != nil {
			return nil, true, err
		}
		a, err := c.toDouble(x, 0, args[0])
		if err != nil {
			return nil, true, err
		}
		bb, err := c.toDouble(x, 1, args[1])
		if err != nil {
			return nil, true, err
		}
		return c.rowFuncNulls(x, types.DoubleType, []*evaluator{a, bb}, true, func(v []any) any {
			if d, ok := v[0].(float64); ok && math.IsNaN(d) {
				return v[1]
			}
			return v[0]
		}), true, nil
	case "coalesce":
		if err := arity(x, 1, -1); err != nil {
			return nil, true, err
		}
		t, err := c.commonType(x, args)
		if err != nil {
			return nil, true, err
		}
		cs := make([]*evaluator, len(args))
		nullable := true
		for i, a := range args {
			cs[i] = c.cast(a, t)
			if !a.nullable {
				nullable = false
			}
		}
		return &evaluator{typ: t, nullable: nullable, node: x, fn: func(b *batch.Batch) (*batch.Vector, error) {
			chosen := make([]int, b.N)
			for i := range chosen {
				chosen[i] = -1
			}
			out := newVec(t, b.N)
			left := b.N
			for k, e := range cs {
				v, err := e.fn(b)
				if err != nil {
					return nil, err
				}
				for i := range chosen {
					if chosen[i] == -1 && !v.IsNull(i) {
						chosen[i] = k
						left--
					}
				}
				copyChosen(out, v, chosen, k)
				if left == 0 {
					break
				}
			}
			for i, ch := range chosen {
				if ch == -1 {
					setNull(out, i)
				}
			}
			return out, nil
		}}, true, nil
	case "hash":
		if err := arity(x, 1, -1); err != nil {
			return nil, true, err
		}
		ts := make([]types.DataType, len(args))
		for i, a := range args {
			ts[i] = a.typ
		}
		ev := c.rowFuncNulls(x, types.IntegerType, args, true, func(a []any) any {
			h := uint32(42)
			for i, v := range a {
				h = sparkHash(v, ts[i], h)
			}
			return int32(h)
		})
		ev.nullable = false
		return ev, true, nil
	}
	return nil, false, nil
}

// roundValue rounds to scale decimal places, HALF_UP (or HALF_EVEN) on the value's
// decimal text, as Spark does through BigDecimal.
func roundValue(v any, scale int, halfEven bool) any {
	switch x := v.(type) {
	case int32:
		return int32(roundInt(int64(x), scale, halfEven))
	case int64:
		return roundInt(x, scale, halfEven)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return x
		}
		return roundDecimal(strconv.FormatFloat(x, 'g', -1, 64), scale, halfEven, 64)
	case float32:
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return x
		}
		// Spark widens the float to a double first and rounds that double's decimal text.
		return float32(roundDecimal(strconv.FormatFloat(float64(x), 'g', -1, 64), scale, halfEven, 32))
	}
	return nil
}

func roundInt(x int64, scale int, halfEven bool) int64 {
	if scale >= 0 {
		return x
	}
	if scale < -18 {
		return 0
	}
	p := int64(math.Pow10(-scale))
	q, r := x/p, x%p
	if r < 0 {
		r = -r
	}
	up := 2*r > p || 2*r == p && (!halfEven || q%2 != 0)
	if up {
		if x < 0 {
			q--
		} else {
			q++
		}
	}
	return q * p
}

// roundDecimal rounds the decimal number text s exactly.
func roundDecimal(s string, scale int, halfEven bool, bits int) float64 {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return 0
	}
	neg := r.Sign() < 0
	if neg {
		r.Neg(r)
	}
	pow := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs(scale))), nil))
	if scale >= 0 {
		r.Mul(r, pow)
	} else {
		r.Quo(r, pow)
	}
	q, rem := new(big.Int).QuoRem(r.Num(), r.Denom(), new(big.Int))
	twice := new(big.Int).Mul(rem, big.NewInt(2))
	switch twice.Cmp(r.Denom()) {
	case 1:
		q.Add(q, big.NewInt(1))
	case 0:
		if !halfEven || q.Bit(0) == 1 {
			q.Add(q, big.NewInt(1))
		}
	}
	res := new(big.Rat).SetInt(q)
	if scale >= 0 {
		res.Quo(res, pow)
	} else {
		res.Mul(res, pow)
	}
	if neg {
		res.Neg(res)
	}
	f, _ := res.Float64()
	if bits == 32 {
		f32, _ := res.Float32()
		return float64(f32)
	}
	return f
}

func abs(i int) int {
	if i < 0 {
		return -i
	}
	return i
}
