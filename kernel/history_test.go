package kernel

import "testing"

func TestGlobMatch(t *testing.T) {
	for _, tc := range []struct {
		pattern, s string
		want       bool
	}{
		{"*", "", true},
		{"*", "a\nb", true},
		{"a*", "abc", true},
		{"a*", "ba", false},
		{"*c", "abc", true},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"a*b*c", "a__b__c", true},
		{"a*b*c", "a__c__b", false},
		{"fmt.*(*)", "fmt.Println(x)", true},
		{"[ab]x", "bx", true},
		{"[ab]x", "cx", false},
		{"[a-c]*", "b1", true},
		{"[^a-c]*", "b1", false},
		{"[^a-c]*", "d1", true},
		{"[]]", "]", true},
		{"[", "[", true},
		{"A*", "abc", false}, // case-sensitive, as SQLite's GLOB
		{"é?", "éü", true},   // characters, not bytes
		{"**a", "a", true},
	} {
		if got := globMatch(tc.pattern, tc.s); got != tc.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", tc.pattern, tc.s, got, tc.want)
		}
	}
}

func TestHistoryQuery(t *testing.T) {
	var h history
	h.add(1, "x := 1", nil)
	h.add(2, "y := 2", "2")
	h.add(3, "x := 1", nil)
	n := func(v int) *int { return &v }
	for _, tc := range []struct {
		name string
		req  historyRequest
		want [][3]any
	}{
		{"tail all", historyRequest{HistAccessType: "tail"},
			[][3]any{{1, 1, "x := 1"}, {1, 2, "y := 2"}, {1, 3, "x := 1"}}},
		{"tail 0", historyRequest{HistAccessType: "tail", N: n(0)}, [][3]any{}},
		{"range open end", historyRequest{HistAccessType: "range", Session: 1, Start: 2},
			[][3]any{{1, 2, "y := 2"}, {1, 3, "x := 1"}}},
		{"range other session", historyRequest{HistAccessType: "range", Session: 7}, [][3]any{}},
		{"search unique", historyRequest{HistAccessType: "search", Pattern: "x*", Unique: true},
			[][3]any{{1, 3, "x := 1"}}},
		{"output", historyRequest{HistAccessType: "tail", N: n(2), Output: true},
			[][3]any{{1, 2, [2]any{"y := 2", "2"}}, {1, 3, [2]any{"x := 1", nil}}}},
		{"unknown access type", historyRequest{HistAccessType: "sideways"}, [][3]any{}},
	} {
		got := h.query(tc.req)
		if len(got) != len(tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
				break
			}
		}
	}
}
