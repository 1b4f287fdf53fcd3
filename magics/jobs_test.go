package magics

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

var startedRE = regexp.MustCompile(`^\[(\d+)\] (\d+)\n$`)

// startBg runs %bg command and returns the job's id and pid.
func startBg(t *testing.T, s *Set, command string) (id, pid int) {
	t.Helper()
	out := mustRun(t, s, "%bg "+command)
	m := startedRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("%%bg printed %q", out)
	}
	id, _ = strconv.Atoi(m[1])
	pid, _ = strconv.Atoi(m[2])
	return id, pid
}

// waitFor polls cond for up to 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestBackgroundJobs(t *testing.T) {
	s := newTestSet(t)
	if out := mustRun(t, s, "%jobs"); out != "No background jobs.\n" {
		t.Errorf("%%jobs printed %q", out)
	}
	dir := t.TempDir()
	gate := dir + "/gate"
	// Job 1 prints, waits for the gate file, prints to stderr and exits 4.
	id1, pid1 := startBg(t, s, fmt.Sprintf("echo hello; while [ ! -e %s ]; do sleep 0.01; done; echo bye >&2; exit 4", gate))
	id2, pid2 := startBg(t, s, "sleep 100")
	if id1 != 1 || id2 != 2 {
		t.Errorf("job ids %d, %d", id1, id2)
	}
	waitFor(t, "job 1's first line", func() bool { return mustRun(t, s, "%logs 1") == "hello\n" })
	want := fmt.Sprintf("ID  PID%s  STATUS   COMMAND\n", strings.Repeat(" ", len(strconv.Itoa(pid1))-3))
	jobs := mustRun(t, s, "%jobs")
	lines := strings.Split(jobs, "\n")
	if len(lines) != 4 || lines[0]+"\n" != want ||
		!regexp.MustCompile(fmt.Sprintf(`^1\s+%d\s+running\s+echo hello; while`, pid1)).MatchString(lines[1]) ||
		!regexp.MustCompile(fmt.Sprintf(`^2\s+%d\s+running\s+sleep 100$`, pid2)).MatchString(lines[2]) {
		t.Errorf("%%jobs printed:\n%s", jobs)
	}

	if err := os.WriteFile(gate, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "job 1 to exit", func() bool { return strings.Contains(mustRun(t, s, "%jobs"), "exited(4)") })
	if out := mustRun(t, s, "%logs 1"); out != "hello\nbye\n" {
		t.Errorf("%%logs 1 printed %q", out)
	}
	// Reaped: no zombie left behind.
	if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid1)); !os.IsNotExist(err) {
		t.Errorf("exited job 1 (pid %d) is still in /proc: %v", pid1, err)
	}

	out := mustRun(t, s, "%kill 2")
	if want := fmt.Sprintf("[2] %d signal(terminated)  sleep 100\n", pid2); out != want {
		t.Errorf("%%kill 2 printed %q, want %q", out, want)
	}
	if alive(pid2) {
		t.Errorf("job 2 (pid %d) still alive", pid2)
	}
	jobs = mustRun(t, s, "%jobs")
	if !regexp.MustCompile(fmt.Sprintf(`\n1\s+%d\s+exited\(4\)\s+echo hello;.*\n2\s+%d\s+signal\(terminated\)\s+sleep 100\n$`, pid1, pid2)).MatchString(jobs) {
		t.Errorf("%%jobs printed:\n%s", jobs)
	}

	for line, want := range map[string]string{
		"%logs 3":  "%logs: no job 3 (see %jobs)",
		"%kill x":  `%kill: need a job number, got "x"`,
		"%bg":      "%bg: no command; usage: %bg COMMAND",
		"%logs %1": "",
	} {
		_, _, err := run(t, s, line)
		if want == "" && err != nil || want != "" && (err == nil || err.Error() != want) {
			t.Errorf("%q: error %v, want %q", line, err, want)
		}
	}
}

func TestLogRing(t *testing.T) {
	r := newRing(16)
	fmt.Fprint(r, "line one\nline two\nline three\n")
	if got := string(r.Bytes()); got != "[... 18 earlier bytes dropped]\nline three\n" {
		t.Errorf("ring holds %q", got)
	}
}

// groupProcs waits until group pgid has at least n processes named comm and returns
// every live process of the group.
func groupProcs(t *testing.T, pgid int, comm string, n int) []int {
	t.Helper()
	var pids []int
	waitFor(t, fmt.Sprintf("%d %s processes in group %d", n, comm, pgid), func() bool {
		pids = groupMembers(pgid)
		count := 0
		for _, p := range pids {
			if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", p)); err == nil && strings.TrimSpace(string(b)) == comm {
				count++
			}
		}
		return count >= n
	})
	return pids
}

func TestCloseKillsGroups(t *testing.T) {
	s := New()
	s.grace = 300 * time.Millisecond
	_, pid1 := startBg(t, s, "bash -c 'sleep 100 & sleep 100'")
	// This one ignores SIGTERM: Close must come back with SIGKILL.
	_, pid2 := startBg(t, s, "trap '' TERM; sleep 100 & sleep 100")
	pids := append(groupProcs(t, pid1, "sleep", 2), groupProcs(t, pid2, "sleep", 2)...)
	start := time.Now()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("Close took %v", took)
	}
	for _, p := range pids {
		if err := syscall.Kill(p, 0); err == nil && alive(p) {
			t.Errorf("pid %d survived Close", p)
		}
	}
	if _, _, err := run(t, s, "%bg sleep 1"); err != ErrClosed {
		t.Errorf("%%bg after Close: error %v, want ErrClosed", err)
	}
	if _, _, err := run(t, s, "!true"); !errors.Is(err, ErrClosed) {
		t.Errorf("!true after Close: error %v, want ErrClosed", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestKernelDeathKillsJobs kills a kernel-like process with SIGKILL (no Close) and checks
// that the job it started, grandchildren included, dies with it.
func TestKernelDeathKillsJobs(t *testing.T) {
	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), childEnv+"=sleep 100 & sleep 100")
	stdout, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer child.Wait()
	defer child.Process.Kill()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	m := startedRE.FindStringSubmatch(line)
	if err != nil || m == nil {
		t.Fatalf("child printed %q (%v)", line, err)
	}
	pgid, _ := strconv.Atoi(m[2])
	pids := groupProcs(t, pgid, "sleep", 2)
	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the job's group to die", func() bool { return len(groupMembers(pgid)) == 0 })
	for _, p := range pids {
		if alive(p) {
			t.Errorf("pid %d survived the kernel", p)
		}
	}
}
