//go:build unix && !linux

package apply

import "syscall"

// childAttr puts a program in a process group of its own, which the
// next run kills if assemble died before it (there is no parent-death
// signal here).
func childAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

const recordChildren = true

func killGroup(pid int) error { return syscall.Kill(-pid, syscall.SIGKILL) }
