//go:build !unix

package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"

	"github.com/assemble-build/assemble/assembler/account"
)

// execProgram runs the program as a child, with assemble's input and
// output, and exits with its exit status. Interrupts reach the child
// from the console; assemble only waits for it.
// Accounts are Unix's: a is always nil here.
func execProgram(path string, argv []string, dir string, env []string, a *account.Account) error {
	cmd := exec.Command(path, argv[1:]...)
	cmd.Dir, cmd.Env = dir, env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	signal.Ignore(os.Interrupt)
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		os.Exit(ee.ExitCode())
	}
	if err != nil {
		return fmt.Errorf("exec: %s: %w", path, err)
	}
	os.Exit(0)
	return nil
}
