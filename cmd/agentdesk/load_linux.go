package main

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the kernel kill the load's server child if load
// itself dies (kill -9), so no server is left behind.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
