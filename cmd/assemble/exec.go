package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/spf13/cobra"

	"github.com/assemble-build/assemble/assembler"
)

func newExec(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "exec NAME [--] COMMAND [ARG...]",
		Short: "Run a command in an instance's environment",
		Long: `exec runs COMMAND in the instance NAME's environment, in its directory:
its bin first on PATH, ASSEMBLE_INSTANCE and ASSEMBLE_INSTANCE_DIR set as
bin/activate sets them, and each variable of its current revision as
ASSEMBLE_VAR_NAME (a string as it is, other values as JSON), over the
environment exec is given (whose own ASSEMBLE_VAR_ settings it drops).

Run as root for an instance whose config sets buildout.user, the command
runs as that user (and its group), with USER, LOGNAME and HOME (the
instance directory) to match.

On Linux and the other Unix systems assemble becomes the command (exec),
so its input, output, signals and exit status are the command's own.
exec takes no hold on the instance: installs may run beside it.

  assemble exec dev -- lava-server --version
  assemble exec prod -- sh -c 'echo $ASSEMBLE_VAR_db_name'`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 2 || len(args) == 2 && args[1] == "--" {
				return usageError{fmt.Errorf("exec takes an instance name and a command")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts := &assembler.Options{Root: g.root(), Name: args[0], Environ: os.Environ()}
			e, err := assembler.ExecEnvironment(opts)
			if err != nil {
				return err
			}
			argv := args[1:]
			if argv[0] == "--" { // kept: flags stop at the instance name
				argv = argv[1:]
			}
			path, err := findProgram(argv[0], e.Env)
			if err != nil {
				return err
			}
			return execProgram(path, argv, e.Dir, e.Env, e.Account)
		},
	}
	// Flags after the instance name are the command's.
	cmd.Flags().SetInterspersed(false)
	return cmd
}

// findProgram looks name up in the PATH of env, as the shell would with
// that environment; a name with a slash is taken as it is.
func findProgram(name string, env []string) (string, error) {
	if strings.ContainsRune(name, '/') || strings.ContainsRune(name, filepath.Separator) {
		return name, nil
	}
	path := ""
	for _, kv := range env {
		if k, v, _ := strings.Cut(kv, "="); k == "PATH" || runtime.GOOS == "windows" && strings.EqualFold(k, "PATH") {
			path = v
		}
	}
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			dir = "."
		}
		if p, err := exec.LookPath(filepath.Join(dir, name)); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("exec: %s: not found in the instance's bin or on PATH", name)
}
