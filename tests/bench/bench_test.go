package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// On a small data set the three implementations compute the same windows, and those are
// right: the hand loop is checked against sums taken directly over the trades.
func TestImplementationsAgree(t *testing.T) {
	trades := genTrades(dataSpec{rows: 3000, span: 40 * time.Minute, jitter: 500 * time.Millisecond, seed: 1})
	for _, format := range []string{"csv", "json"} {
		dir := filepath.Join(t.TempDir(), format)
		paths, err := writeTrades(dir, format, trades, 6)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range []windowSpec{tumbling1s, sliding10m5m} {
			direct := map[int64]*acc{}
			for _, tr := range trades {
				windowsOf(w, tr.ts, func(start int64) {
					if direct[start] == nil {
						direct[start] = &acc{}
					}
					direct[start].add(tr.amount, tr.price)
				})
			}
			want := map[int64]result{}
			for s, a := range direct {
				want[s] = a.result()
			}
			hand, err := runHand(paths, format, w, 2)
			if err != nil {
				t.Fatal(err)
			}
			if d := compare(want, hand); d != "" {
				t.Fatalf("%s %s: hand loop: %s", format, w.name, d)
			}
			rn, err := runRunnel(dir, format, w, 2)
			if err != nil {
				t.Fatal(err)
			}
			if d := compare(want, rn); d != "" {
				t.Fatalf("%s %s: runnel: %s", format, w.name, d)
			}
			gs, err := runGoStreams(paths, format, w)
			if err != nil {
				t.Fatal(err)
			}
			if d := compare(want, gs); d != "" {
				t.Fatalf("%s %s: go-streams: %s", format, w.name, d)
			}
		}
	}
}

// compare reports a changed aggregate, a missing and an extra window.
func TestCompareReportsDifferences(t *testing.T) {
	want := map[int64]result{0: {Amount: 1, Volume: 2, Avg: 2}, 1e6: {Amount: 3, Volume: 4, Avg: 1}}
	if d := compare(want, want); d != "" {
		t.Fatalf("equal maps differ: %s", d)
	}
	got := map[int64]result{0: {Amount: 1, Volume: 2.5, Avg: 2}, 2e6: {Amount: 3, Volume: 4, Avg: 1}}
	d := compare(want, got)
	for _, part := range []string{"window 1970-01-01 00:00:00.000000: got", "window 1970-01-01 00:00:01.000000 missing", "unexpected window 1970-01-01 00:00:02.000000"} {
		if !strings.Contains(d, part) {
			t.Fatalf("%q lacks %q", d, part)
		}
	}
}

// parseDT takes the tutorial's layout (any number of fraction digits) and falls back to
// time.Parse otherwise.
func TestParseDT(t *testing.T) {
	for _, s := range []string{"2020-12-21 08:11:23.123456", "2020-12-21 08:11:23", "2020-12-21 08:11:23.5", "1969-12-31 23:59:59.999999", "2024-02-29 00:00:00.000001"} {
		got, err := parseDT([]byte(s))
		want, err2 := time.Parse("2006-01-02 15:04:05.999999", s)
		if err != nil || err2 != nil || got != want.UnixMicro() {
			t.Fatalf("%s: %d %v, want %d", s, got, err, want.UnixMicro())
		}
	}
	if _, err := parseDT([]byte("2020-12-21T08")); err == nil {
		t.Fatal("bad time accepted")
	}
}
