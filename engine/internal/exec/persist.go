package exec

import (
	"encoding/binary"
	"fmt"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/internal/runtime"
	"github.com/runnel-go/runnel/engine/internal/state"
	"github.com/runnel-go/runnel/engine/types"
)

// Stateful operators keep their state in typed memory and, when the query has a
// checkpoint, write each batch's changes to a state.Store (one per operator, committed as
// version batchID+1) from which a restarted query rebuilds them. Keys in a store start
// with a tag byte: 'k' a group or row, 'w' the last watermark.

// persistent is a stateful operator whose state survives restarts.
type persistent interface {
	stateful
	// restore rebuilds the operator's state from a store just loaded.
	restore(st *state.Store) error
	// persist writes the changes of the batch just run (the caller commits).
	persist(st *state.Store)
}

func int64Bytes(tag byte, x int64) []byte {
	return binary.LittleEndian.AppendUint64([]byte{tag}, uint64(x))
}

func readInt64(b []byte) int64 { return int64(binary.LittleEndian.Uint64(b)) }

// --- hash aggregation -----------------------------------------------------------------

func (o *aggOp) codecs() (*state.RowCodec, *state.RowCodec) {
	if o.keyCodec == nil {
		o.keyCodec = state.NewValueCodec(o.table.keyType)
		var vt []types.DataType
		for _, a := range o.accs {
			vt = append(vt, a.stateTypes()...)
		}
		o.valCodec = state.NewValueCodec(vt)
	}
	return o.keyCodec, o.valCodec
}

func (o *aggOp) slotKey(g int32) []byte {
	kc, _ := o.codecs()
	return kc.AppendVectors([]byte{'k'}, o.table.keys, int(g))
}

func (o *aggOp) persist(st *state.Store) {
	if o.session != nil {
		o.session.persist(st)
		return
	}
	_, vc := o.codecs()
	for _, k := range o.removedKeys {
		st.Remove(k)
	}
	o.removedKeys = o.removedKeys[:0]
	vals := make([]any, 0, 8)
	for _, g := range o.changed {
		if !o.table.live[g] {
			continue
		}
		vals = vals[:0]
		for _, a := range o.accs {
			vals = a.save(g, vals)
		}
		st.Put(o.slotKey(g), vc.AppendRow(nil, vals))
	}
	st.Put([]byte{'w'}, int64Bytes('w', o.lastWm)[1:])
}

func (o *aggOp) restore(st *state.Store) error {
	if o.session != nil {
		return o.session.restore(st)
	}
	kc, vc := o.codecs()
	keyCols := make([]*batch.Vector, len(o.table.keyType))
	for i, t := range o.table.keyType {
		keyCols[i] = batch.NewVector(t, 16)
	}
	var rows [][]any
	var err error
	st.Iterate(func(key, value []byte) bool {
		switch key[0] {
		case 'k':
			if err = kc.DecodeAppend(key[1:], keyCols); err != nil {
				return false
			}
			var vals []any
			if vals, err = vc.Decode(value); err != nil {
				return false
			}
			rows = append(rows, vals)
		case 'w':
			o.lastWm = readInt64(value)
		}
		return true
	})
	if err != nil {
		return fmt.Errorf("restoring aggregation state: %w", err)
	}
	n := len(rows)
	gids := make([]int32, n)
	created := o.table.assign(keyCols, n, nil, gids)
	for _, a := range o.accs {
		a.grow(o.table.slots())
	}
	for _, g := range created {
		for _, a := range o.accs {
			a.reset(g)
		}
	}
	for r, g := range gids {
		vals := rows[r]
		for _, a := range o.accs {
			k := len(a.stateTypes())
			a.load(g, vals[:k])
			vals = vals[k:]
		}
	}
	return nil
}

// --- session windows ------------------------------------------------------------------

func (st *sessionState) valueTypes() []types.DataType {
	vt := append([]types.DataType{}, st.others.keyType...)
	vt = append(vt, types.LongType, types.LongType)
	for _, a := range st.op.accs {
		vt = append(vt, a.stateTypes()...)
	}
	return vt
}

// persist rewrites the sessions: they merge and move, so the store holds exactly the
// sessions alive after the batch.
func (st *sessionState) persist(s *state.Store) {
	vc := state.NewValueCodec(st.valueTypes())
	s.Iterate(func(key, _ []byte) bool {
		s.Remove(key)
		return true
	})
	i := int64(0)
	for g, list := range st.groups {
		for _, ses := range list {
			var vals []any
			for _, k := range st.others.keys {
				vals = append(vals, k.Get(g))
			}
			vals = append(vals, ses.start, ses.end)
			for _, a := range st.op.accs {
				vals = a.save(ses.slot, vals)
			}
			s.Put(int64Bytes('k', i), vc.AppendRow(nil, vals))
			i++
		}
	}
	s.Put([]byte{'w'}, int64Bytes('w', st.op.lastWm)[1:])
}

func (st *sessionState) restore(s *state.Store) error {
	vc := state.NewValueCodec(st.valueTypes())
	nk := len(st.others.keyType)
	var err error
	s.Iterate(func(key, value []byte) bool {
		if key[0] == 'w' {
			st.op.lastWm = readInt64(value)
			return true
		}
		var vals []any
		if vals, err = vc.Decode(value); err != nil {
			return false
		}
		cols := make([]*batch.Vector, nk)
		for i, t := range st.others.keyType {
			cols[i] = batch.NewVector(t, 1)
			cols[i].Append(vals[i])
		}
		g := make([]int32, 1)
		st.others.assign(cols, 1, nil, g)
		for len(st.groups) < st.others.slots() {
			st.groups = append(st.groups, nil)
		}
		ses := &session{start: vals[nk].(int64), end: vals[nk+1].(int64), slot: st.newSlot(), group: g[0]}
		rest := vals[nk+2:]
		for _, a := range st.op.accs {
			k := len(a.stateTypes())
			a.load(ses.slot, rest[:k])
			rest = rest[k:]
		}
		st.groups[g[0]] = append(st.groups[g[0]], ses)
		return true
	})
	if err != nil {
		return fmt.Errorf("restoring session window state: %w", err)
	}
	for _, list := range st.groups {
		sortSessions(list)
	}
	return nil
}

// --- deduplication --------------------------------------------------------------------

func (o *dedupeOp) persist(st *state.Store) {
	for _, k := range o.added {
		st.Put(append([]byte{'k'}, k...), int64Bytes('t', o.seen[k])[1:])
	}
	for _, k := range o.evicted {
		st.Remove(append([]byte{'k'}, k...))
	}
	o.added, o.evicted = o.added[:0], o.evicted[:0]
}

func (o *dedupeOp) restore(st *state.Store) error {
	st.Iterate(func(key, value []byte) bool {
		if key[0] == 'k' {
			k := string(key[1:])
			o.seen[k] = readInt64(value)
			o.mem += int64(len(k)) + 48
		}
		return true
	})
	return nil
}

// --- stream-stream joins --------------------------------------------------------------

// persist rewrites both sides' buffered rows with their matched flags.
func (o *joinOp) persist(st *state.Store) {
	st.Iterate(func(key, _ []byte) bool {
		st.Remove(key)
		return true
	})
	for side := 0; side < 2; side++ {
		b := o.buf[side]
		vc := state.NewValueCodec(append(state.FieldTypes(b.Schema), types.BooleanType))
		for i := 0; i < b.N; i++ {
			row := append(b.Row(i), o.matched[side][i])
			st.Put(int64Bytes(byte('L'+side*('R'-'L')), int64(i)), vc.AppendRow(nil, row))
		}
	}
}

func (o *joinOp) restore(st *state.Store) error {
	rows := [2]map[int64][]any{{}, {}}
	var err error
	st.Iterate(func(key, value []byte) bool {
		side := 0
		if key[0] == 'R' {
			side = 1
		}
		vc := state.NewValueCodec(append(state.FieldTypes(o.buf[side].Schema), types.BooleanType))
		var vals []any
		if vals, err = vc.Decode(value); err != nil {
			return false
		}
		rows[side][readInt64(key[1:])] = vals
		return true
	})
	if err != nil {
		return fmt.Errorf("restoring join state: %w", err)
	}
	for side := 0; side < 2; side++ {
		b := batch.New(o.buf[side].Schema, len(rows[side]))
		m := make([]bool, len(rows[side]))
		for i := int64(0); i < int64(len(rows[side])); i++ {
			r := rows[side][i]
			b.AppendRow(r[:len(r)-1])
			m[i] = r[len(r)-1].(bool)
		}
		o.buf[side], o.matched[side] = b, m
	}
	return nil
}

// --- streaming global limit -----------------------------------------------------------

func (o *limitOp) persist(st *state.Store) { st.Put([]byte{'n'}, int64Bytes('n', int64(o.seen))[1:]) }

func (o *limitOp) restore(st *state.Store) error {
	if v, ok := st.Get([]byte{'n'}); ok {
		o.seen = int(readInt64(v))
	}
	return nil
}

func (o *limitOp) pendingEviction(int64) bool { return false }

func (o *limitOp) progress() runtime.StateOperatorProgress {
	return runtime.StateOperatorProgress{OperatorName: "globalLimit", NumRowsTotal: 1, NumRowsUpdated: 1, MemoryUsedBytes: 8}
}

var (
	_ persistent = (*limitOp)(nil)
	_ persistent = (*aggOp)(nil)
	_ persistent = (*dedupeOp)(nil)
	_ persistent = (*joinOp)(nil)
)
