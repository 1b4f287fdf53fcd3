package engine_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLayering keeps the dependency directions: logical plans never see execution or
// SQL text, operators never see SQL or the public API, and F is a thin layer over the
// public engine package only.
func TestLayering(t *testing.T) {
	const mod = "github.com/runnel-go/runnel/"
	rules := map[string][]string{
		"engine/internal/plan": {"engine/internal/exec", "engine/internal/sqlparse", "engine/internal/runtime", "engine/internal/source", "engine/internal/sink"},
		"engine/internal/exec": {"engine/internal/sqlparse", "engine/internal/source", "engine/internal/sink", mod + "engine\n"},
		"engine/functions":     {"engine/internal/"},
	}
	for pkg, banned := range rules {
		out, err := exec.Command("go", "list", "-deps", mod+pkg).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", pkg, err)
		}
		deps := string(out)
		for _, b := range banned {
			if !strings.HasPrefix(b, mod) {
				b = mod + b
			}
			if strings.Contains(deps, b) {
				t.Errorf("%s depends on %s", pkg, strings.TrimSpace(b))
			}
		}
	}
}
