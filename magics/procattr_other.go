//go:build unix && !linux

package magics

import "syscall"

// groupAttr puts a child in a process group of its own; this system has no death signal,
// so only Close and %kill stop background jobs.
func groupAttr(syscall.Signal) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
