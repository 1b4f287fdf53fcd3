package magics

import (
	"bytes"
	"fmt"
	"sync"
)

// ring keeps the last bytes written to it, at most about max, cutting at a line start
// when it can.
type ring struct {
	mu      sync.Mutex
	buf     []byte
	max     int
	dropped int64
}

func newRing(max int) *ring { return &ring{max: max} }

func (r *ring) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.buf = append(r.buf, p...)
	if len(r.buf) > r.max {
		// Trim to three quarters so that trimming costs O(1) per byte written.
		cut := len(r.buf) - r.max*3/4
		if i := bytes.IndexByte(r.buf[cut:], '\n'); i >= 0 && i < r.max/4 {
			cut += i + 1
		}
		r.dropped += int64(cut)
		r.buf = append(r.buf[:0], r.buf[cut:]...)
	}
	return len(p), nil
}

// Bytes returns a copy of what is kept, after a note on what was dropped.
func (r *ring) Bytes() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b []byte
	if r.dropped > 0 {
		b = fmt.Appendf(b, "[... %d earlier bytes dropped]\n", r.dropped)
	}
	return append(b, r.buf...)
}
