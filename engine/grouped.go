package engine

import (
	"github.com/runnel-go/runnel/engine/internal/expr"
	"github.com/runnel-go/runnel/engine/internal/plan"
	"github.com/runnel-go/runnel/engine/types"
)

// GroupedData is the result of GroupBy, waiting for its aggregates.
type GroupedData struct {
	df   *DataFrame
	keys []expr.Node
}

// Agg computes aggregate columns per group: the output is the grouping columns followed by
// the aggregates.
func (g *GroupedData) Agg(cols ...Column) *DataFrame {
	df := g.df
	if df.err != nil {
		return df
	}
	outs := append([]expr.Node{}, g.keys...)
	for _, c := range cols {
		n, err := node(c)
		if err != nil {
			return df.derive(nil, err)
		}
		outs = append(outs, n)
	}
	return df.derive(plan.NewAggregate(df.plan, g.keys, outs, nil))
}

// Count counts the rows of each group into a "count" column.
func (g *GroupedData) Count() *DataFrame {
	return g.Agg(CallFunction("count", Lit(1)).Alias("count"))
}

func (g *GroupedData) simple(fn string, cols []string) *DataFrame {
	if g.df.err != nil {
		return g.df
	}
	if len(cols) == 0 {
		keyNames := map[string]bool{}
		for _, k := range g.keys {
			keyNames[plan.OutputName(k)] = true
		}
		for _, f := range g.df.Schema().Fields {
			if types.IsNumeric(f.DataType) && !keyNames[f.Name] {
				cols = append(cols, f.Name)
			}
		}
	}
	var aggs []Column
	for _, c := range cols {
		aggs = append(aggs, CallFunction(fn, Col(c)))
	}
	return g.Agg(aggs...)
}

// Sum, Avg, Mean, Min and Max aggregate the named columns (all numeric columns when none
// are named), naming results as Spark does: sum(amount).
func (g *GroupedData) Sum(cols ...string) *DataFrame  { return g.simple("sum", cols) }
func (g *GroupedData) Avg(cols ...string) *DataFrame  { return g.simple("avg", cols) }
func (g *GroupedData) Mean(cols ...string) *DataFrame { return g.simple("avg", cols) }
func (g *GroupedData) Min(cols ...string) *DataFrame  { return g.simple("min", cols) }
func (g *GroupedData) Max(cols ...string) *DataFrame  { return g.simple("max", cols) }
