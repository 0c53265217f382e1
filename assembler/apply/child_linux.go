package apply

import "syscall"

// childAttr puts a program in a process group of its own, and has the
// kernel kill it when assemble dies, however it dies: a killed install
// leaves no go build running.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// recordChildren says whether the next run must kill what a killed run
// started. The parent-death signal reaches the program assemble started,
// not what that one started in turn (the compilers and linker of go
// build), which stay in its group: the next run kills the group.
const recordChildren = true

func killGroup(pid int) error { return syscall.Kill(-pid, syscall.SIGKILL) }
