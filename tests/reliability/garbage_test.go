package reliability

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
)

// Fragments random lines are made of: valid values, broken syntax, wrong types, control
// and invalid UTF-8 bytes.
var garbageFragments = map[string][]string{
	"json": {`{"a":1}`, `{"a":"x"}`, `{"a":`, `}`, `[`, `]`, `"b":true`, `{"b":{"c":[1,2]}}`, `1e999`, `null`,
		"\x00", "\xff\xfe", `"\u00e9"`, `{"a":99999999999}`, `{"a":1,"a":2}`, " ", "\t", ",", `\`, `"open`,
		`{"a":-0}`, `{"a":1.5}`, `{"b":"é"}`, `{}`, `[{"a":1}]`, `{"a":[1]}`, `{"a":{"x":1}}`, `"`},
	"csv": {"1", "x", ",", `"`, `""`, `"a,b"`, "\x00", "\xff", "99999999999", " ", "-1", "1.5", "é", `\`, "'", "#", "true"},
}

// TestGarbageLinesAgreeAcrossModes reads many files of random lines in all three modes and
// checks that the modes agree: DROPMALFORMED keeps exactly the PERMISSIVE rows without a
// corrupt record, and FAILFAST fails exactly when PERMISSIVE saw a corrupt record, naming
// the file and quoting the first one. Nothing may panic.
func TestGarbageLinesAgreeAcrossModes(t *testing.T) {
	const files = 100
	s := newSession(t)
	bad, lines := 0, 0
	for _, format := range []string{"json", "csv"} {
		rng := rand.New(rand.NewPCG(uint64(len(format)), 42))
		frags := garbageFragments[format]
		dir := t.TempDir()
		for i := range files {
			var b strings.Builder
			for range 1 + rng.IntN(12) {
				for range 1 + rng.IntN(4) {
					b.WriteString(frags[rng.IntN(len(frags))])
				}
				b.WriteByte('\n')
				lines++
			}
			p := writeAt(t, dir, fmt.Sprintf("%03d.%s", i, format), []byte(b.String()), int64(i))
			read := func(mode string) ([]string, []string, error) {
				rows, err := s.Read().Format(format).SchemaDDL("a INT, b STRING, _corrupt_record STRING").
					Option("mode", mode).Load(p).Collect()
				var good, corrupt []string
				for _, r := range rows {
					v := r.Values()
					if v[2] != nil {
						corrupt = append(corrupt, v[2].(string))
						continue
					}
					good = append(good, render(v))
				}
				return good, corrupt, err
			}
			good, corrupt, err := read("PERMISSIVE")
			if err != nil {
				t.Fatalf("%s: PERMISSIVE: %v", p, err)
			}
			bad += len(corrupt)
			dropped, dcorrupt, err := read("DROPMALFORMED")
			if err != nil || len(dcorrupt) != 0 {
				t.Fatalf("%s: DROPMALFORMED: %v, corrupt rows kept: %q", p, err, dcorrupt)
			}
			equalLines(t, p+": DROPMALFORMED vs PERMISSIVE", dropped, good)
			_, _, err = read("FAILFAST")
			switch {
			case len(corrupt) == 0 && err != nil:
				t.Fatalf("%s: FAILFAST failed on a file PERMISSIVE found clean: %v", p, err)
			case len(corrupt) > 0 && err == nil:
				t.Fatalf("%s: FAILFAST accepted %d corrupt records", p, len(corrupt))
			case len(corrupt) > 0 && !strings.Contains(err.Error(), p+":") || len(corrupt) > 0 && !strings.Contains(err.Error(), corrupt[0]):
				t.Fatalf("%s: FAILFAST error does not name the file and quote %q: %v", p, corrupt[0], err)
			}
		}
		if got := len(mustGlob(t, filepath.Join(dir, "*"))); got != files {
			t.Fatalf("%d files written", got)
		}
	}
	if bad < lines/4 {
		t.Fatalf("only %d of %d random lines were malformed: the generator does not exercise the parsers", bad, lines)
	}
	t.Logf("%d random lines in %d files, %d malformed, read in 3 modes each", lines, 2*files, bad)
}

func mustGlob(t *testing.T, pattern string) []string {
	t.Helper()
	m, err := filepath.Glob(pattern)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
