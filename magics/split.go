package magics

import (
	"strings"
)

// Chunk is a piece of a cell: one magic line (or a whole cell magic), or consecutive
// lines of Go code.
type Chunk struct {
	// Magic marks a magic line or, for a cell magic, the whole cell from its %% line on.
	// A "%%name" line below the top of a cell is a Magic chunk too: RunCell reports it.
	Magic bool
	Text  string // the chunk's lines joined by "\n", without a final newline
	Line  int    // 1-based line of the cell where Text starts
}

// Padded returns Text preceded by Line-1 newlines, so that positions a Go parser reports
// for it are the cell's lines.
func (c Chunk) Padded() string {
	if c.Line <= 1 {
		return c.Text
	}
	return strings.Repeat("\n", c.Line-1) + c.Text
}

// IsCellMagic reports whether cell's first non-blank line starts with "%%name".
func IsCellMagic(cell string) bool {
	_, ok := cellMagicLine(strings.Split(cell, "\n"))
	return ok
}

// cellMagicLine returns the index of the first non-blank line when it is a cell magic's.
func cellMagicLine(lines []string) (int, bool) {
	for i, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		l = strings.TrimLeft(l, " \t")
		return i, len(l) > 2 && strings.HasPrefix(l, "%%") && isNameStart(l[2])
	}
	return 0, false
}

// IsLineMagic reports whether line is a magic line: "%name ..." or "!command" starting
// at column 0. A "%%name" line counts too, so that running it can explain that a cell
// magic must open its cell.
func IsLineMagic(line string) bool {
	line = strings.TrimRight(line, " \t\r")
	switch {
	case strings.HasPrefix(line, "!"):
		return strings.TrimSpace(line[1:]) != ""
	case strings.HasPrefix(line, "%%"):
		return len(line) > 2 && isNameStart(line[2])
	case strings.HasPrefix(line, "%"):
		return len(line) > 1 && isNameStart(line[1])
	}
	return false
}

// HasMagic reports whether running cell involves any magic.
func HasMagic(cell string) bool {
	for _, c := range Split(cell) {
		if c.Magic {
			return true
		}
	}
	return false
}

func isNameStart(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b == '_'
}

// Split cuts cell into magic lines and Go chunks, in order. A cell magic comes back as
// one Magic chunk holding the whole cell from its %% line on. Go chunks holding only blank
// lines are dropped.
func Split(cell string) []Chunk {
	lines := strings.Split(cell, "\n")
	if i, ok := cellMagicLine(lines); ok {
		return []Chunk{{Magic: true, Text: strings.Join(lines[i:], "\n"), Line: i + 1}}
	}
	var (
		out   []Chunk
		sc    goScanner
		start = -1 // first line of the pending Go chunk
	)
	flush := func(end int) {
		for start >= 0 && start < end && strings.TrimSpace(lines[start]) == "" {
			start++
		}
		if start < 0 || start == end {
			start = -1
			return
		}
		text := strings.Join(lines[start:end], "\n")
		out = append(out, Chunk{Text: strings.TrimRight(text, " \t\r\n"), Line: start + 1})
		start = -1
	}
	for i, l := range lines {
		if sc.free() && IsLineMagic(l) {
			flush(i)
			out = append(out, Chunk{Magic: true, Text: strings.TrimRight(l, " \t\r"), Line: i + 1})
			sc.cont = false
			continue
		}
		if start < 0 {
			start = i
		}
		sc.scan(l)
	}
	flush(len(lines))
	return out
}

// goScanner follows just enough of Go's lexical structure, line by line, to know whether
// the next line may start a magic: not inside a raw string or a block comment, and not
// continuing an expression.
type goScanner struct {
	inRaw, inBlock bool
	cont           bool // the last code line ended with a token that needs more
}

func (g *goScanner) free() bool { return !g.inRaw && !g.inBlock && !g.cont }

// continuers are the last bytes of a line after which Go inserts no semicolon and the
// expression goes on.
const continuers = "&|(,=+-*/<>!:^%[{."

func (g *goScanner) scan(l string) {
	var last, prev byte // the last two significant bytes outside comments
	sig := func(c byte) { prev, last = last, c }
	for i := 0; i < len(l); i++ {
		c := l[i]
		var next byte
		if i+1 < len(l) {
			next = l[i+1]
		}
		switch {
		case g.inRaw:
			if c == '`' {
				g.inRaw = false
				sig(c)
			}
		case g.inBlock:
			if c == '*' && next == '/' {
				g.inBlock = false
				i++
			}
		case c == '`':
			g.inRaw = true
		case c == '/' && next == '/':
			i = len(l)
		case c == '/' && next == '*':
			g.inBlock = true
			i++
		case c == '"' || c == '\'':
			j := i + 1
			for j < len(l) && l[j] != c {
				if l[j] == '\\' {
					j++
				}
				j++
			}
			i = j
			sig(c)
		case c == ' ' || c == '\t' || c == '\r':
		default:
			sig(c)
		}
	}
	if last == 0 {
		return // blank or comment-only: the previous line's state stands
	}
	// "x++" and "x--" end a statement although '+' and '-' are operators.
	incDec := (last == '+' || last == '-') && prev == last
	g.cont = strings.IndexByte(continuers, last) >= 0 && !incDec
}
