package source

import (
	"strings"
	"testing"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/types"
)

func TestJSONValueParser(t *testing.T) {
	st := schemaOf(t, "a", "int", "b", "string")
	p, err := NewJSONValueParser(st, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	in := batch.NewVector(types.StringType, 4)
	in.Append(`{"a":1,"b":"x"}`)
	in.Append(nil)
	in.Append(`{oops`)
	in.Append(`{"a":"no","b":"y"}`)
	v, err := p.Parse(in)
	if err != nil {
		t.Fatal(err)
	}
	var got [][]any
	for i := 0; i < v.Len(); i++ {
		if x := v.Get(i); x == nil {
			got = append(got, nil)
		} else {
			got = append(got, x.([]any))
		}
	}
	checkRowsPlain(t, got, [][]any{{int32(1), "x"}, nil, {nil, nil}, {nil, "y"}})

	p, _ = NewJSONValueParser(st, map[string]string{"mode": "FAILFAST"}, nil)
	if _, err := p.Parse(in); err == nil || !strings.HasPrefix(err.Error(), "[MALFORMED_RECORD_IN_PARSING] Malformed records are detected in record parsing: {oops.") {
		t.Fatalf("got %v", err)
	}
	if _, err := NewJSONValueParser(st, map[string]string{"mode": "DROPMALFORMED"}, nil); err == nil {
		t.Fatal("DROPMALFORMED accepted")
	}
}
