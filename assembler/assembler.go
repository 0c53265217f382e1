// Package assembler is the engine behind the assemble command: its
// public operations (Install, Plan, Rollback, Status, GC, Remove…) are
// short sequences over one package per concern:
//
//	source    where the config, manifest and variables come from
//	config    loading and evaluating the HCL config
//	evaluate  the config evaluated with its modules' versions resolved
//	resolve   picking versions through the go command
//	plan      what to do to each part, and why
//	apply     doing it on disk: staging, journal, commit, recovery
//	instance  the instance's directories, state, history and lock
//
// It never imports the command line, and never names a recipe: the
// recipes it can run come in Options.Recipes.
package assembler

import (
	"github.com/assemble-build/assemble/assembler/programs"
	"time"

	"github.com/assemble-build/assemble/assembler/apply"
	"github.com/assemble-build/assemble/assembler/config"
	"github.com/assemble-build/assemble/assembler/progress"
	"github.com/assemble-build/assemble/assembler/source"
	"github.com/assemble-build/assemble/recipes/recipe"
)

// The kinds of error, which the command line turns into exit codes.
var (
	// ErrConfig marks errors in the manifest or the values given for it.
	ErrConfig = config.ErrConfig
	// ErrBuild marks a part that failed to install, or an install that
	// could not be completed.
	ErrBuild = apply.ErrBuild
)

type (
	// UsageError is a mistake in how the command was called.
	UsageError = source.UsageError
	// DiagError carries HCL diagnostics with the files they point into.
	DiagError = config.DiagError
)

// Options are what a command that works on an instance is given.
type Options struct {
	Root string
	Name string
	// Flags are what the command line says; what it leaves empty comes
	// from Environ, then from what the instance remembers (package
	// source decides).
	Flags   source.Flags
	Environ []string
	Recipes recipe.Registry
	Offline bool
	// Newest picks the newest versions the constraints allow (upgrade).
	Newest bool
	// KeepLock is a lock whose versions a new instance keeps, as an
	// instance keeps its current revision's (restore rebuilds from it);
	// they are checked against it too.
	KeepLock string
	// NoActivate leaves the activation steps of an install to be run
	// later by Activate (restore puts the data in place first).
	NoActivate bool
	// LockFile is a lock the modules must match, if any.
	LockFile string
	// Mirror is a directory in the GOPROXY layout (see Mirror) that
	// every module comes from, checked against the lock it holds.
	Mirror string
	// Wait is how long to wait for another assemble's hold on the
	// instance to end.
	Wait time.Duration
	// Progress receives what the run is doing; nil discards it.
	Progress progress.Func
}

func (o *Options) action() string {
	if o.Newest {
		return "upgrade"
	}
	return "install"
}

// StopPrograms stops the recipe programs started to read revisions'
// records; a command calls it when it is done.
func StopPrograms() { programs.CloseAll() }
