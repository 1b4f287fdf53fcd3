package magics

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// childEnv makes the test binary act as a kernel that starts a job and then hangs, for
// TestKernelDeathKillsJobs.
const childEnv = "RUNNEL_MAGICS_TEST_CHILD"

func TestMain(m *testing.M) {
	if cmd := os.Getenv(childEnv); cmd != "" {
		s := New()
		if err := s.RunLine(context.Background(), "%bg "+cmd, Env{Stdout: os.Stdout, Stderr: os.Stderr}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		time.Sleep(time.Hour) // until the test kills us
	}
	code := m.Run()
	if code == 0 {
		if leaked := leakedGoroutines(); leaked != "" {
			fmt.Fprintf(os.Stderr, "leaked goroutines:\n%s\n", leaked)
			code = 1
		}
	}
	os.Exit(code)
}

// leakedGoroutines returns the stacks of goroutines still running code of this package,
// after giving exiting ones a moment.
func leakedGoroutines() string {
	deadline := time.Now().Add(2 * time.Second)
	for {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		var leaked []string
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, "runnel/magics.") && !strings.Contains(g, "magics.TestMain") &&
				!strings.Contains(g, "magics.leakedGoroutines") {
				leaked = append(leaked, g)
			}
		}
		if len(leaked) == 0 || time.Now().After(deadline) {
			return strings.Join(leaked, "\n\n")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a command's output.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// newTestSet returns a Set closed at the end of the test, with a short grace period.
func newTestSet(t *testing.T) *Set {
	t.Helper()
	s := New()
	s.grace = 300 * time.Millisecond
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// run runs a magic line or cell magic and returns its stdout and stderr.
func run(t *testing.T, s *Set, text string) (stdout, stderr string, err error) {
	t.Helper()
	var o, e syncBuffer
	err = s.RunLine(context.Background(), text, Env{Stdout: &o, Stderr: &e})
	return o.String(), e.String(), err
}

// mustRun is run for magics that must succeed and write nothing to stderr.
func mustRun(t *testing.T, s *Set, text string) string {
	t.Helper()
	out, errOut, err := run(t, s, text)
	if err != nil {
		t.Fatalf("%q: %v", text, err)
	}
	if errOut != "" {
		t.Fatalf("%q: stderr %q", text, errOut)
	}
	return out
}
