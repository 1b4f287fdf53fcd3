package main

import (
	"bytes"
	"log/slog"
	"os"
	"strconv"
	"syscall"
	"time"
)

// stopChildren ends the processes that cells started and left running (exec.Command in a
// go statement, a Start without Wait): the kernel's children, and, when the kernel leads
// its process group (Jupyter starts it in a new session), the members of that group
// (grandchildren). On a restart they would otherwise live on as orphans. %bg jobs have
// groups of their own, which the magics stop; a process that left the group on purpose
// (setsid, a daemon) is left alone. SIGTERM first, SIGKILL for those still there after
// a second.
func stopChildren(logger *slog.Logger) {
	self := os.Getpid()
	pgid, _ := syscall.Getpgid(0)
	pids := ownProcesses(self, pgid)
	if len(pids) == 0 {
		return
	}
	logger.Info("stopping processes the cells left running", "pids", pids)
	for _, p := range pids {
		syscall.Kill(p, syscall.SIGTERM)
	}
	deadline := time.Now().Add(time.Second)
	for time.Now().Before(deadline) && len(ownProcesses(self, pgid)) > 0 {
		time.Sleep(20 * time.Millisecond)
	}
	for _, p := range ownProcesses(self, pgid) {
		logger.Warn("killing a process that ignored SIGTERM", "pid", p)
		syscall.Kill(p, syscall.SIGKILL)
	}
}

// ownProcesses lists the live (not zombie) processes whose parent is self or, when self
// leads its process group, that are in the group.
func ownProcesses(self, pgid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// After "pid (comm) ": state ppid pgrp ... (comm may hold spaces and parentheses).
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 {
			continue
		}
		f := bytes.Fields(stat[i+1:])
		if len(f) < 3 || string(f[0]) == "Z" {
			continue
		}
		ppid, _ := strconv.Atoi(string(f[1]))
		pgrp, _ := strconv.Atoi(string(f[2]))
		if ppid == self || (pgid == self && pgrp == pgid) {
			out = append(out, pid)
		}
	}
	return out
}
