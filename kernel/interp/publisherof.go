package interp

import (
	"io"

	"github.com/runnel-go/runnel/kernel"
)

// PublisherOf returns the publisher of the cell that w, a CellWriter, writes to: rich
// output of work bound to that writer (a query's Show, on the query's goroutine) goes
// to the cell that started the work. ok is false for any other writer.
func (s *Session) PublisherOf(w io.Writer) (pub kernel.Publisher, ok bool) {
	cw, ok := w.(cellWriter)
	if !ok {
		return nil, false
	}
	return cellPublisher{cw.c}, true
}
