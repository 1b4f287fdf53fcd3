package plan

import (
	"time"

	"github.com/runnel-go/runnel/engine/internal/expr"
	"github.com/runnel-go/runnel/engine/types"
)

// compileExpr hands expressions other than plain references to the expression compiler.
func compileExpr(n expr.Node, schema *types.StructType, opts Options) (Evaluator, error) {
	loc := opts.Location
	if loc == nil {
		loc = time.UTC
	}
	return expr.Compile(n, schema, expr.Options{Location: loc, Now: opts.Now, Seed: opts.Seed, Qualifiers: opts.Qualifiers})
}

func exprOutputName(n expr.Node) string { return expr.OutputName(n) }
