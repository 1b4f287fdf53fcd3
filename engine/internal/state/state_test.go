package state

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/types"
)

func allTypesSchema() *types.StructType {
	inner := types.NewStructType().Add("start", types.TimestampType).Add("end", types.TimestampType)
	return types.NewStructType().
		Add("s", types.StringType).
		Add("i", types.IntegerType).
		Add("l", types.LongType).
		Add("d", types.DoubleType).
		Add("f", types.FloatType).
		Add("b", types.BooleanType).
		Add("ts", types.TimestampType).
		Add("dt", types.DateType).
		Add("bin", types.BinaryType).
		Add("w", inner).
		Add("arr", types.NewArrayType(types.StringType)).
		Add("m", types.NewMapType(types.StringType, types.LongType)).
		Add("iv", types.IntervalType)
}

func sampleRows() [][]any {
	return [][]any{
		{"héllo", int32(-7), int64(1) << 40, 3.25, float32(1.5), true, int64(1700000000000000), int32(19000),
			[]byte{0, 1, 2}, []any{int64(10), int64(20)}, []any{"a", nil, ""},
			&batch.MapValue{Keys: []any{"x", "y"}, Values: []any{int64(1), nil}}, batch.Interval{Months: 1, Days: 2, Micros: 3}},
		{nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil},
		{"", int32(0), int64(0), 0.0, float32(0), false, int64(-1), int32(-1),
			[]byte{}, []any{nil, int64(5)}, []any{}, &batch.MapValue{Keys: []any{}, Values: []any{}}, batch.Interval{}},
	}
}

func TestCodecRoundTrip(t *testing.T) {
	schema := allTypesSchema()
	c := NewValueCodec(FieldTypes(schema))
	for _, row := range sampleRows() {
		enc := c.AppendRow(nil, row)
		got, err := c.Decode(enc)
		if err != nil {
			t.Fatalf("Decode(%v): %v", row, err)
		}
		if !reflect.DeepEqual(got, row) {
			t.Fatalf("round trip:\n got %#v\nwant %#v", got, row)
		}
		// Truncations never decode silently.
		for n := 0; n < len(enc); n++ {
			if _, err := c.Decode(enc[:n]); err == nil {
				t.Fatalf("Decode accepted %d of %d bytes", n, len(enc))
			}
		}
	}
}

func TestCodecVectorsMatchValues(t *testing.T) {
	schema := allTypesSchema()
	c := NewKeyCodec(FieldTypes(schema))
	b := batch.New(schema, 4)
	for _, row := range sampleRows() {
		b.AppendRow(row)
	}
	out := batch.New(schema, 4)
	for i, row := range sampleRows() {
		fromVec := c.AppendVectors(nil, b.Cols, i)
		fromVals := c.AppendRow(nil, row)
		if !bytes.Equal(fromVec, fromVals) {
			t.Fatalf("row %d: vector encoding %x != value encoding %x", i, fromVec, fromVals)
		}
		if err := c.DecodeAppend(fromVec, out.Cols); err != nil {
			t.Fatal(err)
		}
		out.N++
	}
	for i, row := range sampleRows() {
		if got := out.Row(i); !reflect.DeepEqual(got, row) {
			t.Fatalf("DecodeAppend row %d:\n got %#v\nwant %#v", i, got, row)
		}
	}
	for _, col := range out.Cols {
		if col.Len() != 3 {
			t.Fatalf("column %s has %d rows, want 3", col.Type.SimpleString(), col.Len())
		}
	}
}

func TestKeyCodecDeterministicAndNormalized(t *testing.T) {
	ft := []types.DataType{types.StringType, types.DoubleType, types.FloatType}
	k := NewKeyCodec(ft)
	a := k.AppendRow(nil, []any{"a", math.Copysign(0, -1), float32(math.NaN())})
	b := k.AppendRow(nil, []any{"a", 0.0, float32(-math.NaN())})
	if !bytes.Equal(a, b) {
		t.Fatalf("-0.0/NaN keys differ: %x vs %x", a, b)
	}
	// Prefix-freedom: ("ab","c") and ("a","bc") must differ.
	s2 := NewKeyCodec([]types.DataType{types.StringType, types.StringType})
	if bytes.Equal(s2.AppendRow(nil, []any{"ab", "c"}), s2.AppendRow(nil, []any{"a", "bc"})) {
		t.Fatal("string pairs collide")
	}
	// A value codec keeps the sign of zero.
	v := NewValueCodec(ft)
	got, _ := v.Decode(v.AppendRow(nil, []any{"a", math.Copysign(0, -1), float32(1)}))
	if !math.Signbit(got[1].(float64)) {
		t.Fatal("value codec lost -0.0")
	}
	// Null differs from the empty string.
	if bytes.Equal(s2.AppendRow(nil, []any{nil, "x"}), s2.AppendRow(nil, []any{"", "x"})) {
		t.Fatal("null and empty string collide")
	}
}

// contents returns the store's map as sorted "key=value" strings.
func contents(s *Store) []string {
	var out []string
	s.Iterate(func(k, v []byte) bool {
		out = append(out, string(k)+"="+string(v))
		return true
	})
	sort.Strings(out)
	return out
}

func TestStoreMemoryOnly(t *testing.T) {
	s, err := Open("", Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Put([]byte("a"), []byte("1"))
	s.Put([]byte("b"), []byte("2"))
	s.Put([]byte("a"), []byte("3"))
	s.Put([]byte("e"), nil)
	s.Remove([]byte("b"))
	s.Remove([]byte("zz"))
	if v, ok := s.Get([]byte("a")); !ok || string(v) != "3" {
		t.Fatalf("Get(a) = %q %v", v, ok)
	}
	if v, ok := s.Get([]byte("e")); !ok || len(v) != 0 {
		t.Fatalf("Get(e) = %q %v, want an empty present value", v, ok)
	}
	// Until the commit, the removed key's slot is still held.
	m := s.Metrics()
	wantMem := int64(len("a")+len("3")+len("e")) + 2*entryOverhead
	if m != (Metrics{NumRowsTotal: 2, NumRowsUpdated: 4, NumRowsRemoved: 1, MemoryUsedBytes: wantMem + 1 + entryOverhead}) {
		t.Fatalf("metrics = %+v", m)
	}
	v, err := s.Commit()
	if err != nil || v != 1 {
		t.Fatalf("Commit = %d, %v", v, err)
	}
	m.MemoryUsedBytes = wantMem
	if m2 := s.Metrics(); m2 != m {
		t.Fatalf("metrics right after commit = %+v, want %+v", m2, m)
	}
	s.Put([]byte("c"), []byte("4"))
	if m := s.Metrics(); m.NumRowsUpdated != 1 || m.NumRowsRemoved != 0 || m.NumRowsTotal != 3 {
		t.Fatalf("metrics of version 2 = %+v", m)
	}
	s.Remove([]byte("a"))
	s.Abort()
	if got := contents(s); !reflect.DeepEqual(got, []string{"a=3", "e="}) {
		t.Fatalf("after Abort: %v", got)
	}
	if s.Metrics().MemoryUsedBytes != wantMem {
		t.Fatalf("memory after Abort = %d, want %d", s.Metrics().MemoryUsedBytes, wantMem)
	}
	if err := s.Load(1); err != nil {
		t.Fatalf("Load(current) = %v", err)
	}
	if err := s.Load(5); err == nil {
		t.Fatal("memory-only store loaded a version it does not hold")
	}
}

func TestStoreIterateRemove(t *testing.T) {
	s, _ := Open("", Options{})
	for i := range 100 {
		s.Put(fmt.Appendf(nil, "k%03d", i), []byte{byte(i)})
	}
	s.Iterate(func(k, v []byte) bool {
		if v[0]%2 == 0 {
			s.Remove(k)
		}
		return true
	})
	if s.Len() != 50 || s.Metrics().NumRowsRemoved != 50 {
		t.Fatalf("len %d, metrics %+v", s.Len(), s.Metrics())
	}
	n := 0
	s.Iterate(func(k, v []byte) bool { n++; return n < 10 })
	if n != 10 {
		t.Fatalf("Iterate did not stop: %d calls", n)
	}
}

func TestStoreCommitLoadAcrossRestarts(t *testing.T) {
	dir := DirFor(t.TempDir(), 0, 3)
	opts := Options{SnapshotInterval: 3, MinVersionsToRetain: 4}
	s, err := Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	// Model of every committed version's contents, to compare loads against.
	model := map[string]string{}
	versions := map[int64][]string{0: nil}
	snapshotOf := func() []string {
		var out []string
		for k, v := range model {
			out = append(out, k+"="+v)
		}
		sort.Strings(out)
		return out
	}
	for v := int64(1); v <= 10; v++ {
		// Each "batch" restarts from disk, as a restarted query would.
		if v%2 == 0 {
			if s, err = Open(dir, opts); err != nil {
				t.Fatal(err)
			}
			if err := s.Load(v - 1); err != nil {
				t.Fatalf("Load(%d): %v", v-1, err)
			}
			if got := contents(s); !reflect.DeepEqual(got, versions[v-1]) {
				t.Fatalf("after restart at version %d: %v, want %v", v-1, got, versions[v-1])
			}
		}
		for i := int64(0); i < 5; i++ {
			k := fmt.Sprintf("k%d", (v*3+i)%8)
			val := fmt.Sprintf("v%d.%d", v, i)
			s.Put([]byte(k), []byte(val))
			model[k] = val
		}
		rm := fmt.Sprintf("k%d", v%8)
		s.Remove([]byte(rm))
		delete(model, rm)
		got, err := s.Commit()
		if err != nil || got != v {
			t.Fatalf("Commit = %d, %v; want %d", got, err, v)
		}
		versions[v] = snapshotOf()
	}
	var names []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	// Versions 7..10 must stay loadable: snapshot 6 and deltas 7..10 remain; older files go.
	want := []string{"10.delta", "6.delta", "6.snapshot", "7.delta", "8.delta", "9.delta", "9.snapshot"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("state files = %v, want %v", names, want)
	}
	for v := int64(7); v <= 10; v++ {
		r, _ := Open(dir, opts)
		if err := r.Load(v); err != nil {
			t.Fatalf("Load(%d): %v", v, err)
		}
		if got := contents(r); !reflect.DeepEqual(got, versions[v]) {
			t.Fatalf("Load(%d) = %v, want %v", v, got, versions[v])
		}
		if r.Version() != v || r.Metrics().NumRowsTotal != int64(len(versions[v])) {
			t.Fatalf("Load(%d): version %d, metrics %+v", v, r.Version(), r.Metrics())
		}
	}
	// A torn newest snapshot falls back to the older snapshot plus deltas.
	os.WriteFile(filepath.Join(dir, "9.snapshot"), []byte{0, 0, 0, 2, 'k'}, 0o644)
	r, _ := Open(dir, opts)
	if err := r.Load(10); err != nil {
		t.Fatalf("Load(10) with a torn snapshot: %v", err)
	}
	if got := contents(r); !reflect.DeepEqual(got, versions[10]) {
		t.Fatalf("Load(10) with torn snapshot = %v, want %v", got, versions[10])
	}
	// A missing delta is an error naming the file.
	os.Remove(filepath.Join(dir, "8.delta"))
	r, _ = Open(dir, opts)
	err = r.Load(8)
	if err == nil || !strings.Contains(err.Error(), "8.delta does not exist") {
		t.Fatalf("Load(8) without 8.delta = %v", err)
	}
	// Versions older than the retained files cannot be loaded.
	if err := r.Load(3); err == nil {
		t.Fatal("Load(3) succeeded after its files were cleaned up")
	}
}

func TestStoreReplayedVersionOverwritesDelta(t *testing.T) {
	dir := t.TempDir()
	s, _ := Open(dir, Options{})
	s.Put([]byte("a"), []byte("1"))
	s.Commit()
	// A failed attempt of version 2 wrote its delta, then the process died.
	s.Put([]byte("a"), []byte("bad"))
	s.Put([]byte("x"), []byte("bad"))
	s.Commit()
	// Restart: load 1, redo version 2 differently.
	s, _ = Open(dir, Options{})
	if err := s.Load(1); err != nil {
		t.Fatal(err)
	}
	s.Put([]byte("a"), []byte("2"))
	if v, err := s.Commit(); err != nil || v != 2 {
		t.Fatalf("Commit = %d %v", v, err)
	}
	s, _ = Open(dir, Options{})
	if err := s.Load(2); err != nil {
		t.Fatal(err)
	}
	if got := contents(s); !reflect.DeepEqual(got, []string{"a=2"}) {
		t.Fatalf("version 2 = %v", got)
	}
}

// TestStoreRandomAgainstModel drives a store with random operations, aborts, commits and
// reloads from disk, and checks contents, Len and the memory estimate against a model.
func TestStoreRandomAgainstModel(t *testing.T) {
	dir := t.TempDir()
	opts := Options{SnapshotInterval: 4, MinVersionsToRetain: 3}
	s, _ := Open(dir, opts)
	committed := map[string]string{}
	rng := uint64(42)
	next := func(n int) int {
		rng ^= rng << 13
		rng ^= rng >> 7
		rng ^= rng << 17
		return int(rng % uint64(n))
	}
	check := func(when string, want map[string]string, settled bool) {
		t.Helper()
		var mem int64
		var exp []string
		for k, v := range want {
			exp = append(exp, k+"="+v)
			mem += int64(len(k)+len(v)) + entryOverhead
		}
		sort.Strings(exp)
		if got := contents(s); !reflect.DeepEqual(got, exp) {
			t.Fatalf("%s: contents %v, want %v", when, got, exp)
		}
		if !settled {
			mem = s.Metrics().MemoryUsedBytes // removed keys' slots are held until the commit
		}
		if s.Len() != len(want) || s.Metrics().MemoryUsedBytes != mem {
			t.Fatalf("%s: len %d mem %d, want %d %d", when, s.Len(), s.Metrics().MemoryUsedBytes, len(want), mem)
		}
	}
	for round := range 60 {
		work := map[string]string{}
		for k, v := range committed {
			work[k] = v
		}
		for range 30 {
			k := fmt.Sprintf("k%d", next(20))
			if next(3) == 0 {
				s.Remove([]byte(k))
				delete(work, k)
			} else {
				v := strings.Repeat("v", next(5))
				s.Put([]byte(k), []byte(v))
				work[k] = v
			}
		}
		switch next(4) {
		case 0:
			s.Abort()
			check(fmt.Sprintf("round %d abort", round), committed, true)
		case 1:
			// Crash before commit: a new store loads the committed version.
			s, _ = Open(dir, opts)
			if err := s.Load(int64(round)); err != nil {
				t.Fatal(err)
			}
			check(fmt.Sprintf("round %d reload", round), committed, true)
		default:
			check(fmt.Sprintf("round %d pending", round), work, false)
			committed = work
		}
		if _, err := s.Commit(); err != nil {
			t.Fatal(err)
		}
		check(fmt.Sprintf("round %d commit", round), committed, true)
	}
}

func TestStoreStaleSnapshotOfFailedAttempt(t *testing.T) {
	dir := t.TempDir()
	opts := Options{SnapshotInterval: 2}
	s, _ := Open(dir, opts)
	s.Put([]byte("a"), []byte("1"))
	s.Commit() // version 1
	// A failed attempt of version 2 wrote a delta and a snapshot, then died.
	s.Put([]byte("a"), []byte("bad"))
	s.Commit()
	// Restart with a snapshot interval that does not snapshot version 2 this time.
	s, _ = Open(dir, Options{SnapshotInterval: 5})
	if err := s.Load(1); err != nil {
		t.Fatal(err)
	}
	s.Put([]byte("a"), []byte("good"))
	s.Commit()
	s, _ = Open(dir, opts)
	if err := s.Load(2); err != nil {
		t.Fatal(err)
	}
	if got := contents(s); !reflect.DeepEqual(got, []string{"a=good"}) {
		t.Fatalf("version 2 = %v, want the re-run's state", got)
	}
}
