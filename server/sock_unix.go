//go:build unix

package server

import (
	"errors"
	"syscall"
)

// tryWrite writes what a TCP socket takes of b right now, without waiting:
// n < len(b) with a nil error means the socket buffer is full and the rest
// must wait for the writer.
func tryWrite(rc syscall.RawConn, b []byte) (int, error) {
	var n int
	var werr error
	if err := rc.Write(func(fd uintptr) bool {
		for {
			n, werr = syscall.Write(int(fd), b)
			if werr != syscall.EINTR {
				return true // never wait for writability here
			}
		}
	}); err != nil {
		return 0, err
	}
	if errors.Is(werr, syscall.EAGAIN) {
		return 0, nil
	}
	if werr != nil {
		return 0, werr
	}
	return n, nil
}
