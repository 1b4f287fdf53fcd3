package expr

import (
	"math"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/types"
)

// number is the set of Go types behind Spark's numeric columns (and timestamps/dates,
// which are int64/int32 underneath).
type number interface {
	~int32 | ~int64 | ~float32 | ~float64
}

// numSlice returns the typed slice of a numeric (or date/timestamp) vector.
func numSlice(v *batch.Vector) any {
	switch v.Type.ID() {
	case types.IntegerID, types.DateID:
		return v.I32
	case types.LongID, types.TimestampID:
		return v.I64
	case types.FloatID:
		return v.F32
	case types.DoubleID:
		return v.F64
	}
	return nil
}

// arithOp identifies an arithmetic kernel.
type arithOp byte

const (
	opAdd arithOp = iota
	opSub
	opMul
	opDiv  // true division, result double
	opMod  // remainder; null when the divisor is zero
	opIDiv // integral division, result long; null when the divisor is zero
)

// arith computes out = a op b over whole slices. It reports the rows whose divisor was
// zero in zero (allocated on first need) so the caller can null them, as Spark does.
func arith[R number](op arithOp, a, b *batch.Vector, out []R) (zero []bool) {
	switch x := numSlice(a).(type) {
	case []int32:
		return arith2(op, x, b, out)
	case []int64:
		return arith2(op, x, b, out)
	case []float32:
		return arith2(op, x, b, out)
	case []float64:
		return arith2(op, x, b, out)
	}
	return nil
}

func arith2[A, R number](op arithOp, x []A, b *batch.Vector, out []R) []bool {
	switch y := numSlice(b).(type) {
	case []int32:
		return arithLoop(op, x, y, out)
	case []int64:
		return arithLoop(op, x, y, out)
	case []float32:
		return arithLoop(op, x, y, out)
	case []float64:
		return arithLoop(op, x, y, out)
	}
	return nil
}

func arithLoop[A, B, R number](op arithOp, x []A, y []B, out []R) []bool {
	x, y = x[:len(out)], y[:len(out)]
	var zero []bool
	switch op {
	case opAdd:
		for i := range out {
			out[i] = R(x[i]) + R(y[i])
		}
	case opSub:
		for i := range out {
			out[i] = R(x[i]) - R(y[i])
		}
	case opMul:
		for i := range out {
			out[i] = R(x[i]) * R(y[i])
		}
	case opDiv, opIDiv:
		for i := range out {
			d := R(y[i])
			if d == 0 {
				if zero == nil {
					zero = make([]bool, len(out))
				}
				zero[i] = true
				continue
			}
			out[i] = R(x[i]) / d
		}
	case opMod:
		var r R
		isFloat := false
		switch any(r).(type) {
		case float32, float64:
			isFloat = true
		}
		for i := range out {
			d := R(y[i])
			if d == 0 {
				if zero == nil {
					zero = make([]bool, len(out))
				}
				zero[i] = true
				continue
			}
			if isFloat {
				out[i] = R(math.Mod(float64(R(x[i])), float64(d)))
			} else {
				// Go's % truncates like Java's, and MinInt % -1 is 0 in both.
				out[i] = R(int64(R(x[i])) % int64(d))
			}
		}
	}
	return zero
}

// cmpOp identifies a comparison kernel.
type cmpOp byte

const (
	cmpEq cmpOp = iota
	cmpLt
	cmpLe
	cmpGt
	cmpGe
)

// compareNum fills out with a op b for numeric vectors converted to R. Floating point
// follows Spark: NaN equals NaN and is greater than any other value.
func compareNum[R number](op cmpOp, a, b *batch.Vector, out []bool) {
	switch x := numSlice(a).(type) {
	case []int32:
		compareNum2[int32, R](op, x, b, out)
	case []int64:
		compareNum2[int64, R](op, x, b, out)
	case []float32:
		compareNum2[float32, R](op, x, b, out)
	case []float64:
		compareNum2[float64, R](op, x, b, out)
	}
}

func compareNum2[A, R number](op cmpOp, x []A, b *batch.Vector, out []bool) {
	switch y := numSlice(b).(type) {
	case []int32:
		cmpLoop[A, int32, R](op, x, y, out)
	case []int64:
		cmpLoop[A, int64, R](op, x, y, out)
	case []float32:
		cmpLoop[A, float32, R](op, x, y, out)
	case []float64:
		cmpLoop[A, float64, R](op, x, y, out)
	}
}

func cmpLoop[A, B, R number](op cmpOp, x []A, y []B, out []bool) {
	x, y = x[:len(out)], y[:len(out)]
	var zero R
	switch any(zero).(type) {
	case float32, float64:
		cmpFloatLoop[A, B, R](op, x, y, out)
		return
	}
	switch op {
	case cmpEq:
		for i := range out {
			out[i] = R(x[i]) == R(y[i])
		}
	case cmpLt:
		for i := range out {
			out[i] = R(x[i]) < R(y[i])
		}
	case cmpLe:
		for i := range out {
			out[i] = R(x[i]) <= R(y[i])
		}
	case cmpGt:
		for i := range out {
			out[i] = R(x[i]) > R(y[i])
		}
	case cmpGe:
		for i := range out {
			out[i] = R(x[i]) >= R(y[i])
		}
	}
}

// cmpFloatLoop compares as Spark orders floating point: NaN equals NaN and is greater
// than every other value (a != a is the NaN test).
func cmpFloatLoop[A, B, R number](op cmpOp, x []A, y []B, out []bool) {
	switch op {
	case cmpEq:
		for i := range out {
			a, b := R(x[i]), R(y[i])
			out[i] = a == b || a != a && b != b
		}
	case cmpLt:
		for i := range out {
			a, b := R(x[i]), R(y[i])
			out[i] = a < b || b != b && a == a
		}
	case cmpLe:
		for i := range out {
			a, b := R(x[i]), R(y[i])
			out[i] = a <= b || b != b
		}
	case cmpGt:
		for i := range out {
			a, b := R(x[i]), R(y[i])
			out[i] = a > b || a != a && b == b
		}
	case cmpGe:
		for i := range out {
			a, b := R(x[i]), R(y[i])
			out[i] = a >= b || a != a
		}
	}
}

// floatCompare orders doubles as Spark does: NaN is equal to itself and larger than
// everything else; -0.0 equals 0.0.
func floatCompare(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	case a == b:
		return 0
	}
	an, bn := a != a, b != b
	switch {
	case an && bn:
		return 0
	case an:
		return 1
	default:
		return -1
	}
}

func cmpResult(op cmpOp, c int) bool {
	switch op {
	case cmpEq:
		return c == 0
	case cmpLt:
		return c < 0
	case cmpLe:
		return c <= 0
	case cmpGt:
		return c > 0
	}
	return c >= 0
}

func compareStrings(op cmpOp, x, y []string, out []bool) {
	x, y = x[:len(out)], y[:len(out)]
	switch op {
	case cmpEq:
		for i := range out {
			out[i] = x[i] == y[i]
		}
	case cmpLt:
		for i := range out {
			out[i] = x[i] < y[i]
		}
	case cmpLe:
		for i := range out {
			out[i] = x[i] <= y[i]
		}
	case cmpGt:
		for i := range out {
			out[i] = x[i] > y[i]
		}
	case cmpGe:
		for i := range out {
			out[i] = x[i] >= y[i]
		}
	}
}

func compareBools(op cmpOp, x, y []bool, out []bool) {
	b2i := func(b bool) int {
		if b {
			return 1
		}
		return 0
	}
	for i := range out {
		out[i] = cmpResult(op, b2i(x[i])-b2i(y[i]))
	}
}

// compareScalar fills out with a op c for a numeric vector and a constant, converted to R.
func compareScalar[R number](op cmpOp, a *batch.Vector, c R, out []bool) {
	switch x := numSlice(a).(type) {
	case []int32:
		cmpScalarLoop(op, x, c, out)
	case []int64:
		cmpScalarLoop(op, x, c, out)
	case []float32:
		cmpScalarLoop(op, x, c, out)
	case []float64:
		cmpScalarLoop(op, x, c, out)
	}
}

func cmpScalarLoop[A, R number](op cmpOp, x []A, c R, out []bool) {
	x = x[:len(out)]
	if c != c { // NaN constant: only NaN equals it, and everything is below it
		for i := range out {
			a := R(x[i])
			isNaN := a != a
			out[i] = cmpResult(op, map[bool]int{true: 0, false: -1}[isNaN])
		}
		return
	}
	// c is not NaN, so a NaN row is greater than c and equal to nothing.
	switch op {
	case cmpEq:
		for i := range out {
			out[i] = R(x[i]) == c
		}
	case cmpLt:
		for i := range out {
			out[i] = R(x[i]) < c
		}
	case cmpLe:
		for i := range out {
			out[i] = R(x[i]) <= c
		}
	case cmpGt:
		// !(a <= c) is a > c, and true for a NaN row: one branch-free comparison.
		for i := range out {
			out[i] = !(R(x[i]) <= c)
		}
	case cmpGe:
		for i := range out {
			out[i] = !(R(x[i]) < c)
		}
	}
}

// flip turns "c op x" into "x flip(op) c".
func flip(op cmpOp) cmpOp {
	switch op {
	case cmpLt:
		return cmpGt
	case cmpLe:
		return cmpGe
	case cmpGt:
		return cmpLt
	case cmpGe:
		return cmpLe
	}
	return op
}

// scalarAs converts a numeric constant to R.
func scalarAs[R number](v any) R {
	switch x := v.(type) {
	case int32:
		return R(x)
	case int64:
		return R(x)
	case float32:
		return R(x)
	case float64:
		return R(x)
	}
	return 0
}
