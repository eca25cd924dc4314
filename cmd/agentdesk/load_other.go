//go:build !linux

package main

import "os/exec"

// dieWithParent: only Linux can tie a child's life to its parent's; load
// still stops its server on every normal exit and on interrupt.
func dieWithParent(*exec.Cmd) {}
