package magics

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"
)

// logSettle is how long %logs waits for the last output of a job that has exited.
const logSettle = time.Second

// bgWrapper runs a background job's command ("$1") under a bash that, when told to stop
// (SIGTERM, also the death signal it gets if Runnel dies), passes the signal on to its
// whole process group: Pdeathsig alone would only reach this bash, not "go run"'s
// compiled child. The command runs as an asynchronous child so that bash handles the
// trap at once instead of after the command ends.
const bgWrapper = `trap 'trap - TERM; kill -TERM 0' TERM
/bin/bash -c "$1" &
wait $!`

// job is one process started by %bg.
type job struct {
	id      int
	pid     int // also its process group
	command string
	log     *ring
	out     *os.File      // read end of the job's stdout and stderr
	done    chan struct{} // closed once the process is reaped
	logDone chan struct{} // closed once out reached its end
	state   *os.ProcessState
}

// status is "running", "exited(N)" or "signal(NAME)".
func (j *job) status() string {
	select {
	case <-j.done:
	default:
		return "running"
	}
	if j.state == nil {
		return "unknown"
	}
	if ws, ok := j.state.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return fmt.Sprintf("signal(%v)", ws.Signal())
	}
	return fmt.Sprintf("exited(%d)", j.state.ExitCode())
}

// startJob runs command in the background and returns at once.
func (s *Set) startJob(command string) (*job, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("%%bg: creating the log pipe: %w", err)
	}
	c := exec.Command("/bin/bash", "-c", bgWrapper, "runnel-bg", command)
	// An *os.File is handed to the child as is: no copying goroutine that Wait would wait
	// for while grandchildren keep the pipe open.
	c.Stdout, c.Stderr = w, w
	c.SysProcAttr = groupAttr(syscall.SIGTERM)
	if err := c.Start(); err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("%%bg: starting %q: %w", command, err)
	}
	w.Close()
	j := &job{
		id:      len(s.jobs) + 1,
		pid:     c.Process.Pid,
		command: command,
		log:     newRing(s.logSize),
		out:     r,
		done:    make(chan struct{}),
		logDone: make(chan struct{}),
	}
	s.jobs = append(s.jobs, j)
	s.wg.Add(2)
	go func() {
		defer s.wg.Done()
		// Ends at EOF, when every process of the job has closed its output, or when
		// Close closes r for processes that left the group.
		_, _ = io.Copy(j.log, r)
		r.Close()
		close(j.logDone)
	}()
	go func() {
		defer s.wg.Done()
		_ = c.Wait() // reaps the process; its status is in ProcessState
		s.mu.Lock()
		j.state = c.ProcessState
		s.mu.Unlock()
		close(j.done)
	}()
	return j, nil
}

func (s *Set) job(arg string) (*job, error) {
	n, err := strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(arg), "%"))
	if err != nil {
		return nil, fmt.Errorf("need a job number, got %q", arg)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if n < 1 || n > len(s.jobs) {
		return nil, fmt.Errorf("no job %d (see %%jobs)", n)
	}
	return s.jobs[n-1], nil
}

func (s *Set) magicBg(_ context.Context, env Env, args string) error {
	if args == "" {
		return errors.New("%bg: no command; usage: %bg COMMAND")
	}
	j, err := s.startJob(args)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "[%d] %d\n", j.id, j.pid)
	return nil
}

func (s *Set) magicJobs(env Env) error {
	s.mu.Lock()
	jobs := append([]*job(nil), s.jobs...)
	s.mu.Unlock()
	if len(jobs) == 0 {
		fmt.Fprintln(env.Stdout, "No background jobs.")
		return nil
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tPID\tSTATUS\tCOMMAND")
	for _, j := range jobs {
		s.mu.Lock()
		st := j.status()
		s.mu.Unlock()
		fmt.Fprintf(tw, "%d\t%d\t%s\t%s\n", j.id, j.pid, st, j.command)
	}
	return tw.Flush()
}

func (s *Set) magicLogs(env Env, args string) error {
	j, err := s.job(args)
	if err != nil {
		return fmt.Errorf("%%logs: %w", err)
	}
	select {
	case <-j.done:
		// The job has exited: let its last output in, unless processes it left behind
		// still hold the pipe.
		t := time.NewTimer(logSettle)
		select {
		case <-j.logDone:
		case <-t.C:
		}
		t.Stop()
	default:
	}
	_, err = env.Stdout.Write(j.log.Bytes())
	return err
}

func (s *Set) magicKill(env Env, args string) error {
	j, err := s.job(args)
	if err != nil {
		return fmt.Errorf("%%kill: %w", err)
	}
	stopGroup(j.pid, s.grace)
	<-j.done
	s.mu.Lock()
	st := j.status()
	s.mu.Unlock()
	fmt.Fprintf(env.Stdout, "[%d] %d %s  %s\n", j.id, j.pid, st, j.command)
	return nil
}

// Close stops every background job and running shell command: SIGTERM to each process
// group, SIGKILL to what is left after the grace period. It waits until the jobs are
// reaped and their logs closed. Magics that start processes fail with ErrClosed
// afterwards.
func (s *Set) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	jobs := append([]*job(nil), s.jobs...)
	var fg []int
	for pgid := range s.foreground {
		fg = append(fg, pgid)
	}
	s.mu.Unlock()

	var wg sync.WaitGroup
	for _, pgid := range fg {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stopGroup(pgid, s.grace)
		}()
	}
	for _, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stopGroup(j.pid, s.grace)
			<-j.done
			// A process that moved to a group of its own may still hold the pipe.
			j.out.Close()
		}()
	}
	wg.Wait()
	s.wg.Wait()
	return nil
}
