// Package layers checks the import rules between Runnel's layers with `go list -deps`:
// the kernel knows nothing of DataFrames, the engine nothing of Jupyter, display only the
// engine's public API, magics nothing of either.
package layers

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/runnel-go/runnel"

// rules maps a package pattern to import paths (prefixes, module-relative) its
// dependencies must not include.
var rules = []struct {
	pkgs      string
	forbidden []string
}{
	{"./kernel", []string{"engine", "display", "magics", "kernel/interp"}},
	{"./kernel/interp", []string{"engine", "display"}},
	{"./engine/...", []string{"kernel", "display", "magics"}},
	{"./display/...", []string{"kernel", "magics", "engine/internal"}},
	{"./magics/...", []string{"kernel", "engine", "display"}},
}

func TestLayers(t *testing.T) {
	for _, r := range rules {
		out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}} {{.Standard}}", "../../"+strings.TrimPrefix(r.pkgs, "./")).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", r.pkgs, err, out)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			path, _, _ := strings.Cut(line, " ")
			rel, ok := strings.CutPrefix(path, module+"/")
			if !ok {
				continue
			}
			for _, f := range r.forbidden {
				if rel == f || strings.HasPrefix(rel, f+"/") {
					t.Errorf("%s depends on %s, which its layer must not know", r.pkgs, path)
				}
			}
		}
	}
}
