package sqlparse

import (
	"strconv"
	"strings"

	"github.com/runnel-go/runnel/engine/internal/expr"
)

// Query is a parsed SELECT statement:
//
//	SELECT [DISTINCT] items [FROM relation [joins]] [WHERE cond] [GROUP BY keys]
//	[HAVING cond] [ORDER BY sort items] [LIMIT n]
type Query struct {
	Distinct bool
	Items    []expr.Node // select list: expressions, aliases, stars
	From     *Relation   // nil for SELECT without FROM
	Joins    []Join
	Where    expr.Node // nil for none
	GroupBy  []expr.Node
	Having   expr.Node // nil for none
	OrderBy  []*expr.SortOrder
	Limit    int // -1 for none
}

// Relation is a table (temp view) name or a parenthesised subquery, with an optional alias.
type Relation struct {
	Name     string // "students", "db.t"; empty for a subquery
	Subquery *Query
	Alias    string
}

// Join is one JOIN clause. Type is "inner", "cross", "left", "right", "full",
// "left_semi" or "left_anti", as DataFrame.join's how names them.
type Join struct {
	Type  string
	Right Relation
	On    expr.Node // nil for none
	Using []string
}

// ParseQuery parses a SELECT statement.
func ParseQuery(s string) (*Query, error) {
	p, err := newParser(s)
	if err != nil {
		return nil, err
	}
	q, err := p.query()
	if err != nil {
		return nil, err
	}
	if err := p.end(); err != nil {
		return nil, err
	}
	return q, nil
}

func (p *parser) query() (*Query, error) {
	q := &Query{Limit: -1}
	if err := p.expectKW("SELECT"); err != nil {
		return nil, err
	}
	if p.acceptKW("DISTINCT") {
		q.Distinct = true
	} else {
		p.acceptKW("ALL")
	}
	for {
		n, err := p.named()
		if err != nil {
			return nil, err
		}
		q.Items = append(q.Items, n)
		if !p.accept(",") {
			break
		}
	}
	if p.acceptKW("FROM") {
		r, err := p.relation()
		if err != nil {
			return nil, err
		}
		q.From = &r
		for {
			if p.accept(",") {
				r, err := p.relation()
				if err != nil {
					return nil, err
				}
				q.Joins = append(q.Joins, Join{Type: "cross", Right: r})
				continue
			}
			typ, ok := p.joinType()
			if !ok {
				break
			}
			r, err := p.relation()
			if err != nil {
				return nil, err
			}
			j := Join{Type: typ, Right: r}
			if p.acceptKW("ON") {
				on, err := p.expr()
				if err != nil {
					return nil, err
				}
				j.On = on
			} else if p.acceptKW("USING") {
				if err := p.expect("("); err != nil {
					return nil, err
				}
				for {
					t := p.next()
					switch t.kind {
					case tIdent:
						j.Using = append(j.Using, t.text)
					case tQuoted:
						j.Using = append(j.Using, t.val)
					default:
						return nil, p.errAt(t, "")
					}
					if !p.accept(",") {
						break
					}
				}
				if err := p.expect(")"); err != nil {
					return nil, err
				}
			}
			q.Joins = append(q.Joins, j)
		}
	}
	if p.acceptKW("WHERE") {
		w, err := p.expr()
		if err != nil {
			return nil, err
		}
		q.Where = w
	}
	if p.peek().is("GROUP") {
		p.next()
		if err := p.expectKW("BY"); err != nil {
			return nil, err
		}
		for {
			g, err := p.expr()
			if err != nil {
				return nil, err
			}
			q.GroupBy = append(q.GroupBy, g)
			if !p.accept(",") {
				break
			}
		}
	}
	if p.acceptKW("HAVING") {
		h, err := p.expr()
		if err != nil {
			return nil, err
		}
		q.Having = h
	}
	if p.peek().is("ORDER") || p.peek().is("SORT") {
		p.next()
		if err := p.expectKW("BY"); err != nil {
			return nil, err
		}
		for {
			o, err := p.sortItem()
			if err != nil {
				return nil, err
			}
			q.OrderBy = append(q.OrderBy, o)
			if !p.accept(",") {
				break
			}
		}
	}
	if p.acceptKW("LIMIT") {
		t := p.next()
		if t.is("ALL") {
			return q, nil
		}
		n, err := strconv.Atoi(t.text)
		if t.kind != tNumber || err != nil || n < 0 {
			return nil, p.errAt(t, "")
		}
		q.Limit = n
	}
	return q, nil
}

// joinType consumes a join keyword sequence ending in JOIN.
func (p *parser) joinType() (string, bool) {
	save := p.i
	typ := "inner"
	switch {
	case p.acceptKW("INNER"):
	case p.acceptKW("CROSS"):
		typ = "cross"
	case p.acceptKW("LEFT"):
		typ = "left"
		switch {
		case p.acceptKW("SEMI"):
			typ = "left_semi"
		case p.acceptKW("ANTI"):
			typ = "left_anti"
		default:
			p.acceptKW("OUTER")
		}
	case p.acceptKW("RIGHT"):
		typ = "right"
		p.acceptKW("OUTER")
	case p.acceptKW("FULL"):
		typ = "full"
		p.acceptKW("OUTER")
	case p.acceptKW("SEMI"):
		typ = "left_semi"
	case p.acceptKW("ANTI"):
		typ = "left_anti"
	}
	if !p.acceptKW("JOIN") {
		p.i = save
		return "", false
	}
	return typ, true
}

func (p *parser) relation() (Relation, error) {
	var r Relation
	if p.accept("(") {
		sub, err := p.query()
		if err != nil {
			return r, err
		}
		if err := p.expect(")"); err != nil {
			return r, err
		}
		r.Subquery = sub
	} else {
		var parts []string
		for {
			t := p.next()
			switch {
			case t.kind == tQuoted:
				parts = append(parts, t.val)
			case t.kind == tIdent && !isReserved(t):
				parts = append(parts, t.text)
			default:
				return r, p.errAt(t, "")
			}
			if !p.accept(".") {
				break
			}
		}
		r.Name = strings.Join(parts, ".")
	}
	if p.acceptKW("AS") {
		t := p.next()
		if t.kind != tIdent && t.kind != tQuoted {
			return r, p.errAt(t, "")
		}
		r.Alias = identName(t)
	} else if t := p.peek(); t.kind == tQuoted || t.kind == tIdent && !isReserved(t) && !isJoinWord(t) {
		p.next()
		r.Alias = identName(t)
	}
	return r, nil
}

func isJoinWord(t token) bool {
	return t.is("SEMI") || t.is("ANTI") || t.is("WINDOW")
}

func identName(t token) string {
	if t.kind == tQuoted {
		return t.val
	}
	return t.text
}

// sortItem parses expr [ASC|DESC] [NULLS FIRST|LAST]; nulls come first for ASC and last
// for DESC unless told otherwise, as in Spark.
func (p *parser) sortItem() (*expr.SortOrder, error) {
	x, err := p.expr()
	if err != nil {
		return nil, err
	}
	o := &expr.SortOrder{X: x, NullsFirst: true}
	if p.acceptKW("DESC") {
		o.Descending = true
		o.NullsFirst = false
	} else {
		p.acceptKW("ASC")
	}
	if p.acceptKW("NULLS") {
		switch {
		case p.acceptKW("FIRST"):
			o.NullsFirst = true
		case p.acceptKW("LAST"):
			o.NullsFirst = false
		default:
			return nil, p.errAt(p.peek(), "")
		}
	}
	return o, nil
}
