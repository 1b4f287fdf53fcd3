package interp

import (
	"strings"
	"testing"

	"github.com/runnel-go/runnel/kernel"
)

func TestHelpRequest(t *testing.T) {
	for _, c := range []struct {
		code, expr string
		detail     int
		ok         bool
	}{
		{"strings.ToUpper?", "strings.ToUpper", 0, true},
		{"?strings.ToUpper", "strings.ToUpper", 0, true},
		{" fmt?? \n", "fmt", 1, true},
		{"x := a ? b", "", 0, false},
		{"fmt.Println(1)?", "", 0, false},
		{"1 + 2", "", 0, false},
	} {
		expr, detail, ok := helpRequest(c.code)
		if ok != c.ok || ok && (expr != c.expr || detail != c.detail) {
			t.Errorf("helpRequest(%q) = %q, %d, %v", c.code, expr, detail, ok)
		}
	}
}

func TestPager(t *testing.T) {
	r := newRunner(t)
	res, _ := r.run("strings.ToUpper?")
	if res.Status != "ok" || len(res.Payload) != 1 || res.Payload[0]["source"] != "page" || res.Payload[0]["start"] != 0 {
		t.Fatalf("%+v", res)
	}
	data, _ := res.Payload[0]["data"].(kernel.MIMEBundle)
	if text, _ := data["text/plain"].(string); !strings.Contains(text, "func ToUpper(s string) string") {
		t.Errorf("paged %q", data)
	}
	if res, _ := r.run("nosuchname?"); res.Status != "error" || res.Ename != "NameError" {
		t.Errorf("unknown name: %+v", res)
	}
}
