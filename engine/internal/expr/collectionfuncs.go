package expr

import (
	"sort"
	"strconv"
	"strings"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/types"
)

func (c *compiler) structFunc(x *Call) (*evaluator, error) {
	st := types.NewStructType()
	args := make([]*evaluator, len(x.Args))
	for i, a := range x.Args {
		e, err := c.compile(a)
		if err != nil {
			return nil, err
		}
		args[i] = e
		name := "col" + strconv.Itoa(i+1)
		switch n := a.(type) {
		case *ColumnRef:
			name = n.Parts[len(n.Parts)-1]
		case *Alias:
			name = n.Name
		case *GetField:
			name = n.Field
		}
		st.Add(name, e.typ, e.nullable)
	}
	return structEval(st, args, x), nil
}

func structEval(st *types.StructType, args []*evaluator, x Node) *evaluator {
	return &evaluator{typ: st, node: x, fn: func(b *batch.Batch) (*batch.Vector, error) {
		vs, err := evalAll(args, b)
		if err != nil {
			return nil, err
		}
		v := &batch.Vector{Type: st, Children: vs}
		v.SetLen(b.N)
		return v, nil
	}}
}

func (c *compiler) namedStruct(x *Call) (*evaluator, error) {
	if len(x.Args)%2 != 0 || len(x.Args) == 0 {
		return nil, analysisErr("WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
			"The `named_struct` requires 2n (n > 0) parameters but the actual number is %d. Please, refer to 'https://spark.apache.org/docs/latest/sql-ref-functions.html' for a fix.", len(x.Args))
	}
	st := types.NewStructType()
	var args []*evaluator
	for i := 0; i < len(x.Args); i += 2 {
		ne, err := c.compile(x.Args[i])
		if err != nil {
			return nil, err
		}
		name, ok := constStr(ne)
		if !ok {
			return nil, analysisErr("DATATYPE_MISMATCH.CREATE_NAMED_STRUCT_WITHOUT_FOLDABLE_STRING",
				"Cannot resolve \"%s\" due to data type mismatch: Only foldable `STRING` expressions are allowed to appear at odd position, but they are [\"%s\"].", x.String(), x.Args[i].String())
		}
		e, err := c.compile(x.Args[i+1])
		if err != nil {
			return nil, err
		}
		st.Add(name, e.typ, e.nullable)
		args = append(args, e)
	}
	return structEval(st, args, x), nil
}

func (c *compiler) concatArrays(x *Call, args []*evaluator) (*evaluator, bool, error) {
	t, err := c.commonType(x, args)
	if err != nil {
		return nil, true, err
	}
	cs := make([]*evaluator, len(args))
	for i, a := range args {
		cs[i] = c.cast(a, t)
	}
	return c.rowFunc(x, t, cs, func(a []any) any {
		var out []any
		for _, v := range a {
			out = append(out, v.([]any)...)
		}
		if out == nil {
			out = []any{}
		}
		return out
	}), true, nil
}

// collectionFunc compiles the array and map functions.
func (c *compiler) collectionFunc(name string, x *Call, args []*evaluator) (*evaluator, bool, error) {
	switch name {
	case "size", "cardinality":
		if err := arity(x, 1, 1); err != nil {
			return nil, true, err
		}
		if id := args[0].typ.ID(); id != types.ArrayID && id != types.MapID && id != types.NullID {
			return nil, true, inputTypeErr(x, 0, "(\"ARRAY\" or \"MAP\")", args[0])
		}
		ev := c.rowFuncNulls(x, types.IntegerType, args, true, func(a []any) any {
			switch v := a[0].(type) {
			case []any:
				return int32(len(v))
			case *batch.MapValue:
				return int32(len(v.Keys))
			}
			return int32(-1)
		})
		ev.nullable = false
		return ev, true, nil
	case "array":
		t, err := c.commonType(x, args)
		if err != nil {
			return nil, true, err
		}
		cs := make([]*evaluator, len(args))
		for i, a := range args {
			cs[i] = c.cast(a, t)
		}
		ev := c.rowFuncNulls(x, types.NewArrayType(t), cs, true, func(a []any) any {
			return append([]any{}, a...)
		})
		ev.nullable = false
		return ev, true, nil
	case "array_contains":
		if err := arity(x, 2, 2); err != nil {
			return nil, true, err
		}
		at, ok := args[0].typ.(*types.ArrayType)
		if !ok {
			return nil, true, inputTypeErr(x, 0, "\"ARRAY\"", args[0])
		}
		v := c.cast(args[1], at.ElementType)
		return c.rowFunc(x, types.BooleanType, []*evaluator{args[0], v}, func(a []any) any {
			sawNull := false
			for _, it := range a[0].([]any) {
				if it == nil {
					sawNull = true
				} else if valuesEqual(it, a[1]) {
					return true
				}
			}
			if sawNull {
				return nil
			}
			return false
		}), true, nil
	case "element_at":
		if err := arity(x, 2, 2); err != nil {
			return nil, true, err
		}
		switch t := args[0].typ.(type) {
		case *types.ArrayType:
			idx, err := c.toInt(x, 1, args[1])
			if err != nil {
				return nil, true, err
			}
			var failure error
			ev := c.rowFunc(x, t.ElementType, []*evaluator{args[0], idx}, func(a []any) any {
				items, i := a[0].([]any), int(a[1].(int32))
				switch {
				case i == 0:
					if failure == nil {
						failure = &AnalysisError{Class: "INVALID_INDEX_OF_ZERO", Message: "[INVALID_INDEX_OF_ZERO] The index 0 is invalid. An index shall be either < 0 or > 0 (the first element has index 1)."}
					}
					return nil
				case i > 0 && i <= len(items):
					return items[i-1]
				case i < 0 && -i <= len(items):
					return items[len(items)+i]
				}
				return nil
			})
			inner := ev.fn
			ev.fn = func(b *batch.Batch) (*batch.Vector, error) {
				v, err := inner(b)
				if err == nil && failure != nil {
					err, failure = failure, nil
				}
				return v, err
			}
			return ev, true, nil
		case *types.MapType:
			e, err := c.mapLookup(args[0], args[1])
			return e, true, err
		}
		return nil, true, inputTypeErr(x, 0, "(\"ARRAY\" or \"MAP\")", args[0])
	case "map", "create_map":
		if len(args)%2 != 0 {
			return nil, true, analysisErr("WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
				"The `map` requires 2n (n > 0) parameters but the actual number is %d. Please, refer to 'https://spark.apache.org/docs/latest/sql-ref-functions.html' for a fix.", len(args))
		}
		var keys, vals []*evaluator
		for i := 0; i < len(args); i += 2 {
			keys = append(keys, args[i])
			vals = append(vals, args[i+1])
		}
		kt, err := c.commonType(x, keys)
		if err != nil {
			return nil, true, err
		}
		vt, err := c.commonType(x, vals)
		if err != nil {
			return nil, true, err
		}
		if kt.ID() == types.NullID {
			kt = types.StringType
		}
		if vt.ID() == types.NullID {
			vt = types.StringType
		}
		cs := make([]*evaluator, len(args))
		for i := range args {
			if i%2 == 0 {
				cs[i] = c.cast(args[i], kt)
			} else {
				cs[i] = c.cast(args[i], vt)
			}
		}
		ev := c.rowFuncNulls(x, types.NewMapType(kt, vt), cs, true, func(a []any) any {
			m := &batch.MapValue{}
			for i := 0; i < len(a); i += 2 {
				replaced := false
				for j, k := range m.Keys {
					if valuesEqual(k, a[i]) {
						m.Values[j] = a[i+1] // the last value wins, as Spark's LAST_WIN policy
						replaced = true
					}
				}
				if !replaced {
					m.Keys = append(m.Keys, a[i])
					m.Values = append(m.Values, a[i+1])
				}
			}
			return m
		})
		ev.nullable = false
		return ev, true, nil
	case "map_keys", "map_values":
		if err := arity(x, 1, 1); err != nil {
			return nil, true, err
		}
		mt, ok := args[0].typ.(*types.MapType)
		if !ok {
			return nil, true, inputTypeErr(x, 0, "\"MAP\"", args[0])
		}
		et := mt.KeyType
		if name == "map_values" {
			et = mt.ValueType
		}
		return c.rowFunc(x, types.NewArrayType(et), args, func(a []any) any {
			m := a[0].(*batch.MapValue)
			if name == "map_keys" {
				return append([]any{}, m.Keys...)
			}
			return append([]any{}, m.Values...)
		}), true, nil
	case "sort_array", "array_sort":
		if err := arity(x, 1, 2); err != nil {
			return nil, true, err
		}
		if _, ok := args[0].typ.(*types.ArrayType); !ok {
			return nil, true, inputTypeErr(x, 0, "\"ARRAY\"", args[0])
		}
		asc := true
		if len(args) == 2 {
			if b, ok := args[1].value.(bool); args[1].constant && ok {
				asc = b
			}
		}
		return c.rowFunc(x, args[0].typ, args[:1], func(a []any) any {
			items := append([]any{}, a[0].([]any)...)
			sort.SliceStable(items, func(i, j int) bool {
				p, q := items[i], items[j]
				switch {
				case p == nil && q == nil:
					return false
				case p == nil: // nulls first ascending, last descending (sort_array)
					return asc
				case q == nil:
					return !asc
				}
				if asc {
					return compareValues(p, q) < 0
				}
				return compareValues(p, q) > 0
			})
			return items
		}), true, nil
	case "array_distinct":
		if err := arity(x, 1, 1); err != nil {
			return nil, true, err
		}
		if _, ok := args[0].typ.(*types.ArrayType); !ok {
			return nil, true, inputTypeErr(x, 0, "\"ARRAY\"", args[0])
		}
		return c.rowFunc(x, args[0].typ, args, func(a []any) any {
			var out []any
			for _, it := range a[0].([]any) {
				dup := false
				for _, o := range out {
					if (o == nil && it == nil) || o != nil && it != nil && valuesEqual(o, it) {
						dup = true
						break
					}
				}
				if !dup {
					out = append(out, it)
				}
			}
			if out == nil {
				out = []any{}
			}
			return out
		}), true, nil
	case "array_join":
		if err := arity(x, 2, 3); err != nil {
			return nil, true, err
		}
		if _, ok := args[0].typ.(*types.ArrayType); !ok {
			return nil, true, inputTypeErr(x, 0, "\"ARRAY\"", args[0])
		}
		arr := c.cast(args[0], types.NewArrayType(types.StringType))
		sep, err := c.toStr(x, 1, args[1])
		if err != nil {
			return nil, true, err
		}
		all := []*evaluator{arr, sep}
		if len(args) == 3 {
			rep, err := c.toStr(x, 2, args[2])
			if err != nil {
				return nil, true, err
			}
			all = append(all, rep)
		}
		return c.rowFunc(x, types.StringType, all, func(a []any) any {
			var parts []string
			for _, it := range a[0].([]any) {
				if it == nil {
					if len(a) == 3 {
						parts = append(parts, a[2].(string))
					}
					continue
				}
				parts = append(parts, it.(string))
			}
			return strings.Join(parts, a[1].(string))
		}), true, nil
	case "array_max", "array_min":
		if err := arity(x, 1, 1); err != nil {
			return nil, true, err
		}
		at, ok := args[0].typ.(*types.ArrayType)
		if !ok {
			return nil, true, inputTypeErr(x, 0, "\"ARRAY\"", args[0])
		}
		return c.rowFunc(x, at.ElementType, args, func(a []any) any {
			var best any
			for _, it := range a[0].([]any) {
				if it == nil {
					continue
				}
				if best == nil || (name == "array_max") == (compareValues(it, best) > 0) && compareValues(it, best) != 0 {
					best = it
				}
			}
			return best
		}), true, nil
	}
	return nil, false, nil
}
