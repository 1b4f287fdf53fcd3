package magics

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"syscall"
	"time"
)

// ExitError reports a shell command that failed.
type ExitError struct {
	Command string         // as the user wrote it: "!make test", "%%bash"
	Code    int            // exit status; -1 when a signal ended the command
	Signal  syscall.Signal // the signal, when Code is -1
}

func (e *ExitError) Error() string {
	if e.Code >= 0 {
		return fmt.Sprintf("%s: exit status %d", e.Command, e.Code)
	}
	return fmt.Sprintf("%s: killed by signal %d (%v)", e.Command, int(e.Signal), e.Signal)
}

// pipeDrain is how long a finished command's output pipes stay open for processes it
// left behind before they are closed and those processes killed.
const pipeDrain = 300 * time.Millisecond

func (s *Set) runShell(ctx context.Context, env Env, command string) error {
	if command == "" {
		return errors.New("!: no command")
	}
	return s.runBash(ctx, env, "!"+command, command)
}

// runBash runs script with /bin/bash in a process group of its own, its output streamed
// to env as it comes. Cancelling ctx interrupts the group (SIGINT, as Ctrl-C in a
// terminal), then kills it after the grace period. Processes the script leaves running
// are killed when it ends: background work belongs to %bg, where it can be watched.
func (s *Set) runBash(ctx context.Context, env Env, name, script string) error {
	c := exec.Command("/bin/bash", "-c", script)
	c.Stdout, c.Stderr = env.Stdout, env.Stderr
	// SIGINT, which interrupts use, must reach the command itself: so no wrapper as for
	// %bg, and a killed kernel takes down bash but not what bash started.
	c.SysProcAttr = groupAttr(syscall.SIGKILL)
	c.WaitDelay = pipeDrain
	pgid, err := s.startForeground(c)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	// Whatever happens, nothing of this command outlives the call.
	defer func() {
		if len(groupMembers(pgid)) > 0 {
			_ = signalGroup(pgid, syscall.SIGKILL)
			waitGroupGone(pgid, 5*time.Second)
		}
		s.mu.Lock()
		delete(s.foreground, pgid)
		s.mu.Unlock()
	}()

	waited := make(chan error, 1)
	go func() { waited <- c.Wait() }()
	select {
	case err = <-waited:
	case <-ctx.Done():
		_ = signalGroup(pgid, syscall.SIGINT)
		t := time.NewTimer(s.grace)
		select {
		case <-waited:
			t.Stop()
		case <-t.C:
			_ = signalGroup(pgid, syscall.SIGKILL)
			<-waited
		}
		return fmt.Errorf("%s: interrupted: %w", name, ctx.Err())
	}
	if s.isClosed() {
		return fmt.Errorf("%s: %w", name, ErrClosed) // Close stopped it
	}
	if errors.Is(err, exec.ErrWaitDelay) && c.ProcessState != nil && c.ProcessState.Success() {
		err = nil // only leftovers held the pipes; the command itself succeeded
	}
	if err == nil {
		return nil
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return fmt.Errorf("%s: %w", name, err)
	}
	xe := &ExitError{Command: name, Code: ee.ExitCode()}
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		xe.Code, xe.Signal = -1, ws.Signal()
	}
	return xe
}

func (s *Set) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// startForeground starts c and records its process group for Close.
func (s *Set) startForeground(c *exec.Cmd) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, ErrClosed
	}
	if err := c.Start(); err != nil {
		return 0, fmt.Errorf("starting /bin/bash: %w", err)
	}
	s.foreground[c.Process.Pid] = struct{}{}
	return c.Process.Pid, nil
}
