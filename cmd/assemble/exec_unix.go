//go:build unix

package main

import (
	"fmt"
	"os"
	"syscall"
)

// execProgram replaces assemble with the program: its input, output,
// signals and exit status are then the program's own.
func execProgram(path string, argv []string, dir string, env []string) error {
	if err := os.Chdir(dir); err != nil {
		return fmt.Errorf("exec: %w", err)
	}
	if err := syscall.Exec(path, argv, env); err != nil {
		return fmt.Errorf("exec: %s: %w", path, err)
	}
	return nil // not reached
}
