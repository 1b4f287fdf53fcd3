package magics

import (
	"context"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// firstWriteWatcher records whether the first Write came before done was closed.
type firstWriteWatcher struct {
	syncBuffer
	done        chan struct{}
	once        sync.Once
	first       string
	beforeDone  bool
	sawAnyWrite bool
}

func (w *firstWriteWatcher) Write(p []byte) (int, error) {
	w.once.Do(func() {
		w.sawAnyWrite = true
		w.first = string(p)
		select {
		case <-w.done:
		default:
			w.beforeDone = true
		}
	})
	return w.syncBuffer.Write(p)
}

func TestShellStreamsLive(t *testing.T) {
	s := newTestSet(t)
	w := &firstWriteWatcher{done: make(chan struct{})}
	err := s.RunLine(context.Background(), "!echo first; sleep 0.3; echo second", Env{Stdout: w})
	close(w.done)
	if err != nil {
		t.Fatal(err)
	}
	if !w.sawAnyWrite || w.first != "first\n" || !w.beforeDone {
		t.Errorf("first write %q arrived before the command ended: %v", w.first, w.beforeDone)
	}
	if got := w.String(); got != "first\nsecond\n" {
		t.Errorf("output %q", got)
	}
}

func TestBashCell(t *testing.T) {
	s := newTestSet(t)
	out, errOut, err := run(t, s, "%%bash\necho out\necho err >&2\nexit 3")
	if out != "out\n" || errOut != "err\n" {
		t.Errorf("stdout %q, stderr %q", out, errOut)
	}
	var xe *ExitError
	if err == nil || err.Error() != "%%bash: exit status 3" || !errors.As(err, &xe) || xe.Code != 3 {
		t.Errorf("error %v, want %%%%bash: exit status 3", err)
	}
	if out := mustRun(t, s, "%%bash\nfor i in 1 2; do\n  echo $i\ndone"); out != "1\n2\n" {
		t.Errorf("loop printed %q", out)
	}
}

func TestShellExitStatus(t *testing.T) {
	s := newTestSet(t)
	for line, want := range map[string]string{
		"!false":         "!false: exit status 1",
		"!exit 42":       "!exit 42: exit status 42",
		"!kill -TERM $$": "!kill -TERM $$: killed by signal 15 (terminated)",
		"!no-such-cmd-x": "!no-such-cmd-x: exit status 127",
	} {
		_, _, err := run(t, s, line)
		if err == nil || err.Error() != want {
			t.Errorf("%q: error %v, want %q", line, err, want)
		}
	}
	_, errOut, _ := run(t, s, "!no-such-cmd-x")
	if errOut != "/bin/bash: line 1: no-such-cmd-x: command not found\n" {
		t.Errorf("stderr %q", errOut)
	}
}

func TestShellInterrupt(t *testing.T) {
	s := newTestSet(t)
	ctx, cancel := context.WithCancel(context.Background())
	out := &pidWriter{pid: make(chan int, 1)}
	go func() {
		// Interrupt once the command has started and told its pid.
		<-out.pid
		cancel()
	}()
	start := time.Now()
	err := s.RunLine(ctx, "!echo $$; exec sleep 30", Env{Stdout: out})
	if took := time.Since(start); took > time.Second {
		t.Errorf("interrupt took %v", took)
	}
	if err == nil || !errors.Is(err, context.Canceled) || err.Error() != "!echo $$; exec sleep 30: interrupted: context canceled" {
		t.Errorf("error %v", err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(out.String()))
	if pid == 0 || len(groupMembers(pid)) != 0 {
		t.Errorf("group %d still has %v", pid, groupMembers(pid))
	}
}

// pidWriter sends the first number written to it on pid.
type pidWriter struct {
	syncBuffer
	pid  chan int
	once sync.Once
}

func (w *pidWriter) Write(p []byte) (int, error) {
	n, err := w.syncBuffer.Write(p)
	if m := regexp.MustCompile(`\d+`).FindString(w.String()); m != "" {
		w.once.Do(func() {
			v, _ := strconv.Atoi(m)
			w.pid <- v
		})
	}
	return n, err
}

func TestShellKillsLeftovers(t *testing.T) {
	s := newTestSet(t)
	out := mustRun(t, s, "!sleep 100 & echo $!")
	pid, err := strconv.Atoi(strings.TrimSpace(out))
	if err != nil {
		t.Fatalf("output %q", out)
	}
	if alive(pid) {
		t.Errorf("sleep %d left behind by !cmd & still runs", pid)
	}
}

// alive reports whether pid is a live process (a zombie awaiting its reaper is dead).
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	b, err := readStat(pid)
	if err != nil {
		return false
	}
	state, _, ok := parseStat(b)
	return ok && state != 'Z' && state != 'X'
}

func TestShellInterruptIgnored(t *testing.T) {
	// The command ignores SIGINT: the interrupt falls back on SIGKILL after the grace period.
	s := newTestSet(t)
	ctx, cancel := context.WithCancel(context.Background())
	out := &pidWriter{pid: make(chan int, 1)}
	go func() {
		<-out.pid
		cancel()
	}()
	err := s.RunLine(ctx, "%%bash\ntrap '' INT\necho $$\nsleep 30\necho not reached", Env{Stdout: out})
	if err == nil || err.Error() != "%%bash: interrupted: context canceled" {
		t.Errorf("error %v", err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(out.String()))
	if pid == 0 || len(groupMembers(pid)) != 0 || strings.Contains(out.String(), "not reached") {
		t.Errorf("output %q; group %d still has %v", out.String(), pid, groupMembers(pid))
	}
}

func TestCloseStopsRunningCommand(t *testing.T) {
	s := New()
	out := &pidWriter{pid: make(chan int, 1)}
	done := make(chan error, 1)
	go func() { done <- s.RunLine(context.Background(), "!echo $$; exec sleep 30", Env{Stdout: out}) }()
	pid := <-out.pid
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	err := <-done
	if err == nil || err.Error() != "!echo $$; exec sleep 30: magics: set is closed" || !errors.Is(err, ErrClosed) {
		t.Errorf("error %v", err)
	}
	if alive(pid) {
		t.Errorf("pid %d survived Close", pid)
	}
}
