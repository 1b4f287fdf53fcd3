package expr

import (
	"testing"
	"time"
)

func TestLevenshtein(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{{"kitten", "sitting", 3}, {"nmae", "name", 2}, {"", "abc", 3}, {"abc", "abc", 0}, {"nmae", "tags", 4}}
	for _, c := range cases {
		if got := levenshtein(c.a, c.b); got != c.want {
			t.Errorf("levenshtein(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

func TestParseTimestampForms(t *testing.T) {
	cases := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"2021-01-01 00:00:00", 1609459200000000, true},
		{"2021-01-01", 1609459200000000, true},
		{"2021-01", 1609459200000000, true},
		{"2021", 1609459200000000, true},
		{"2021-1-2 3:4:5", 1609556645000000, true},
		{"2021-01-01T00:00:00.123456789", 1609459200123456, true},
		{"2021-01-01T08:00:00+08:00", 1609459200000000, true},
		{"2021-01-01 08:00:00 UTC+8", 1609459200000000, true},
		{"2021-01-01 00:00:00Z", 1609459200000000, true},
		{"2021-01-01 00:00", 1609459200000000, true},
		{" 2021-01-01 00:00:00 ", 1609459200000000, true},
		{"2021-02-30", 0, false},
		{"2021-01-01 25:00:00", 0, false},
		{"hello", 0, false},
		{"", 0, false},
	}
	for _, c := range cases {
		var z zoneCache
		got, ok := parseTimestamp(c.in, time.UTC, &z)
		if ok != c.ok || ok && got != c.want {
			t.Errorf("parseTimestamp(%q) = %d, %v; want %d, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}
