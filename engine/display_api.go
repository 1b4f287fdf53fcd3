package engine

import (
	"github.com/runnel-go/runnel/engine/internal/runtime"
	"github.com/runnel-go/runnel/engine/internal/show"
)

// The parts of a QueryProgress, named so that code outside the engine can build one
// (a display's tests) and declare variables of them.
type (
	StateOperatorProgress = runtime.StateOperatorProgress
	SourceProgress        = runtime.SourceProgress
	SinkProgress          = runtime.SinkProgress
)

// ShownTable is a table as Show prints it, made from one evaluation of a DataFrame: the
// cells (escaped and cut as Show cuts them) and Spark's text built from them. Rich
// displays (an HTML table in a notebook) use the cells, so that they show exactly the
// rows of the text even when the DataFrame is not deterministic (rand()).
type ShownTable struct {
	// Header holds the column names, Rows up to NumRows rows of cell texts.
	Header []string
	Rows   [][]string
	// More reports that the DataFrame has rows beyond NumRows.
	More     bool
	NumRows  int
	Truncate int
	// Text is ShowString's text; Show prints it and one more newline.
	Text string
}

// ShowCells evaluates df once and returns the table that Show with numRows and truncate
// prints (see ShowString).
func (df *DataFrame) ShowCells(numRows, truncate int) (*ShownTable, error) {
	b, err := df.Limit(numRows + 1).collect()
	if err != nil {
		return nil, err
	}
	loc := df.session.location()
	header, rows, more := show.Cells(b, numRows, truncate, loc)
	return &ShownTable{
		Header: header, Rows: rows, More: more, NumRows: numRows, Truncate: truncate,
		Text: show.ShowString(b, numRows, truncate, loc),
	}, nil
}

// Shown is, for the DataFrame that a show hook (SetShowHook) receives, the table that
// Show printed as the hook's text; nil for any other DataFrame.
func (df *DataFrame) Shown() *ShownTable { return df.shown }

// LastResult is the result of the query's latest batch that ran (the rows its sink
// received, as a static DataFrame, as the progress event's Result) and that batch's id;
// nil before the first. A live view that starts following a query late shows it.
func (sq *StreamingQuery) LastResult() (result *DataFrame, batchID int64) {
	b, id := sq.q.LastResult()
	if b == nil || sq.mgr == nil {
		return nil, 0
	}
	return &DataFrame{session: sq.mgr.session, plan: staticRelation(b)}, id
}
