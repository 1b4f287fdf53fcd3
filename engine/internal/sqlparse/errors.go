package sqlparse

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// ParseError is Spark's ParseException: a message such as
// "[PARSE_SYNTAX_ERROR] Syntax error at or near 'FROM'." and the place it refers to.
type ParseError struct {
	Message string // "[PARSE_SYNTAX_ERROR] Syntax error at or near 'FROM'."
	Line    int    // 1-based
	Pos     int    // 0-based character offset within the line
	SQL     string // the text that was parsed
}

// Error is Spark's ParseException text without its leading newline:
//
//	[PARSE_SYNTAX_ERROR] Syntax error at or near 'FROM'.(line 1, pos 7)
//
//	== SQL ==
//	select FROM
//	-------^^^
func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString(e.Short())
	b.WriteString("\n\n== SQL ==\n")
	lines := strings.Split(e.SQL, "\n")
	for i, l := range lines {
		b.WriteString(l)
		b.WriteByte('\n')
		if i == e.Line-1 {
			b.WriteString(strings.Repeat("-", e.Pos))
			b.WriteString("^^^")
			if i < len(lines)-1 {
				b.WriteByte('\n')
			}
		}
	}
	return b.String()
}

// Short is the first line of Error: the message and "(line L, pos P)".
func (e *ParseError) Short() string {
	return e.Message + "(line " + strconv.Itoa(e.Line) + ", pos " + strconv.Itoa(e.Pos) + ")"
}

// syntaxErrorAt builds a PARSE_SYNTAX_ERROR at byte offset off of src. near is the
// token as Spark shows it ("'FROM'" or "end of input"); hint is appended as Spark's
// error strategy does (": missing ')'", ": extra input 'x'"). A near starting with an
// upper-case word that is not quoted is used as a whole message instead.
func syntaxErrorAt(src string, off int, near, hint string) *ParseError {
	line, pos := lineCol(src, off)
	msg := "[PARSE_SYNTAX_ERROR] Syntax error at or near " + near + hint + "."
	if near == "" {
		msg = "[PARSE_SYNTAX_ERROR] Syntax error at or near end of input" + hint + "."
		if off < len(src) {
			msg = "[PARSE_SYNTAX_ERROR] Syntax error at or near " + quoteNear(src[off:]) + hint + "."
		}
	} else if near == "Unclosed bracketed comment" {
		msg = "[UNCLOSED_BRACKETED_COMMENT] Found an unclosed bracketed comment. Please, append */ at the end of the comment."
	}
	return &ParseError{Message: msg, Line: line, Pos: pos, SQL: src}
}

// quoteNear shows the rest of the text from an unterminated string or identifier the way
// ANTLR shows a bad token: its first character, quoted.
func quoteNear(rest string) string {
	_, w := utf8.DecodeRuneInString(rest)
	return "'" + rest[:w] + "'"
}

// lineCol turns a byte offset into Spark's 1-based line and 0-based character position.
func lineCol(src string, off int) (int, int) {
	if off > len(src) {
		off = len(src)
	}
	line := 1 + strings.Count(src[:off], "\n")
	start := strings.LastIndexByte(src[:off], '\n') + 1
	return line, utf8.RuneCountInString(src[start:off])
}
