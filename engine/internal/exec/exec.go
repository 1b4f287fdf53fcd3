// Package exec runs logical plans over columnar batches: once over static data (Run), or
// incrementally, one micro-batch at a time with operator state kept between batches
// (Incremental, a runtime.Executor). Operators own no goroutines.
package exec

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"time"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/internal/plan"
	"github.com/runnel-go/runnel/engine/internal/runtime"
	"github.com/runnel-go/runnel/engine/internal/state"
	"github.com/runnel-go/runnel/engine/types"
)

// Context is what one run of the operator tree sees.
type Context struct {
	ctx context.Context
	// Sources holds each streaming source's new rows.
	Sources   [][]*batch.Batch
	Watermark int64
	Timestamp int64
	NoData    bool
	// maxEvent collects each watermark node's maximum event time of this run.
	maxEvent []runtime.EventTime
	stats    eventStats
}

type eventStats struct {
	min, max, sum, n int64
}

func (s *eventStats) add(ts []int64, nulls []bool) {
	for i, t := range ts {
		if nulls != nil && nulls[i] {
			continue
		}
		if s.n == 0 || t < s.min {
			s.min = t
		}
		if s.n == 0 || t > s.max {
			s.max = t
		}
		s.sum += t
		s.n++
	}
}

// operator produces the output of one run (one micro-batch, or the whole static input).
type operator interface {
	run(c *Context) ([]*batch.Batch, error)
}

// stateful operators report state for progress and pending evictions.
type stateful interface {
	progress() runtime.StateOperatorProgress
	pendingEviction(wm int64) bool
}

// builder turns a plan into operators.
type builder struct {
	streaming  bool
	mode       string
	sources    map[*plan.StreamSource]int
	watermarks map[*plan.Watermark]int
	stateful   []stateful
	opts       plan.Options
}

func (b *builder) build(n plan.Node) (operator, error) {
	opts := b.opts
	switch x := n.(type) {
	case *plan.Relation:
		return &relationOp{data: x.Data, schema: x.Out}, nil
	case *plan.StreamSource:
		i, ok := b.sources[x]
		if !ok {
			return nil, fmt.Errorf("streaming source %s is not part of this query", x.Format)
		}
		return &sourceOp{index: i, schema: x.Out}, nil
	case *plan.Project:
		child, err := b.build(x.Child)
		if err != nil {
			return nil, err
		}
		return newProjectOp(child, x, opts)
	case *plan.Filter:
		child, err := b.build(x.Child)
		if err != nil {
			return nil, err
		}
		ev, err := plan.CompileWith(x.Cond, x.Child.Schema(), withQuals(opts, x.Child))
		if err != nil {
			return nil, err
		}
		return &filterOp{child: child, cond: ev}, nil
	case *plan.Generate:
		child, err := b.build(x.Child)
		if err != nil {
			return nil, err
		}
		ev, err := plan.CompileWith(x.Arg, x.Child.Schema(), withQuals(opts, x.Child))
		if err != nil {
			return nil, err
		}
		return &generateOp{child: child, arg: ev, node: x}, nil
	case *plan.Union:
		op := &unionOp{}
		for _, in := range x.Inputs {
			c, err := b.build(in)
			if err != nil {
				return nil, err
			}
			op.inputs = append(op.inputs, c)
		}
		op.schema = x.Out
		return op, nil
	case *plan.SubqueryAlias:
		return b.build(x.Child)
	case *plan.Watermark:
		child, err := b.build(x.Child)
		if err != nil {
			return nil, err
		}
		return &watermarkOp{child: child, col: x.Schema().FieldIndex(x.Column), index: b.watermarks[x]}, nil
	case *plan.Sort:
		child, err := b.build(x.Child)
		if err != nil {
			return nil, err
		}
		return newSortOp(child, x, opts)
	case *plan.Limit:
		child, err := b.build(x.Child)
		if err != nil {
			return nil, err
		}
		op := &limitOp{child: child, n: x.N, global: b.streaming && b.mode == plan.Append && plan.IsStreaming(x.Child), schema: x.Schema()}
		if op.global {
			b.stateful = append(b.stateful, op)
		}
		return op, nil
	case *plan.Aggregate:
		child, err := b.build(x.Child)
		if err != nil {
			return nil, err
		}
		op, err := newAggOp(child, x, b.streaming && plan.IsStreaming(x.Child), b.mode, opts)
		if err != nil {
			return nil, err
		}
		if op.streaming {
			b.stateful = append(b.stateful, op)
		}
		return op, nil
	case *plan.Deduplicate:
		child, err := b.build(x.Child)
		if err != nil {
			return nil, err
		}
		op := newDedupeOp(child, x, b.streaming && plan.IsStreaming(x.Child))
		if op.streaming {
			b.stateful = append(b.stateful, op)
		}
		return op, nil
	case *plan.Join:
		l, err := b.build(x.Left)
		if err != nil {
			return nil, err
		}
		r, err := b.build(x.Right)
		if err != nil {
			return nil, err
		}
		op, err := newJoinOp(l, r, x, b.streaming, opts)
		if err != nil {
			return nil, err
		}
		if op.streamStream {
			b.stateful = append(b.stateful, op)
		}
		return op, nil
	}
	return nil, fmt.Errorf("exec: no operator for %s", n.Name())
}

// Options are the session settings a run needs.
type Options struct {
	// Location is the session time zone.
	Location *time.Location
	// CheckpointDir is the query's checkpoint; stateful operators keep their state under
	// its state/<operator>/0 directories. "" keeps state in memory only.
	CheckpointDir string
}

// Run executes a static plan and returns its rows as one batch.
func Run(ctx context.Context, root plan.Node, o Options) (*batch.Batch, error) {
	if plan.IsStreaming(root) {
		return nil, plan.ErrStreamingAction
	}
	now := time.Now()
	b := &builder{opts: plan.Options{Location: o.Location, Now: func() time.Time { return now }, Seed: now.UnixNano()}}
	op, err := b.build(root)
	if err != nil {
		return nil, err
	}
	c := &Context{ctx: ctx}
	out, err := op.run(c)
	if err != nil {
		return nil, err
	}
	return concat(root.Schema(), out), nil
}

func concat(schema *types.StructType, bs []*batch.Batch) *batch.Batch {
	var nonEmpty []*batch.Batch
	for _, b := range bs {
		if b != nil && b.N > 0 {
			nonEmpty = append(nonEmpty, b)
		}
	}
	if len(nonEmpty) == 0 {
		return batch.New(schema, 0)
	}
	out := batch.Concat(schema, nonEmpty)
	if out.Schema != schema {
		out = &batch.Batch{Schema: schema, Cols: out.Cols, N: out.N}
	}
	return out
}

// Incremental runs a streaming plan one micro-batch at a time; it implements
// runtime.Executor.
type Incremental struct {
	root     operator
	schema   *types.StructType
	delays   []int64
	nSources int
	stateful []stateful
	// now is the running batch's timestamp in micros, for current_timestamp().
	now int64

	stateDir string
	stores   []*state.Store // one per stateful operator, opened at the first batch
}

var _ runtime.Executor = (*Incremental)(nil)

// NewIncremental prepares root for micro-batch execution in output mode (plan.Append,
// plan.Update or plan.Complete). sources gives the query's source order (plan.Sources).
func NewIncremental(root plan.Node, mode string, sources []*plan.StreamSource, o Options) (*Incremental, error) {
	inc := &Incremental{schema: root.Schema(), nSources: len(sources)}
	b := &builder{streaming: true, mode: mode, sources: map[*plan.StreamSource]int{}, watermarks: map[*plan.Watermark]int{},
		opts: plan.Options{Location: o.Location, Now: func() time.Time { return time.UnixMicro(inc.now) }, Seed: time.Now().UnixNano()}}
	for i, s := range sources {
		b.sources[s] = i
	}
	for i, w := range plan.Watermarks(root) {
		b.watermarks[w] = i
		inc.delays = append(inc.delays, w.DelayMicros)
	}
	op, err := b.build(root)
	if err != nil {
		return nil, err
	}
	inc.root = op
	inc.stateful = b.stateful
	if o.CheckpointDir != "" {
		inc.stateDir = filepath.Join(o.CheckpointDir, "state")
		for _, s := range inc.stateful {
			setPersisting(s)
		}
	}
	return inc, nil
}

// Schema is the schema of each batch's result.
func (e *Incremental) Schema() *types.StructType { return e.schema }

// WatermarkDelays implements runtime.Executor.
func (e *Incremental) WatermarkDelays() []int64 { return e.delays }

// HasPendingEviction implements runtime.Executor.
func (e *Incremental) HasPendingEviction(wm int64) bool {
	for _, s := range e.stateful {
		if s.pendingEviction(wm) {
			return true
		}
	}
	return false
}

// RunBatch implements runtime.Executor.
func (e *Incremental) RunBatch(ctx context.Context, in runtime.BatchInput) (runtime.BatchOutput, error) {
	e.now = in.TimestampMicros
	c := &Context{
		ctx:       ctx,
		Sources:   in.Sources,
		Watermark: in.WatermarkMicros,
		Timestamp: in.TimestampMicros,
		NoData:    in.NoData,
		maxEvent:  make([]runtime.EventTime, len(e.delays)),
	}
	for len(c.Sources) < e.nSources {
		c.Sources = append(c.Sources, nil)
	}
	if e.stateDir != "" && e.stores == nil {
		if err := e.openState(in.BatchID); err != nil {
			return runtime.BatchOutput{}, err
		}
	}
	out, err := e.root.run(c)
	if err != nil {
		return runtime.BatchOutput{}, err
	}
	for i, st := range e.stores {
		e.stateful[i].(persistent).persist(st)
		if _, err := st.Commit(); err != nil {
			return runtime.BatchOutput{}, fmt.Errorf("committing state of batch %d: %w", in.BatchID, err)
		}
	}
	res := runtime.BatchOutput{Result: concat(e.schema, out), MaxEventTime: c.maxEvent}
	if len(e.delays) > 0 && c.stats.n > 0 {
		res.EventTimeStats = &runtime.EventTimeStats{Min: c.stats.min, Max: c.stats.max, Avg: c.stats.sum / c.stats.n}
	}
	for _, s := range e.stateful {
		res.StateOps = append(res.StateOps, s.progress())
	}
	return res, nil
}

func setPersisting(s stateful) {
	switch o := s.(type) {
	case *aggOp:
		o.persisting = true
	case *dedupeOp:
		o.persisting = true
	}
}

// openState opens each stateful operator's store and, when the query resumes at batch
// first, loads the state that batch starts from (version first) into the operator.
func (e *Incremental) openState(first int64) error {
	stores := make([]*state.Store, len(e.stateful))
	for i, s := range e.stateful {
		st, err := state.Open(filepath.Join(e.stateDir, strconv.Itoa(i), "0"), state.Options{})
		if err != nil {
			return err
		}
		if first > 0 {
			if err := st.Load(first); err != nil {
				return fmt.Errorf("loading state of operator %d for batch %d: %w", i, first, err)
			}
			if err := s.(persistent).restore(st); err != nil {
				return err
			}
		}
		stores[i] = st
	}
	e.stores = stores
	return nil
}

// withQuals gives opts the qualifiers of node's columns, for expressions over its output.
func withQuals(opts plan.Options, node plan.Node) plan.Options {
	opts.Qualifiers = plan.Qualifiers(node)
	return opts
}
