package expr

import (
	"testing"
	"time"
)

// The arithmetic date paths must agree with time.Date, which they replace on hot paths.
func TestCivilArithmeticMatchesTimeDate(t *testing.T) {
	for _, y := range []int{-1_000_000, -401, -400, -1, 0, 1, 1582, 1900, 1969, 1970, 2000, 2020, 2024, 2100, 9999, 1_000_000} {
		for m := 1; m <= 12; m++ {
			if got, want := daysIn(y, m), time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day(); got != want {
				t.Fatalf("daysIn(%d, %d) = %d, want %d", y, m, got, want)
			}
			for _, d := range []int{1, 15, 28, 31, 40} {
				want := floorDiv(time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC).Unix(), 86400)
				if got := daysFromCivil(int64(y), int64(m), int64(d)); got != want {
					t.Fatalf("daysFromCivil(%d, %d, %d) = %d, want %d", y, m, d, got, want)
				}
			}
		}
	}
	zones := &zoneCache{}
	for _, s := range []string{"2020-12-21 08:11:23.123456", "1969-12-31 23:59:59.999999", "0001-01-01 00:00:00", "2024-02-29T12:00", " 2020-01-01 00:00:01.5 "} {
		got, ok := parseTimestamp(s, time.UTC, zones)
		ny, _ := time.LoadLocation("America/New_York")
		inNY, ok2 := parseTimestamp(s, ny, zones)
		if !ok || !ok2 {
			t.Fatalf("%q not parsed", s)
		}
		// The same wall time in New York is its UTC offset later.
		_, off := time.UnixMicro(inNY).In(ny).Zone()
		if got != inNY+int64(off)*1_000_000 {
			t.Fatalf("%q: UTC %d, New York %d (offset %d)", s, got, inNY, off)
		}
	}
}

// The fixed-layout fast path gives what the general parser gives, and declines the rest.
func TestParseTimestampFixed(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	for _, s := range []string{"2020-12-21 08:11:23", "2020-12-21T08:11:23.1", "2020-12-21 08:11:23.123456789",
		"2024-02-29 23:59:59.999999", "1900-03-01 00:00:00.5"} {
		for _, loc := range []*time.Location{time.UTC, ny} {
			got, ok := parseTimestampFixed(s, loc)
			if !ok {
				t.Fatalf("%q declined", s)
			}
			want := time.Date(atoi(s[0:4]), time.Month(atoi(s[5:7])), atoi(s[8:10]), atoi(s[11:13]), atoi(s[14:16]), atoi(s[17:19]), 0, loc).UnixMicro()
			if len(s) > 20 {
				frac := s[20:] + "000000"
				want += int64(atoi(frac[:6]))
			}
			if got != want {
				t.Fatalf("%q in %v: %d, want %d", s, loc, got, want)
			}
		}
	}
	for _, s := range []string{"2020-12-21 08:11", "2020-12-21 08:11:23.", "2020-12-21 08:11:23Z", "2023-02-29 00:00:00",
		"2020-13-01 00:00:00", "2020-12-21 24:00:00", "2020-1-21 08:11:23", "2020-12-21 08:11:23.1234567890"} {
		if _, ok := parseTimestampFixed(s, time.UTC); ok {
			t.Fatalf("%q accepted", s)
		}
	}
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}
