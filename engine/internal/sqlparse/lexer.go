// Package sqlparse is a hand-written lexer and recursive-descent parser for the Spark SQL
// the engine accepts: expressions (selectExpr, expr, where) and simple SELECT queries.
// It builds expr.Node trees; resolution and typing happen later, in package expr.
package sqlparse

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

type tokKind int

const (
	tEOF    tokKind = iota
	tIdent          // a bare word: identifier or keyword
	tQuoted         // a `backquoted` identifier
	tString         // a quoted string; val holds the unescaped text
	tNumber         // a numeric literal as written
	tOp             // punctuation and operators
)

type token struct {
	kind tokKind
	text string // as written in the source
	val  string // unescaped value for strings and quoted identifiers
	pos  int    // byte offset in the source
}

// is reports whether t is the keyword kw (upper case), case-insensitively.
func (t token) is(kw string) bool {
	return t.kind == tIdent && strings.EqualFold(t.text, kw)
}

func (t token) op(s string) bool { return t.kind == tOp && t.text == s }

// lex splits src into tokens; it fails only on an unterminated string, quoted identifier
// or comment, or a character that starts no token.
func lex(src string) ([]token, error) {
	var toks []token
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			i++
		case c == '-' && i+1 < len(src) && src[i+1] == '-':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				return nil, syntaxErrorAt(src, i, "Unclosed bracketed comment", "")
			}
			i += end + 4
		case c == '\'' || c == '"':
			val, n, ok := scanString(src[i:])
			if !ok {
				return nil, syntaxErrorAt(src, i, "", "")
			}
			toks = append(toks, token{kind: tString, text: src[i : i+n], val: val, pos: i})
			i += n
		case c == '`':
			var b strings.Builder
			j := i + 1
			closed := false
			for j < len(src) {
				if src[j] == '`' {
					if j+1 < len(src) && src[j+1] == '`' {
						b.WriteByte('`')
						j += 2
						continue
					}
					closed = true
					j++
					break
				}
				b.WriteByte(src[j])
				j++
			}
			if !closed {
				return nil, syntaxErrorAt(src, i, "", "")
			}
			toks = append(toks, token{kind: tQuoted, text: src[i:j], val: b.String(), pos: i})
			i = j
		case isDigit(c) || c == '.' && i+1 < len(src) && isDigit(src[i+1]):
			n := scanNumber(src[i:])
			toks = append(toks, token{kind: tNumber, text: src[i : i+n], pos: i})
			i += n
		case isIdentStart(src[i:]):
			j := i
			for j < len(src) {
				r, w := utf8.DecodeRuneInString(src[j:])
				if r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) {
					j += w
					continue
				}
				break
			}
			toks = append(toks, token{kind: tIdent, text: src[i:j], pos: i})
			i = j
		default:
			n := 0
			for _, op := range ops {
				if strings.HasPrefix(src[i:], op) {
					n = len(op)
					break
				}
			}
			if n == 0 {
				_, w := utf8.DecodeRuneInString(src[i:])
				return nil, syntaxErrorAt(src, i, "'"+src[i:i+w]+"'", "")
			}
			toks = append(toks, token{kind: tOp, text: src[i : i+n], pos: i})
			i += n
		}
	}
	toks = append(toks, token{kind: tEOF, pos: len(src)})
	return toks, nil
}

// ops lists operators longest first so that "<=>" wins over "<=" and "<".
var ops = []string{"<=>", "::", "<=", ">=", "<>", "!=", "==", "||", "->",
	"=", "<", ">", "+", "-", "*", "/", "%", "(", ")", ",", ".", "[", "]", "&", "|", "^", "~", "!", ":", ";"}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isIdentStart(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return r == '_' || unicode.IsLetter(r)
}

// scanNumber returns the length of the numeric literal at the start of s: digits, an
// optional fraction and exponent, and an optional type suffix (L, S, Y, D, F, BD).
func scanNumber(s string) int {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	if i < len(s) && s[i] == '.' && !(i+1 < len(s) && isIdentStart(s[i+1:]) && !isExpStart(s[i+1:])) {
		i++
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if j < len(s) && isDigit(s[j]) {
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			i = j
		}
	}
	rest := strings.ToUpper(s[i:])
	switch {
	case strings.HasPrefix(rest, "BD") && !identContinues(s[i+2:]):
		return i + 2
	case len(rest) > 0 && strings.ContainsRune("LSYDF", rune(rest[0])) && !identContinues(s[i+1:]):
		return i + 1
	}
	return i
}

// isExpStart reports an exponent such as "e5" right after a decimal point ("1.e5").
func isExpStart(s string) bool {
	if len(s) < 2 || (s[0] != 'e' && s[0] != 'E') {
		return false
	}
	j := 1
	if s[j] == '+' || s[j] == '-' {
		j++
	}
	return j < len(s) && isDigit(s[j])
}

func identContinues(s string) bool {
	if s == "" {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s)
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// scanString reads a quoted string at the start of s with Spark's backslash escapes and
// returns its value and length.
func scanString(s string) (string, int, bool) {
	q := s[0]
	var b strings.Builder
	i := 1
	for i < len(s) {
		c := s[i]
		if c == q {
			return b.String(), i + 1, true
		}
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			i++
			continue
		}
		n := s[i+1]
		switch n {
		case 'u':
			if i+6 <= len(s) {
				if v, err := strconv.ParseUint(s[i+2:i+6], 16, 32); err == nil {
					b.WriteRune(rune(v))
					i += 6
					continue
				}
			}
			b.WriteByte('u')
			i += 2
			continue
		case '0', '1', '2', '3':
			if i+4 <= len(s) && isOctal(s[i+2]) && isOctal(s[i+3]) {
				v, _ := strconv.ParseUint(s[i+1:i+4], 8, 8)
				b.WriteByte(byte(v))
				i += 4
				continue
			}
			if n == '0' {
				b.WriteByte(0)
				i += 2
				continue
			}
			b.WriteByte(n)
		case 'b':
			b.WriteByte('\b')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'Z':
			b.WriteByte(0x1a)
		case '%', '_':
			// kept escaped so LIKE patterns still see them as literal characters
			b.WriteByte('\\')
			b.WriteByte(n)
		default:
			b.WriteByte(n)
		}
		i += 2
	}
	return "", len(s), false
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }
