package expr

import (
	"math"
	"math/bits"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/types"
)

// Spark's hash() is Murmur3 x86_32 with its own treatment of trailing bytes (each one
// mixed as a whole word), seeded with 42 and chained over the arguments.

func mixK1(k uint32) uint32 {
	k *= 0xcc9e2d51
	k = bits.RotateLeft32(k, 15)
	return k * 0x1b873593
}

func mixH1(h, k uint32) uint32 {
	h ^= k
	h = bits.RotateLeft32(h, 13)
	return h*5 + 0xe6546b64
}

func fmix(h uint32, length int) uint32 {
	h ^= uint32(length)
	h ^= h >> 16
	h *= 0x85ebca6b
	h ^= h >> 13
	h *= 0xc2b2ae35
	h ^= h >> 16
	return h
}

func hashInt(v int32, seed uint32) uint32 {
	return fmix(mixH1(seed, mixK1(uint32(v))), 4)
}

func hashLong(v int64, seed uint32) uint32 {
	h := mixH1(seed, mixK1(uint32(v)))
	h = mixH1(h, mixK1(uint32(uint64(v)>>32)))
	return fmix(h, 8)
}

func hashBytes(b []byte, seed uint32) uint32 {
	h := seed
	aligned := len(b) - len(b)%4
	for i := 0; i < aligned; i += 4 {
		w := uint32(b[i]) | uint32(b[i+1])<<8 | uint32(b[i+2])<<16 | uint32(b[i+3])<<24
		h = mixH1(h, mixK1(w))
	}
	for i := aligned; i < len(b); i++ {
		h = mixH1(h, mixK1(uint32(int32(int8(b[i])))))
	}
	return fmix(h, len(b))
}

// sparkHash folds one value into the running hash as Spark's HashExpression does; nulls
// leave it unchanged.
func sparkHash(v any, t types.DataType, seed uint32) uint32 {
	if v == nil {
		return seed
	}
	switch x := v.(type) {
	case bool:
		if x {
			return hashInt(1, seed)
		}
		return hashInt(0, seed)
	case int32:
		return hashInt(x, seed)
	case int64:
		return hashLong(x, seed)
	case float32:
		if x == 0 {
			x = 0 // -0.0 hashes as 0.0
		}
		return hashInt(int32(math.Float32bits(x)), seed)
	case float64:
		if x == 0 {
			x = 0
		}
		if math.IsNaN(x) {
			return hashLong(0x7ff8000000000000, seed)
		}
		return hashLong(int64(math.Float64bits(x)), seed)
	case string:
		return hashBytes([]byte(x), seed)
	case []byte:
		return hashBytes(x, seed)
	case []any:
		var et types.DataType
		if st, ok := t.(*types.StructType); ok {
			for i, f := range x {
				ft := types.DataType(types.NullType)
				if i < len(st.Fields) {
					ft = st.Fields[i].DataType
				}
				seed = sparkHash(f, ft, seed)
			}
			return seed
		}
		if at, ok := t.(*types.ArrayType); ok {
			et = at.ElementType
		}
		for _, it := range x {
			seed = sparkHash(it, et, seed)
		}
		return seed
	case *batch.MapValue:
		var kt, vt types.DataType
		if mt, ok := t.(*types.MapType); ok {
			kt, vt = mt.KeyType, mt.ValueType
		}
		for i := range x.Keys {
			seed = sparkHash(x.Keys[i], kt, seed)
			seed = sparkHash(x.Values[i], vt, seed)
		}
		return seed
	case batch.Interval:
		seed = hashInt(x.Months, seed)
		seed = hashInt(x.Days, seed)
		return hashLong(x.Micros, seed)
	}
	return seed
}
