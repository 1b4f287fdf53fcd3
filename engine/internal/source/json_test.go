package source

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/types"
)

func TestJSONTypes(t *testing.T) {
	st := types.NewStructType().
		Add("name", "string").
		Add("age", "int").
		Add("big", "long").
		Add("score", "double").
		Add("ok", "boolean").
		Add("ts", "timestamp").
		Add("day", "date").
		Add("tags", "array<string>").
		Add("attrs", "map<string,int>").
		Add("addr", "struct<city:string,zip:int>")
	data := `{"name":"ann","age":30,"big":12345678901,"score":1.5,"ok":true,"ts":"2021-01-01 10:00:00","day":"2021-01-02","tags":["a","b"],"attrs":{"x":1,"y":null},"addr":{"city":"Oslo","zip":150}}
{"age":null,"score":2,"extra":{"deep":[1,2]},"addr":{"city":"Rome"},"tags":[]}

{"name":"unicode \u00e9\n\"q\"","ts":1609495200,"score":"-Infinity","addr":null}
{"name": {"a": [1, 2]}, "age": 5, "tags": [null, "z"]}
`
	bs := parse(t, "json", st, nil, data)
	t10 := micros(t, "2021-01-01 10:00:00", time.UTC)
	checkRows(t, bs, [][]any{
		{"ann", int32(30), int64(12345678901), 1.5, true, t10, days(t, "2021-01-02"),
			[]any{"a", "b"}, &batch.MapValue{Keys: []any{"x", "y"}, Values: []any{int32(1), nil}}, []any{"Oslo", int32(150)}},
		{nil, nil, nil, 2.0, nil, nil, nil, []any{}, nil, []any{"Rome", nil}},
		{"unicode é\n\"q\"", nil, nil, math.Inf(-1), nil, t10, nil, nil, nil, nil},
		{`{"a":[1,2]}`, int32(5), nil, nil, nil, nil, nil, []any{nil, "z"}, nil, nil},
	})
}

func TestJSONNestedArrays(t *testing.T) {
	st := types.NewStructType().
		Add("items", "array<struct<id:long,qty:int>>").
		Add("m", "map<string,array<int>>")
	bs := parse(t, "json", st, nil, `{"items":[{"id":1,"qty":2},{"qty":3,"other":true}],"m":{"k":[1,2]}}`+"\n")
	checkRows(t, bs, [][]any{{
		[]any{[]any{int64(1), int32(2)}, []any{nil, int32(3)}},
		&batch.MapValue{Keys: []any{"k"}, Values: []any{[]any{int32(1), int32(2)}}},
	}})
}

func TestJSONRootArrayAndTimestampFormat(t *testing.T) {
	st := schemaOf(t, "a", "int", "ts", "timestamp")
	bs := parse(t, "json", st, map[string]string{"timestampFormat": "yyyy/MM/dd HH:mm:ss.SSS"},
		`[{"a":1,"ts":"2021/03/04 05:06:07.890"},{"a":2}]`+"\n"+`{"a":3}`)
	checkRows(t, bs, [][]any{
		{int32(1), micros(t, "2021-03-04 05:06:07.89", time.UTC)},
		{int32(2), nil},
		{int32(3), nil},
	})
}

const badJSON = `{"a":1,"b":"x"}
{"a":"text","b":"y"}
{"a":2,"b":
{"a":99999999999}
[1,2]
{"a":3,"b":"z"}
`

func TestJSONPermissive(t *testing.T) {
	st := schemaOf(t, "a", "int", "b", "string", "_corrupt_record", "string")
	bs := parse(t, "json", st, nil, badJSON)
	checkRows(t, bs, [][]any{
		{int32(1), "x", nil},
		{nil, "y", `{"a":"text","b":"y"}`}, // partial result: only the bad value is null
		{nil, nil, `{"a":2,"b":`},
		{nil, nil, `{"a":99999999999}`},
		{nil, nil, `[1,2]`},
		{int32(3), "z", nil},
	})
	bs = parse(t, "json", schemaOf(t, "a", "int", "b", "string"), nil, badJSON)
	checkRows(t, bs, [][]any{
		{int32(1), "x"}, {nil, "y"}, {nil, nil}, {nil, nil}, {nil, nil}, {int32(3), "z"},
	})
	// Partial results inside nested structs; a bad array is null as a whole.
	st = schemaOf(t, "a", "int", "s", "struct<x:int,y:int>", "l", "array<int>", "_corrupt_record", "string")
	rec := `{"a":1,"s":{"x":"bad","y":2},"l":[1,"two"]}`
	bs = parse(t, "json", st, nil, rec+"\n")
	checkRows(t, bs, [][]any{{int32(1), []any{nil, int32(2)}, nil, rec}})
}

func TestJSONDropMalformed(t *testing.T) {
	st := schemaOf(t, "a", "int", "b", "string")
	bs := parse(t, "json", st, map[string]string{"Mode": "dropMalformed"}, badJSON)
	checkRows(t, bs, [][]any{{int32(1), "x"}, {int32(3), "z"}})
}

func TestJSONFailFast(t *testing.T) {
	st := schemaOf(t, "a", "int", "b", "string")
	r, err := NewReader("json", st, map[string]string{"mode": "FAILFAST"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.Parse("/in/x.json", []byte(badJSON))
	var me *MalformedError
	if !errors.As(err, &me) || me.Path != "/in/x.json" || me.Line != 2 {
		t.Fatalf("got %v", err)
	}
	want := `/in/x.json:2: Malformed records are detected in record parsing: {"a":"text","b":"y"}. Parse Mode: FAILFAST. ` +
		`To process malformed records as null result, try setting the option 'mode' as 'PERMISSIVE'. (at character 6: cannot read a JSON string as int)`
	if got := err.Error(); got != want {
		t.Fatalf("message\n got %s\nwant %s", got, want)
	}
}

func TestJSONMultiLine(t *testing.T) {
	st := schemaOf(t, "a", "int", "b", "string")
	bs := parse(t, "json", st, map[string]string{"multiLine": "true"}, "[\n {\"a\": 1,\n  \"b\": \"x\"},\n {\"a\": 2}\n]\n")
	checkRows(t, bs, [][]any{{int32(1), "x"}, {int32(2), nil}})
}

func TestTextLines(t *testing.T) {
	bs := parse(t, "text", TextSchema(), nil, "one\r\ntwo\n\nthree")
	checkRows(t, bs, [][]any{{"one"}, {"two"}, {""}, {"three"}})
	bs = parse(t, "text", TextSchema(), map[string]string{"wholetext": "true"}, "one\ntwo\n")
	checkRows(t, bs, [][]any{{"one\ntwo\n"}})
	bs = parse(t, "text", TextSchema(), map[string]string{"lineSep": ";"}, "a;b;")
	checkRows(t, bs, [][]any{{"a"}, {"b"}})
	_, err := NewReader("text", schemaOf(t, "a", "string", "b", "string"), nil, nil)
	if err == nil || err.Error() != "Text data source supports only a single column, and you have 2 columns." {
		t.Fatalf("got %v", err)
	}
}
