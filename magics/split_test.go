package magics

import (
	"reflect"
	"testing"
)

func TestSplit(t *testing.T) {
	cell := "%cd /tmp\n" + // 1
		"x := 1\n" + // 2
		"s := `\n" + // 3
		"%not a magic inside a raw string\n" + // 4
		"`\n" + // 5
		"ok := x > 0 &&\n" + // 6
		"!false\n" + // 7: continues line 6
		"!echo hi\n" + // 8
		"\n" + // 9
		"y := x + 1 // a comment with ` and /*\n" + // 10
		"/* block\n" + // 11
		"%inside a comment\n" + // 12
		"*/\n" + // 13
		"x++\n" + // 14
		"!ls  \n" + // 15
		"v := f(a,\n" + // 16
		"%b)\n" + // 17: continues line 16
		"r := '`'\n" + // 18: a rune, not a raw string
		"%env A=1\n" // 19
	want := []Chunk{
		{Magic: true, Text: "%cd /tmp", Line: 1},
		{Text: "x := 1\ns := `\n%not a magic inside a raw string\n`\nok := x > 0 &&\n!false", Line: 2},
		{Magic: true, Text: "!echo hi", Line: 8},
		{Text: "y := x + 1 // a comment with ` and /*\n/* block\n%inside a comment\n*/\nx++", Line: 10},
		{Magic: true, Text: "!ls", Line: 15},
		{Text: "v := f(a,\n%b)\nr := '`'", Line: 16},
		{Magic: true, Text: "%env A=1", Line: 19},
	}
	if got := Split(cell); !reflect.DeepEqual(got, want) {
		t.Errorf("Split:\n got %#v\nwant %#v", got, want)
	}
}

func TestSplitCellMagic(t *testing.T) {
	got := Split("\n  \n%%writefile gen.go\npackage main\n\n%notmagic\n")
	want := []Chunk{{Magic: true, Text: "%%writefile gen.go\npackage main\n\n%notmagic\n", Line: 3}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Split:\n got %#v\nwant %#v", got, want)
	}
	if !IsCellMagic("%%time\nx := 1") || IsCellMagic("x := 1\n%%time") || IsCellMagic("%% x") {
		t.Error("IsCellMagic: wrong answer")
	}
}

func TestSplitPlainGo(t *testing.T) {
	cell := "\n\nfmt.Println(1)\n\n"
	want := []Chunk{{Text: "fmt.Println(1)", Line: 3}}
	got := Split(cell)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Split: got %#v, want %#v", got, want)
	}
	if p := got[0].Padded(); p != "\n\nfmt.Println(1)" {
		t.Errorf("Padded = %q", p)
	}
	if HasMagic(cell) || !HasMagic("x := 1\n!ls") || !HasMagic("%%bash\nls") {
		t.Error("HasMagic: wrong answer")
	}
}

func TestIsLineMagic(t *testing.T) {
	for line, want := range map[string]bool{
		"%cd /tmp":    true,
		"%%bash":      true, // misplaced cell magic: RunLine explains
		"!ls -l":      true,
		"! ls":        true,
		"!":           false,
		"!  ":         false,
		"%":           false,
		"%5":          false,
		" %cd":        false,
		"\t!ok":       false,
		"x := a % b":  false,
		"fmt.Print()": false,
	} {
		if got := IsLineMagic(line); got != want {
			t.Errorf("IsLineMagic(%q) = %v, want %v", line, got, want)
		}
	}
}

func TestSplitCellMagicAlone(t *testing.T) {
	want := []Chunk{{Magic: true, Text: "%%writefile empty.txt", Line: 1}}
	if got := Split("%%writefile empty.txt"); !reflect.DeepEqual(got, want) {
		t.Errorf("Split: got %#v, want %#v", got, want)
	}
}
