package apply

import "syscall"

// childAttr puts a program in a process group of its own, which the
// kernel kills when assemble dies, however it dies: a killed install
// leaves no go build running.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// recordChildren says whether the next run must kill what a killed run
// started: not here, where the kernel does.
const recordChildren = false

func killGroup(pid int) error { return syscall.Kill(-pid, syscall.SIGKILL) }
