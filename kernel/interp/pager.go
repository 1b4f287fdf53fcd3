package interp

import (
	"regexp"
	"strings"

	"github.com/runnel-go/runnel/kernel"
)

// helpExpr is what IPython's `name?` may ask about here: a name or a selector chain.
var helpExpr = regexp.MustCompile(`^[\pL_][\pL\pN_]*(\.[\pL_][\pL\pN_]*)*$`)

// helpRequest recognizes a cell that is only `expr?` or `?expr` (`expr??` for more
// detail), as in IPython: never valid Go, so no Go cell is taken for one.
func helpRequest(code string) (expr string, detail int, ok bool) {
	code = strings.TrimSpace(code)
	if strings.HasSuffix(code, "??") {
		expr, detail = strings.TrimSuffix(code, "??"), 1
	} else if strings.HasSuffix(code, "?") {
		expr = strings.TrimSuffix(code, "?")
	} else if strings.HasPrefix(code, "??") {
		expr, detail = strings.TrimPrefix(code, "??"), 1
	} else if strings.HasPrefix(code, "?") {
		expr = strings.TrimPrefix(code, "?")
	} else {
		return "", 0, false
	}
	expr = strings.TrimSpace(expr)
	return expr, detail, helpExpr.MatchString(expr)
}

// page answers a help request with what inspect shows, sent to the frontend's pager.
func (s *Session) page(expr string, detail int) kernel.ExecuteResult {
	r := s.Inspect(expr, len([]rune(expr)), detail)
	if !r.Found {
		return errorResult("NameError", "nothing is known of "+expr, nil)
	}
	return kernel.ExecuteResult{Status: "ok", Payload: []map[string]any{{"source": "page", "data": r.Data, "start": 0}}}
}
