package plan

import (
	"fmt"

	"github.com/runnel-go/runnel/engine/internal/expr"
	"github.com/runnel-go/runnel/engine/types"
)

// compileExpr hands expressions other than plain references to the expression compiler.
func compileExpr(n expr.Node, schema *types.StructType, opts Options) (Evaluator, error) {
	if ref, ok := n.(*expr.ColumnRef); ok {
		return nil, unresolvedColumn(ref.String(), schema)
	}
	return nil, fmt.Errorf("expression %s is not supported", n)
}

func exprOutputName(n expr.Node) string { return expr.OutputName(n) }
