package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/internal/expr"
	"github.com/runnel-go/runnel/engine/internal/plan"
	"github.com/runnel-go/runnel/engine/internal/runtime"
)

// This file holds what the writer does differently for Trigger.Continuous: Spark's
// checks of the plan and the sink, and the sinks that take rows as soon as they are
// computed. The runtime's continuous driver runs the query.

// checkContinuousSink applies Spark's sink rules for a continuous trigger: foreachBatch
// is refused by the writer, file sinks (v1 sinks) fall to the micro-batch engine, which
// does not know the trigger. Console, memory, foreach, Kafka and noop are allowed.
func checkContinuousSink(format string, intervalMicros int64) error {
	switch format {
	case "foreachBatch":
		return errors.New("'foreachBatch' is not supported with continuous trigger")
	case "csv", "json", "parquet":
		return fmt.Errorf("Unknown type of trigger: ContinuousTrigger(%d)", intervalMicros/1000)
	}
	return nil
}

// checkContinuous allows only map-like operations, as Spark's
// UnsupportedOperationChecker.checkForContinuous: it visits the plan bottom-up and
// names the first node that is not a projection, a filter, an alias or a continuous
// source (file sources are v1 StreamingRelations, so they are refused too), then refuses
// current time functions.
func checkContinuous(p plan.Node) error {
	var err error
	var visit func(n plan.Node)
	visit = func(n plan.Node) {
		for _, c := range n.Children() {
			if visit(c); err != nil {
				return
			}
		}
		var exprs []expr.Node
		switch n := n.(type) {
		case *plan.Project:
			exprs = n.Exprs
		case *plan.Filter:
			exprs = []expr.Node{n.Cond}
		case *plan.SubqueryAlias:
		case *plan.StreamSource:
			if n.Format != "rate" && n.Format != "socket" && n.Format != "kafka" {
				err = errors.New("Continuous processing does not support StreamingRelation operations.")
				return
			}
		case *plan.Generate:
			// A tumbling window() in a projection is a projection and a filter in Spark;
			// a sliding one expands rows.
			if n.Func != "window" || n.Window == nil || n.Window.Size != n.Window.Slide {
				name := "Generate"
				if n.Func == "window" {
					name = "Expand"
				}
				err = fmt.Errorf("Continuous processing does not support %s operations.", name)
				return
			}
			exprs = []expr.Node{n.Arg}
		case *plan.Limit:
			// Spark's limit is GlobalLimit over LocalLimit: the lower one is met first.
			err = errors.New("Continuous processing does not support LocalLimit operations.")
			return
		default:
			err = fmt.Errorf("Continuous processing does not support %s operations.", n.Name())
			return
		}
		for _, e := range exprs {
			if usesCurrentTime(e) {
				err = errors.New("Continuous processing does not support current time operations.")
				return
			}
		}
	}
	visit(p)
	return err
}

// usesCurrentTime reports whether e calls current_timestamp(), current_date() or the like.
func usesCurrentTime(e expr.Node) bool {
	if e == nil {
		return false
	}
	if c, ok := e.(*expr.Call); ok {
		switch c.Name {
		case "current_timestamp", "now", "localtimestamp", "current_date", "curdate":
			return true
		}
	}
	for _, c := range e.Children() {
		if usesCurrentTime(c) {
			return true
		}
	}
	return false
}

// continuousForeach is the foreach sink of a continuous query: each row goes to the
// user's function as soon as it is computed.
type continuousForeach struct {
	out io.Writer
	loc *time.Location
	fn  func(Row) error
}

var _ runtime.ContinuousSink = (*continuousForeach)(nil)

func (f *continuousForeach) WriteRows(ctx context.Context, _ int64, data *batch.Batch) error {
	rows := rowsOf(data, f.loc)
	return callUser(ctx, f.out, "foreach", func() error {
		for _, r := range rows {
			if err := f.fn(r); err != nil {
				return err
			}
		}
		return nil
	})
}

func (f *continuousForeach) CommitEpoch(context.Context, int64) error { return nil }

func (f *continuousForeach) AddBatch(ctx context.Context, epoch int64, data *batch.Batch) error {
	return f.WriteRows(ctx, epoch, data)
}

func (f *continuousForeach) Description() string { return "ForeachSink" }

// noopContinuous is the noop sink of a continuous query.
type noopContinuous struct{}

var _ runtime.ContinuousSink = noopContinuous{}

func (noopContinuous) WriteRows(context.Context, int64, *batch.Batch) error { return nil }
func (noopContinuous) CommitEpoch(context.Context, int64) error             { return nil }
func (noopContinuous) AddBatch(context.Context, int64, *batch.Batch) error  { return nil }
func (noopContinuous) Description() string                                  { return "NoopSink" }

// continuousSink returns the sink a continuous query uses instead of the micro-batch
// one, or nil to keep it (console and memory get whole epochs; Kafka writes rows as they
// come by itself).
func continuousSink(format string, w *DataStreamWriter, out io.Writer, loc *time.Location) runtime.Sink {
	switch format {
	case "foreach":
		return &continuousForeach{out: out, loc: loc, fn: w.foreach}
	case "noop":
		return noopContinuous{}
	}
	return nil
}
