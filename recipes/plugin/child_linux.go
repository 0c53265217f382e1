package plugin

import "syscall"

// childAttr has the kernel kill a recipe program when assemble dies.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
