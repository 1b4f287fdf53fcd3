package engine_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLayering keeps the dependency directions: logical plans never see execution, the
// micro-batch driver or SQL text (not even indirectly); operators never import SQL,
// sources, sinks or the public API; F imports only the public engine package.
func TestLayering(t *testing.T) {
	const mod = "github.com/runnel-go/runnel/"
	list := func(format, pkg string) []string {
		out, err := exec.Command("go", "list", "-f", format, mod+pkg).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", pkg, err)
		}
		return strings.Fields(string(out))
	}
	check := func(pkg, kind string, deps, banned []string) {
		for _, d := range deps {
			for _, b := range banned {
				if d == mod+b || (b != "engine" && strings.HasPrefix(d, mod+b+"/")) {
					t.Errorf("%s %s %s", pkg, kind, d)
				}
			}
		}
	}
	check("engine/internal/plan", "depends on", list(`{{join .Deps " "}}`, "engine/internal/plan"),
		[]string{"engine/internal/exec", "engine/internal/sqlparse", "engine/internal/runtime", "engine/internal/source", "engine/internal/sink"})
	check("engine/internal/exec", "imports", list(`{{join .Imports " "}}`, "engine/internal/exec"),
		[]string{"engine/internal/sqlparse", "engine/internal/source", "engine/internal/sink", "engine"})
	check("engine/functions", "imports", list(`{{join .Imports " "}}`, "engine/functions"),
		[]string{"engine/internal"})
}
