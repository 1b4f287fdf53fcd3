package source

import (
	"context"
	"math"
	"reflect"
	"strconv"
	"testing"
)

func TestRateMicroBatchSource(t *testing.T) {
	spec := Spec{Format: "rate-micro-batch", Options: map[string]string{
		"rowsPerBatch": "5", "numPartitions": "2", "startTimestamp": "1000", "advanceMillisPerBatch": "250"}}
	src, err := Open(spec)
	if err != nil {
		t.Fatal(err)
	}
	if d := src.Description(); d != "RatePerMicroBatchStream[rowsPerBatch=5, numPartitions=2, startTimestamp=1000, advanceMsPerBatch=250]" {
		t.Fatalf("description %q", d)
	}
	ctx := context.Background()
	o1, err := src.LatestOffset(ctx, "")
	if err != nil || o1 != `{"offset":5,"timestamp":1250}` {
		t.Fatalf("%q %v", o1, err)
	}
	o2, _ := src.LatestOffset(ctx, o1)
	if o2 != `{"offset":10,"timestamp":1500}` {
		t.Fatalf("%q", o2)
	}
	bs, err := src.GetBatch(ctx, o1, o2)
	if err != nil || len(bs) != 2 {
		t.Fatalf("%v %v", bs, err)
	}
	// Partition p holds start+p, start+p+2, ...; every row carries the start's time.
	if got := bs[0].Cols[1].I64; !reflect.DeepEqual(got, []int64{5, 7, 9}) {
		t.Fatalf("partition 0 values %v", got)
	}
	if got := bs[1].Cols[1].I64; !reflect.DeepEqual(got, []int64{6, 8}) {
		t.Fatalf("partition 1 values %v", got)
	}
	if got := bs[1].Cols[0].I64; !reflect.DeepEqual(got, []int64{1_250_000, 1_250_000}) {
		t.Fatalf("timestamps %v", got)
	}
	// AvailableNow: one batch past the start, however often asked.
	an := src.(AvailableNow)
	if err := an.PrepareForAvailableNow(ctx); err != nil {
		t.Fatal(err)
	}
	a, _ := src.LatestOffset(ctx, o2)
	b, _ := src.LatestOffset(ctx, a)
	if a != `{"offset":15,"timestamp":1750}` || b != a {
		t.Fatalf("available now %q %q", a, b)
	}
	for _, bad := range []map[string]string{{}, {"rowsPerBatch": "0"}, {"rowsPerBatch": "1", "numPartitions": "0"},
		{"rowsPerBatch": "1", "startTimestamp": "-1"}, {"rowsPerBatch": "1", "advanceMillisPerBatch": "-5"}} {
		if _, err := Open(Spec{Format: "rate-micro-batch", Options: bad}); err == nil {
			t.Fatalf("options %v accepted", bad)
		}
	}
}

// fastDecimal must give exactly what strconv.ParseFloat gives, or decline.
func TestFastDecimalMatchesParseFloat(t *testing.T) {
	cases := []string{"0", "-0", "1", "10004.25", "0.1", "-0.3", "123456789012345", "1.23456789012345",
		"99.99", "0.000000000000001", "3.", ".5", "007", "9007199254740993", "1e5", "1.2.3", "", "-", ".", "12a"}
	for i := 0; i < 2000; i++ {
		cases = append(cases, strconv.FormatFloat(float64(i)*0.37-300, 'f', i%9, 64))
	}
	for _, s := range cases {
		got, ok := fastDecimal(s)
		want, err := strconv.ParseFloat(s, 64)
		if !ok {
			continue
		}
		if err != nil || math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("fastDecimal(%q) = %v, ParseFloat gives %v, %v", s, got, want, err)
		}
	}
	for _, s := range []string{"1e5", "1.2.3", "", "-", "12a", "1234567890123456"} {
		if _, ok := fastDecimal(s); ok {
			t.Fatalf("fastDecimal(%q) accepted", s)
		}
	}
}
