package display

import (
	"errors"
	"fmt"
	"html"
	"strings"

	"github.com/runnel-go/runnel/engine"
)

// DataTable is the first rows of a DataFrame as Show prints them, from one evaluation:
// displayed as an HTML table and Spark's text table.
type DataTable struct{ t *engine.ShownTable }

// Table evaluates the static DataFrame df and returns its first rows (numRows, 20 unless
// given) with cells cut to 20 characters, as Show prints them.
func Table(df *engine.DataFrame, numRows ...int) (*DataTable, error) {
	if df == nil {
		return nil, errors.New("display.Table: nil DataFrame")
	}
	if err := df.Err(); err != nil {
		return nil, err
	}
	if df.IsStreaming() {
		return nil, fmt.Errorf("display.Table: %w", ErrStreaming)
	}
	n := 20
	if len(numRows) > 0 {
		n = numRows[0]
	}
	t, err := df.ShowCells(n, 20)
	if err != nil {
		return nil, err
	}
	return &DataTable{t}, nil
}

// TableOf makes a DataTable of a table Show printed (engine.DataFrame.Shown).
func TableOf(t *engine.ShownTable) *DataTable { return &DataTable{t} }

// Text is Spark's text table, as ShowString returns it.
func (t *DataTable) Text() string { return t.t.Text }

// String is Text.
func (t *DataTable) String() string { return t.Text() }

// HTML is the table as PySpark's notebook representation writes it (an HTML table
// with a header row, escaped cells, and "only showing top N rows" after it when the
// DataFrame has more rows).
func (t *DataTable) HTML() string {
	var b strings.Builder
	writeHTMLTable(&b, t.t)
	return b.String()
}

// MIMEBundle is the table as text/html and text/plain.
func (t *DataTable) MIMEBundle() map[string]any {
	return map[string]any{"text/html": t.HTML(), "text/plain": t.Text()}
}

func writeHTMLTable(b *strings.Builder, t *engine.ShownTable) {
	b.WriteString("<table border='1'>\n<tr>")
	for _, h := range t.Header {
		b.WriteString("<th>")
		b.WriteString(html.EscapeString(h))
		b.WriteString("</th>")
	}
	b.WriteString("</tr>\n")
	for _, r := range t.Rows {
		b.WriteString("<tr>")
		for _, c := range r {
			b.WriteString("<td>")
			b.WriteString(html.EscapeString(c))
			b.WriteString("</td>")
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</table>\n")
	if t.More {
		fmt.Fprintf(b, "only showing top %d %s\n", t.NumRows, plural(t.NumRows, "row", "rows"))
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
