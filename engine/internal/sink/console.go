// Package sink holds the simple streaming sinks: console and memory. (The file sinks are in
// sink/file.) Each implements runtime.Sink and skips a batch id it already has, so a batch
// replayed after a restart is not shown or stored twice.
package sink

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/internal/runtime"
	"github.com/runnel-go/runnel/engine/internal/show"
	"github.com/runnel-go/runnel/engine/types"
)

// Console is Spark's console sink: for each batch, a banner ("Batch: N" between two lines of
// 43 dashes) and the batch shown as Dataset.show(numRows, truncate) would.
type Console struct {
	w        io.Writer
	schema   *types.StructType
	numRows  int
	truncate int
	loc      *time.Location

	mu   sync.Mutex
	last int64 // the last batch id written; -1 before any
}

var _ runtime.Sink = (*Console)(nil)

// NewConsole returns a console sink writing to w the rows of schema. Options (keys in any
// case): numRows (default 20) and truncate (default true: cells cut to 20 characters).
// Timestamps print in loc (nil: UTC).
func NewConsole(w io.Writer, schema *types.StructType, options map[string]string, loc *time.Location) (*Console, error) {
	c := &Console{w: w, schema: schema, numRows: 20, truncate: 20, loc: loc, last: -1}
	for k, v := range options {
		switch strings.ToLower(k) {
		case "numrows":
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				return nil, fmt.Errorf("For input string: %q", v)
			}
			c.numRows = n
		case "truncate":
			switch strings.ToLower(strings.TrimSpace(v)) {
			case "true":
				c.truncate = 20
			case "false":
				c.truncate = 0
			default:
				return nil, fmt.Errorf("For input string: %q", v)
			}
		}
	}
	return c, nil
}

// banner is the line of dashes around "Batch: N".
const banner = "-------------------------------------------\n"

// AddBatch writes the batch (nil is an empty batch: the header alone). The text goes to
// the writer in a single Write.
func (c *Console) AddBatch(_ context.Context, batchID int64, data *batch.Batch) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if batchID <= c.last {
		return nil
	}
	if data == nil {
		data = batch.New(c.schema, 0)
	}
	var b strings.Builder
	b.WriteString(banner)
	b.WriteString("Batch: ")
	b.WriteString(strconv.FormatInt(batchID, 10))
	b.WriteByte('\n')
	b.WriteString(banner)
	b.WriteString(show.Table(data, c.numRows, c.truncate, c.loc))
	if _, err := io.WriteString(c.w, b.String()); err != nil {
		return fmt.Errorf("console sink: writing batch %d: %w", batchID, err)
	}
	c.last = batchID
	return nil
}

// Description is the sink's description in progress reports, as Spark's ConsoleTable
// object prints itself.
func (c *Console) Description() string {
	return "org.apache.spark.sql.execution.streaming.ConsoleTable$"
}
