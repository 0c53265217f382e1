//go:build unix

package main

import (
	"fmt"
	"os"
	"syscall"

	"github.com/assemble-build/assemble/assembler/account"
)

// execProgram replaces assemble with the program: its input, output,
// signals and exit status are then the program's own. Given an account,
// it becomes that user first, with no groups but the account's.
func execProgram(path string, argv []string, dir string, env []string, a *account.Account) error {
	if err := os.Chdir(dir); err != nil {
		return fmt.Errorf("exec: %w", err)
	}
	if a != nil {
		if err := becomeUser(a); err != nil {
			return fmt.Errorf("exec: becoming user %s: %w", a.User, err)
		}
	}
	if err := syscall.Exec(path, argv, env); err != nil {
		return fmt.Errorf("exec: %s: %w", path, err)
	}
	return nil // not reached
}

// becomeUser drops root for the account: groups first, while it still
// may, then the user. Go applies each to every thread.
func becomeUser(a *account.Account) error {
	if err := syscall.Setgroups([]int{a.GID}); err != nil {
		return err
	}
	if err := syscall.Setgid(a.GID); err != nil {
		return err
	}
	return syscall.Setuid(a.UID)
}
