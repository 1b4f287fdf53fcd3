package source

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestCSVTypes(t *testing.T) {
	st := schemaOf(t, "s", "string", "i", "int", "l", "long", "d", "double", "b", "boolean",
		"ts", "timestamp", "dt", "date", "f", "float")
	data := "s,i,l,d,b,ts,dt,f\n" +
		"abc,1,10000000000,1.5,true,2021-01-01 10:00:00,2021-01-02,2.5\n" +
		"x y,-7,+3,1e3,FALSE,2021-01-01T10:00:00.123456Z,2021-1-5,-1\r\n" +
		",,,,,,,\n" +
		"\n" +
		"q,2,3,-Inf,true,2021-06-30 23:59:59+02:00,2021-12-31,Inf\n"
	bs := parse(t, "csv", st, map[string]string{"HEADER": "true"}, data)
	checkRows(t, bs, [][]any{
		{"abc", int32(1), int64(10000000000), 1.5, true, micros(t, "2021-01-01 10:00:00", time.UTC), days(t, "2021-01-02"), float32(2.5)},
		{"x y", int32(-7), int64(3), 1000.0, false, micros(t, "2021-01-01 10:00:00.123456", time.UTC), days(t, "2021-01-05"), float32(-1)},
		{nil, nil, nil, nil, nil, nil, nil, nil},
		{"q", int32(2), int64(3), math.Inf(-1), true, micros(t, "2021-06-30 21:59:59", time.UTC), days(t, "2021-12-31"), float32(math.Inf(1))},
	})
	bs = parse(t, "csv", schemaOf(t, "d", "double", "f", "float"), map[string]string{"nanValue": "nan!"}, "NaN,nan!\nnan!,nope\n")
	d, f := bs[0].Cols[0], bs[0].Cols[1]
	// "NaN" is Java's own spelling; nanValue adds another; "nope" is malformed (null).
	if !(math.IsNaN(d.F64[0]) && math.IsNaN(float64(f.F32[0])) && math.IsNaN(d.F64[1]) && f.IsNull(1) && !d.IsNull(0)) {
		t.Fatalf("NaN spellings: %v %v %v %v", d.F64, d.Nulls, f.F32, f.Nulls)
	}
}

func TestCSVSessionZone(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	st := schemaOf(t, "ts", "timestamp")
	r, err := NewReader("csv", st, nil, ny)
	if err != nil {
		t.Fatal(err)
	}
	bs, err := r.Parse("x.csv", []byte("2021-01-01 10:00:00\n2021-07-01 10:00:00\n2021-01-01 10:00:00Z\n"))
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, bs, [][]any{
		{micros(t, "2021-01-01 15:00:00", time.UTC)},
		{micros(t, "2021-07-01 14:00:00", time.UTC)},
		{micros(t, "2021-01-01 10:00:00", time.UTC)},
	})
}

func TestCSVQuotesAndEscapes(t *testing.T) {
	st := schemaOf(t, "a", "string", "b", "string", "c", "int")
	data := `"x,y","he said \"hi\"",1` + "\n" +
		`"a""b","",2` + "\n" +
		`plain, spaced ,3` + "\n" +
		`"line` + "\n"
	bs := parse(t, "csv", st, nil, data)
	checkRows(t, bs, [][]any{
		{"x,y", `he said "hi"`, int32(1)},
		{`a"b`, nil, int32(2)},
		{"plain", " spaced ", int32(3)},
		{"line", nil, nil},
	})
}

func TestCSVOptions(t *testing.T) {
	st := schemaOf(t, "a", "string", "b", "int", "ts", "timestamp", "d", "date")
	opts := map[string]string{
		"sep": ";", "quote": "'", "escape": "'", "nullValue": "NA", "emptyValue": "EMPTY",
		"comment": "#", "ignoreLeadingWhiteSpace": "true", "ignoreTrailingWhiteSpace": "true",
		"timestampFormat": "dd/MM/yyyy HH:mm", "dateFormat": "yyyyMMdd",
	}
	data := "# a comment\n" +
		"  hello  ; 5 ;01/02/2021 03:04;20210305\n" +
		"'';NA;NA;NA\n" +
		"'it''s';6;31/12/2020 23:59;20201231\n"
	bs := parse(t, "csv", st, opts, data)
	checkRows(t, bs, [][]any{
		{"hello", int32(5), micros(t, "2021-02-01 03:04:00", time.UTC), days(t, "2021-03-05")},
		{"EMPTY", nil, nil, nil},
		{"it's", int32(6), micros(t, "2020-12-31 23:59:00", time.UTC), days(t, "2020-12-31")},
	})

	// A tab separator written as \t and a separator of several characters.
	bs = parse(t, "csv", schemaOf(t, "a", "int", "b", "int"), map[string]string{"delimiter": `\t`}, "1\t2\n")
	checkRows(t, bs, [][]any{{int32(1), int32(2)}})
	bs = parse(t, "csv", schemaOf(t, "a", "int", "b", "int"), map[string]string{"sep": "||"}, "1||2\n3||4")
	checkRows(t, bs, [][]any{{int32(1), int32(2)}, {int32(3), int32(4)}})
}

func TestCSVMultiLine(t *testing.T) {
	st := schemaOf(t, "id", "int", "text", "string")
	data := "1,\"first\nsecond\"\n2,plain\n"
	bs := parse(t, "csv", st, map[string]string{"multiLine": "true"}, data)
	checkRows(t, bs, [][]any{{int32(1), "first\nsecond"}, {int32(2), "plain"}})
}

func TestCSVPermissive(t *testing.T) {
	st := schemaOf(t, "a", "int", "b", "string", "_corrupt_record", "string")
	data := "1,ok\nx,bad int\n99999999999,overflow\n3\n4,too,many\n5,fine\n"
	bs := parse(t, "csv", st, nil, data)
	checkRows(t, bs, [][]any{
		{int32(1), "ok", nil},
		{nil, "bad int", "x,bad int"},
		{nil, "overflow", "99999999999,overflow"},
		{int32(3), nil, "3"},
		{int32(4), "too", "4,too,many"},
		{int32(5), "fine", nil},
	})
	// Without the corrupt column the partial rows stay, with nulls.
	bs = parse(t, "csv", schemaOf(t, "a", "int", "b", "string"), map[string]string{"mode": "permissive"}, data)
	checkRows(t, bs, [][]any{
		{int32(1), "ok"}, {nil, "bad int"}, {nil, "overflow"}, {int32(3), nil}, {int32(4), "too"}, {int32(5), "fine"},
	})
	// A custom corrupt column name.
	st = schemaOf(t, "a", "int", "bad", "string")
	bs = parse(t, "csv", st, map[string]string{"columnNameOfCorruptRecord": "bad"}, "1\nz\n")
	checkRows(t, bs, [][]any{{int32(1), nil}, {nil, "z"}})
}

func TestCSVDropMalformed(t *testing.T) {
	st := schemaOf(t, "a", "int", "b", "string", "_corrupt_record", "string")
	bs := parse(t, "csv", st, map[string]string{"mode": "DROPMALFORMED"}, "1,ok\nx,bad\n2\n3,fine\n")
	checkRows(t, bs, [][]any{{int32(1), "ok", nil}, {int32(3), "fine", nil}})
}

func TestCSVFailFast(t *testing.T) {
	st := schemaOf(t, "a", "int", "b", "string")
	r, err := NewReader("csv", st, map[string]string{"mode": "FAILFAST", "header": "true"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.Parse("/data/in.csv", []byte("a,b\n1,ok\n\n2,x\nbad,row\n"))
	var me *MalformedError
	if !errors.As(err, &me) {
		t.Fatalf("want a MalformedError, got %v", err)
	}
	if me.Path != "/data/in.csv" || me.Line != 5 || me.Record != "bad,row" {
		t.Fatalf("got %+v", me)
	}
	want := "/data/in.csv:5: Malformed records are detected in record parsing: bad,row. Parse Mode: FAILFAST. " +
		"To process malformed records as null result, try setting the option 'mode' as 'PERMISSIVE'. (cannot parse \"bad\" as int)"
	if err.Error() != want {
		t.Fatalf("message:\n got %s\nwant %s", err, want)
	}
}

func TestCSVUnsupportedType(t *testing.T) {
	_, err := NewReader("csv", schemaOf(t, "a", "array<string>"), nil, nil)
	want := "[UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE] The CSV datasource doesn't support the column `a` of the type \"ARRAY<STRING>\"."
	if err == nil || err.Error() != want {
		t.Fatalf("got %v", err)
	}
}

func TestCSVBatchesSplit(t *testing.T) {
	st := schemaOf(t, "a", "int")
	r, err := NewReader("csv", st, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.batchRows = 3
	var sb strings.Builder
	var want [][]any
	for i := 0; i < 8; i++ {
		sb.WriteString(string(rune('0' + i)))
		sb.WriteString("\n")
		want = append(want, []any{int32(i)})
	}
	bs, err := r.Parse("x", []byte(sb.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 3 || bs[0].N != 3 || bs[2].N != 2 {
		t.Fatalf("batches: %d", len(bs))
	}
	checkRows(t, bs, want)
}

func TestReadFileInChunks(t *testing.T) {
	dir := t.TempDir()
	var sb strings.Builder
	sb.WriteString("id,name\n")
	var want [][]any
	for i := 0; i < 50; i++ {
		name := strings.Repeat("x", i%7)
		if i == 20 {
			name = strings.Repeat("long", 40) // longer than a chunk
		}
		sb.WriteString(strconv.Itoa(i) + "," + name + "\n")
		if name == "" {
			want = append(want, []any{int32(i), nil})
		} else {
			want = append(want, []any{int32(i), name})
		}
	}
	sb.WriteString("oops,x\n51,last") // a bad record on line 52; no final newline
	p := writeFile(t, dir, "big.csv", sb.String(), time.Time{})
	st := schemaOf(t, "id", "int", "name", "string")
	r, err := NewReader("csv", st, map[string]string{"header": "true"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.chunk = 16
	r.batchRows = 7
	bs, err := r.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, bs, append(want, []any{nil, "x"}, []any{int32(51), "last"}))

	r, err = NewReader("csv", st, map[string]string{"header": "true", "mode": "FAILFAST"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.chunk = 16
	_, err = r.ReadFile(p)
	var me *MalformedError
	if !errors.As(err, &me) || me.Line != 52 || me.Path != p {
		t.Fatalf("got %v", err)
	}

	// JSON lines and text, chunked the same way.
	jp := writeFile(t, dir, "x.json", "{\"a\":1}\n\n{\"a\":2}\n{bad\n{\"a\":3}", time.Time{})
	r, err = NewReader("json", schemaOf(t, "a", "long"), map[string]string{"mode": "FAILFAST"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.chunk = 8
	if _, err = r.ReadFile(jp); !errors.As(err, &me) || me.Line != 4 {
		t.Fatalf("got %v", err)
	}
	tp := writeFile(t, dir, "x.txt", "alpha\r\nbeta\n\ngamma delta epsilon\n", time.Time{})
	r, err = NewReader("text", TextSchema(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.chunk = 4
	bs, err = r.ReadFile(tp)
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, bs, textRows("alpha", "beta", "", "gamma delta epsilon"))
}
