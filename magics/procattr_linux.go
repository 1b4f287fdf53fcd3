package magics

import "syscall"

// groupAttr puts a child in a process group of its own (so that killing the group also
// kills what it spawned, like the compiled program under "go run") and has the kernel
// send it sig when the Runnel process dies, whatever the way it dies.
//
// Linux ties Pdeathsig to the thread that forked, not the process; Go only ends threads
// whose goroutine exited while locked to them, which the magics never do.
func groupAttr(sig syscall.Signal) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: sig}
}
