package recipe

import (
	"context"
	"io/fs"

	"github.com/zclconf/go-cty/cty/function"
)

// Host is what the engine offers a recipe while it installs a part.
// Every change goes through it: files, links and directories are staged,
// and replace what they replace only once every part has installed, and
// every path is recorded, so that an uninstall removes exactly what the
// part made and nothing else.
//
// During an update or activation step the file methods return an error:
// those steps run programs, and files are written only at install.
type Host interface {
	// WriteFile stages a file with content data.
	WriteFile(path string, data []byte, mode fs.FileMode) error
	// CopyFile stages a copy of the file src.
	CopyFile(src, path string, mode fs.FileMode) error
	// Symlink stages a symbolic link at path pointing to target.
	Symlink(target, path string) error
	// Mkdir makes a directory and its parents.
	Mkdir(path string, mode fs.FileMode) error
	// StageDir stages a directory tree that fill writes into the empty
	// directory it is given; it replaces path as a whole.
	StageDir(path string, fill func(dir string) error) error
	// Track records a path that a program the part runs makes. Call it
	// before the program runs: if the install fails, what is at path then
	// and was not before is removed, and once it succeeds, what is there is
	// the part's, recorded as what it made.
	Track(path string) error

	// Revision is the directory of the revision being built. Files that
	// belong to the revision, not the instance, go there (see
	// Spec.InRevision).
	Revision() string
	// Bin puts file into the revision's bin directory as name.
	Bin(name, file string) error
	// Store returns the directory of the store entry key (the part's
	// StoreKey), shared by every instance of the root, calling build to
	// fill a new one in the directory it is given when there is none.
	Store(key string, build func(dir string) error) (string, error)
	// Stored returns the store entry key, checked, if there is one: what
	// a recipe building for several parts at once (GroupRecipe) need not
	// build. While verify rebuilds a revision there is none.
	Stored(key string) (string, bool)
	// Cache returns the path of a file in the download cache shared by
	// every instance of the root.
	Cache(name string) string
	// Offline reports whether the network must not be used.
	Offline() bool

	// Go runs the go command in dir with the instance's go environment
	// and env added to it.
	Go(ctx context.Context, dir string, env map[string]string, args ...string) error
	// Run runs a program (argv[0] is looked up in PATH, with the
	// instance's bin first) in dir with env added to the environment.
	Run(ctx context.Context, argv []string, dir string, env map[string]string) error
	// RunAsUser runs a program as Run does, but as the instance's user
	// (Instance.User) when assemble runs as root for an instance with
	// one: a server the part sets up, which refuses to run as root.
	RunAsUser(ctx context.Context, argv []string, dir string, env map[string]string) error
	// Functions are the functions a template may call.
	Functions() map[string]function.Function
	// Progress says what the part is doing now, such as "building
	// ./cmd/lava-server".
	Progress(format string, args ...any)
	// Changed reports, during activation, whether the switch changed the
	// part: it was installed or reinstalled, or a part it refers to was
	// (a service's binary or configuration), or it comes back with a
	// revision switched back to. When the engine cannot tell (a run cut
	// short and finished later), every part has changed.
	Changed() bool
}
