package exec

import (
	"encoding/binary"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/types"
)

type keyKind int

const (
	kindNone keyKind = iota // no keys: one global group
	kindString
	kindLong
	kindInt
	kindPair // two integral keys (long, timestamp, integer, date): a window pane and a key
	kindComposite
)

// pairKey is a kindPair key: both values widened to int64, and which are null.
type pairKey struct {
	a, b  int64
	nulls uint8
}

func integral(t types.DataType) bool {
	switch t.ID() {
	case types.LongID, types.TimestampID, types.IntegerID, types.DateID:
		return true
	}
	return false
}

// intAt reads row i of an integral vector as int64 (0 for null).
func intAt(v *batch.Vector, i int) int64 {
	switch v.Type.ID() {
	case types.IntegerID, types.DateID:
		return int64(v.I32[i])
	}
	return v.I64[i]
}

// groupTable maps grouping keys to dense group slots. A single string, long/timestamp or
// integer/date key uses a map on that Go type, two integral keys a map on the pair;
// other keys are encoded to bytes. Key values
// are kept column by column, one row per slot; evicted slots are reused.
type groupTable struct {
	kind    keyKind
	keys    []*batch.Vector
	strMap  map[string]int32
	i64Map  map[int64]int32
	i32Map  map[int32]int32
	pairMap map[pairKey]int32
	nullID  int32 // slot of the null key for single-key tables, -1 if none
	free    []int32
	live    []bool
	nLive   int
	buf     []byte
	keyType []types.DataType
}

func newGroupTable(keyTypes []types.DataType) *groupTable {
	t := &groupTable{nullID: -1, keyType: keyTypes}
	for _, kt := range keyTypes {
		t.keys = append(t.keys, batch.NewVector(kt, 16))
	}
	switch {
	case len(keyTypes) == 0:
		t.kind = kindNone
	case len(keyTypes) == 1 && keyTypes[0].ID() == types.StringID:
		t.kind = kindString
		t.strMap = map[string]int32{}
	case len(keyTypes) == 1 && (keyTypes[0].ID() == types.LongID || keyTypes[0].ID() == types.TimestampID):
		t.kind = kindLong
		t.i64Map = map[int64]int32{}
	case len(keyTypes) == 1 && (keyTypes[0].ID() == types.IntegerID || keyTypes[0].ID() == types.DateID):
		t.kind = kindInt
		t.i32Map = map[int32]int32{}
	case len(keyTypes) == 2 && integral(keyTypes[0]) && integral(keyTypes[1]):
		t.kind = kindPair
		t.pairMap = map[pairKey]int32{}
	default:
		t.kind = kindComposite
		t.strMap = map[string]int32{}
	}
	return t
}

// pairOf is the kindPair key of row i of vectors a and b.
func pairOf(a, b *batch.Vector, i int) pairKey {
	var k pairKey
	if a.IsNull(i) {
		k.nulls = 1
	} else {
		k.a = intAt(a, i)
	}
	if b.IsNull(i) {
		k.nulls |= 2
	} else {
		k.b = intAt(b, i)
	}
	return k
}

// slots is the number of slots ever allocated (live or free).
func (t *groupTable) slots() int { return len(t.live) }

// newSlot takes a free slot or appends one, copying the key of row i of cols into it.
func (t *groupTable) newSlot(cols []*batch.Vector, i int) int32 {
	var g int32
	if n := len(t.free); n > 0 {
		g = t.free[n-1]
		t.free = t.free[:n-1]
		for k, c := range cols {
			setFrom(t.keys[k], int(g), c, i)
		}
		t.live[g] = true
	} else {
		g = int32(len(t.live))
		for k, c := range cols {
			appendFrom(t.keys[k], c, i)
		}
		t.live = append(t.live, true)
	}
	t.nLive++
	return g
}

// assign sets gids[i] to the slot of row i's key, creating slots for new keys; rows with
// skip[i] set get -1. It reports the slots created.
func (t *groupTable) assign(cols []*batch.Vector, n int, skip []bool, gids []int32) (created []int32) {
	switch t.kind {
	case kindNone:
		if len(t.live) == 0 || !t.live[0] {
			if len(t.live) == 0 {
				t.live = append(t.live, true)
			} else {
				t.live[0] = true
			}
			t.nLive++
			created = append(created, 0)
		}
		for i := 0; i < n; i++ {
			if skip != nil && skip[i] {
				gids[i] = -1
			} else {
				gids[i] = 0
			}
		}
		return created
	case kindString:
		v := cols[0]
		for i := 0; i < n; i++ {
			if skip != nil && skip[i] {
				gids[i] = -1
				continue
			}
			if v.IsNull(i) {
				if t.nullID < 0 {
					t.nullID = t.newSlot(cols, i)
					created = append(created, t.nullID)
				}
				gids[i] = t.nullID
				continue
			}
			g, ok := t.strMap[v.Str[i]]
			if !ok {
				g = t.newSlot(cols, i)
				t.strMap[v.Str[i]] = g
				created = append(created, g)
			}
			gids[i] = g
		}
	case kindLong:
		v := cols[0]
		// Runs of one key (the panes of time-ordered rows) reuse the last lookup.
		last, lastG := int64(0), int32(-1)
		for i := 0; i < n; i++ {
			if skip != nil && skip[i] {
				gids[i] = -1
				continue
			}
			if v.IsNull(i) {
				if t.nullID < 0 {
					t.nullID = t.newSlot(cols, i)
					created = append(created, t.nullID)
				}
				gids[i] = t.nullID
				continue
			}
			k := v.I64[i]
			if lastG >= 0 && k == last {
				gids[i] = lastG
				continue
			}
			g, ok := t.i64Map[k]
			if !ok {
				g = t.newSlot(cols, i)
				t.i64Map[k] = g
				created = append(created, g)
			}
			gids[i] = g
			last, lastG = k, g
		}
	case kindInt:
		v := cols[0]
		for i := 0; i < n; i++ {
			if skip != nil && skip[i] {
				gids[i] = -1
				continue
			}
			if v.IsNull(i) {
				if t.nullID < 0 {
					t.nullID = t.newSlot(cols, i)
					created = append(created, t.nullID)
				}
				gids[i] = t.nullID
				continue
			}
			g, ok := t.i32Map[v.I32[i]]
			if !ok {
				g = t.newSlot(cols, i)
				t.i32Map[v.I32[i]] = g
				created = append(created, g)
			}
			gids[i] = g
		}
	case kindPair:
		a, b := cols[0], cols[1]
		last, lastG := pairKey{}, int32(-1)
		for i := 0; i < n; i++ {
			if skip != nil && skip[i] {
				gids[i] = -1
				continue
			}
			k := pairOf(a, b, i)
			if lastG >= 0 && k == last {
				gids[i] = lastG
				continue
			}
			g, ok := t.pairMap[k]
			if !ok {
				g = t.newSlot(cols, i)
				t.pairMap[k] = g
				created = append(created, g)
			}
			gids[i] = g
			last, lastG = k, g
		}
	case kindComposite:
		for i := 0; i < n; i++ {
			if skip != nil && skip[i] {
				gids[i] = -1
				continue
			}
			t.buf = t.buf[:0]
			for _, c := range cols {
				t.buf = encodeKey(t.buf, c, i)
			}
			g, ok := t.strMap[string(t.buf)]
			if !ok {
				g = t.newSlot(cols, i)
				t.strMap[string(t.buf)] = g
				created = append(created, g)
			}
			gids[i] = g
		}
	}
	return created
}

// lookupWith finds the slot whose key equals slot g's key with column col replaced by the
// long value x (used to find a window's panes), or -1.
func (t *groupTable) lookupWith(g int32, col int, x int64) int32 {
	switch t.kind {
	case kindLong:
		if s, ok := t.i64Map[x]; ok {
			return s
		}
		return -1
	case kindPair:
		k := pairOf(t.keys[0], t.keys[1], int(g))
		if col == 0 {
			k.a, k.nulls = x, k.nulls&^1
		} else {
			k.b, k.nulls = x, k.nulls&^2
		}
		if s, ok := t.pairMap[k]; ok {
			return s
		}
	case kindComposite:
		t.buf = t.buf[:0]
		for k, c := range t.keys {
			if k == col {
				t.buf = binary.LittleEndian.AppendUint64(append(t.buf, 1), uint64(x))
				continue
			}
			t.buf = encodeKey(t.buf, c, int(g))
		}
		if s, ok := t.strMap[string(t.buf)]; ok {
			return s
		}
	}
	return -1
}

// otherKey encodes slot g's key without column col: the identity of a window's group.
func (t *groupTable) otherKey(g int32, col int) string {
	var buf []byte
	for k, c := range t.keys {
		if k != col {
			buf = encodeKey(buf, c, int(g))
		}
	}
	return string(buf)
}

// remove frees slot g.
func (t *groupTable) remove(g int32) {
	if !t.live[g] {
		return
	}
	switch t.kind {
	case kindString:
		if t.keys[0].IsNull(int(g)) {
			t.nullID = -1
		} else {
			delete(t.strMap, t.keys[0].Str[g])
		}
	case kindLong:
		if t.keys[0].IsNull(int(g)) {
			t.nullID = -1
		} else {
			delete(t.i64Map, t.keys[0].I64[g])
		}
	case kindInt:
		if t.keys[0].IsNull(int(g)) {
			t.nullID = -1
		} else {
			delete(t.i32Map, t.keys[0].I32[g])
		}
	case kindPair:
		delete(t.pairMap, pairOf(t.keys[0], t.keys[1], int(g)))
	case kindComposite:
		t.buf = t.buf[:0]
		for _, c := range t.keys {
			t.buf = encodeKey(t.buf, c, int(g))
		}
		delete(t.strMap, string(t.buf))
	}
	t.live[g] = false
	t.nLive--
	if t.kind != kindNone {
		t.free = append(t.free, g)
	}
}

// liveSlots lists the live slots in slot order.
func (t *groupTable) liveSlots() []int32 {
	out := make([]int32, 0, t.nLive)
	for g, ok := range t.live {
		if ok {
			out = append(out, int32(g))
		}
	}
	return out
}

// keyBytes estimates the memory held by keys.
func (t *groupTable) keyBytes() int64 {
	var s int64
	for _, k := range t.keys {
		s += vectorBytes(k)
	}
	return s + int64(len(t.live))*48
}
