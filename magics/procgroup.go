package magics

import (
	"bytes"
	"errors"
	"os"
	"strconv"
	"syscall"
	"time"
)

// signalGroup sends sig to every process of group pgid; a group that is gone already is
// not an error.
func signalGroup(pgid int, sig syscall.Signal) error {
	if pgid <= 1 {
		return errors.New("refusing to signal a process group below 2")
	}
	err := syscall.Kill(-pgid, sig)
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}

// groupMembers lists the live processes of group pgid. Zombies are left out: they are
// dead, waiting for whoever reaps them (us for a group leader, init for the rest).
func groupMembers(pgid int) []int {
	d, err := os.Open("/proc")
	if err != nil {
		// No /proc: fall back on asking the kernel whether the group has any process.
		if syscall.Kill(-pgid, 0) == nil {
			return []int{pgid}
		}
		return nil
	}
	defer d.Close()
	names, _ := d.Readdirnames(-1)
	var pids []int
	for _, n := range names {
		pid, err := strconv.Atoi(n)
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + n + "/stat")
		if err != nil {
			continue // exited meanwhile
		}
		state, pgrp, ok := parseStat(stat)
		if ok && pgrp == pgid && state != 'Z' && state != 'X' {
			pids = append(pids, pid)
		}
	}
	return pids
}

// parseStat reads the state and process group from /proc/PID/stat:
// "pid (comm) state ppid pgrp ...", where comm may hold spaces and parentheses.
func parseStat(stat []byte) (state byte, pgrp int, ok bool) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, 0, false
	}
	f := bytes.Fields(stat[i+1:])
	if len(f) < 3 || len(f[0]) != 1 {
		return 0, 0, false
	}
	pgrp, err := strconv.Atoi(string(f[2]))
	if err != nil {
		return 0, 0, false
	}
	return f[0][0], pgrp, true
}

// stopGroup ends group pgid: SIGTERM, then SIGKILL for whatever still lives after grace.
// It returns once no live process is left in the group.
func stopGroup(pgid int, grace time.Duration) {
	if len(groupMembers(pgid)) == 0 {
		return
	}
	_ = signalGroup(pgid, syscall.SIGTERM)
	if waitGroupGone(pgid, grace) {
		return
	}
	_ = signalGroup(pgid, syscall.SIGKILL)
	// SIGKILL cannot be caught; the wait only covers the kernel's own delay.
	waitGroupGone(pgid, 5*time.Second)
}

// waitGroupGone polls until group pgid has no live process or d has passed.
func waitGroupGone(pgid int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for wait := time.Millisecond; ; wait = min(2*wait, 50*time.Millisecond) {
		if len(groupMembers(pgid)) == 0 {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(wait)
	}
}

func readStat(pid int) ([]byte, error) {
	return os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
}
