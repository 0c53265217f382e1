//go:build !unix

package apply

import (
	"os"
	"syscall"
)

// childAttr is nothing here: a program started is killed with its
// context, and the next run kills what a killed run left.
func childAttr() *syscall.SysProcAttr { return nil }

const recordChildren = true

func killGroup(pid int) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return err
	}
	return p.Kill()
}
