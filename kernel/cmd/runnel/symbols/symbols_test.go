package symbols

import (
	"bufio"
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/traefik/yaegi/extract"
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

// TestInSync regenerates every table in memory, as `go generate` would, and compares
// it with the committed file: an exported name added to the engine without a
// regeneration would be missing from cells.
func TestInSync(t *testing.T) {
	pkgs := generated(t)
	if len(pkgs) < 3 {
		t.Fatalf("go:generate extracts %v; want at least engine, functions and types", pkgs)
	}
	ext := extract.Extractor{Dest: "symbols"}
	names := strings.NewReplacer("/", "-", ".", "_", "~", "_")
	for _, pkg := range pkgs {
		var buf bytes.Buffer
		path, err := ext.Extract(pkg, "symbols", &buf)
		if err != nil {
			t.Fatalf("extracting %s: %v", pkg, err)
		}
		file := names.Replace(path) + ".go"
		have, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("%v: run go generate ./kernel/cmd/runnel/symbols", err)
		}
		if !bytes.Equal(have, buf.Bytes()) {
			t.Errorf("%s is out of date with %s: run go generate ./kernel/cmd/runnel/symbols", file, pkg)
		}
		if _, ok := Symbols[pkg+"/"+pkg[strings.LastIndex(pkg, "/")+1:]]; !ok {
			t.Errorf("Symbols has no table for %s", pkg)
		}
	}
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
	if !strings.Contains(string(text), "func (df *DataFrame) WithWatermark(eventTime, delay string) *DataFrame\n") || strings.Contains(string(text), "return ") {
		t.Errorf("dataframe.txt does not hold the bare declarations:\n%.600s", text)
	}
}
