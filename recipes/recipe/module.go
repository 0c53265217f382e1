package recipe

import "context"

// ModuleRecipe is a recipe whose parts build Go modules. Before anything
// is installed, the engine resolves the versions of the modules that all
// the parts of an instance want, together (a module has one version in an
// instance, as a buildout has one working set), through the go command,
// with pins and developer overlays applied; it then evaluates the config
// again with what it found, and gives each part its Module.
type ModuleRecipe interface {
	Recipe
	// Wants says what part p builds; nil when it builds nothing.
	Wants(p *Part) *Want
	// StoreKey names what part p makes, from its options and p.Module:
	// parts with equal keys make equal outputs, which the instances of a
	// root share in the store (Host.Store). The key counts in the part's
	// digest, and gc keeps the store entries that a revision names.
	StoreKey(p *Part) string
}

// GroupRecipe is a recipe that installs several of its parts at once
// where they can share the work: go.build parts with the same build list
// and settings are built by one go build, which loads and links them
// together. Each part still has its own outputs (its StoreKey), and one
// whose inputs did not change is kept as it is, not installed again.
type GroupRecipe interface {
	Recipe
	// Group names what part p can share: the parts of one install that
	// the engine installs, whose Group is the same and not empty, and that
	// depend on no other part, it installs with one InstallGroup.
	Group(p *Part) string
	// InstallGroup installs parts, each through its own host (hosts[i]
	// for parts[i]), as Install would one by one.
	InstallGroup(ctx context.Context, parts []*Part, hosts []Host) error
}

// Want is what one part asks version resolution for.
type Want struct {
	Module string
	// Constraint is a version constraint in Masterminds semver syntax
	// (^1.4); empty for the newest release. A pin in versions wins.
	Constraint string
	// Packages are the import paths of the packages the part builds.
	Packages []string
	// Tags, Env (GOOS, GOARCH…) and CGO decide which files, and so which
	// dependencies, the packages have.
	Tags []string
	Env  map[string]string
	CGO  bool
	// At names the options Module and Constraint come from, the one a
	// message about the version should point at first.
	At []string
}

// Module is what version resolution found for the module a part builds.
type Module struct {
	Path    string
	Version string // the version built, or "(devel)" for an overlay
	Sum     string // h1: hash of the module zip; empty for an overlay
	Dir     string // source directory: the module cache or the overlay checkout
	Overlay string // the overlay's directory under code/local, if any

	// GoMod and GoSum make the module the part is built in: it requires
	// the instance's build list, and replaces overlaid modules with the
	// developers' checkouts by relative paths (../../local/NAME), which
	// hold from a directory two levels into the revision: write them into
	// Revision()/build/PART.
	GoMod, GoSum []byte
	// Key names everything the build reads besides the part's options:
	// the go command and its target, the go.mod's go and godebug lines,
	// and each module the part's packages come from, by its hash.
	Key string
	// Packages are the import paths the part's build compiles: its
	// packages and all they import, standard library included (for
	// progress: how far a build has got).
	Packages []string
}
