package exec

import (
	"sort"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/internal/plan"
	"github.com/runnel-go/runnel/engine/types"
)

// sessionState aggregates by session_window(ts, gap): per group of the other keys, a list
// of sessions sorted by start; a row opens [ts, ts+gap) and merges every session it
// overlaps.
type sessionState struct {
	op     *aggOp
	others *groupTable // the grouping keys besides the session window
	idx    []int       // positions of the other keys among the Aggregate's keys
	groups [][]*session
	free   []int32
	nSlots int
	live   int
}

type session struct {
	start, end int64
	slot       int32
	group      int32
	parent     *session
}

func (s *session) root() *session {
	for s.parent != nil {
		s = s.parent
	}
	return s
}

func newSessionState(op *aggOp, keyTypes []types.DataType) *sessionState {
	st := &sessionState{op: op}
	var ot []types.DataType
	for i, t := range keyTypes {
		if i != op.win.Index {
			ot = append(ot, t)
			st.idx = append(st.idx, i)
		}
	}
	st.others = newGroupTable(ot)
	return st
}

func (st *sessionState) newSlot() int32 {
	var g int32
	if n := len(st.free); n > 0 {
		g = st.free[n-1]
		st.free = st.free[:n-1]
	} else {
		g = int32(st.nSlots)
		st.nSlots++
		for _, a := range st.op.accs {
			a.grow(st.nSlots)
		}
	}
	for _, a := range st.op.accs {
		a.reset(g)
	}
	st.live++
	return g
}

func (st *sessionState) release(s *session) {
	st.free = append(st.free, s.slot)
	st.live--
}

func (st *sessionState) run(c *Context, in []*batch.Batch) ([]*batch.Batch, error) {
	op := st.op
	wm := c.Watermark
	for _, b := range in {
		if err := st.consume(b, wm); err != nil {
			return nil, err
		}
	}
	var emit []*session
	switch {
	case !op.streaming || op.mode == plan.Complete:
		emit = st.all(func(*session) bool { return true })
	case op.mode == plan.Append:
		emit = st.all(func(s *session) bool { return s.end <= wm })
	}
	out := st.build(emit)
	if op.streaming && op.evicting {
		for g, list := range st.groups {
			kept := list[:0]
			for _, s := range list {
				if s.end <= wm {
					st.release(s)
					op.removed++
					continue
				}
				kept = append(kept, s)
			}
			st.groups[g] = kept
		}
	}
	op.lastWm = wm
	if out == nil {
		return nil, nil
	}
	return []*batch.Batch{out}, nil
}

func (st *sessionState) consume(b *batch.Batch, wm int64) error {
	op := st.op
	n := b.N
	cols := make([]*batch.Vector, len(st.idx))
	for j, i := range st.idx {
		v, err := op.keyEvals[i].Eval(b)
		if err != nil {
			return err
		}
		cols[j] = v
	}
	tv, err := op.timeEval.Eval(b)
	if err != nil {
		return err
	}
	gap := op.win.Gap
	skip := make([]bool, n)
	for i := 0; i < n; i++ {
		if tv.IsNull(i) {
			skip[i] = true
		} else if op.streaming && op.late && tv.I64[i]+gap <= wm {
			skip[i] = true
			op.dropped++
		}
	}
	ogs := make([]int32, n)
	st.others.assign(cols, n, skip, ogs)
	for len(st.groups) < st.others.slots() {
		st.groups = append(st.groups, nil)
	}
	rowSess := make([]*session, n)
	for i := 0; i < n; i++ {
		g := ogs[i]
		if g < 0 {
			continue
		}
		ts := tv.I64[i]
		lo, hi := ts, ts+gap
		list := st.groups[g]
		var target *session
		kept := list[:0]
		for _, s := range list {
			if s.start <= hi && lo <= s.end {
				if target == nil {
					target = s
				} else {
					for _, a := range op.accs {
						a.merge(target.slot, a, s.slot)
					}
					target.start, target.end = min(target.start, s.start), max(target.end, s.end)
					s.parent = target
					st.release(s)
					continue
				}
			}
			kept = append(kept, s)
		}
		list = kept
		if target == nil {
			target = &session{start: lo, end: hi, slot: st.newSlot(), group: g}
			list = append(list, target)
		} else {
			target.start, target.end = min(target.start, lo), max(target.end, hi)
		}
		sortSessions(list)
		st.groups[g] = list
		rowSess[i] = target
	}
	gids := make([]int32, n)
	for i, s := range rowSess {
		if s == nil {
			gids[i] = -1
		} else {
			gids[i] = s.root().slot
		}
	}
	for i, a := range op.accs {
		var arg *batch.Vector
		if ev := op.argEvals[i]; ev != nil {
			v, err := ev.Eval(b)
			if err != nil {
				return err
			}
			arg = v
		}
		a.update(gids, arg)
	}
	if op.streaming {
		op.updated += int64(n)
	}
	return nil
}

func (st *sessionState) all(keep func(*session) bool) []*session {
	var out []*session
	for _, list := range st.groups {
		for _, s := range list {
			if keep(s) {
				out = append(out, s)
			}
		}
	}
	return out
}

func (st *sessionState) build(ss []*session) *batch.Batch {
	op := st.op
	if len(ss) == 0 {
		if !op.streaming {
			return batch.New(op.schema, 0)
		}
		return nil
	}
	wv := batch.NewVector(plan.WindowType(), len(ss))
	gidx := make([]int, len(ss))
	slots := make([]int32, len(ss))
	for j, s := range ss {
		wv.Append([]any{s.start, s.end})
		gidx[j] = int(s.group)
		slots[j] = s.slot
	}
	cols := make([]*batch.Vector, 0, len(op.schema.Fields))
	o := 0
	for k := range op.node.Keys {
		if k == op.win.Index {
			cols = append(cols, wv)
			continue
		}
		cols = append(cols, st.others.keys[o].Take(gidx))
		o++
	}
	for _, a := range op.accs {
		cols = append(cols, a.result(slots))
	}
	return &batch.Batch{Schema: op.schema, Cols: cols, N: len(ss)}
}

func (st *sessionState) pending(wm int64) bool {
	for _, list := range st.groups {
		for _, s := range list {
			if s.end <= wm {
				return true
			}
		}
	}
	return false
}

func (st *sessionState) size() (int, int64) {
	per := int64(48)
	for _, a := range st.op.accs {
		per += a.bytesPerSlot()
	}
	return st.live, int64(st.nSlots)*per + st.others.keyBytes()
}

func sortSessions(list []*session) {
	sort.Slice(list, func(a, b int) bool { return list[a].start < list[b].start })
}
