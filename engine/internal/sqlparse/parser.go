package sqlparse

import (
	"math"
	"strconv"
	"strings"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/internal/expr"
	"github.com/runnel-go/runnel/engine/internal/interval"
	"github.com/runnel-go/runnel/engine/types"
)

// ParseExpr parses one Spark SQL expression, optionally aliased ("amount*price as volume",
// "upper(name) n"), as selectExpr, expr() and where() accept.
func ParseExpr(s string) (expr.Node, error) {
	p, err := newParser(s)
	if err != nil {
		return nil, err
	}
	n, err := p.named()
	if err != nil {
		return nil, err
	}
	if err := p.end(); err != nil {
		return nil, err
	}
	return n, nil
}

// ParseExprList parses comma-separated expressions, each optionally aliased.
func ParseExprList(s string) ([]expr.Node, error) {
	p, err := newParser(s)
	if err != nil {
		return nil, err
	}
	var out []expr.Node
	for {
		n, err := p.named()
		if err != nil {
			return nil, err
		}
		out = append(out, n)
		if !p.accept(",") {
			break
		}
	}
	if err := p.end(); err != nil {
		return nil, err
	}
	return out, nil
}

// ParseSortOrder parses an ORDER BY item: "x", "x DESC", "x ASC NULLS LAST".
func ParseSortOrder(s string) (*expr.SortOrder, error) {
	p, err := newParser(s)
	if err != nil {
		return nil, err
	}
	o, err := p.sortItem()
	if err != nil {
		return nil, err
	}
	if err := p.end(); err != nil {
		return nil, err
	}
	return o, nil
}

type parser struct {
	src  string
	toks []token
	i    int
}

func newParser(s string) (*parser, error) {
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	return &parser{src: s, toks: toks}, nil
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) peekAt(k int) token {
	if p.i+k < len(p.toks) {
		return p.toks[p.i+k]
	}
	return p.toks[len(p.toks)-1]
}
func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

// accept consumes the operator op if it is next.
func (p *parser) accept(op string) bool {
	if p.peek().op(op) {
		p.i++
		return true
	}
	return false
}

// acceptKW consumes the keyword kw if it is next.
func (p *parser) acceptKW(kw string) bool {
	if p.peek().is(kw) {
		p.i++
		return true
	}
	return false
}

// errAt is a syntax error at token t.
func (p *parser) errAt(t token, hint string) error {
	if t.kind == tEOF {
		return syntaxErrorAt(p.src, t.pos, "", hint)
	}
	return syntaxErrorAt(p.src, t.pos, "'"+t.text+"'", hint)
}

func (p *parser) expect(op string) error {
	if p.accept(op) {
		return nil
	}
	t := p.peek()
	if t.kind == tEOF {
		return p.errAt(t, ": missing '"+op+"'")
	}
	return p.errAt(t, "")
}

func (p *parser) expectKW(kw string) error {
	if p.acceptKW(kw) {
		return nil
	}
	t := p.peek()
	if t.kind == tEOF {
		return p.errAt(t, ": missing '"+kw+"'")
	}
	return p.errAt(t, "")
}

// end requires the end of input (an optional trailing semicolon is allowed).
func (p *parser) end() error {
	p.accept(";")
	t := p.peek()
	if t.kind == tEOF {
		return nil
	}
	if p.peekAt(1).kind == tEOF {
		return p.errAt(t, ": extra input '"+t.text+"'")
	}
	return p.errAt(t, "")
}

// reserved are the words that end an expression in a query and so cannot be a bare
// column name or an alias without AS.
var reserved = map[string]bool{
	"FROM": true, "WHERE": true, "GROUP": true, "HAVING": true, "ORDER": true, "LIMIT": true,
	"JOIN": true, "INNER": true, "LEFT": true, "RIGHT": true, "FULL": true, "CROSS": true,
	"ON": true, "USING": true, "UNION": true, "AS": true, "AND": true, "OR": true, "NOT": true,
	"IS": true, "IN": true, "BETWEEN": true, "LIKE": true, "RLIKE": true, "REGEXP": true,
	"ILIKE": true, "WHEN": true, "THEN": true, "ELSE": true, "END": true, "ASC": true,
	"DESC": true, "NULLS": true, "SELECT": true, "DISTINCT": true, "SORT": true, "CLUSTER": true,
	"DISTRIBUTE": true, "SEMI": true, "ANTI": true, "OUTER": true, "NATURAL": true,
	"EXCEPT": true, "INTERSECT": true, "MINUS": true, "LATERAL": true, "CASE": true, "DIV": true,
}

func isReserved(t token) bool { return t.kind == tIdent && reserved[strings.ToUpper(t.text)] }

// named parses expression [[AS] alias].
func (p *parser) named() (expr.Node, error) {
	n, err := p.expr()
	if err != nil {
		return nil, err
	}
	if p.acceptKW("AS") {
		t := p.next()
		switch t.kind {
		case tIdent:
			return &expr.Alias{X: n, Name: t.text}, nil
		case tQuoted:
			return &expr.Alias{X: n, Name: t.val}, nil
		}
		return nil, p.errAt(t, "")
	}
	t := p.peek()
	if t.kind == tQuoted || t.kind == tIdent && !isReserved(t) {
		p.next()
		name := t.text
		if t.kind == tQuoted {
			name = t.val
		}
		return &expr.Alias{X: n, Name: name}, nil
	}
	return n, nil
}

func (p *parser) expr() (expr.Node, error) { return p.or() }

func (p *parser) or() (expr.Node, error) {
	l, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.acceptKW("OR") {
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		l = &expr.Binary{Op: "OR", L: l, R: r}
	}
	return l, nil
}

func (p *parser) and() (expr.Node, error) {
	l, err := p.not()
	if err != nil {
		return nil, err
	}
	for p.acceptKW("AND") {
		r, err := p.not()
		if err != nil {
			return nil, err
		}
		l = &expr.Binary{Op: "AND", L: l, R: r}
	}
	return l, nil
}

func (p *parser) not() (expr.Node, error) {
	if p.acceptKW("NOT") || p.accept("!") {
		x, err := p.not()
		if err != nil {
			return nil, err
		}
		return &expr.Unary{Op: "NOT", X: x}, nil
	}
	return p.predicate()
}

// predicate parses a comparison followed by an optional BETWEEN, IN, LIKE, RLIKE or IS.
func (p *parser) predicate() (expr.Node, error) {
	x, err := p.comparison()
	if err != nil {
		return nil, err
	}
	not := false
	if p.peek().is("NOT") {
		nt := p.peekAt(1)
		if nt.is("BETWEEN") || nt.is("IN") || nt.is("LIKE") || nt.is("RLIKE") || nt.is("REGEXP") || nt.is("ILIKE") {
			p.next()
			not = true
		}
	}
	t := p.peek()
	switch {
	case t.is("BETWEEN"):
		p.next()
		lo, err := p.comparison()
		if err != nil {
			return nil, err
		}
		if err := p.expectKW("AND"); err != nil {
			return nil, err
		}
		hi, err := p.comparison()
		if err != nil {
			return nil, err
		}
		return &expr.Between{X: x, Lo: lo, Hi: hi, Not: not}, nil
	case t.is("IN"):
		p.next()
		if err := p.expect("("); err != nil {
			return nil, err
		}
		var list []expr.Node
		for {
			e, err := p.expr()
			if err != nil {
				return nil, err
			}
			list = append(list, e)
			if !p.accept(",") {
				break
			}
		}
		if err := p.expect(")"); err != nil {
			return nil, err
		}
		return &expr.In{X: x, List: list, Not: not}, nil
	case t.is("LIKE"), t.is("ILIKE"):
		p.next()
		pat, err := p.comparison()
		if err != nil {
			return nil, err
		}
		if t.is("ILIKE") {
			return &expr.Like{X: &expr.Call{Name: "lower", Args: []expr.Node{x}}, Pattern: &expr.Call{Name: "lower", Args: []expr.Node{pat}}, Not: not}, nil
		}
		return &expr.Like{X: x, Pattern: pat, Not: not}, nil
	case t.is("RLIKE"), t.is("REGEXP"):
		p.next()
		pat, err := p.comparison()
		if err != nil {
			return nil, err
		}
		return &expr.Like{X: x, Pattern: pat, Not: not, Regex: true}, nil
	case t.is("IS"):
		p.next()
		isNot := p.acceptKW("NOT")
		switch nt := p.next(); {
		case nt.is("NULL"):
			return &expr.IsNull{X: x, Not: isNot}, nil
		case nt.is("TRUE"), nt.is("FALSE"):
			// x IS TRUE is null-safe equality with the boolean.
			var r expr.Node = &expr.Binary{Op: "<=>", L: x, R: &expr.Literal{Value: nt.is("TRUE"), Type: types.BooleanType}}
			if isNot {
				r = &expr.Unary{Op: "NOT", X: r}
			}
			return r, nil
		case nt.is("DISTINCT"):
			if err := p.expectKW("FROM"); err != nil {
				return nil, err
			}
			y, err := p.comparison()
			if err != nil {
				return nil, err
			}
			var r expr.Node = &expr.Binary{Op: "<=>", L: x, R: y}
			if !isNot {
				r = &expr.Unary{Op: "NOT", X: r}
			}
			return r, nil
		default:
			return nil, p.errAt(nt, "")
		}
	}
	return x, nil
}

var comparisonOps = map[string]bool{"=": true, "==": true, "!=": true, "<>": true, "<": true, "<=": true, ">": true, ">=": true, "<=>": true}

func (p *parser) comparison() (expr.Node, error) {
	l, err := p.bitOr()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		if t.kind != tOp || !comparisonOps[t.text] {
			return l, nil
		}
		p.next()
		r, err := p.bitOr()
		if err != nil {
			return nil, err
		}
		l = &expr.Binary{Op: t.text, L: l, R: r}
	}
}

// binaryLevel parses left-associative operators ops over operands from sub.
func (p *parser) binaryLevel(sub func() (expr.Node, error), ops ...string) (expr.Node, error) {
	l, err := sub()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		op := ""
		for _, o := range ops {
			if o == "DIV" && t.is("DIV") || t.op(o) {
				op = o
				break
			}
		}
		if op == "" {
			return l, nil
		}
		p.next()
		r, err := sub()
		if err != nil {
			return nil, err
		}
		if op == "DIV" {
			op = "div"
		}
		l = &expr.Binary{Op: op, L: l, R: r}
	}
}

func (p *parser) bitOr() (expr.Node, error)  { return p.binaryLevel(p.bitXor, "|") }
func (p *parser) bitXor() (expr.Node, error) { return p.binaryLevel(p.bitAnd, "^") }
func (p *parser) bitAnd() (expr.Node, error) { return p.binaryLevel(p.additive, "&") }
func (p *parser) additive() (expr.Node, error) {
	return p.binaryLevel(p.multiplicative, "+", "-", "||")
}
func (p *parser) multiplicative() (expr.Node, error) {
	return p.binaryLevel(p.unary, "*", "/", "%", "DIV")
}

func (p *parser) unary() (expr.Node, error) {
	t := p.peek()
	if t.op("-") || t.op("+") || t.op("~") {
		p.next()
		if (t.op("-") || t.op("+")) && p.peek().kind == tNumber {
			// A signed number is one literal, as in Spark's grammar.
			nt := p.next()
			lit, err := p.number(nt, t.text == "-")
			if err != nil {
				return nil, err
			}
			return p.postfix(lit)
		}
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &expr.Unary{Op: t.text, X: x}, nil
	}
	x, err := p.primary()
	if err != nil {
		return nil, err
	}
	return p.postfix(x)
}

// postfix parses x[i], x.field and x::type after a primary expression.
func (p *parser) postfix(x expr.Node) (expr.Node, error) {
	for {
		switch {
		case p.accept("["):
			idx, err := p.expr()
			if err != nil {
				return nil, err
			}
			if err := p.expect("]"); err != nil {
				return nil, err
			}
			x = &expr.GetItem{X: x, Index: idx}
		case p.peek().op(".") && (p.peekAt(1).kind == tIdent || p.peekAt(1).kind == tQuoted):
			p.next()
			f := p.next()
			name := f.text
			if f.kind == tQuoted {
				name = f.val
			}
			if c, ok := x.(*expr.ColumnRef); ok {
				parts := append(append([]string(nil), c.Parts...), name)
				x = &expr.ColumnRef{Parts: parts, Pos: c.Pos}
			} else {
				x = &expr.GetField{X: x, Field: name}
			}
		case p.accept("::"):
			t, err := p.dataType()
			if err != nil {
				return nil, err
			}
			x = &expr.Cast{X: x, To: t}
		default:
			return x, nil
		}
	}
}

func (p *parser) primary() (expr.Node, error) {
	t := p.peek()
	switch t.kind {
	case tEOF:
		return nil, p.errAt(t, "")
	case tNumber:
		p.next()
		return p.number(t, false)
	case tString:
		p.next()
		s := t.val
		for p.peek().kind == tString { // adjacent literals concatenate
			s += p.next().val
		}
		return &expr.Literal{Value: s, Type: types.StringType}, nil
	case tQuoted:
		p.next()
		if p.peek().op("(") {
			return p.call(t.val)
		}
		if p.peek().op(".") && p.peekAt(1).op("*") {
			p.next()
			p.next()
			return &expr.Star{Qualifier: t.val}, nil
		}
		return &expr.ColumnRef{Parts: []string{t.val}, Pos: t.pos}, nil
	case tOp:
		switch t.text {
		case "(":
			p.next()
			x, err := p.expr()
			if err != nil {
				return nil, err
			}
			if p.peek().op(",") {
				items := []expr.Node{x}
				for p.accept(",") {
					y, err := p.expr()
					if err != nil {
						return nil, err
					}
					items = append(items, y)
				}
				x = &expr.Call{Name: "struct", Args: items}
			}
			if err := p.expect(")"); err != nil {
				return nil, err
			}
			return x, nil
		case "*":
			p.next()
			return &expr.Star{}, nil
		}
		return nil, p.errAt(t, "")
	}
	// An identifier or keyword.
	up := strings.ToUpper(t.text)
	nt := p.peekAt(1)
	switch up {
	case "TRUE", "FALSE":
		p.next()
		return &expr.Literal{Value: up == "TRUE", Type: types.BooleanType}, nil
	case "NULL":
		p.next()
		return &expr.Literal{Value: nil, Type: types.NullType}, nil
	case "CASE":
		p.next()
		return p.caseExpr()
	case "CAST", "TRY_CAST":
		if nt.op("(") {
			p.next()
			p.next()
			x, err := p.expr()
			if err != nil {
				return nil, err
			}
			if err := p.expectKW("AS"); err != nil {
				return nil, err
			}
			dt, err := p.dataType()
			if err != nil {
				return nil, err
			}
			if err := p.expect(")"); err != nil {
				return nil, err
			}
			return &expr.Cast{X: x, To: dt}, nil
		}
	case "INTERVAL":
		if nt.kind == tNumber || nt.kind == tString || nt.op("-") || nt.op("+") {
			p.next()
			return p.intervalLiteral(t)
		}
	case "TIMESTAMP", "TIMESTAMP_LTZ", "TIMESTAMP_NTZ", "DATE":
		if nt.kind == tString {
			p.next()
			p.next()
			dt := types.TimestampType
			if up == "DATE" {
				dt = types.DateType
			}
			return &expr.TypedLiteral{Type: dt, Text: nt.val}, nil
		}
	}
	if nt.op("(") {
		p.next()
		return p.call(t.text)
	}
	if isReserved(t) {
		return nil, p.errAt(t, "")
	}
	p.next()
	if p.peek().op(".") && p.peekAt(1).op("*") {
		p.next()
		p.next()
		return &expr.Star{Qualifier: t.text}, nil
	}
	return &expr.ColumnRef{Parts: []string{t.text}, Pos: t.pos}, nil
}

// call parses the argument list of a function whose name was just consumed.
func (p *parser) call(name string) (expr.Node, error) {
	p.next() // (
	c := &expr.Call{Name: strings.ToLower(name)}
	if p.accept(")") {
		return c, nil
	}
	if p.peek().op("*") && p.peekAt(1).op(")") {
		p.next()
		p.next()
		c.Args = []expr.Node{&expr.Star{}}
		return c, nil
	}
	if p.acceptKW("DISTINCT") {
		c.Distinct = true
	} else {
		p.acceptKW("ALL")
	}
	for {
		a, err := p.expr()
		if err != nil {
			return nil, err
		}
		c.Args = append(c.Args, a)
		if !p.accept(",") {
			break
		}
	}
	if err := p.expect(")"); err != nil {
		return nil, err
	}
	return c, nil
}

func (p *parser) caseExpr() (expr.Node, error) {
	c := &expr.Case{}
	if !p.peek().is("WHEN") {
		op, err := p.expr()
		if err != nil {
			return nil, err
		}
		c.Operand = op
	}
	for p.acceptKW("WHEN") {
		cond, err := p.expr()
		if err != nil {
			return nil, err
		}
		if err := p.expectKW("THEN"); err != nil {
			return nil, err
		}
		v, err := p.expr()
		if err != nil {
			return nil, err
		}
		c.Whens = append(c.Whens, expr.WhenClause{Cond: cond, Value: v})
	}
	if len(c.Whens) == 0 {
		return nil, p.errAt(p.peek(), "")
	}
	if p.acceptKW("ELSE") {
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		c.Else = e
	}
	if err := p.expectKW("END"); err != nil {
		return nil, err
	}
	return c, nil
}

// dataType reads a type name as CAST takes it ("int", "decimal(10,2)", "array<string>",
// "struct<a:int,b:string>") and parses it with types.ParseDataType.
func (p *parser) dataType() (types.DataType, error) {
	start := p.peek()
	if start.kind != tIdent {
		return nil, p.errAt(start, "")
	}
	p.next()
	end := start.pos + len(start.text)
	if p.peek().op("<") {
		depth := 0
		for {
			t := p.next()
			if t.kind == tEOF {
				return nil, p.errAt(t, "")
			}
			if t.op("<") {
				depth++
			} else if t.op(">") {
				depth--
			}
			end = t.pos + len(t.text)
			if depth == 0 {
				break
			}
		}
	}
	if p.peek().op("(") {
		for {
			t := p.next()
			if t.kind == tEOF {
				return nil, p.errAt(t, ": missing ')'")
			}
			end = t.pos + len(t.text)
			if t.op(")") {
				break
			}
		}
	}
	text := p.src[start.pos:end]
	dt, err := types.ParseDataType(text)
	if err != nil {
		line, pos := lineCol(p.src, start.pos)
		return nil, &ParseError{
			Message: "[UNSUPPORTED_DATATYPE] Unsupported data type \"" + strings.ToUpper(text) + "\".",
			Line:    line, Pos: pos, SQL: p.src,
		}
	}
	return dt, nil
}

// intervalLiteral parses what follows INTERVAL: "10 minutes", "'1' HOUR",
// "'10 minutes'", "1 hour 30 minutes".
func (p *parser) intervalLiteral(kw token) (expr.Node, error) {
	var parts []string
	for {
		t := p.peek()
		sign := ""
		if t.op("-") || t.op("+") {
			sign = t.text
			p.next()
			t = p.peek()
		}
		if t.kind != tNumber && t.kind != tString {
			if sign != "" || len(parts) == 0 {
				return nil, p.errAt(t, "")
			}
			break
		}
		p.next()
		val := t.text
		if t.kind == tString {
			val = t.val
		}
		u := p.peek()
		if u.kind == tIdent && isIntervalUnit(u.text) {
			p.next()
			parts = append(parts, sign+strings.TrimSpace(val)+" "+u.text)
			continue
		}
		if t.kind == tString {
			parts = append(parts, sign+val)
			continue
		}
		return nil, p.errAt(u, "")
	}
	text := strings.Join(parts, " ")
	iv, err := interval.Parse(text)
	if err != nil {
		line, pos := lineCol(p.src, kw.pos)
		return nil, &ParseError{
			Message: "[INVALID_INTERVAL_FORMAT.INVALID_UNIT] Error parsing '" + text + "' to interval.",
			Line:    line, Pos: pos, SQL: p.src,
		}
	}
	return &expr.Literal{Value: batch.Interval{Months: iv.Months, Days: iv.Days, Micros: iv.Micros}, Type: types.IntervalType}, nil
}

func isIntervalUnit(s string) bool {
	switch strings.TrimSuffix(strings.ToLower(s), "s") {
	case "year", "month", "week", "day", "hour", "minute", "second", "millisecond", "microsecond":
		return true
	}
	return false
}

// number turns a numeric token into a literal as Spark types it: an integer that fits in
// int is an integer, a bigger one a long (and beyond that a double, Spark's decimal);
// suffixes L (long), S and Y (integer here), D and BD (double), F (float); a fraction or
// an exponent gives a double.
func (p *parser) number(t token, neg bool) (expr.Node, error) {
	text := t.text
	if neg {
		text = "-" + text
	}
	up := strings.ToUpper(text)
	bad := func() error {
		line, pos := lineCol(p.src, t.pos)
		return &ParseError{
			Message: "[INVALID_NUMERIC_LITERAL_RANGE] Numeric literal " + t.text + " is outside the valid range.",
			Line:    line, Pos: pos, SQL: p.src,
		}
	}
	switch {
	case strings.HasSuffix(up, "BD"):
		f, err := strconv.ParseFloat(text[:len(text)-2], 64)
		if err != nil {
			return nil, p.errAt(t, "")
		}
		return &expr.Literal{Value: f, Type: types.DoubleType}, nil
	case strings.HasSuffix(up, "L"):
		v, err := strconv.ParseInt(text[:len(text)-1], 10, 64)
		if err != nil {
			return nil, bad()
		}
		return &expr.Literal{Value: v, Type: types.LongType}, nil
	case strings.HasSuffix(up, "S"), strings.HasSuffix(up, "Y"):
		v, err := strconv.ParseInt(text[:len(text)-1], 10, 32)
		if err != nil {
			return nil, bad()
		}
		return &expr.Literal{Value: int32(v), Type: types.IntegerType}, nil
	case strings.HasSuffix(up, "D"):
		f, err := strconv.ParseFloat(text[:len(text)-1], 64)
		if err != nil {
			return nil, bad()
		}
		return &expr.Literal{Value: f, Type: types.DoubleType}, nil
	case strings.HasSuffix(up, "F"):
		f, err := strconv.ParseFloat(text[:len(text)-1], 32)
		if err != nil {
			return nil, bad()
		}
		return &expr.Literal{Value: float32(f), Type: types.FloatType}, nil
	}
	if !strings.ContainsAny(text, ".eE") {
		if v, err := strconv.ParseInt(text, 10, 64); err == nil {
			if v >= math.MinInt32 && v <= math.MaxInt32 {
				return &expr.Literal{Value: int32(v), Type: types.IntegerType}, nil
			}
			return &expr.Literal{Value: v, Type: types.LongType}, nil
		}
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil && !strings.Contains(err.Error(), "range") {
		return nil, p.errAt(t, "")
	}
	return &expr.Literal{Value: f, Type: types.DoubleType}, nil
}
