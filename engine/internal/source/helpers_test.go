package source

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/types"
)

// rowsOf flattens batches into rows of internal values.
func rowsOf(bs []*batch.Batch) [][]any {
	out := [][]any{}
	for _, b := range bs {
		for i := 0; i < b.N; i++ {
			out = append(out, b.Row(i))
		}
	}
	return out
}

func checkRows(t *testing.T, bs []*batch.Batch, want [][]any) {
	t.Helper()
	got := rowsOf(bs)
	if want == nil {
		want = [][]any{}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("rows differ\n got: %s\nwant: %s", fmtRows(got), fmtRows(want))
	}
}

func fmtRows(rows [][]any) string {
	s := ""
	for _, r := range rows {
		s += "\n  ["
		for i, v := range r {
			if i > 0 {
				s += ", "
			}
			s += fmt.Sprintf("%#v", v)
		}
		s += "]"
	}
	return s
}

// micros is the timestamp of a wall-clock time in loc.
func micros(t *testing.T, s string, loc *time.Location) int64 {
	t.Helper()
	tm, err := time.ParseInLocation("2006-01-02 15:04:05.999999", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return tm.UnixMicro()
}

func days(t *testing.T, s string) int32 {
	t.Helper()
	tm, err := time.Parse("2006-01-02", s)
	if err != nil {
		t.Fatal(err)
	}
	return int32(tm.Unix() / 86400)
}

func writeFile(t *testing.T, dir, name, content string, mod time.Time) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if !mod.IsZero() {
		if err := os.Chtimes(p, mod, mod); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

func schemaOf(t *testing.T, pairs ...string) *types.StructType {
	t.Helper()
	st := types.NewStructType()
	for i := 0; i+1 < len(pairs); i += 2 {
		st.Add(pairs[i], pairs[i+1])
	}
	if err := st.Err(); err != nil {
		t.Fatal(err)
	}
	return st
}

func parse(t *testing.T, format string, schema *types.StructType, opts map[string]string, data string) []*batch.Batch {
	t.Helper()
	r, err := NewReader(format, schema, opts, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	bs, err := r.Parse("in."+format, []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	return bs
}

type typesStruct = types.StructType

func newStruct() *types.StructType { return types.NewStructType() }
