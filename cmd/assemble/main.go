// Command assemble builds instances from HCL manifests: it resolves pinned
// Go modules, overlays developer checkouts, and installs each instance as
// an immutable revision it switches to atomically.
//
// This package is the command line only; the work is done by the
// assembler packages.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/assemble-build/assemble/assembler"
	"github.com/assemble-build/assemble/assembler/instance"
	"github.com/assemble-build/assemble/assembler/resolve"
	"github.com/assemble-build/assemble/assembler/source"
	"github.com/assemble-build/assemble/recipes/builtin"
)

// Exit codes. They are documented in docs/cli.md; keep the two in step.
const (
	exitOK      = 0
	exitError   = 1 // anything not listed below: I/O errors, internal errors
	exitUsage   = 2 // bad flags or arguments
	exitConfig  = 3 // the manifest or the values given for it are wrong
	exitResolve = 4 // versions could not be resolved: unknown module, no matching version, hash mismatch, picked versions refused
	exitBuild   = 5 // a part failed to install or activate; the instance is as it was
	exitBusy    = 6 // another assemble holds the instance
	exitVerify  = 7 // verify found differences it did not repair
)

func main() {
	// An install lives a fraction of a second and allocates most of its
	// heap parsing the config: collecting a quarter as often takes a
	// fifth off a one-change install of 1,000 parts (docs/benchmarks.md).
	// GOGC in the environment still wins.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// usageError marks mistakes in the command line itself.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }

// globals are the flags every command shares.
type globals struct {
	flags source.Flags
	wait  time.Duration
	quiet bool
	// noServices leaves services alone (--no-services).
	noServices bool
	json       bool // the command prints JSON: progress goes to stderr as JSON too
	stdout     io.Writer
	stderr     io.Writer
	settle     func() // ends the progress display; done calls it, once
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	g := &globals{stdout: stdout, stderr: stderr}
	defer assembler.StopPrograms()
	root := newRoot(g, stdin)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	cmd, err := root.ExecuteC()
	g.done()
	if err == nil {
		return exitOK
	}
	return report(g, cmd, err)
}

func newRoot(g *globals, stdin io.Reader) *cobra.Command {
	root := &cobra.Command{
		Use:   "assemble",
		Short: "Assemble instances from HCL manifests",
		Long: `assemble builds instances from an HCL manifest: it resolves the versions
of the Go modules the parts name, overlays developer checkouts, and installs
each instance as a new revision that it switches to atomically.

Instances live under --root, else $ASSEMBLE_ROOT, else $XDG_DATA_HOME/assemble,
else ~/.local/share/assemble.
The top config file is --config, else $ASSEMBLE_CONFIG, else what the instance
remembers, else buildout.hcl; it is read from the manifest --manifest (a
directory, or a git URL#ref), else $ASSEMBLE_MANIFEST, else what the instance
remembers, else the current directory.

Exit status: 0 success, 1 other errors, 2 usage, 3 configuration,
4 version resolution, 5 install failure, 6 instance locked, 7 verify
found differences.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		// cobra's completion command: assemble completion bash|zsh|fish|powershell.
		CompletionOptions: cobra.CompletionOptions{HiddenDefaultCmd: false},
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(
		newInstall(g, false),
		newInstall(g, true),
		newPlan(g),
		newStatus(g),
		newList(g),
		newHistory(g),
		newRollback(g),
		newGC(g),
		newVerify(g),
		newRemove(g, stdin),
		newExec(g),
		newBackup(g),
		newRestore(g),
		newAnnotate(g),
		newGraph(g),
		newVersions(g),
		newMirror(g),
		newImage(g),
		newVersion(g),
		newGenDocs(g),
	)
	g.addFlags(root)
	return root
}

// options returns the options of a command on instance name (empty for
// none). Where each setting comes from (flag, environment, what the
// instance remembers, default) is package source's decision, not this
// one's.
func (g *globals) options(name string) *assembler.Options {
	env := os.Environ()
	show, settle := g.progress(g.json)
	g.done()
	g.settle = settle
	return &assembler.Options{Root: source.Root(g.flags.Root, env), Name: name, Flags: g.flags, Environ: env,
		Recipes: builtin.RecipesWith(builtin.Settings{Systemctl: os.Getenv("ASSEMBLE_SYSTEMCTL"), NoServices: g.noServices}),
		Wait:    g.wait, Progress: show}
}

// done ends the progress display, so that what the command prints next
// is not drawn over. Commands call it once the engine has returned.
func (g *globals) done() {
	if g.settle != nil {
		g.settle()
		g.settle = nil
	}
}

// root returns the directory instances live under.
func (g *globals) root() string { return source.Root(g.flags.Root, os.Environ()) }

// report prints err the way its kind wants and returns the exit code.
func report(g *globals, cmd *cobra.Command, err error) int {
	var ue usageError
	var aue *assembler.UsageError
	if errors.As(err, &ue) || errors.As(err, &aue) || isCobraUsage(err) {
		hint := fmt.Sprintf("Run '%s --help' for usage.", cmd.CommandPath())
		if aue != nil && aue.Hint != "" {
			hint = aue.Hint
		}
		fmt.Fprintf(g.stderr, "assemble: %v\n%s\n", err, hint)
		return exitUsage
	}
	var de *assembler.DiagError
	if errors.As(err, &de) {
		writeDiags(g.stderr, de.Diags, de.Files)
		return exitConfig
	}
	fmt.Fprintf(g.stderr, "assemble: %v\n", err)
	switch {
	case errors.Is(err, instance.ErrBusy):
		return exitBusy
	case errors.Is(err, assembler.ErrConfig):
		return exitConfig
	case errors.Is(err, resolve.ErrResolve):
		return exitResolve
	case errors.Is(err, assembler.ErrBuild):
		return exitBuild
	case errors.Is(err, errDiffers):
		return exitVerify
	}
	return exitError
}

// isCobraUsage recognizes the errors cobra makes for unknown commands.
func isCobraUsage(err error) bool {
	return strings.HasPrefix(err.Error(), "unknown command") || strings.HasPrefix(err.Error(), "unknown flag")
}
