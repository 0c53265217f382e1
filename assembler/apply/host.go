package apply

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/zclconf/go-cty/cty/function"

	"github.com/assemble-build/assemble/assembler/fsutil"
	"github.com/assemble-build/assemble/assembler/gocmd"
	"github.com/assemble-build/assemble/assembler/instance"
	"github.com/assemble-build/assemble/assembler/plan"
	"github.com/assemble-build/assemble/assembler/progress"
	"github.com/assemble-build/assemble/assembler/store"
	"github.com/assemble-build/assemble/assembler/txn"
	"github.com/assemble-build/assemble/recipes/recipe"
)

// host is what a recipe installs one part through (recipe.Host): the
// part, and what the engine lends it, no more.
type host struct {
	p     *plan.Part
	in    *instance.Instance
	tx    *txn.Txn // nil for a step that writes no files
	rev   string   // the revision directory
	phase string   // install, update or activate
	step  string   // "[3/12]": an install's progress is numbered

	store   *store.Store
	goEnv   *gocmd.Env // nil when no part builds modules
	offline bool
	funcs   map[string]function.Function
	report  progress.Func                // what the run is doing
	log     io.Writer                    // the output of programs
	started func(pid int) (ended func()) // a program started
	verify  func(part string) error      // the module sources a part's build reads
	built   *sync.Map                    // key → new entry, when rebuilding: the store is not used
	group   []string                     // the parts installed with this one, by one InstallGroup
	pkgs    int                          // how many packages a go build for them compiles
	changed bool                         // activation: the switch changed the part

	links   *links    // the directories of the instance known to be no links
	targets *sync.Map // every path the install's parts write → the part
	wrote   func(path string) bool
	warn    func(format string, args ...any)

	mu    sync.Mutex
	paths []instance.Path // what the part made
}

func (r *Run) host(p *plan.Part, tx *txn.Txn, rev, phase string) *host {
	return &host{p: p, in: r.Instance, tx: tx, rev: rev, phase: phase, links: &r.links, targets: &r.targets, wrote: r.wrote, warn: r.warn,
		store: r.Store, goEnv: r.Go, offline: r.Offline, funcs: r.Funcs, report: r.Progress, log: r, started: r.started, verify: r.verifySources}
}

func (h *host) record(x instance.Path) {
	h.mu.Lock()
	h.paths = append(h.paths, x)
	h.mu.Unlock()
}

func (h *host) errorf(format string, args ...any) error {
	return fmt.Errorf("part %s: "+format, append([]any{h.p.Part.Name}, args...)...)
}

// check refuses a path outside the instance unless the part allows it,
// and any path of assemble's own (code/, .assemble/, bin/), as written or
// through a symbolic link, and makes the path's directory. The writes
// themselves go through the instance's tree, which no link can lead out
// of.
func (h *host) check(path string) error {
	in := h.in
	switch {
	case h.tx == nil:
		return h.errorf("the %s step cannot write %s: files are written at install only", h.phase, path)
	case !filepath.IsAbs(path):
		return h.errorf("%s is not an absolute path", path)
	case !fsutil.Within(in.Dir, path):
		if !h.p.Outside {
			return h.errorf("%s is outside the instance; a part writes only inside it unless it sets allow_outside_instance = true", path)
		}
		return h.parents(path)
	case own(in, path):
		return h.errorf("%s is assemble's own; write into etc/, var/, run/, tmp/ or other directories of the instance", path)
	}
	if link, to := h.links.follow(in.Dir, path); link != "" {
		target, _ := os.Readlink(link)
		switch {
		case filepath.IsAbs(target):
			return h.errorf("%s goes through the link %s to %s; a part writes only through relative links that stay in the instance", path, link, target)
		case !fsutil.Within(h.links.dir(in.Dir), to):
			return h.errorf("%s leads out of the instance, to %s, through the link %s; a part writes only inside it", path, to, link)
		case own(&instance.Instance{Dir: h.links.dir(in.Dir)}, to):
			return h.errorf("%s leads into assemble's own %s through the link %s", path, to, link)
		}
	}
	return h.parents(path)
}

// own reports whether path, as written, is in one of the instance's
// directories that are assemble's own.
func own(in *instance.Instance, path string) bool {
	return fsutil.Within(in.Code(), path) || fsutil.Within(in.Meta(), path) || fsutil.Within(filepath.Join(in.Dir, "bin"), path)
}

// parents makes path's directory, recording the directories it made as
// the part's, so that uninstalling the part removes them when empty.
func (h *host) parents(path string) error {
	made, err := h.tx.Mkdir(filepath.Dir(path), 0o755)
	if err != nil {
		return h.errorf("%w", err)
	}
	for _, d := range made {
		h.record(instance.Path{Path: d, Kind: "dir"})
	}
	return nil
}

func (h *host) WriteFile(path string, data []byte, mode fs.FileMode) error {
	// A file in the instance with the very content is taken as the
	// part's: nothing is lost (a restore puts back what the part writes).
	// Outside it, the file may be another's, which removing the part
	// would delete.
	same := func() bool {
		if !fsutil.Within(h.in.Dir, path) {
			return false
		}
		old, err := os.ReadFile(path)
		return err == nil && bytes.Equal(old, data)
	}
	return h.put(path, "file", same, func() (string, error) { return h.tx.PutFile(path, data, mode) })
}

func (h *host) CopyFile(src, path string, mode fs.FileMode) error {
	return h.put(path, "file", nil, func() (string, error) { return h.tx.PutCopy(src, path, mode) })
}

func (h *host) Symlink(target, path string) error {
	return h.put(path, "symlink", nil, func() (string, error) { return target, h.tx.PutSymlink(target, path) })
}

// put stages what stage makes at path, after the checks every write
// has, and records it with the hash stage returns.
func (h *host) put(path, kind string, same func() bool, stage func() (string, error)) error {
	if err := h.check(path); err != nil {
		return err
	}
	keep, err := h.claim(path, same)
	if err != nil {
		return err
	}
	hash, err := stage()
	if err != nil {
		return h.errorf("%w", err)
	}
	if keep {
		saved := h.tx.KeepAside(path)
		h.warn("part %s: %s was there, and assemble had not written it; it is kept as %s", h.p.Part.Name, path, saved)
	}
	h.record(instance.Path{Path: path, Kind: kind, Hash: hash})
	return nil
}

// claim takes path for the part. A path another part of the install
// writes is refused, and so is one where something assemble did not
// write is, unless the part says replace = true: then keep says to keep
// what is there beside the new one.
func (h *host) claim(path string, same func() bool) (keep bool, err error) {
	if other, dup := h.targets.LoadOrStore(path, h.p.Part.Name); dup && other != h.p.Part.Name {
		return false, h.errorf("%s is a target of part %s too; two parts cannot write one path", path, other)
	}
	if fi, err := os.Lstat(path); err != nil || h.wrote(path) || fi.Mode().IsRegular() && same != nil && same() {
		return false, nil
	}
	if !h.p.Replace {
		return false, h.errorf("%s is there, and assemble did not write it; move it away, or set replace = true on the part to keep it beside the new one, as %s.assemble-saved", path, filepath.Base(path))
	}
	return true, nil
}

func (h *host) Mkdir(path string, mode fs.FileMode) error {
	if err := h.check(path); err != nil {
		return err
	}
	made, err := h.tx.Mkdir(path, mode)
	if err != nil {
		return h.errorf("%w", err)
	}
	if len(made) > 0 {
		if err := os.Chmod(path, mode); err != nil {
			return err
		}
	}
	h.record(instance.Path{Path: path, Kind: "dir"})
	return nil
}

func (h *host) StageDir(path string, fill func(dir string) error) error {
	return h.put(path, "tree", nil, func() (string, error) { return "", h.tx.PutTree(path, fill) })
}

func (h *host) Track(path string) error {
	if err := h.check(path); err != nil {
		return err
	}
	if _, err := h.claim(path, nil); err != nil {
		return err
	}
	_, err := os.Lstat(path)
	h.tx.Track(path, err == nil)
	h.record(instance.Path{Path: path, Kind: "tracked"})
	return nil
}

// hashTracked records the content of the files the part's programs made,
// once they have made them, so that an edit by hand shows.
func (h *host) hashTracked() {
	for i := range h.paths {
		x := &h.paths[i]
		if fi, err := os.Lstat(x.Path); x.Kind == "tracked" && err == nil && fi.Mode().IsRegular() {
			x.Hash = plan.FileHash(x.Path)
		}
	}
}

func (h *host) Revision() string { return h.rev }

func (h *host) Bin(name, file string) error {
	if name == "" || name != filepath.Base(name) || name == "." || name == ".." {
		return h.errorf("%q is not a program's name: bin/ holds programs by name only", name)
	}
	dst := filepath.Join(h.rev, "bin", name)
	os.Remove(dst)
	return store.Link(file, dst)
}

func (h *host) Store(key string, build func(dir string) error) (string, error) {
	if h.built == nil {
		return h.store.Get(key, build)
	}
	dir, err := h.store.Build(key, build)
	if err == nil {
		h.built.Store(key, dir)
	}
	return dir, err
}

func (h *host) Stored(key string) (string, bool) {
	if h.built != nil {
		return "", false
	}
	return h.store.Lookup(key)
}

func (h *host) Cache(name string) string {
	return filepath.Join(h.in.Root, "cache", "download", name)
}

func (h *host) Offline() bool { return h.offline }

func (h *host) Functions() map[string]function.Function { return h.funcs }

func (h *host) Changed() bool { return h.changed }

func (h *host) Progress(format string, args ...any) {
	h.send(fmt.Sprintf(format, args...), nil)
}

// send sends a progress event for the part; a build's names every part
// it builds for. An install says nothing of the parts it keeps (they
// have no step).
func (h *host) send(msg string, b *progress.Build) {
	var label string
	switch {
	case h.report == nil:
		return
	case b != nil && len(h.group) > 1:
		label = h.who() // one build for several numbered steps
	case h.phase != "install":
		label = h.phase + " " + h.p.Part.Name
	case h.step != "":
		label = h.step + " " + h.p.Part.Name
	default:
		return
	}
	h.report(progress.Event{Line: label + ": " + msg, Part: h.p.Part.Name, Label: label, Build: b})
}

func (h *host) Go(ctx context.Context, dir string, env map[string]string, args ...string) error {
	failpoint("building")
	if h.goEnv == nil {
		return h.errorf("the go command is not set up: the part's recipe does not say it builds modules")
	}
	goenv := h.goEnv
	if h.offline {
		goenv = goenv.Offline()
	}
	environ := goenv.With(env).List()
	var err error
	if len(args) > 0 && args[0] == "build" {
		var checkErr error
		if err, checkErr = h.build(ctx, dir, environ, args[1:]); checkErr != nil {
			return h.errorf("%w", checkErr)
		}
	} else if err = h.verifyModules(); err != nil {
		return h.errorf("%w", err)
	} else {
		err = h.run(ctx, append([]string{"go"}, args...), dir, environ, nil, nil)
	}
	if err != nil {
		if len(h.group) > 1 {
			return fmt.Errorf("parts %s: %w", h.who(), err)
		}
		return h.errorf("%w", err)
	}
	return nil
}

// build runs go build with -v -json, whose events say how far it has
// got, while the module sources it reads are checked: a build runs none
// of their code, and its outputs are used only if they pass. Other go
// commands are checked before they run.
func (h *host) build(ctx context.Context, dir string, environ, args []string) (err, checkErr error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	checked := make(chan error, 1)
	go func() {
		err := h.verifyModules()
		if err != nil {
			cancel()
		}
		checked <- err
	}()
	ev := h.newEvents()
	err = h.run(ctx, append([]string{"go", "build", "-v", "-json"}, args...), dir, environ, ev.wrap, nil)
	ev.done(err == nil)
	return err, <-checked
}

// verifyModules checks the module sources the part's go commands read;
// a build for a group reads those of every part in it.
func (h *host) verifyModules() error {
	for _, name := range append([]string{h.p.Part.Name}, h.group...) {
		if err := h.verify(name); err != nil {
			return err
		}
	}
	return nil
}

var _ recipe.Host = (*host)(nil)
