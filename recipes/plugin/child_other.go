//go:build !linux

package plugin

import "syscall"

// childAttr is nothing here: go-plugin kills the program when assemble
// closes it, and the program exits when its connection goes.
func childAttr() *syscall.SysProcAttr { return nil }
