package engine

import (
	"strings"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/internal/expr"
	"github.com/runnel-go/runnel/engine/internal/plan"
	"github.com/runnel-go/runnel/engine/internal/sqlparse"
	"github.com/runnel-go/runnel/engine/types"
)

// SQL runs a SELECT over temporary views (static or streaming) and returns its
// DataFrame.
func (s *Session) SQL(query string) *DataFrame {
	q, err := sqlparse.ParseQuery(query)
	if err != nil {
		return s.newDF(nil, err)
	}
	p, err := s.planQuery(q)
	return s.newDF(p, err)
}

func (s *Session) relation(r *sqlparse.Relation) (plan.Node, error) {
	var p plan.Node
	name := r.Alias
	if r.Subquery != nil {
		sp, err := s.planQuery(r.Subquery)
		if err != nil {
			return nil, err
		}
		p = sp
	} else {
		v, ok := s.view(r.Name)
		if !ok {
			return nil, tableNotFound(r.Name)
		}
		p = v
		if name == "" {
			name = r.Name
		}
	}
	if name != "" {
		p = &plan.SubqueryAlias{Child: p, Alias: name}
	}
	return p, nil
}

func (s *Session) planQuery(q *sqlparse.Query) (plan.Node, error) {
	var p plan.Node
	if q.From == nil {
		one := batch.New(types.NewStructType(), 1)
		one.N = 1
		p = &plan.Relation{Out: types.NewStructType(), Data: func() ([]*batch.Batch, error) { return []*batch.Batch{one}, nil }}
	} else {
		fp, err := s.relation(q.From)
		if err != nil {
			return nil, err
		}
		p = fp
	}
	for _, j := range q.Joins {
		right, err := s.relation(&j.Right)
		if err != nil {
			return nil, err
		}
		t, err := plan.ParseJoinType(j.Type)
		if err != nil {
			return nil, err
		}
		if len(j.Using) > 0 {
			p, err = plan.NewJoinUsing(p, right, j.Using, t)
		} else {
			p, err = plan.NewJoinOn(p, right, j.On, t)
		}
		if err != nil {
			return nil, err
		}
	}
	if q.Where != nil {
		f, err := plan.NewFilter(p, q.Where)
		if err != nil {
			return nil, err
		}
		p = f
	}
	items := q.Items
	input := p // the rows before the projection, for ORDER BY columns not selected
	hasAgg := len(q.GroupBy) > 0 || q.Having != nil
	for _, it := range items {
		if containsAggregate(it) {
			hasAgg = true
		}
	}
	var err error
	if hasAgg {
		keys := make([]expr.Node, len(q.GroupBy))
		for i, k := range q.GroupBy {
			keys[i] = groupKey(k, items)
		}
		p, err = plan.NewAggregate(p, keys, items, q.Having)
	} else {
		p, err = plan.NewProject(p, items)
	}
	if err != nil {
		return nil, err
	}
	if q.Distinct {
		if p, err = plan.NewDeduplicate(p, nil); err != nil {
			return nil, err
		}
	}
	if len(q.OrderBy) > 0 {
		if p, err = s.orderBy(q, p, input, items, hasAgg); err != nil {
			return nil, err
		}
	}
	if q.Limit >= 0 {
		p = &plan.Limit{Child: p, N: q.Limit}
	}
	return p, nil
}

// orderBy sorts the query's output p. ORDER BY names output columns (aliases included)
// or, for aggregates, their text (sum(x)); a plain SELECT may also sort by input columns
// it does not select, sorting below the projection as Spark does.
func (s *Session) orderBy(q *sqlparse.Query, p, input plan.Node, items []expr.Node, hasAgg bool) (plan.Node, error) {
	var orders []*expr.SortOrder
	var firstErr error
	for _, o := range q.OrderBy {
		x := o.X
		if _, err := plan.CompileIn(p, x); err != nil {
			name := plan.OutputName(plan.NormalizeCount(x))
			if p.Schema().FieldIndex(name) >= 0 {
				x = &expr.ColumnRef{Parts: []string{name}, Pos: -1}
			} else if firstErr == nil {
				firstErr = err
			}
		}
		orders = append(orders, &expr.SortOrder{X: x, Descending: o.Descending, NullsFirst: o.NullsFirst})
	}
	if firstErr == nil {
		return plan.NewSort(p, orders)
	}
	if hasAgg || q.Distinct {
		return nil, firstErr
	}
	below := make([]*expr.SortOrder, len(q.OrderBy))
	for i, o := range q.OrderBy {
		below[i] = &expr.SortOrder{X: o.X, Descending: o.Descending, NullsFirst: o.NullsFirst}
	}
	sorted, err := plan.NewSort(input, below)
	if err != nil {
		return nil, firstErr
	}
	return plan.NewProject(sorted, items)
}

// groupKey resolves GROUP BY 1 (an ordinal) and GROUP BY alias to the select item.
func groupKey(k expr.Node, items []expr.Node) expr.Node {
	if l, ok := k.(*expr.Literal); ok {
		if i, ok := l.Value.(int32); ok && int(i) >= 1 && int(i) <= len(items) {
			return unalias(items[i-1])
		}
	}
	if ref, ok := k.(*expr.ColumnRef); ok && len(ref.Parts) == 1 {
		for _, it := range items {
			if a, ok := it.(*expr.Alias); ok && strings.EqualFold(a.Name, ref.Parts[0]) {
				if _, isRef := a.X.(*expr.ColumnRef); !isRef {
					return a.X
				}
			}
		}
	}
	return k
}

func containsAggregate(n expr.Node) bool {
	found := false
	expr.Walk(n, func(x expr.Node) bool {
		if c, ok := x.(*expr.Call); ok && plan.IsAggregate(c.Name) {
			found = true
		}
		return !found
	})
	return found
}
