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
// dependencies must not include; with direct, only its own imports are checked (display
// reaches engine/internal through the engine, but must not import it itself).
var rules = []struct {
	pkgs      string
	forbidden []string
	direct    bool
}{
	{"./kernel", []string{"engine", "display", "magics", "kernel/interp"}, false},
	{"./kernel/interp", []string{"engine", "display"}, false},
	{"./engine/...", []string{"kernel", "display", "magics"}, false},
	{"./display/...", []string{"kernel", "magics"}, false},
	{"./display/...", []string{"engine/internal"}, true},
	{"./magics/...", []string{"kernel", "engine", "display"}, false},
}

func TestLayers(t *testing.T) {
	for _, r := range rules {
		args := []string{"list", "-deps", "-f", "{{.ImportPath}}"}
		if r.direct {
			args = []string{"list", "-f", `{{join .Imports "\n"}}`}
		}
		out, err := exec.Command("go", append(args, "../../"+strings.TrimPrefix(r.pkgs, "./"))...).CombinedOutput()
		if err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			path := strings.TrimSpace(line)
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
