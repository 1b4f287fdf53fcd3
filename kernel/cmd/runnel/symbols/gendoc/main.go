// Command gendoc writes the documentation sources that the kernel's inspect and
// completion read for the packages cells import from Runnel: each Go file of those
// packages with its unexported declarations and function bodies removed, under
// docsrc/<import path>/<file>.txt, so that the kernel binary embeds them and needs no
// source tree at run time. The package list is the one of the yaegi extract line in
// symbols.go. With -check it compares instead of writing and fails on a difference.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

func main() {
	check := flag.Bool("check", false, "compare docsrc with the packages instead of writing it")
	flag.Parse()
	if err := run(*check); err != nil {
		fmt.Fprintln(os.Stderr, "gendoc:", err)
		os.Exit(1)
	}
}

func run(check bool) error {
	pkgs, err := packageList("symbols.go")
	if err != nil {
		return err
	}
	want := map[string][]byte{} // path under docsrc -> content
	for _, pkg := range pkgs {
		files, err := strip(pkg)
		if err != nil {
			return err
		}
		for name, b := range files {
			want[filepath.Join("docsrc", filepath.FromSlash(pkg), name)] = b
		}
	}
	have := map[string][]byte{}
	err = filepath.WalkDir("docsrc", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		have[p] = b
		return err
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	var diff []string
	for p, b := range want {
		if !bytes.Equal(have[p], b) {
			diff = append(diff, p)
		}
	}
	for p := range have {
		if _, ok := want[p]; !ok {
			diff = append(diff, p)
		}
	}
	sort.Strings(diff)
	if check {
		if len(diff) > 0 {
			return fmt.Errorf("docsrc is out of date (%s): run go generate ./kernel/cmd/runnel/symbols", strings.Join(diff, ", "))
		}
		return nil
	}
	if err := os.RemoveAll("docsrc"); err != nil {
		return err
	}
	for p, b := range want {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// packageList reads the import paths of the yaegi extract go:generate line.
func packageList(file string) ([]string, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if _, pkgs, ok := strings.Cut(sc.Text(), "yaegi extract "); ok && strings.HasPrefix(sc.Text(), "//go:generate ") {
			return strings.Fields(pkgs), nil
		}
	}
	return nil, fmt.Errorf("%s has no yaegi extract go:generate line", file)
}

// strip returns the exported declarations and doc comments of each file of pkg.
func strip(pkg string) (map[string][]byte, error) {
	out, err := exec.Command("go", "list", "-f", "{{.Dir}}\n{{join .GoFiles \"\\n\"}}", pkg).Output()
	if err != nil {
		return nil, fmt.Errorf("go list %s: %w", pkg, err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	dir, names := lines[0], lines[1:]
	files := map[string][]byte{}
	for _, name := range names {
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		if !ast.FileExports(f) && f.Doc == nil {
			continue
		}
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok {
				fd.Body = nil
			}
		}
		// Comments inside removed bodies and declarations would float free: keep only
		// the doc comments that remain attached.
		f.Comments = docComments(f)
		var b bytes.Buffer
		if err := printer.Fprint(&b, fset, f); err != nil {
			return nil, err
		}
		files[strings.TrimSuffix(name, ".go")+".txt"] = b.Bytes()
	}
	return files, nil
}

func docComments(f *ast.File) []*ast.CommentGroup {
	var cgs []*ast.CommentGroup
	if f.Doc != nil {
		cgs = append(cgs, f.Doc)
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncDecl:
			if n.Doc != nil {
				cgs = append(cgs, n.Doc)
			}
		case *ast.GenDecl:
			if n.Doc != nil {
				cgs = append(cgs, n.Doc)
			}
		case *ast.TypeSpec:
			if n.Doc != nil {
				cgs = append(cgs, n.Doc)
			}
		case *ast.ValueSpec:
			if n.Doc != nil {
				cgs = append(cgs, n.Doc)
			}
		case *ast.Field:
			if n.Doc != nil {
				cgs = append(cgs, n.Doc)
			}
		}
		return true
	})
	sort.Slice(cgs, func(i, j int) bool { return cgs[i].Pos() < cgs[j].Pos() })
	return cgs
}
