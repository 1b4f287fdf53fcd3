package state

import (
	"testing"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/types"
)

const benchKeys = 1 << 16

// benchKeyBytes encodes benchKeys (string, long) grouping keys with the key codec.
func benchKeyBytes() [][]byte {
	c := NewKeyCodec([]types.DataType{types.StringType, types.LongType})
	b := batch.New(types.NewStructType().Add("sym", types.StringType).Add("n", types.LongType), benchKeys)
	for i := range benchKeys {
		b.AppendRow([]any{"BTC-USD", int64(i)})
	}
	keys := make([][]byte, benchKeys)
	for i := range keys {
		keys[i] = c.AppendVectors(nil, b.Cols, i)
	}
	return keys
}

// BenchmarkStorePutGet: one Get and one Put per op on a store of 64k keys (the shape of a
// streaming aggregation's update), with a Commit (memory-only) every 64k ops.
func BenchmarkStorePutGet(b *testing.B) {
	keys := benchKeyBytes()
	s, _ := Open("", Options{})
	val := make([]byte, 16)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		k := keys[i%benchKeys]
		if v, ok := s.Get(k); ok {
			val[0] = v[0] + 1
		}
		s.Put(k, val)
		if i%benchKeys == benchKeys-1 {
			s.Commit()
		}
	}
}

// BenchmarkMapPutGet is the hand-written baseline: the same work on a bare Go map.
func BenchmarkMapPutGet(b *testing.B) {
	keys := benchKeyBytes()
	m := map[string][]byte{}
	val := make([]byte, 16)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		k := keys[i%benchKeys]
		if v, ok := m[string(k)]; ok {
			val[0] = v[0] + 1
		}
		nv := make([]byte, len(val))
		copy(nv, val)
		m[string(k)] = nv
	}
}

// BenchmarkStoreGet: lookups only.
func BenchmarkStoreGet(b *testing.B) {
	keys := benchKeyBytes()
	s, _ := Open("", Options{})
	for _, k := range keys {
		s.Put(k, []byte("12345678"))
	}
	s.Commit()
	b.ResetTimer()
	for i := range b.N {
		if _, ok := s.Get(keys[i%benchKeys]); !ok {
			b.Fatal("missing key")
		}
	}
}

// BenchmarkStoreCommitDisk: Put 64k keys then Commit with a delta file per op.
func BenchmarkStoreCommitDisk(b *testing.B) {
	keys := benchKeyBytes()
	s, _ := Open(b.TempDir(), Options{SnapshotInterval: 1 << 30})
	val := make([]byte, 16)
	b.ResetTimer()
	for range b.N {
		for _, k := range keys {
			s.Put(k, val)
		}
		if _, err := s.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*benchKeys)/b.Elapsed().Seconds(), "puts/s")
}
