package interp

import (
	"strconv"
	"testing"
)

// BenchmarkLoopIteration measures one iteration of a tight interpreted loop, whose body
// starts with the kernel's stop poll (insertPolls).
func BenchmarkLoopIteration(b *testing.B) {
	r := &runner{t: b, s: newSession(b)}
	r.ok("func sum(n int) int {\n\ts := 0\n\tfor i := 0; i < n; i++ {\n\t\ts += i\n\t}\n\treturn s\n}")
	b.ResetTimer()
	r.ok("sum(" + strconv.Itoa(b.N) + ")")
}
