package plan

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/runnel-go/runnel/engine/internal/expr"
	"github.com/runnel-go/runnel/engine/types"
)

// BoundColumn is a column reference made by df.Col(name): it remembers the plan of its
// DataFrame so that a join condition such as a.Col("id").Eq(b.Col("id")) can tell the
// two sides apart. Everywhere else it is a plain ColumnRef (see Strip).
type BoundColumn struct {
	expr.ColumnRef
	From Node
}

// WithChildren keeps the binding (a column has no children).
func (n *BoundColumn) WithChildren([]expr.Node) expr.Node { c := *n; return &c }

// Strip replaces BoundColumns with plain column references.
func Strip(n expr.Node) expr.Node {
	if n == nil {
		return nil
	}
	return expr.Transform(n, func(x expr.Node) expr.Node {
		if b, ok := x.(*BoundColumn); ok {
			return &expr.ColumnRef{Parts: b.Parts, Pos: b.Pos}
		}
		return x
	})
}

// ParseJoinType reads Spark's join type names.
func ParseJoinType(how string) (JoinType, error) {
	switch strings.ToLower(strings.ReplaceAll(how, "_", "")) {
	case "", "inner":
		return Inner, nil
	case "left", "leftouter":
		return LeftOuter, nil
	case "right", "rightouter":
		return RightOuter, nil
	case "outer", "full", "fullouter":
		return FullOuter, nil
	case "semi", "leftsemi":
		return LeftSemi, nil
	case "anti", "leftanti":
		return LeftAnti, nil
	case "cross":
		return Cross, nil
	}
	return Inner, fmt.Errorf("Unsupported join type '%s'. Supported join types include: 'inner', 'outer', 'full', 'fullouter', 'full_outer', 'leftouter', 'left', 'left_outer', 'rightouter', 'right', 'right_outer', 'leftsemi', 'left_semi', 'semi', 'leftanti', 'left_anti', 'anti', 'cross'.", how)
}

// NewJoinUsing joins on equality of the named columns, which appear once in the output.
func NewJoinUsing(left, right Node, names []string, t JoinType) (Node, error) {
	ls, rs := left.Schema(), right.Schema()
	j := &Join{Left: left, Right: right, Type: t}
	isKeyL := map[int]bool{}
	isKeyR := map[int]bool{}
	var keyL, keyR []int
	for _, n := range names {
		li, ri := ls.FieldIndex(n), rs.FieldIndex(n)
		if li < 0 {
			return nil, fmt.Errorf("[UNRESOLVED_USING_COLUMN_FOR_JOIN] USING column `%s` cannot be resolved on the left side of the join. The left-side columns: [%s].", n, strings.Join(quoted(ls.Names()), ", "))
		}
		if ri < 0 {
			return nil, fmt.Errorf("[UNRESOLVED_USING_COLUMN_FOR_JOIN] USING column `%s` cannot be resolved on the right side of the join. The right-side columns: [%s].", n, strings.Join(quoted(rs.Names()), ", "))
		}
		if !types.Equal(ls.Fields[li].DataType, rs.Fields[ri].DataType) {
			return nil, fmt.Errorf("join column %s has type %s on the left and %s on the right", n, ls.Fields[li].DataType.SimpleString(), rs.Fields[ri].DataType.SimpleString())
		}
		j.LeftKeys = append(j.LeftKeys, &expr.ColumnRef{Parts: []string{ls.Fields[li].Name}, Pos: -1})
		j.RightKeys = append(j.RightKeys, &expr.ColumnRef{Parts: []string{rs.Fields[ri].Name}, Pos: -1})
		isKeyL[li], isKeyR[ri] = true, true
		keyL, keyR = append(keyL, li), append(keyR, ri)
	}
	j.CondSchema = combinedSchema(ls, rs)
	out := types.NewStructType()
	nl := len(ls.Fields)
	for k, li := range keyL {
		f := ls.Fields[li]
		idx := li
		nullable := f.Nullable
		switch t {
		case RightOuter:
			idx = nl + keyR[k]
			nullable = rs.Fields[keyR[k]].Nullable
		case FullOuter:
			if j.UsingCoalesce == nil {
				j.UsingCoalesce = map[int]int{}
			}
			j.UsingCoalesce[len(j.Project)] = nl + keyR[k]
			nullable = nullable || rs.Fields[keyR[k]].Nullable
		}
		j.Project = append(j.Project, idx)
		out.Add(f.Name, f.DataType, nullable)
	}
	for i, f := range ls.Fields {
		if !isKeyL[i] {
			j.Project = append(j.Project, i)
			out.Add(f.Name, f.DataType, f.Nullable || t == RightOuter || t == FullOuter)
		}
	}
	if t != LeftSemi && t != LeftAnti {
		for i, f := range rs.Fields {
			if !isKeyR[i] {
				j.Project = append(j.Project, nl+i)
				out.Add(f.Name, f.DataType, f.Nullable || t == LeftOuter || t == FullOuter)
			}
		}
	}
	j.Out = out
	return j, nil
}

func quoted(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = "`" + n + "`"
	}
	return out
}

// combinedSchema is the left fields then the right fields; right names that clash with a
// left name get a unique internal name so conditions can refer to either side.
func combinedSchema(ls, rs *types.StructType) *types.StructType {
	out := types.NewStructType()
	for _, f := range ls.Fields {
		out.Add(f.Name, f.DataType, true)
	}
	for i, f := range rs.Fields {
		name := f.Name
		if ls.FieldIndex(name) >= 0 {
			name = rightName(i)
		}
		out.Add(name, f.DataType, true)
	}
	return out
}

func rightName(i int) string { return "_right" + strconv.Itoa(i) }

func isAncestorOf(root, n Node) bool {
	if root == n {
		return true
	}
	for _, c := range root.Children() {
		if isAncestorOf(c, n) {
			return true
		}
	}
	return false
}

// NewJoinOn joins on a condition (nil for a cross join). Equalities between a left-only and
// a right-only expression become hash keys; the rest is evaluated on the combined row.
func NewJoinOn(left, right Node, cond expr.Node, t JoinType) (Node, error) {
	ls, rs := left.Schema(), right.Schema()
	comb := combinedSchema(ls, rs)
	nl := len(ls.Fields)
	side := map[string]int{} // combined name (lower) -> 0 left, 1 right
	for i, f := range comb.Fields {
		if i < nl {
			side[strings.ToLower(f.Name)] = 0
		} else {
			side[strings.ToLower(f.Name)] = 1
		}
	}
	// Resolve column references to combined names.
	var rerr error
	lq, rq := qualifiers(left), qualifiers(right)
	qualified := func(s *types.StructType, quals [][]string, q, name string) int {
		for i, f := range s.Fields {
			if strings.EqualFold(f.Name, name) {
				for _, x := range quals[i] {
					if strings.EqualFold(x, q) {
						return i
					}
				}
			}
		}
		return -1
	}
	resolve := func(parts []string, from Node) []string {
		if len(parts) >= 2 && ls.FieldIndex(parts[0]) < 0 && rs.FieldIndex(parts[0]) < 0 {
			li, ri := qualified(ls, lq, parts[0], parts[1]), qualified(rs, rq, parts[0], parts[1])
			switch {
			case li >= 0 && ri < 0:
				return append([]string{ls.Fields[li].Name}, parts[2:]...)
			case ri >= 0 && li < 0:
				return append([]string{comb.Fields[nl+ri].Name}, parts[2:]...)
			}
		}
		name := parts[0]
		li, ri := ls.FieldIndex(name), rs.FieldIndex(name)
		pick := -1
		switch {
		case li >= 0 && ri >= 0:
			inL, inR := from != nil && isAncestorOf(left, from), from != nil && isAncestorOf(right, from)
			switch {
			case from == right || (inR && !inL):
				pick = 1
			case from == left || inL:
				pick = 0
			default:
				if rerr == nil {
					rerr = fmt.Errorf("[AMBIGUOUS_REFERENCE] Reference `%s` is ambiguous, could be: [`%s`, `%s`].", name, name, name)
				}
				return parts
			}
		case li >= 0:
			pick = 0
		case ri >= 0:
			pick = 1
		default:
			if rerr == nil {
				rerr = unresolvedColumn(strings.Join(parts, "."), comb)
			}
			return parts
		}
		if pick == 0 {
			return append([]string{ls.Fields[li].Name}, parts[1:]...)
		}
		return append([]string{comb.Fields[nl+ri].Name}, parts[1:]...)
	}
	var resolved expr.Node
	if cond != nil {
		resolved = expr.Transform(cond, func(x expr.Node) expr.Node {
			switch c := x.(type) {
			case *BoundColumn:
				return &expr.ColumnRef{Parts: resolve(c.Parts, c.From), Pos: c.Pos}
			case *expr.ColumnRef:
				return &expr.ColumnRef{Parts: resolve(c.Parts, nil), Pos: c.Pos}
			}
			return x
		})
		if rerr != nil {
			return nil, rerr
		}
		ev, err := Compile(resolved, comb)
		if err != nil {
			return nil, err
		}
		if ev.Type().ID() != types.BooleanID {
			return nil, fmt.Errorf("join condition %s must be a boolean, not %s", cond, ev.Type().SimpleString())
		}
	}
	j := &Join{Left: left, Right: right, Type: t, CondSchema: comb}
	sidesOf := func(n expr.Node) (l, r bool) {
		expr.Walk(n, func(x expr.Node) bool {
			if c, ok := x.(*expr.ColumnRef); ok {
				if side[strings.ToLower(c.Parts[0])] == 0 {
					l = true
				} else {
					r = true
				}
			}
			return true
		})
		return
	}
	toRight := func(n expr.Node) expr.Node {
		return expr.Transform(n, func(x expr.Node) expr.Node {
			if c, ok := x.(*expr.ColumnRef); ok {
				i := comb.FieldIndex(c.Parts[0]) - nl
				return &expr.ColumnRef{Parts: append([]string{rs.Fields[i].Name}, c.Parts[1:]...), Pos: c.Pos}
			}
			return x
		})
	}
	var rest, keyEquality []expr.Node
	for _, c := range conjuncts(resolved) {
		if b, ok := c.(*expr.Binary); ok && (b.Op == "=" || b.Op == "==") {
			ll, lr := sidesOf(b.L)
			rl, rr := sidesOf(b.R)
			switch {
			case ll && !lr && rr && !rl:
				j.LeftKeys = append(j.LeftKeys, b.L)
				j.RightKeys = append(j.RightKeys, toRight(b.R))
				keyEquality = append(keyEquality, c)
				continue
			case rl && !rr && lr && !ll:
				j.LeftKeys = append(j.LeftKeys, b.R)
				j.RightKeys = append(j.RightKeys, toRight(b.L))
				keyEquality = append(keyEquality, c)
				continue
			}
		}
		rest = append(rest, c)
	}
	// Keys of different types (int = long) are compared by the residual condition, where
	// the expression compiler applies Spark's casts; hash keys must be of one type.
	var lk, rk []expr.Node
	for i := range j.LeftKeys {
		le, err := CompileIn(left, j.LeftKeys[i])
		if err != nil {
			return nil, err
		}
		re, err := CompileIn(right, j.RightKeys[i])
		if err != nil {
			return nil, err
		}
		if types.Equal(le.Type(), re.Type()) {
			lk, rk = append(lk, j.LeftKeys[i]), append(rk, j.RightKeys[i])
			continue
		}
		rest = append(rest, keyEquality[i])
	}
	j.LeftKeys, j.RightKeys = lk, rk
	if len(rest) > 0 {
		j.Cond = rest[0]
		for _, c := range rest[1:] {
			j.Cond = &expr.Binary{Op: "AND", L: j.Cond, R: c}
		}
	}
	out := types.NewStructType()
	for i, f := range ls.Fields {
		j.Project = append(j.Project, i)
		out.Add(f.Name, f.DataType, f.Nullable || t == RightOuter || t == FullOuter)
	}
	if t != LeftSemi && t != LeftAnti {
		for i, f := range rs.Fields {
			j.Project = append(j.Project, nl+i)
			out.Add(f.Name, f.DataType, f.Nullable || t == LeftOuter || t == FullOuter)
		}
	}
	j.Out = out
	return j, nil
}

func conjuncts(n expr.Node) []expr.Node {
	if n == nil {
		return nil
	}
	if b, ok := n.(*expr.Binary); ok && b.Op == "AND" {
		return append(conjuncts(b.L), conjuncts(b.R)...)
	}
	return []expr.Node{n}
}
