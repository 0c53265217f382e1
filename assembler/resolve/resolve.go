// Package resolve picks the version of every Go module an instance
// builds. The go command does all fetching and verifying; this package
// decides what to ask it for:
//
//  1. each module a go.build part names gets a version: its pin, else the
//     version picked last time (unless the newest is asked for), else the
//     newest version its constraint allows, from go list -m -versions.
//     These queries run in parallel.
//  2. a generated wrapper module requires those versions and every pin,
//     and replaces overlaid modules with the developers' checkouts; go list
//     -deps loads the parts' packages in it, which selects the rest of the
//     build list by minimal version selection and records every module's
//     hash in go.sum.
//
// All go.build parts of an instance share one build list, as all parts
// of a buildout share one working set: a module has one version per
// instance.
package resolve

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/assemble-build/assemble/assembler/gocmd"
	"github.com/assemble-build/assemble/assembler/lock"
	"github.com/assemble-build/assemble/assembler/overlay"
)

// Want is what one go.build part asks for.
type Want struct {
	Part       string
	Module     string
	Constraint string // Masterminds syntax; empty for the newest release
	At         string // where the constraint is written, file:line
	Packages   []string
	Tags       []string
	Env        map[string]string // the part's build environment (GOOS, …)
	CGO        bool
}

// Pin is an exact version from the versions map.
type Pin struct {
	Version string
	At      string // file:line
}

// Check is a lock to verify hashes against.
type Check struct {
	Lock *lock.Lock
	Name string // what to call it in messages: a file, or "the instance's lock"
}

// Request is everything resolution depends on.
type Request struct {
	Wants    []Want
	Pins     map[string]Pin
	Previous map[string]string // module → version picked by the last install
	Newest   bool
	Overlays []overlay.Overlay
	Env      *gocmd.Env
	Offline  bool
	Checks   []Check
}

// Reason says why a module has its version.
type Reason struct {
	Kind   string // pin, overlay, previous, constraint, exact, newest, dependency
	Detail string
}

func (r Reason) String() string {
	switch r.Kind {
	case "pin":
		return "pinned at " + r.Detail
	case "constraint":
		return "newest allowed by " + r.Detail
	case "exact":
		return "named by " + r.Detail
	case "newest":
		return "newest release"
	case "previous":
		return "kept from the last install"
	case "overlay":
		return "overlay " + r.Detail
	}
	if r.Detail == "" {
		return r.Kind
	}
	return r.Detail
}

// Module is one module of the build list that provides packages.
type Module struct {
	Path string
	// Version is the version built; Required is the version the wrapper
	// requires (they differ for an overlaid module).
	Version    string
	Required   string
	Sum        string // h1: hash of the zip; empty for an overlay
	GoModSum   string
	Dir        string
	GoVersion  string
	Overlay    *overlay.Overlay
	Why        Reason
	Constraint string   // the constraints of the parts that build it
	Parts      []string // parts that build it
	RequiredBy []string // module@version that require this version
	Forced     bool     // forced by a replace directive (a downgrading pin)
}

// Part is the result for one go.build part.
type Part struct {
	Name   string
	Module *Module
	// Reaches lists the modules that provide the part's packages.
	Reaches []string
	// Packages lists the import paths its build compiles, sorted.
	Packages []string
	// GoLine and Godebug are the go and godebug lines of the built
	// module's go.mod.
	GoLine  string
	Godebug [][2]string
}

// Result is a resolved build list.
type Result struct {
	// Key names the request the result answers; see Key.
	Key       string
	GoVersion string
	Modules   []*Module // sorted by path
	Parts     map[string]*Part
	GoSum     []byte
	Warnings  []string
	byPath    map[string]*Module
	pins      map[string]Pin
}

// Module returns the module with path p, or nil.
func (r *Result) Module(p string) *Module { return r.byPath[p] }

// Unpinned returns the modules that have no pin and are not overlaid:
// the picked versions.
func (r *Result) Unpinned() []*Module {
	var out []*Module
	for _, m := range r.Modules {
		if m.Overlay == nil && r.pins[m.Path].Version != m.Version {
			out = append(out, m)
		}
	}
	return out
}

// Resolve resolves req. It writes nothing but the go command's module
// cache and a temporary directory it removes.
func Resolve(ctx context.Context, req *Request) (*Result, error) {
	env := req.Env
	if req.Offline {
		env = env.Offline()
	}
	// The go command fetches as many modules at once as GOMAXPROCS says;
	// fetching waits on the network, not the CPU, so give it more.
	env = env.With(map[string]string{"GOMAXPROCS": fmt.Sprint(fetchParallelism)})
	r := &resolver{req: req, env: env, overlays: map[string]*overlay.Overlay{}}
	for i := range req.Overlays {
		r.overlays[req.Overlays[i].Module] = &req.Overlays[i]
	}
	dir, err := os.MkdirTemp("", "assemble-resolve-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	r.dir = dir
	// Queries run inside an empty module of their own, so that no go.mod
	// above the temporary directory can take part.
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module assemble.invalid/resolve\n"), 0o644); err != nil {
		return nil, err
	}
	if err := r.pickRoots(ctx); err != nil {
		return nil, err
	}
	res, err := r.load(ctx)
	if err != nil {
		return nil, err
	}
	res.Key = Key(req, res.GoVersion)
	return res, nil
}

// fetchParallelism is how many fetches the go command makes at once.
const fetchParallelism = 32

type resolver struct {
	req      *Request
	env      *gocmd.Env
	dir      string
	overlays map[string]*overlay.Overlay
	roots    []*root
}

// root is a module some part builds.
type root struct {
	path    string
	wants   []Want
	version string
	why     Reason
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
