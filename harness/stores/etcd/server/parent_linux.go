package main

import (
	"os"
	"strconv"
	"syscall"
)

// dieWithParent asks the kernel to SIGKILL this process when its parent exits, and exits
// at once if the parent (pid `parent`) is already gone: it may have died before the request.
func dieWithParent(parent string) {
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_PDEATHSIG, uintptr(syscall.SIGKILL), 0); errno != 0 {
		os.Stderr.WriteString("quorumlab: could not ask to die with the harness: " + errno.Error() + "\n")
		return
	}
	if strconv.Itoa(os.Getppid()) != parent {
		os.Stderr.WriteString("quorumlab: the harness that started this etcd is gone; exiting\n")
		os.Exit(1)
	}
}
