package expr_test

import (
	"testing"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/internal/expr"
	"github.com/runnel-go/runnel/engine/internal/sqlparse"
	"github.com/runnel-go/runnel/engine/types"
)

const benchRows = 1 << 20

// benchBatch holds amount (integer), qty (double) and price (double) columns.
func benchBatch() *batch.Batch {
	schema := types.NewStructType().Add("amount", "integer").Add("qty", "double").Add("price", "double")
	amount := make([]int32, benchRows)
	qty := make([]float64, benchRows)
	price := make([]float64, benchRows)
	for i := range amount {
		amount[i] = int32(i % 1000)
		qty[i] = float64(i % 1000)
		price[i] = float64(i%977) * 0.25
	}
	cols := []*batch.Vector{{Type: types.IntegerType, I32: amount}, {Type: types.DoubleType, F64: qty}, {Type: types.DoubleType, F64: price}}
	for _, c := range cols {
		c.SetLen(benchRows)
	}
	b, err := batch.FromVectors(schema, cols)
	if err != nil {
		panic(err)
	}
	return b
}

func benchExpr(b *testing.B, sql string) {
	bt := benchBatch()
	n, err := sqlparse.ParseExpr(sql)
	if err != nil {
		b.Fatal(err)
	}
	ev, err := expr.Compile(n, bt.Schema, expr.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(benchRows)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := ev.Eval(bt); err != nil {
			b.Fatal(err)
		}
	}
}

// The compiled expressions, each next to a hand-written loop doing the same work
// (allocating its result like the evaluator does).

func BenchmarkCompiledMulIntDouble(b *testing.B) { benchExpr(b, "amount*price") }

func BenchmarkHandMulIntDouble(b *testing.B) {
	bt := benchBatch()
	a, p := bt.Cols[0].I32, bt.Cols[2].F64
	b.SetBytes(benchRows)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out := make([]float64, len(a))
		for j := range out {
			out[j] = float64(a[j]) * p[j]
		}
	}
}

func BenchmarkCompiledMulDouble(b *testing.B) { benchExpr(b, "qty*price") }

func BenchmarkHandMulDouble(b *testing.B) {
	bt := benchBatch()
	q, p := bt.Cols[1].F64, bt.Cols[2].F64
	b.SetBytes(benchRows)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out := make([]float64, len(q))
		for j := range out {
			out[j] = q[j] * p[j]
		}
	}
}

func BenchmarkCompiledCompare(b *testing.B) { benchExpr(b, "price > 100") }

func BenchmarkHandCompare(b *testing.B) {
	bt := benchBatch()
	p := bt.Cols[2].F64
	b.SetBytes(benchRows)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out := make([]bool, len(p))
		for j := range out {
			out[j] = p[j] > 100
		}
	}
}
