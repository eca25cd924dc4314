//go:build !unix

package server

import "syscall"

// tryWrite writes nothing where the socket's descriptor cannot be written
// directly: every frame goes through the desk's writer.
func tryWrite(syscall.RawConn, []byte) (int, error) { return 0, nil }
