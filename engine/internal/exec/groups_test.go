package exec

import (
	"reflect"
	"testing"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/types"
)

// A pair of integral keys (a long pane and an integer key here) gets its own table kind:
// nulls are keys of their own, lookups with one key replaced find the right slot, and a
// removed slot is reused for a new key.
func TestGroupTablePairKeys(t *testing.T) {
	tab := newGroupTable([]types.DataType{types.LongType, types.IntegerType})
	if tab.kind != kindPair {
		t.Fatalf("kind %d", tab.kind)
	}
	panes := batch.NewVector(types.LongType, 6)
	keys := batch.NewVector(types.IntegerType, 6)
	for _, r := range [][2]any{{int64(10), int32(1)}, {int64(10), int32(1)}, {int64(10), nil}, {nil, int32(1)}, {int64(20), int32(1)}, {int64(10), int32(0)}} {
		panes.Append(r[0])
		keys.Append(r[1])
	}
	gids := make([]int32, 6)
	created := tab.assign([]*batch.Vector{panes, keys}, 6, nil, gids)
	if want := []int32{0, 0, 1, 2, 3, 4}; !reflect.DeepEqual(gids, want) || len(created) != 5 {
		t.Fatalf("gids %v, created %v", gids, created)
	}
	// (10, 1) with the pane replaced by 20 is slot 3; (10, null) with the pane replaced
	// by 20 does not exist.
	if s := tab.lookupWith(0, 0, 20); s != 3 {
		t.Fatalf("lookupWith = %d", s)
	}
	if s := tab.lookupWith(1, 0, 20); s != -1 {
		t.Fatalf("lookupWith null key = %d", s)
	}
	tab.remove(0)
	if s := tab.lookupWith(3, 0, 10); s != -1 {
		t.Fatalf("removed slot still found: %d", s)
	}
	p2 := batch.NewVector(types.LongType, 1)
	k2 := batch.NewVector(types.IntegerType, 1)
	p2.Append(int64(30))
	k2.Append(int32(7))
	g := make([]int32, 1)
	tab.assign([]*batch.Vector{p2, k2}, 1, nil, g)
	if g[0] != 0 || tab.keys[0].I64[0] != 30 || tab.keys[1].I32[0] != 7 || tab.nLive != 5 {
		t.Fatalf("reused slot %d holds (%d, %d), %d live", g[0], tab.keys[0].I64[0], tab.keys[1].I32[0], tab.nLive)
	}
}
