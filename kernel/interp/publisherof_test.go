package interp

import (
	"io"
	"os"
	"reflect"
	"testing"

	"github.com/runnel-go/runnel/kernel"
)

// A writer taken by cell 1 leads to cell 1's publisher after another cell ran, and its
// text comes before the display (the display flushes the cell's buffered output).
func TestPublisherOf(t *testing.T) {
	r := newRunner(t)
	var w io.Writer
	keep := func() { w = r.s.CellWriter("stdout") }
	if err := r.s.in.Use(map[string]map[string]reflect.Value{"keep/keep": {"Writer": reflect.ValueOf(keep)}}); err != nil {
		t.Fatal(err)
	}
	_, pub1 := r.run("import \"keep\"\nkeep.Writer()")
	_, pub2 := r.run("1 + 1")
	io.WriteString(w, "Batch: 0\n")
	pub, ok := r.s.PublisherOf(w)
	if !ok {
		t.Fatal("a CellWriter has a publisher")
	}
	pub.Display(kernel.MIMEBundle{"text/plain": "table"}, nil, "")
	kinds := func(p *fakePub) []string {
		p.mu.Lock()
		defer p.mu.Unlock()
		var ks []string
		for _, e := range p.events {
			ks = append(ks, e.kind+":"+e.text)
		}
		return ks
	}
	if got := kinds(pub1); !reflect.DeepEqual(got, []string{"stream:stdout:Batch: 0\n", "display:"}) {
		t.Errorf("cell 1 got %q", got)
	}
	if got := kinds(pub2); len(got) != 0 {
		t.Errorf("cell 2 got %q", got)
	}
	if _, ok := r.s.PublisherOf(os.Stdout); ok {
		t.Error("os.Stdout is no cell's writer")
	}
}
