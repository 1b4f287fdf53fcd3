package kernel

import (
	"sync"
)

// historySession is the session number of this kernel's history. There is no history
// database across kernel runs, so every run is session 1, and the frontend's session 0
// ("the current one") means the same.
const historySession = 1

// historyEntry is one stored cell.
type historyEntry struct {
	line   int    // execution count
	input  string // the code
	output any    // text/plain of the execute_result, or nil
}

// history keeps the cells of this session that asked to be stored. The shell goroutine
// adds; history_request may come on control, hence the lock.
type history struct {
	mu      sync.Mutex
	entries []historyEntry
}

func (h *history) add(line int, input string, output any) {
	h.mu.Lock()
	h.entries = append(h.entries, historyEntry{line: line, input: input, output: output})
	h.mu.Unlock()
}

// historyRequest is history_request's content.
type historyRequest struct {
	Output         bool   `json:"output"`
	Raw            bool   `json:"raw"`
	HistAccessType string `json:"hist_access_type"`
	Session        int    `json:"session"`
	Start          int    `json:"start"`
	Stop           *int   `json:"stop"`
	N              *int   `json:"n"`
	Pattern        string `json:"pattern"`
	Unique         bool   `json:"unique"`
}

// query returns history_reply's history: (session, line, input) triples, or
// (session, line, [input, output]) when output is asked for, oldest first.
func (h *history) query(req historyRequest) [][3]any {
	h.mu.Lock()
	entries := append([]historyEntry(nil), h.entries...)
	h.mu.Unlock()

	var picked []historyEntry
	switch req.HistAccessType {
	case "tail":
		picked = lastN(entries, req.N)
	case "range":
		if req.Session != 0 && req.Session != historySession {
			break
		}
		for _, e := range entries {
			if e.line >= req.Start && (req.Stop == nil || e.line < *req.Stop) {
				picked = append(picked, e)
			}
		}
	case "search":
		pattern := req.Pattern
		if pattern == "" {
			pattern = "*"
		}
		var matched []historyEntry
		for _, e := range entries {
			if globMatch(pattern, e.input) {
				matched = append(matched, e)
			}
		}
		if req.Unique {
			matched = latestUnique(matched)
		}
		picked = lastN(matched, req.N)
	}

	out := make([][3]any, 0, len(picked))
	for _, e := range picked {
		var cell any = e.input
		if req.Output {
			cell = [2]any{e.input, e.output}
		}
		out = append(out, [3]any{historySession, e.line, cell})
	}
	return out
}

// lastN returns the last *n entries, all of them when n is nil.
func lastN(entries []historyEntry, n *int) []historyEntry {
	if n == nil || *n >= len(entries) {
		return entries
	}
	if *n <= 0 {
		return nil
	}
	return entries[len(entries)-*n:]
}

// latestUnique keeps the latest entry of each distinct input, in order.
func latestUnique(entries []historyEntry) []historyEntry {
	last := make(map[string]int, len(entries))
	for i, e := range entries {
		last[e.input] = i
	}
	var out []historyEntry
	for i, e := range entries {
		if last[e.input] == i {
			out = append(out, e)
		}
	}
	return out
}

// globMatch reports whether s matches pattern as SQLite's GLOB does (IPython's history
// search): '*' any run of characters (newlines included), '?' one character, '[...]' a
// class with ranges and '^' negation; case-sensitive; the whole string must match.
func globMatch(pattern, s string) bool {
	p, t := []rune(pattern), []rune(s)
	// Iterative matching with one backtrack point for the last '*', linear for
	// patterns without classes.
	pi, ti := 0, 0
	starP, starT := -1, 0
	for ti < len(t) {
		if pi < len(p) {
			switch p[pi] {
			case '*':
				starP, starT = pi, ti
				pi++
				continue
			case '?':
				pi++
				ti++
				continue
			case '[':
				if ok, next, valid := matchClass(p, pi, t[ti]); valid {
					if ok {
						pi = next
						ti++
						continue
					}
				} else if t[ti] == '[' { // an unclosed '[' is literal
					pi++
					ti++
					continue
				}
			default:
				if p[pi] == t[ti] {
					pi++
					ti++
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		starT++
		pi, ti = starP+1, starT
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// matchClass matches c against the class starting at p[i] == '['. It returns whether c
// is in the class, the index after the class, and whether the class is well formed.
func matchClass(p []rune, i int, c rune) (in bool, next int, valid bool) {
	j := i + 1
	negate := false
	if j < len(p) && p[j] == '^' {
		negate = true
		j++
	}
	first := true
	for j < len(p) && (first || p[j] != ']') {
		first = false
		lo := p[j]
		hi := lo
		if j+2 < len(p) && p[j+1] == '-' && p[j+2] != ']' {
			hi = p[j+2]
			j += 2
		}
		if lo <= c && c <= hi {
			in = true
		}
		j++
	}
	if j >= len(p) {
		return false, 0, false
	}
	return in != negate, j + 1, true
}
