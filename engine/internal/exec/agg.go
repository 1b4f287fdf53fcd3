package exec

import (
	"math"
	"sort"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/internal/plan"
	"github.com/runnel-go/runnel/engine/internal/runtime"
	"github.com/runnel-go/runnel/engine/internal/state"
	"github.com/runnel-go/runnel/engine/types"
)

// aggOp is hash aggregation. Over a stream its groups are state kept across batches and
// emitted per output mode. Grouping by window(ts, size, slide) aggregates per pane (a
// slice of gcd(size, slide)) and combines a window's panes when it is emitted, so a row
// costs one state update however many windows it falls in.
type aggOp struct {
	child     operator
	node      *plan.Aggregate
	streaming bool
	mode      string
	schema    *types.StructType

	keyEvals []plan.Evaluator // nil at the window key's index
	timeEval plan.Evaluator
	argEvals []plan.Evaluator // nil for count(*)
	table    *groupTable
	accs     []accumulator
	gids     []int32

	win      *plan.WindowKey
	pane     int64
	wmKey    int  // index of the key that carries a watermark, or -1
	late     bool // rows behind the watermark are dropped (a watermarked key, not in complete mode)
	evicting bool // the output mode lets state go once the watermark passes
	lastWm   int64

	dirty     []bool
	dirtyList []int32

	// State store bookkeeping (persist.go), used when the query has a checkpoint.
	persisting         bool
	keyCodec, valCodec *state.RowCodec
	changed            []int32
	removedKeys        [][]byte

	updated, removed, dropped int64

	session *sessionState
}

func newAggOp(child operator, n *plan.Aggregate, streaming bool, mode string, opts plan.Options) (*aggOp, error) {
	op := &aggOp{child: child, node: n, streaming: streaming, mode: mode, schema: n.Out, win: n.Window, wmKey: -1, lastWm: math.MinInt64}
	keyTypes := make([]types.DataType, len(n.Keys))
	for i, k := range n.Keys {
		if n.Window != nil && n.Window.Index == i {
			ev, err := plan.CompileWith(n.Window.Time, n.Child.Schema(), withQuals(opts, n.Child))
			if err != nil {
				return nil, err
			}
			op.timeEval = ev
			op.keyEvals = append(op.keyEvals, nil)
			keyTypes[i] = types.LongType
			continue
		}
		ev, err := plan.CompileWith(k, n.Child.Schema(), withQuals(opts, n.Child))
		if err != nil {
			return nil, err
		}
		op.keyEvals = append(op.keyEvals, ev)
		keyTypes[i] = ev.Type()
	}
	for _, a := range n.Aggs {
		acc, err := newAccumulator(a)
		if err != nil {
			return nil, err
		}
		op.accs = append(op.accs, acc)
		if a.Arg == nil {
			op.argEvals = append(op.argEvals, nil)
			continue
		}
		ev, err := plan.CompileWith(a.Arg, n.Child.Schema(), withQuals(opts, n.Child))
		if err != nil {
			return nil, err
		}
		op.argEvals = append(op.argEvals, ev)
	}
	if streaming {
		for i, w := range plan.EventTimeColumns(n)[:len(n.Keys)] {
			if w {
				op.wmKey = i
				break
			}
		}
		// Complete mode keeps every group and takes every row: the watermark neither
		// drops late rows nor evicts state there (Spark's StateStoreSaveExec).
		op.late = op.wmKey >= 0 && mode != plan.Complete
		op.evicting = op.late
	}
	if n.Window != nil && n.Window.Session {
		op.session = newSessionState(op, keyTypes)
		return op, nil
	}
	if n.Window != nil {
		op.pane = gcd(n.Window.Size, n.Window.Slide)
	}
	op.table = newGroupTable(keyTypes)
	return op, nil
}

func gcd(a, b int64) int64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// floorMod is the non-negative remainder, as window assignment needs for times before
// the epoch or before startTime.
func floorMod(a, m int64) int64 {
	r := a % m
	if r < 0 {
		r += m
	}
	return r
}

func (o *aggOp) paneOf(ts int64) int64 { return ts - floorMod(ts-o.win.Start, o.pane) }

// lastStart is the start of the latest window containing ts.
func (o *aggOp) lastStart(ts int64) int64 { return ts - floorMod(ts-o.win.Start, o.win.Slide) }

func (o *aggOp) run(c *Context) ([]*batch.Batch, error) {
	in, err := o.child.run(c)
	if err != nil {
		return nil, err
	}
	o.updated, o.removed, o.dropped = 0, 0, 0
	if o.session != nil {
		return o.session.run(c, in)
	}
	wm := c.Watermark
	var out []*batch.Batch
	if o.streaming && o.evicting && o.win != nil && o.mode == plan.Append {
		// Windows ending by this watermark get no more rows (this batch's rows for them
		// are late), so they are emitted from the state as it stands.
		if b := o.emitWindows(o.closedWindows(o.lastWm, wm)); b != nil {
			out = append(out, b)
		}
	}
	for _, b := range in {
		if err := o.consume(b, wm); err != nil {
			return nil, err
		}
	}
	var emitted *batch.Batch
	switch {
	case !o.streaming || o.mode == plan.Complete:
		emitted = o.emitAll()
	case o.mode == plan.Update:
		emitted = o.emitDirty(wm)
	case o.mode == plan.Append && o.win == nil:
		emitted = o.emitExpired(wm)
	}
	if emitted != nil {
		out = append(out, emitted)
	}
	if o.streaming && o.evicting {
		o.evict(wm)
	}
	o.lastWm = wm
	o.clearDirty()
	return out, nil
}

// consume adds a batch's rows to the groups.
func (o *aggOp) consume(b *batch.Batch, wm int64) error {
	n := b.N
	cols := make([]*batch.Vector, len(o.keyEvals))
	var skip []bool
	for i, ev := range o.keyEvals {
		if ev == nil {
			continue
		}
		v, err := ev.Eval(b)
		if err != nil {
			return err
		}
		cols[i] = v
	}
	if o.win != nil {
		tv, err := o.timeEval.Eval(b)
		if err != nil {
			return err
		}
		panes := batch.NewVector(types.LongType, n)
		panes.I64 = panes.I64[:n]
		panes.SetLen(n)
		skip = make([]bool, n)
		late := o.streaming && o.late
		for i := 0; i < n; i++ {
			if tv.IsNull(i) {
				skip[i] = true
				continue
			}
			ts := tv.I64[i]
			panes.I64[i] = o.paneOf(ts)
			if late {
				ls := o.lastStart(ts)
				if ls+o.win.Size <= wm {
					skip[i] = true
				}
				// Count each late (row, window) pair, as Spark drops expanded rows. Every
				// window of ts ends after ts, so a row at or past the watermark has none.
				if ts < wm {
					for s := ls; s+o.win.Size > ts; s -= o.win.Slide {
						if s+o.win.Size <= wm {
							o.dropped++
						}
					}
				}
			}
		}
		cols[o.win.Index] = panes
	} else if o.streaming && o.late {
		kv := cols[o.wmKey]
		if kv.Type.ID() == types.StructID {
			kv = kv.Children[1] // window.end
		}
		if ts := timeValues(kv); ts != nil {
			skip = make([]bool, n)
			for i := 0; i < n; i++ {
				if !kv.IsNull(i) && ts[i] <= wm {
					skip[i] = true
					o.dropped++
				}
			}
		}
	}
	if cap(o.gids) < n {
		o.gids = make([]int32, n)
	}
	gids := o.gids[:n]
	created := o.table.assign(cols, n, skip, gids)
	slots := o.table.slots()
	for _, a := range o.accs {
		a.grow(slots)
	}
	for _, g := range created {
		for _, a := range o.accs {
			a.reset(g)
		}
	}
	for i, a := range o.accs {
		var arg *batch.Vector
		if ev := o.argEvals[i]; ev != nil {
			v, err := ev.Eval(b)
			if err != nil {
				return err
			}
			arg = v
		}
		a.update(gids, arg)
	}
	if o.streaming {
		o.dirty = growTo(o.dirty, slots)
		for _, g := range gids {
			if g >= 0 && !o.dirty[g] {
				o.dirty[g] = true
				o.dirtyList = append(o.dirtyList, g)
			}
		}
	}
	return nil
}

func (o *aggOp) clearDirty() {
	o.changed = append(o.changed[:0], o.dirtyList...)
	for _, g := range o.dirtyList {
		o.dirty[g] = false
	}
	o.updated = int64(len(o.dirtyList))
	o.dirtyList = o.dirtyList[:0]
}

// build makes an output batch from group slots.
func (o *aggOp) build(slots []int32) *batch.Batch {
	idx := make([]int, len(slots))
	for i, g := range slots {
		idx[i] = int(g)
	}
	cols := make([]*batch.Vector, 0, len(o.schema.Fields))
	for _, k := range o.table.keys {
		cols = append(cols, k.Take(idx))
	}
	for _, a := range o.accs {
		cols = append(cols, a.result(slots))
	}
	return &batch.Batch{Schema: o.schema, Cols: cols, N: len(slots)}
}

func (o *aggOp) emitAll() *batch.Batch {
	if o.win != nil {
		if b := o.emitWindows(o.allWindows()); b != nil {
			return b
		}
		return batch.New(o.schema, 0)
	}
	slots := o.table.liveSlots()
	if len(o.node.Keys) == 0 && len(slots) == 0 {
		// A global aggregate over no rows still gives one row (count 0, sum null).
		o.table.assign(nil, 0, nil, nil)
		for _, a := range o.accs {
			a.grow(1)
			a.reset(0)
		}
		slots = []int32{0}
	}
	return o.build(slots)
}

func (o *aggOp) emitDirty(wm int64) *batch.Batch {
	if o.win != nil {
		return o.emitWindows(o.dirtyWindows(wm))
	}
	return o.build(append([]int32(nil), o.dirtyList...))
}

// keyTime is the event time of slot g's watermarked key.
func (o *aggOp) keyTime(g int32) (int64, bool) {
	k := o.table.keys[o.wmKey]
	if k.IsNull(int(g)) {
		return 0, false
	}
	if k.Type.ID() == types.StructID {
		// A window column: its end decides.
		return k.Children[1].I64[g], true
	}
	return k.I64[g], true
}

func (o *aggOp) emitExpired(wm int64) *batch.Batch {
	var slots []int32
	for _, g := range o.table.liveSlots() {
		if t, ok := o.keyTime(g); ok && t <= wm {
			slots = append(slots, g)
		}
	}
	return o.build(slots)
}

// evict drops state the watermark has passed: groups whose key time is at or below it,
// panes whose last window ended.
func (o *aggOp) evict(wm int64) {
	for _, g := range o.table.liveSlots() {
		if o.win != nil {
			p := o.table.keys[o.win.Index].I64[g]
			if o.lastStart(p)+o.win.Size <= wm {
				if o.persisting {
					o.removedKeys = append(o.removedKeys, o.slotKey(g))
				}
				o.table.remove(g)
				o.removed++
			}
			continue
		}
		if t, ok := o.keyTime(g); ok && t <= wm {
			if o.persisting {
				o.removedKeys = append(o.removedKeys, o.slotKey(g))
			}
			o.table.remove(g)
			o.removed++
		}
	}
}

func (o *aggOp) pendingEviction(wm int64) bool {
	if !o.evicting {
		return false
	}
	if o.session != nil {
		return o.session.pending(wm)
	}
	for _, g := range o.table.liveSlots() {
		if o.win != nil {
			// A window of this pane closes (its end passes into (lastWm, wm]) or the pane
			// is done: the earliest end above lastWm is at most wm.
			p := o.table.keys[o.win.Index].I64[g]
			first, last := o.firstStart(p)+o.win.Size, o.lastStart(p)+o.win.Size
			if last <= wm {
				return true
			}
			end := first
			if o.lastWm >= first {
				end = first + ((o.lastWm-first)/o.win.Slide+1)*o.win.Slide
			}
			if end <= last && end <= wm {
				return true
			}
			continue
		}
		if t, ok := o.keyTime(g); ok && t <= wm {
			return true
		}
	}
	return false
}

func (o *aggOp) progress() runtime.StateOperatorProgress {
	var live int
	var mem int64
	if o.session != nil {
		live, mem = o.session.size()
	} else {
		live = o.table.nLive
		per := int64(0)
		for _, a := range o.accs {
			per += a.bytesPerSlot()
		}
		mem = o.table.keyBytes() + int64(o.table.slots())*per
	}
	name := "stateStoreSave"
	if o.session != nil {
		name = "sessionWindowStateStoreSaveExec"
	}
	return runtime.StateOperatorProgress{
		OperatorName:              name,
		NumRowsTotal:              int64(live),
		NumRowsUpdated:            o.updated,
		NumRowsRemoved:            o.removed,
		NumRowsDroppedByWatermark: o.dropped,
		MemoryUsedBytes:           mem,
	}
}

// window identifies one output window: its start and a pane slot of its group whose key
// (besides the pane) names the group.
type window struct {
	start int64
	slot  int32
	group string
}

// firstStart is the start of the earliest window containing pane p (lastStart(p) is the
// latest): windows start on the slide grid and hold p while start + size > p.
func (o *aggOp) firstStart(p int64) int64 {
	last := o.lastStart(p)
	k := (last + o.win.Size - p + o.win.Slide - 1) / o.win.Slide // windows holding p
	return last - (k-1)*o.win.Slide
}

// collectWindows lists, once each, the windows holding any of the pane slots for which
// keep(end) holds, ordered by start and group. Per group the panes are visited in time
// order, so the windows come out in order without a set: the work is one step per window,
// not per (pane, window) pair.
func (o *aggOp) collectWindows(slots []int32, keep func(end int64) bool) []window {
	type pane struct {
		p    int64
		slot int32
	}
	multi := len(o.table.keys) > 1
	groups := map[string][]pane{}
	var order []string
	for _, g := range slots {
		grp := ""
		if multi {
			grp = o.table.otherKey(g, o.win.Index)
		}
		ps, ok := groups[grp]
		if !ok {
			order = append(order, grp)
		}
		groups[grp] = append(ps, pane{o.table.keys[o.win.Index].I64[g], g})
	}
	var out []window
	for _, grp := range order {
		ps := groups[grp]
		sort.Slice(ps, func(a, b int) bool { return ps[a].p < ps[b].p })
		next := int64(math.MinInt64) // the first window start not listed yet
		for _, pn := range ps {
			last := o.lastStart(pn.p)
			for s := max(o.firstStart(pn.p), next); s <= last; s += o.win.Slide {
				if keep(s + o.win.Size) {
					out = append(out, window{start: s, slot: pn.slot, group: grp})
				}
			}
			next = max(next, last+o.win.Slide)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].start != out[j].start {
			return out[i].start < out[j].start
		}
		return out[i].group < out[j].group
	})
	return out
}

func (o *aggOp) allWindows() []window {
	return o.collectWindows(o.table.liveSlots(), func(int64) bool { return true })
}

func (o *aggOp) dirtyWindows(wm int64) []window {
	return o.collectWindows(o.dirtyList, func(end int64) bool { return !o.late || end > wm })
}

func (o *aggOp) closedWindows(lastWm, wm int64) []window {
	if wm <= lastWm {
		return nil
	}
	return o.collectWindows(o.table.liveSlots(), func(end int64) bool { return end > lastWm && end <= wm })
}

// emitWindows combines each window's panes into one output row.
func (o *aggOp) emitWindows(ws []window) *batch.Batch {
	if len(ws) == 0 {
		return nil
	}
	outAccs := make([]accumulator, len(o.accs))
	for i, a := range o.node.Aggs {
		outAccs[i], _ = newAccumulator(a)
		outAccs[i].grow(len(ws))
		for j := range ws {
			outAccs[i].reset(int32(j))
		}
	}
	wt := plan.WindowType()
	wv := batch.NewVector(wt, len(ws))
	keyIdx := make([]int, len(ws))
	for j, w := range ws {
		keyIdx[j] = int(w.slot)
		wv.Append([]any{w.start, w.start + o.win.Size})
		for p := w.start; p < w.start+o.win.Size; p += o.pane {
			s := o.table.lookupWith(w.slot, o.win.Index, p)
			if s < 0 || !o.table.live[s] {
				continue
			}
			for i, a := range outAccs {
				a.merge(int32(j), o.accs[i], s)
			}
		}
	}
	slots := make([]int32, len(ws))
	for j := range slots {
		slots[j] = int32(j)
	}
	cols := make([]*batch.Vector, 0, len(o.schema.Fields))
	for k, kv := range o.table.keys {
		if k == o.win.Index {
			cols = append(cols, wv)
		} else {
			cols = append(cols, kv.Take(keyIdx))
		}
	}
	for _, a := range outAccs {
		cols = append(cols, a.result(slots))
	}
	return &batch.Batch{Schema: o.schema, Cols: cols, N: len(ws)}
}
