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
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/Masterminds/semver/v3"
	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	gosemver "golang.org/x/mod/semver"

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
	Kind   string // pin, overlay, previous, constraint, newest, dependency
	Detail string
}

func (r Reason) String() string {
	switch r.Kind {
	case "pin":
		return "pinned at " + r.Detail
	case "constraint":
		return "newest allowed by " + r.Detail
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

// Error kinds, for the command line's exit codes.
var ErrResolve = errors.New("version resolution failed")

// Error is a resolution failure.
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return ErrResolve }

func errorf(format string, args ...any) error { return &Error{Msg: fmt.Sprintf(format, args...)} }

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

func (r *resolver) pickRoots(ctx context.Context) error {
	byPath := map[string]*root{}
	for _, w := range r.req.Wants {
		rt := byPath[w.Module]
		if rt == nil {
			rt = &root{path: w.Module}
			byPath[w.Module] = rt
			r.roots = append(r.roots, rt)
		}
		rt.wants = append(rt.wants, w)
	}
	sort.Slice(r.roots, func(i, j int) bool { return r.roots[i].path < r.roots[j].path })

	// Pick what needs no query first; then ask for the versions of every
	// other module in one go command, which queries them in parallel.
	var errs []error
	var query []*root
	for _, rt := range r.roots {
		done, err := r.pickKnown(rt)
		if err != nil {
			errs = append(errs, err)
		} else if !done {
			query = append(query, rt)
		}
	}
	if len(query) > 0 {
		versions, qerrs := r.listVersions(ctx, query)
		for _, rt := range query {
			if err := qerrs[rt.path]; err != nil {
				errs = append(errs, err)
				continue
			}
			errs = append(errs, r.pickNewest(rt, versions[rt.path]))
		}
	}
	return joinErrors(errs)
}

func joinErrors(errs []error) error {
	var msgs []string
	for _, err := range errs {
		if err != nil {
			msgs = append(msgs, err.Error())
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	return &Error{Msg: strings.Join(msgs, "\n")}
}

// fetchParallelism is how many fetches the go command makes at once.
const fetchParallelism = 32

// placeholder is the version required for an overlaid module that has no
// better one; the overlay replaces every version anyway.
const placeholder = "v0.0.0-00010101000000-000000000000"

// pickKnown picks a version that needs no query: an overlay's, a pin,
// or the previous pick. It reports whether it picked one.
func (r *resolver) pickKnown(rt *root) (bool, error) {
	cons, err := rt.constraints()
	if err != nil {
		return true, err
	}
	pin, pinned := r.req.Pins[rt.path]
	switch {
	case r.overlays[rt.path] != nil:
		rt.version, rt.why = placeholder, Reason{Kind: "overlay", Detail: r.overlays[rt.path].Dir}
		if pinned {
			rt.version = pin.Version
		} else if prev := r.req.Previous[rt.path]; prev != "" {
			rt.version = prev
		}
		return true, nil
	case pinned:
		rt.version, rt.why = pin.Version, Reason{Kind: "pin", Detail: pin.At}
		for i, c := range cons {
			if c != nil && !satisfies(c, pin.Version) {
				rt.why.Detail += fmt.Sprintf(" (outside %s of part %s)", rt.wants[i].Constraint, rt.wants[i].Part)
			}
		}
		return true, nil
	}
	if prev := r.req.Previous[rt.path]; prev != "" && !r.req.Newest && allSatisfy(cons, prev) {
		rt.version, rt.why = prev, Reason{Kind: "previous"}
		return true, nil
	}
	return false, nil
}

// pickNewest picks the newest of versions that the constraints allow.
func (r *resolver) pickNewest(rt *root, versions []string) error {
	cons, _ := rt.constraints()
	best := newest(versions, cons)
	if best == "" {
		return r.noMatch(rt, versions)
	}
	rt.version = best
	if hasConstraint(rt.wants) {
		var cs []string
		for _, w := range rt.wants {
			if w.Constraint != "" {
				cs = append(cs, w.Constraint)
			}
		}
		rt.why = Reason{Kind: "constraint", Detail: strings.Join(cs, ", ")}
	} else {
		rt.why = Reason{Kind: "newest"}
	}
	return nil
}

func hasConstraint(ws []Want) bool {
	for _, w := range ws {
		if w.Constraint != "" {
			return true
		}
	}
	return false
}

func (rt *root) constraints() ([]*semver.Constraints, error) {
	cons := make([]*semver.Constraints, len(rt.wants))
	for i, w := range rt.wants {
		if w.Constraint == "" {
			continue
		}
		c, err := semver.NewConstraint(w.Constraint)
		if err != nil {
			return nil, errorf("%s: part %s: invalid version constraint %q: %v", w.At, w.Part, w.Constraint, err)
		}
		cons[i] = c
	}
	return cons, nil
}

func satisfies(c *semver.Constraints, v string) bool {
	sv, err := semver.NewVersion(v)
	return err == nil && c.Check(sv)
}

func allSatisfy(cons []*semver.Constraints, v string) bool {
	for _, c := range cons {
		if c != nil && !satisfies(c, v) {
			return false
		}
	}
	return true
}

// newest returns the newest version every constraint allows. Without
// constraints, that is the newest release; pre-releases are picked only
// when a constraint asks for one, as Masterminds constraints do.
func newest(versions []string, cons []*semver.Constraints) string {
	best := ""
	var bestV *semver.Version
	for _, v := range versions {
		if module.IsPseudoVersion(v) {
			continue
		}
		sv, err := semver.NewVersion(v)
		if err != nil {
			continue
		}
		ok := true
		any := false
		for _, c := range cons {
			if c == nil {
				continue
			}
			any = true
			if !c.Check(sv) {
				ok = false
			}
		}
		if !any && sv.Prerelease() != "" {
			ok = false
		}
		if ok && (bestV == nil || sv.GreaterThan(bestV)) {
			best, bestV = v, sv
		}
	}
	return best
}

func (r *resolver) noMatch(rt *root, versions []string) error {
	avail := "none"
	if len(versions) > 0 {
		avail = strings.Join(versions, ", ")
	}
	var why []string
	for _, w := range rt.wants {
		if w.Constraint != "" {
			why = append(why, fmt.Sprintf("%s (part %s, %s)", w.Constraint, w.Part, w.At))
		}
	}
	if len(why) == 0 {
		return errorf("%s: no release to pick; available: %s. Pin a version in versions, or give a version constraint that allows a pre-release.", rt.path, avail)
	}
	return errorf("%s: no version matches %s; available: %s", rt.path, strings.Join(why, " and "), avail)
}

// listVersions asks the go command for the versions of the roots'
// modules, without retracted ones, in one command.
func (r *resolver) listVersions(ctx context.Context, roots []*root) (map[string][]string, map[string]error) {
	args := []string{"list", "-m", "-json", "-versions"}
	for _, rt := range roots {
		args = append(args, rt.path)
	}
	versions := map[string][]string{}
	errs := map[string]error{}
	out, runErr := r.env.Run(ctx, r.dir, args...)
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var m struct {
			Path     string
			Versions []string
			Error    *struct{ Err string }
		}
		if err := dec.Decode(&m); err != nil {
			break
		}
		if m.Error != nil {
			errs[m.Path] = r.goError(m.Path, errors.New(m.Error.Err))
			continue
		}
		versions[m.Path] = m.Versions
	}
	for _, rt := range roots {
		if _, ok := versions[rt.path]; !ok && errs[rt.path] == nil {
			err := runErr
			if err == nil {
				err = errors.New("the go command listed no versions")
			}
			errs[rt.path] = r.goError(rt.path, err)
		}
	}
	return versions, errs
}

var (
	mismatchRE  = regexp.MustCompile(`verifying (\S+)@(v[^:\s/]+)(/go\.mod)?: checksum mismatch\s+downloaded: (h1:\S+)\s+go\.sum:\s+(h1:\S+)`)
	unreachable = regexp.MustCompile(`dial tcp|connection refused|no such host|i/o timeout|TLS handshake|network is unreachable`)
	notFound    = regexp.MustCompile(`404 Not Found|410 Gone|no such file or directory|not found|unknown revision|invalid version`)
)

// goError turns a go command failure about module path into a message
// that says what is wrong in assemble's terms.
func (r *resolver) goError(path string, err error) error {
	msg := err.Error()
	var ge *gocmd.Error
	if errors.As(err, &ge) {
		msg = strings.TrimSpace(ge.Stderr)
		if msg == "" {
			msg = ge.Err.Error()
		}
	}
	msg = strings.TrimPrefix(msg, "go: ")
	if m := mismatchRE.FindStringSubmatch(msg); m != nil {
		what := "zip"
		if m[3] != "" {
			what = "go.mod"
		}
		return &Error{Msg: (&lock.MismatchError{Path: m[1], Version: m[2], What: what, Got: m[4], Locked: m[5], Lock: r.lockName(m[1], m[2])}).Error()}
	}
	proxy := r.env.Get("GOPROXY")
	switch {
	case strings.Contains(msg, "sumdb") && unreachable.MatchString(msg):
		sumdb := r.env.Get("GOSUMDB")
		if sumdb == "" {
			sumdb = "sum.golang.org"
		}
		return errorf("%s: cannot reach the checksum database (GOSUMDB=%s) to verify it; for private modules set GONOSUMDB or GOPRIVATE in buildout.go_env:\n\t%s", path, sumdb, msg)
	case r.req.Offline && notFound.MatchString(msg):
		return errorf("%s: not in the module cache (offline; GOMODCACHE=%s). Run once without --offline to fetch it.\n\t%s", path, r.env.Get("GOMODCACHE"), msg)
	case unreachable.MatchString(msg):
		return errorf("%s: cannot reach the module proxy (GOPROXY=%s):\n\t%s", path, proxy, msg)
	case notFound.MatchString(msg):
		return errorf("%s: unknown module or version on GOPROXY=%s:\n\t%s", path, proxy, msg)
	}
	return errorf("%s: %s", path, msg)
}

func (r *resolver) lockName(path, version string) string {
	for _, c := range r.req.Checks {
		if m := c.Lock.Module(path); m != nil && m.Version == version {
			return c.Name
		}
	}
	return "go.sum"
}

// wrapperGoMod writes the module in which resolution loads the parts'
// packages.
func (r *resolver) wrapperGoMod(goVersion string, forced map[string]string) []byte {
	f := &modfile.File{}
	f.AddModuleStmt("assemble.invalid/resolve")
	f.AddGoStmt(goVersion)
	required := map[string]bool{}
	for _, rt := range r.roots {
		f.AddNewRequire(rt.path, rt.version, false)
		required[rt.path] = true
	}
	for _, p := range sortedKeys(r.req.Pins) {
		if !required[p] && r.overlays[p] == nil {
			f.AddNewRequire(p, r.req.Pins[p].Version, true)
		}
	}
	for _, p := range sortedKeys(forced) {
		_ = f.AddReplace(p, "", p, forced[p])
	}
	for _, o := range r.req.Overlays {
		_ = f.AddReplace(o.Module, "", o.Dir, "")
	}
	f.Cleanup()
	out, _ := f.Format()
	return out
}

// seedGoSum writes the hashes of the locks into go.sum, so that the go
// command itself refuses a download whose content differs.
func (r *resolver) seedGoSum() []byte {
	var lines []string
	for _, c := range r.req.Checks {
		if c.Lock == nil {
			continue
		}
		for _, m := range c.Lock.Modules {
			if m.Hash != "" {
				lines = append(lines, fmt.Sprintf("%s %s %s", m.Path, m.Version, m.Hash))
			}
			if m.GoMod != "" {
				lines = append(lines, fmt.Sprintf("%s %s/go.mod %s", m.Path, m.Version, m.GoMod))
			}
		}
	}
	sort.Strings(lines)
	if len(lines) == 0 {
		return nil
	}
	return []byte(strings.Join(lines, "\n") + "\n")
}

// listed is a package as go list -deps -json shows it.
type listed struct {
	ImportPath string
	Standard   bool
	Deps       []string
	Module     *listedModule
	Error      *struct{ Err string }
	DepsErrors []*struct{ Err string }
}

type listedModule struct {
	Path      string
	Version   string
	Replace   *listedModule
	Dir       string
	GoMod     string
	GoVersion string
	Main      bool
}

func (r *resolver) load(ctx context.Context) (*Result, error) {
	goVersion, err := r.env.Version(ctx)
	if err != nil {
		return nil, err
	}
	res := &Result{GoVersion: goVersion, Parts: map[string]*Part{}, byPath: map[string]*Module{}, pins: r.req.Pins}
	if len(r.roots) == 0 {
		return res, nil
	}
	gomodVersion := strings.TrimPrefix(goVersion, "go")
	if i := strings.IndexAny(gomodVersion, " -"); i >= 0 {
		gomodVersion = gomodVersion[:i]
	}
	if err := os.WriteFile(filepath.Join(r.dir, "go.sum"), r.seedGoSum(), 0o644); err != nil {
		return nil, err
	}
	forced := map[string]string{}
	var pkgs map[string]*listed
	for round := 0; ; round++ {
		if err := os.WriteFile(filepath.Join(r.dir, "go.mod"), r.wrapperGoMod(gomodVersion, forced), 0o644); err != nil {
			return nil, err
		}
		pkgs, err = r.listPackages(ctx)
		if err != nil {
			return nil, err
		}
		// A pin below what some module requires loses to minimal version
		// selection; force it with a replace, as buildout forces its pins.
		again := false
		for _, p := range pkgs {
			if m := p.Module; m != nil && !m.Main && m.Replace == nil {
				if pin, ok := r.req.Pins[m.Path]; ok && m.Version != pin.Version && forced[m.Path] == "" {
					forced[m.Path] = pin.Version
					res.Warnings = append(res.Warnings, fmt.Sprintf("%s: pinned to %s (%s), below the %s the build requires; building with the pin", m.Path, pin.Version, pin.At, m.Version))
					again = true
				}
			}
		}
		if !again || round > 0 {
			break
		}
	}
	sums, err := readGoSum(filepath.Join(r.dir, "go.sum"))
	if err != nil {
		return nil, err
	}
	res.GoSum, _ = os.ReadFile(filepath.Join(r.dir, "go.sum"))

	rootByPath := map[string]*root{}
	for _, rt := range r.roots {
		rootByPath[rt.path] = rt
	}
	for _, p := range pkgs {
		lm := p.Module
		if lm == nil || lm.Main || p.Standard || res.byPath[lm.Path] != nil {
			continue
		}
		m := &Module{Path: lm.Path, Version: lm.Version, Required: lm.Version, Dir: lm.Dir, GoVersion: lm.GoVersion}
		if rep := lm.Replace; rep != nil {
			m.Dir, m.GoVersion = rep.Dir, rep.GoVersion
			if rep.Version != "" {
				m.Version, m.Forced = rep.Version, true
			} else if o := r.overlays[lm.Path]; o != nil {
				m.Overlay = o
				m.Version = "(devel)" // as the go command says of a directory
			}
		}
		if m.Overlay == nil {
			m.Sum = sums[lm.Path+" "+m.Version]
			m.GoModSum = sums[lm.Path+" "+m.Version+"/go.mod"]
		}
		switch rt := rootByPath[m.Path]; {
		case m.Overlay != nil:
			m.Why = Reason{Kind: "overlay", Detail: m.Overlay.Dir}
		case rt != nil && rt.version == m.Version:
			m.Why = rt.why
		case r.req.Pins[m.Path].Version == m.Version:
			m.Why = Reason{Kind: "pin", Detail: r.req.Pins[m.Path].At}
		default:
			m.Why = Reason{Kind: "dependency"}
		}
		if rt := rootByPath[m.Path]; rt != nil {
			var cs []string
			for _, w := range rt.wants {
				m.Parts = append(m.Parts, w.Part)
				if w.Constraint != "" {
					cs = append(cs, w.Constraint)
				}
			}
			m.Constraint = strings.Join(cs, ", ")
		}
		res.byPath[m.Path] = m
		res.Modules = append(res.Modules, m)
	}
	sort.Slice(res.Modules, func(i, j int) bool { return res.Modules[i].Path < res.Modules[j].Path })

	if err := r.checkRoots(res, rootByPath); err != nil {
		return nil, err
	}
	if err := r.parts(res, pkgs); err != nil {
		return nil, err
	}
	if err := r.requiredBy(ctx, res); err != nil {
		return nil, err
	}
	var errs []error
	for _, c := range r.req.Checks {
		var mods []lock.Module
		for _, m := range res.Modules {
			if m.Overlay == nil {
				mods = append(mods, lock.Module{Path: m.Path, Version: m.Version, Hash: m.Sum, GoMod: m.GoModSum})
			}
		}
		errs = append(errs, c.Lock.Check(mods, c.Name)...)
	}
	if err := joinErrors(errs); err != nil {
		return nil, err
	}
	return res, nil
}

// listPackages loads every part's packages in the wrapper, once for each
// distinct build configuration (tags, GOOS, cgo…), and returns them by
// import path and configuration.
func (r *resolver) listPackages(ctx context.Context) (map[string]*listed, error) {
	type config struct {
		env  map[string]string
		tags []string
		pkgs []string
	}
	configs := map[string]*config{}
	var keys []string
	for _, w := range r.req.Wants {
		env := map[string]string{"CGO_ENABLED": "0"}
		if w.CGO {
			env["CGO_ENABLED"] = "1"
		}
		for k, v := range w.Env {
			env[k] = v
		}
		key := fmt.Sprint(env, w.Tags)
		c := configs[key]
		if c == nil {
			c = &config{env: env, tags: w.Tags}
			configs[key] = c
			keys = append(keys, key)
		}
		c.pkgs = append(c.pkgs, w.Packages...)
	}
	sort.Strings(keys)
	all := map[string]*listed{}
	for _, key := range keys {
		c := configs[key]
		args := []string{"list", "-e", "-deps", "-json=ImportPath,Standard,Deps,Module,Error,DepsErrors"}
		if len(c.tags) > 0 {
			args = append(args, "-tags="+strings.Join(c.tags, ","))
		}
		args = append(args, c.pkgs...)
		out, err := r.env.With(c.env).Run(ctx, r.dir, args...)
		if err != nil {
			return nil, r.goError(strings.Join(c.pkgs, " "), err)
		}
		dec := json.NewDecoder(bytes.NewReader(out))
		for {
			p := new(listed)
			if err := dec.Decode(p); err != nil {
				if err.Error() == "EOF" {
					break
				}
				return nil, errorf("reading go list output: %v", err)
			}
			all[key+"\x00"+p.ImportPath] = p
		}
	}
	return all, nil
}

// checkRoots reports a part's module whose selected version left its
// constraint because another module requires a newer one.
func (r *resolver) checkRoots(res *Result, roots map[string]*root) error {
	var errs []error
	for _, rt := range roots {
		m := res.byPath[rt.path]
		if m == nil || m.Overlay != nil || m.Version == rt.version || m.Forced {
			continue
		}
		cons, _ := rt.constraints()
		for i, c := range cons {
			if c != nil && !satisfies(c, m.Version) {
				errs = append(errs, errorf("%s: part %s's constraint %s (%s) allows %s, but the build needs %s, which another module requires", rt.path, rt.wants[i].Part, rt.wants[i].Constraint, rt.wants[i].At, rt.version, m.Version))
			}
		}
		m.Why = Reason{Kind: "dependency", Detail: fmt.Sprintf("raised from %s by a requirement", rt.version)}
	}
	return joinErrors(errs)
}

// parts works out, for each part, the modules its packages come from.
func (r *resolver) parts(res *Result, pkgs map[string]*listed) error {
	byPath := map[string][]*listed{}
	for _, p := range pkgs {
		byPath[p.ImportPath] = append(byPath[p.ImportPath], p)
	}
	var errs []error
	for _, w := range r.req.Wants {
		pr := &Part{Name: w.Part, Module: res.byPath[w.Module]}
		reach := map[string]bool{}
		for _, pkg := range w.Packages {
			ps := byPath[pkg]
			if len(ps) == 0 {
				errs = append(errs, errorf("part %s: package %s was not loaded", w.Part, pkg))
				continue
			}
			p := ps[0]
			if p.Error != nil {
				errs = append(errs, r.packageError(res, w, pkg, p.Error.Err))
				continue
			}
			for _, e := range p.DepsErrors {
				errs = append(errs, errorf("part %s: %s: %s", w.Part, pkg, e.Err))
			}
			if p.Module != nil && !p.Module.Main {
				reach[p.Module.Path] = true
			}
			for _, d := range p.Deps {
				for _, dp := range byPath[d] {
					if dp.Module != nil && !dp.Module.Main && !dp.Standard {
						reach[dp.Module.Path] = true
					}
				}
			}
		}
		pr.Reaches = sortedKeys(reach)
		if pr.Module == nil && len(errs) == 0 {
			errs = append(errs, errorf("part %s: no package of %s was built", w.Part, w.Module))
			continue
		}
		if pr.Module != nil {
			gm, err := readGoModFile(pr.Module)
			if err != nil {
				errs = append(errs, errorf("part %s: %v", w.Part, err))
			}
			if gm != nil {
				if gm.Go != nil {
					pr.GoLine = gm.Go.Version
				}
				for _, g := range gm.Godebug {
					pr.Godebug = append(pr.Godebug, [2]string{g.Key, g.Value})
				}
			}
		}
		res.Parts[w.Part] = pr
	}
	return joinErrors(errs)
}

// packageError explains why a part's package could not be loaded.
func (r *resolver) packageError(res *Result, w Want, pkg, msg string) error {
	msg = strings.TrimPrefix(msg, "go: ")
	version := ""
	for _, rt := range r.roots {
		if rt.path == w.Module {
			version = fmt.Sprintf("%s@%s (%s)", rt.path, rt.version, rt.why)
		}
	}
	switch {
	case strings.Contains(msg, "does not contain package") || strings.Contains(msg, "no required module provides package"):
		return errorf("part %s: package %s is not in %s", w.Part, pkg, version)
	case notFound.MatchString(msg) && strings.Contains(msg, w.Module+"@"):
		return errorf("part %s: %s: no such version on GOPROXY=%s:\n\t%s", w.Part, version, r.env.Get("GOPROXY"), msg)
	}
	return errorf("part %s: %s", w.Part, r.goError(pkg, errors.New(msg)).Error())
}

func readGoModFile(m *Module) (*modfile.File, error) {
	p := filepath.Join(m.Dir, "go.mod")
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	return modfile.ParseLax(p, data, nil)
}

// requiredBy finds, from the module graph, which modules require each
// dependency at the version selected.
func (r *resolver) requiredBy(ctx context.Context, res *Result) error {
	out, err := r.env.Run(ctx, r.dir, "mod", "graph")
	if err != nil {
		return r.goError("module graph", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		from, to, ok := strings.Cut(sc.Text(), " ")
		if !ok || !strings.Contains(from, "@") {
			continue // the wrapper module itself
		}
		path, version, _ := strings.Cut(to, "@")
		if m := res.byPath[path]; m != nil && m.Required == version {
			m.RequiredBy = append(m.RequiredBy, from)
		}
	}
	for _, m := range res.Modules {
		sort.Strings(m.RequiredBy)
		if m.Why.Kind == "dependency" && m.Why.Detail == "" && len(m.RequiredBy) > 0 {
			m.Why.Detail = "required by " + strings.Join(m.RequiredBy, ", ")
		}
	}
	return nil
}

func readGoSum(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	sums := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) == 3 {
			sums[f[0]+" "+f[1]] = f[2]
		}
	}
	return sums, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

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

// VersionsBlock writes a versions = { … } block pinning mods, to paste
// into a config.
func VersionsBlock(mods []*Module) string {
	var b strings.Builder
	b.WriteString("versions = {\n")
	width := 0
	for _, m := range mods {
		width = max(width, len(m.Path)+2)
	}
	for _, m := range mods {
		fmt.Fprintf(&b, "  %-*s = %q\n", width, `"`+m.Path+`"`, m.Version)
	}
	b.WriteString("}\n")
	return b.String()
}

// PickedError reports picked versions where allow_picked_versions is
// false.
type PickedError struct {
	Modules []*Module
	At      string // where allow_picked_versions = false is set
}

func (e *PickedError) Error() string {
	var b strings.Builder
	n := "1 module has"
	if len(e.Modules) > 1 {
		n = fmt.Sprintf("%d modules have", len(e.Modules))
	}
	fmt.Fprintf(&b, "picked versions are not allowed (allow_picked_versions = false, %s), and %s no pin:\n", e.At, n)
	for _, m := range e.Modules {
		fmt.Fprintf(&b, "\t%s %s (%s)\n", m.Path, m.Version, m.Why)
	}
	b.WriteString("Pin them; add to the versions of your config:\n\n")
	b.WriteString(strings.TrimSuffix(VersionsBlock(e.Modules), "\n"))
	return b.String()
}

func (e *PickedError) Unwrap() error { return ErrResolve }

// BuildGoMod writes the go.mod a part is built in: the whole build list
// required at its selected versions, pins forced where they had to be,
// overlays replaced by the directories overlayDir gives (relative ones,
// so that the binary does not depend on where the instance is), and the
// go and godebug lines of the module the part builds, so that its binaries
// get the same default GODEBUG settings go install would give them.
func (r *Result) BuildGoMod(part string, overlayDir func(*overlay.Overlay) string) ([]byte, error) {
	pr := r.Parts[part]
	if pr == nil {
		return nil, fmt.Errorf("no resolution for part %s", part)
	}
	f := &modfile.File{}
	f.AddModuleStmt("assemble.invalid/build")
	goLine := "1.21"
	if pr.GoLine != "" {
		goLine = pr.GoLine
	}
	for _, m := range r.Modules {
		if m.GoVersion != "" && gosemver.Compare("v"+m.GoVersion, "v"+goLine) > 0 {
			goLine = m.GoVersion
		}
	}
	f.AddGoStmt(goLine)
	for _, g := range pr.Godebug {
		_ = f.AddGodebug(g[0], g[1])
	}
	for _, m := range r.Modules {
		f.AddNewRequire(m.Path, m.Required, false)
		switch {
		case m.Overlay != nil:
			_ = f.AddReplace(m.Path, "", overlayDir(m.Overlay), "")
		case m.Forced:
			_ = f.AddReplace(m.Path, "", m.Path, m.Version)
		}
	}
	f.Cleanup()
	return f.Format()
}
