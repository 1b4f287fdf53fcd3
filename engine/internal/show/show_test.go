package show

import (
	"math"
	"testing"
	"time"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/types"
)

func TestFormatDouble(t *testing.T) {
	cases := []struct {
		in   float64
		want string
	}{
		{90, "90.0"},
		{10000.666666666666, "10000.666666666666"},
		{1e7, "1.0E7"},
		{1.234e-5, "1.234E-5"},
		{0.001, "0.001"},
		{0.0001, "1.0E-4"},
		{9999999, "9999999.0"},
		{12345678.9, "1.23456789E7"},
		{-1.5, "-1.5"},
		{0, "0.0"},
		{math.Copysign(0, -1), "-0.0"},
		{math.NaN(), "NaN"},
		{math.Inf(1), "Infinity"},
		{math.Inf(-1), "-Infinity"},
		{math.Nextafter(0.3, 1), "0.30000000000000004"},
		{1000400, "1000400.0"},
		{100, "100.0"},
		{1e21, "1.0E21"},
		{123456789012, "1.23456789012E11"},
	}
	for _, c := range cases {
		if got := FormatDouble(c.in); got != c.want {
			t.Errorf("FormatDouble(%v) = %q, want %q", c.in, got, c.want)
		}
	}
	fl := []struct {
		in   float32
		want string
	}{{75.5, "75.5"}, {0.1, "0.1"}, {1e10, "1.0E10"}, {3.4028235e38, "3.4028235E38"}, {1.0 / 3, "0.33333334"}}
	for _, c := range fl {
		if got := FormatFloat(c.in); got != c.want {
			t.Errorf("FormatFloat(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

func ts(s string) int64 {
	t, err := time.Parse("2006-01-02 15:04:05.999999", s)
	if err != nil {
		panic(err)
	}
	return t.UnixMicro()
}

func TestFormatValue(t *testing.T) {
	window := types.NewStructType().Add("start", "timestamp").Add("end", "timestamp")
	shanghai := time.FixedZone("CST", 8*3600)
	cases := []struct {
		name string
		v    any
		t    types.DataType
		loc  *time.Location
		want string
	}{
		{"null", nil, types.StringType, nil, "NULL"},
		{"string", "hello", types.StringType, nil, "hello"},
		{"int", int32(-7), types.IntegerType, nil, "-7"},
		{"long", int64(9000000000), types.LongType, nil, "9000000000"},
		{"double", 90.0, types.DoubleType, nil, "90.0"},
		{"bool", true, types.BooleanType, nil, "true"},
		{"ts", ts("2021-01-01 00:00:00"), types.TimestampType, time.UTC, "2021-01-01 00:00:00"},
		{"ts fraction", ts("2021-01-01 00:00:00.5"), types.TimestampType, time.UTC, "2021-01-01 00:00:00.5"},
		{"ts micros", ts("2021-01-01 00:00:00.000123"), types.TimestampType, time.UTC, "2021-01-01 00:00:00.000123"},
		{"ts zone", ts("2021-01-01 00:00:00"), types.TimestampType, shanghai, "2021-01-01 08:00:00"},
		{"ts before epoch", ts("1969-12-31 23:59:59.9"), types.TimestampType, time.UTC, "1969-12-31 23:59:59.9"},
		{"date", int32(18628), types.DateType, nil, "2021-01-01"},
		{"date negative", int32(-1), types.DateType, nil, "1969-12-31"},
		{"array", []any{"a", "b"}, types.NewArrayType(types.StringType), nil, "[a, b]"},
		{"array null", []any{int32(1), nil}, types.NewArrayType(types.IntegerType), nil, "[1, NULL]"},
		{"empty array", []any{}, types.NewArrayType(types.IntegerType), nil, "[]"},
		{"map", &batch.MapValue{Keys: []any{"k", "j"}, Values: []any{int64(1), nil}}, types.NewMapType(types.StringType, types.LongType), nil, "{k -> 1, j -> NULL}"},
		{"struct", []any{ts("2021-01-01 00:00:00"), ts("2021-01-01 00:10:00")}, window, time.UTC, "{2021-01-01 00:00:00, 2021-01-01 00:10:00}"},
		{"interval", batch.Interval{Days: 2, Micros: 5400500000}, types.IntervalType, nil, "2 days 1 hours 30 minutes 0.5 seconds"},
		{"binary", []byte{1, 0xab}, types.BinaryType, nil, "[01 AB]"},
	}
	for _, c := range cases {
		if got := FormatValue(c.v, c.t, c.loc); got != c.want {
			t.Errorf("%s: FormatValue = %q, want %q", c.name, got, c.want)
		}
	}
	if got := CastString([]any{int32(1), nil}, types.NewArrayType(types.IntegerType), nil); got != "[1, null]" {
		t.Errorf("CastString nested null = %q", got)
	}
}

func mustBatch(t *testing.T, schema *types.StructType, rows [][]any) *batch.Batch {
	t.Helper()
	b := batch.New(schema, len(rows))
	for _, r := range rows {
		b.AppendRow(r)
	}
	return b
}

func TestTableWordCount(t *testing.T) {
	schema := types.NewStructType().Add("word", "string").Add("count", "long")
	b := mustBatch(t, schema, [][]any{
		{"eat", int64(10)}, {"days", int64(10)}, {"20", int64(4)}, {"tensorflow2", int64(3)},
	})
	want := `+-----------+-----+
|       word|count|
+-----------+-----+
|        eat|   10|
|       days|   10|
|         20|    4|
|tensorflow2|    3|
+-----------+-----+

`
	if got := Table(b, 20, 20, time.UTC); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestTableStudentsWithNull(t *testing.T) {
	schema := types.NewStructType().Add("name", "string").Add("age", "integer").Add("score", "double").Add("class", "string")
	b := mustBatch(t, schema, [][]any{
		{"LiLei", int32(12), 75.5, "class1"},
		{"Justin", int32(19), 87.0, nil},
		{"Hanmeimei", int32(16), 90.0, "class2"},
	})
	want := `+---------+---+-----+------+
|     name|age|score| class|
+---------+---+-----+------+
|    LiLei| 12| 75.5|class1|
|   Justin| 19| 87.0|  NULL|
|Hanmeimei| 16| 90.0|class2|
+---------+---+-----+------+
`
	if got := ShowString(b, 20, 20, time.UTC); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestTableWindowTruncated(t *testing.T) {
	window := types.NewStructType().Add("start", "timestamp").Add("end", "timestamp")
	schema := types.NewStructType().Add("window", window).Add("start", "timestamp").Add("end", "timestamp").Add("avg_price", "double")
	s, e := ts("2020-12-21 08:15:00"), ts("2020-12-21 08:25:00")
	b := mustBatch(t, schema, [][]any{{[]any{s, e}, s, e, 10000.666666666666}})
	want := `+--------------------+-------------------+-------------------+------------------+
|              window|              start|                end|         avg_price|
+--------------------+-------------------+-------------------+------------------+
|{2020-12-21 08:15...|2020-12-21 08:15:00|2020-12-21 08:25:00|10000.666666666666|
+--------------------+-------------------+-------------------+------------------+
`
	if got := ShowString(b, 20, 20, time.UTC); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	wantFull := `+------------------------------------------+-------------------+-------------------+------------------+
|window                                    |start              |end                |avg_price         |
+------------------------------------------+-------------------+-------------------+------------------+
|{2020-12-21 08:15:00, 2020-12-21 08:25:00}|2020-12-21 08:15:00|2020-12-21 08:25:00|10000.666666666666|
+------------------------------------------+-------------------+-------------------+------------------+
`
	if got := ShowString(b, 20, 0, time.UTC); got != wantFull {
		t.Errorf("truncate=0: got\n%s\nwant\n%s", got, wantFull)
	}
}

func TestTableEmptyAndMinWidth(t *testing.T) {
	schema := types.NewStructType().Add("window", "string").Add("a", "string")
	b := batch.New(schema, 0)
	want := `+------+---+
|window|  a|
+------+---+
+------+---+
`
	if got := ShowString(b, 20, 20, nil); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestTableMoreRows(t *testing.T) {
	schema := types.NewStructType().Add("id", "long")
	b := mustBatch(t, schema, [][]any{{int64(0)}, {int64(1)}, {int64(2)}})
	want := `+---+
| id|
+---+
|  0|
|  1|
+---+
only showing top 2 rows
`
	if got := ShowString(b, 2, 20, nil); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	want1 := `+---+
| id|
+---+
|  0|
+---+
only showing top 1 row
`
	if got := ShowString(b, 1, 20, nil); got != want1 {
		t.Errorf("got\n%s\nwant\n%s", got, want1)
	}
}

func TestTableTruncateSmallAndEscapes(t *testing.T) {
	schema := types.NewStructType().Add("value", "string")
	b := mustBatch(t, schema, [][]any{{"abcdef"}, {"a\tb\nc"}, {"中文"}})
	want := `+-----+
|value|
+-----+
|  abc|
|  a\t|
| 中文|
+-----+
`
	if got := ShowString(b, 20, 3, nil); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	want2 := `+-------+
|value  |
+-------+
|abcdef |
|a\tb\nc|
|中文   |
+-------+
`
	if got := ShowString(b, 20, 0, nil); got != want2 {
		t.Errorf("got\n%s\nwant\n%s", got, want2)
	}
}

func TestVertical(t *testing.T) {
	schema := types.NewStructType().Add("name", "string").Add("age", "integer")
	b := mustBatch(t, schema, [][]any{{"Andy", int32(17)}, {"Michael", nil}})
	want := `-RECORD 0-------
 name | Andy    
 age  | 17      
-RECORD 1-------
 name | Michael 
 age  | NULL    

`
	if got := Vertical(b, 20, 20, nil); got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
	if got := Vertical(batch.New(schema, 0), 20, 20, nil); got != "(0 rows)\n\n" {
		t.Errorf("empty vertical = %q", got)
	}
}

func TestCastStringBinary(t *testing.T) {
	if got := CastString([]byte("héllo"), types.BinaryType, nil); got != "héllo" {
		t.Errorf("CastString(binary) = %q", got)
	}
	if got := FormatValue([]byte("hi"), types.BinaryType, nil); got != "[68 69]" {
		t.Errorf("FormatValue(binary) = %q", got)
	}
}
