//go:build unix

package builtin

import "syscall"

// alive reports whether process pid exists (signal 0 checks, sends
// nothing; EPERM means it exists as another user's).
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || err == syscall.EPERM
}
