package symbols

import (
	"bufio"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// generated reads the package list of the go:generate line, so that the test and the
// generator share one list.
func generated(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("symbols.go")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "//go:generate ")
		if !ok {
			continue
		}
		_, pkgs, ok := strings.Cut(line, " extract ")
		if !ok {
			t.Fatalf("go:generate line without extract: %q", line)
		}
		return strings.Fields(pkgs)
	}
	t.Fatal("symbols.go has no go:generate line")
	return nil
}

// TestInSync checks that each generated table holds exactly the exported names of its
// package's sources: a name added to the engine without `go generate` would be missing
// from cells. (Regenerating with yaegi's extractor type-checks every dependency from
// source, over a minute on two cores, so the test compares names, which is what the
// tables are made of: types are reflected, so method changes need no regeneration.)
func TestInSync(t *testing.T) {
	pkgs := generated(t)
	if len(pkgs) < 4 {
		t.Fatalf("go:generate extracts %v; want engine, functions, types and display", pkgs)
	}
	for _, pkg := range pkgs {
		table, ok := Symbols[pkg+"/"+pkg[strings.LastIndex(pkg, "/")+1:]]
		if !ok {
			t.Errorf("Symbols has no table for %s: run go generate ./kernel/cmd/runnel/symbols", pkg)
			continue
		}
		want := exportedNames(t, pkg)
		for name := range want {
			if _, ok := table[name]; !ok {
				t.Errorf("%s.%s is missing from the symbols: run go generate ./kernel/cmd/runnel/symbols", pkg, name)
			}
		}
		for name := range table {
			if !strings.HasPrefix(name, "_") && !want[name] {
				t.Errorf("the symbols of %s hold %s, which the package no longer exports: run go generate", pkg, name)
			}
		}
	}
}

// exportedNames lists the exported package-level names declared in pkg's Go files.
func exportedNames(t *testing.T, pkg string) map[string]bool {
	t.Helper()
	out, err := exec.Command("go", "list", "-f", "{{.Dir}}\n{{join .GoFiles \"\\n\"}}", pkg).Output()
	if err != nil {
		t.Fatalf("go list %s: %v", pkg, err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	names := map[string]bool{}
	fset := token.NewFileSet()
	for _, file := range lines[1:] {
		f, err := parser.ParseFile(fset, filepath.Join(lines[0], file), nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil && d.Name.IsExported() && d.Type.TypeParams == nil {
					names[d.Name.Name] = true
				}
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					switch spec := spec.(type) {
					case *ast.TypeSpec:
						if spec.Name.IsExported() && spec.TypeParams == nil {
							names[spec.Name.Name] = true
						}
					case *ast.ValueSpec:
						for _, n := range spec.Names {
							if n.IsExported() {
								names[n.Name] = true
							}
						}
					}
				}
			}
		}
	}
	return names
}

// TestEngineAPI spot-checks names the tutorial's cells use.
func TestEngineAPI(t *testing.T) {
	for pkg, names := range map[string][]string{
		"github.com/runnel-go/runnel/engine/engine":              {"Builder", "DataFrame", "StreamingQuery", "Continuous", "AvailableNow"},
		"github.com/runnel-go/runnel/engine/functions/functions": {"Window", "Explode", "Split", "Sum", "Col"},
		"github.com/runnel-go/runnel/engine/types/types":         {"NewStructType", "StructType"},
	} {
		for _, n := range names {
			if _, ok := Symbols[pkg][n]; !ok {
				t.Errorf("%s has no symbol %s", pkg, n)
			}
		}
	}
}

// TestDocsInSync checks that docsrc, which inspect reads, matches the packages' doc
// comments and declarations.
func TestDocsInSync(t *testing.T) {
	out, err := exec.Command("go", "run", "./gendoc", "-check").CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	src := DocSources()["github.com/runnel-go/runnel/engine"]
	if src == nil {
		t.Fatal("no doc sources for the engine")
	}
	text, err := fs.ReadFile(src, "dataframe.txt")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(text), "func (df *DataFrame) WithWatermark(eventTime, delay string) *DataFrame\n") || strings.Contains(string(text), "\n\treturn ") {
		t.Errorf("dataframe.txt does not hold the bare declarations:\n%.600s", text)
	}
}
