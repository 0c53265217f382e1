// Package recipe is the contract between the engine and the recipes that
// install parts. The built-in recipes implement it (package builtin), and
// so may recipes from elsewhere: the engine knows a recipe only by this
// contract, and never by its name.
//
// A recipe declares its options and outputs in a Spec, so that the config
// loader can reject an unknown or missing option at its line, and computes
// its outputs from evaluated options before anything is installed, so that
// other parts can reference them. It installs a part through a Host, which
// stages every change so that a failed install changes nothing.
//
// Optional interfaces add what some recipes need: ModuleRecipe for parts
// that build Go modules (the engine resolves their versions first),
// Updater, Activator, Deactivator and Remover for steps at other points
// of a part's life, Backer for what a backup must dump,
// Verifier for what assemble verify cannot check by itself.
package recipe

import (
	"context"
	"sort"

	"github.com/zclconf/go-cty/cty"
)

// Recipe installs one kind of part.
type Recipe interface {
	Spec() *Spec
	// Check reports mistakes in the combination of options.
	Check(p *Part) []Problem
	// Outputs computes the values other parts may reference, before
	// anything is installed. Outputs that depend on unknown options or an
	// unknown instance are unknown values.
	Outputs(p *Part) (map[string]cty.Value, error)
	// Install installs the part through h. It may be called again for a
	// part whose options changed; what it made before has been removed.
	Install(ctx context.Context, p *Part, h Host) error
}

// Spec describes a recipe: its name, options and outputs.
type Spec struct {
	Name    string
	Doc     string
	Options []Option
	Outputs []Output
	// InRevision says the recipe installs into the revision (Host.Bin,
	// Host.Revision), not only into the instance. A new revision starts
	// without what its parts made there, so they install into every new
	// revision, kept or not; a revision that exists already holds it.
	InRevision bool
}

// Option returns the option called name, or nil.
func (s *Spec) Option(name string) *Option {
	for i := range s.Options {
		if s.Options[i].Name == name {
			return &s.Options[i]
		}
	}
	return nil
}

// Output returns the output called name, or nil.
func (s *Spec) Output(name string) *Output {
	for i := range s.Outputs {
		if s.Outputs[i].Name == name {
			return &s.Outputs[i]
		}
	}
	return nil
}

// Option is one attribute a recipe accepts in a part block. A path option
// may be a string or a list of strings; each element is resolved.
type Option struct {
	Name     string
	Type     cty.Type // cty.DynamicPseudoType accepts any value
	Required bool
	Default  cty.Value // cty.NilVal means null
	Path     PathKind
	Doc      string
}

// PathKind says how a relative path in an option is made absolute.
type PathKind int

const (
	// NotPath options are taken as they are written.
	NotPath PathKind = iota
	// SourcePath options name something the manifest provides; a relative
	// path is resolved against the directory of the config file that set
	// it. The file counts by its content in the part's digest.
	SourcePath
	// TargetPath options name something the part writes; a relative path
	// is resolved against the instance directory, and the result must lie
	// inside the instance unless the part sets allow_outside_instance.
	TargetPath
)

// Output is a value a recipe computes for other parts to reference as
// part.NAME.OUTPUT.
type Output struct {
	Name string
	Type cty.Type
	Doc  string
}

// Problem is a mistake in a part's options that the option types alone do
// not catch. Option names the option at fault, or is empty for the part.
type Problem struct {
	Option  string
	Summary string
	Detail  string
}

// Updater is a recipe with an update step, which runs on every install
// that keeps a part of it, as buildout calls a recipe's update() on every
// run for the parts whose options did not change.
type Updater interface {
	// Updates reports whether part p has an update step. The engine
	// records it, so that it knows, without evaluating the config, that
	// an install with nothing else to do still has steps to run.
	Updates(p *Part) bool
	// Update runs the step. Its host runs programs; files are written
	// only at install.
	Update(ctx context.Context, p *Part, h Host) error
}

// Activator is a recipe with an activation step, which runs for each of
// its parts after the instance has switched to a revision that holds it:
// service restarts, migrations. A failing step switches the instance back.
type Activator interface {
	// Activate runs the step. Its host runs programs; files are written
	// only at install. Host.Changed says whether the part, or a part it
	// refers to, changed with the switch: a service restarts only then.
	Activate(ctx context.Context, p *Part, h Host) error
}

// Deactivator is a recipe with a step for its parts that go away: a
// service stopped and disabled. It runs when the instance is about to
// switch to a revision without the part, before the part's files are
// removed, and for every part when the instance is removed. If the
// switch then fails, the part is activated again.
type Deactivator interface {
	// Deactivate runs the step, with the part as the revision that held
	// it recorded it. Its host runs programs and writes no files.
	Deactivate(ctx context.Context, p *Part, h Host) error
}

// Remover is a recipe with a step for its parts gone for good, which
// cannot be undone (data dropped): it runs once the instance has
// switched to a revision without the part, and once the instance is
// removed. Remaining are the parts of the same recipe in the revision
// switched to: a part renamed must keep what the old name made.
type Remover interface {
	Remove(ctx context.Context, p *Part, h Host, remaining []*Part) error
}

// Backer is a recipe whose parts keep data outside the instance's files
// (a database), or must make it ready before a backup reads them.
type Backer interface {
	// Backup writes the part's data into dir, an empty directory that
	// becomes dumps/PART/ in the archive; a part that only makes ready
	// leaves it empty. Its host runs programs; it writes no file of the
	// instance.
	Backup(ctx context.Context, p *Part, h Host, dir string) error
}

// Restorer is a Backer that loads back what it dumped, into an instance
// restored from a backup: a database. The instance is installed, its
// activation not run yet.
type Restorer interface {
	// Restore loads what Backup wrote into dir.
	Restore(ctx context.Context, p *Part, h Host, dir string) error
}

// Servicer is a recipe whose parts run a program for as long as the
// instance runs: what an image of the instance may run, and what a
// container platform publishes.
type Servicer interface {
	// Service returns the part's command line, and the TCP ports it
	// listens on.
	Service(p *Part) (argv []string, ports []int)
}

// Versioned is a recipe whose code changes apart from assemble's own: a
// recipe program. Its version names its parts too, so that a new
// version of the recipe reinstalls them.
type Versioned interface {
	RecipeVersion() string
}

// LiveData is a Backer whose parts keep files under the instance that a
// running server writes (a database cluster): a backup leaves them out,
// since a copy taken while they change is no copy, and the dumps of the
// databases in them stand for them.
type LiveData interface {
	LiveData(p *Part) []string
}

// Verifier is a recipe whose parts keep something assemble verify does
// not know of: a cache it fills and uses again, such as downloads. (The
// files a part installs, the revision's binaries and the store entries,
// verify checks itself.)
type Verifier interface {
	// Verify checks what the part keeps, and with repair makes again
	// what it finds wrong. Its host writes no files.
	Verify(ctx context.Context, p *Part, h Host, repair bool) ([]Finding, error)
}

// Finding is something a Verifier found not as it should be.
type Finding struct {
	Path     string // the file at fault
	Detail   string // what is wrong, with the expected and actual hashes
	Repaired bool
}

// Registry holds the recipes a part may name, by name. The command line
// gives the engine its registry; the engine knows no recipe of its own.
type Registry map[string]Recipe

// Lookup returns the recipe called name.
func (r Registry) Lookup(name string) (Recipe, bool) {
	rec, ok := r[name]
	return rec, ok
}

// Names returns the names of the registry's recipes, sorted.
func (r Registry) Names() []string {
	names := make([]string, 0, len(r))
	for n := range r {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
