package assembler

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"github.com/zclconf/go-cty/cty/function"

	"github.com/assemble-build/assemble/assembler/config"
	"github.com/assemble-build/assemble/assembler/instance"
	"github.com/assemble-build/assemble/assembler/store"
	"github.com/assemble-build/assemble/assembler/txn"
)

// host is what a recipe installs one part through.
type host struct {
	r          *run
	p          *planned
	tx         *txn.Txn
	stage      string
	n, total   int
	activating bool

	mu    sync.Mutex
	paths []instance.Path
}

func (h *host) record(x instance.Path) {
	h.mu.Lock()
	h.paths = append(h.paths, x)
	h.mu.Unlock()
}

// parents makes path's directory, recording the directories it made as
// the part's, so that uninstalling the part removes them when empty.
func (h *host) parents(path string) error {
	made, err := h.tx.Mkdir(filepath.Dir(path), 0o755)
	if err != nil {
		return fmt.Errorf("part %s: %w", h.p.part.Name, err)
	}
	for _, d := range made {
		h.record(instance.Path{Path: d, Kind: "dir"})
	}
	return nil
}

// check refuses a path outside the instance unless the part allows it,
// and makes its directory.
func (h *host) check(path string) error {
	if !filepath.IsAbs(path) {
		return fmt.Errorf("part %s: %s is not an absolute path", h.p.part.Name, path)
	}
	if !h.p.outside && !config.Within(h.r.in.Dir, path) {
		return fmt.Errorf("part %s: %s is outside the instance; a part writes only inside it unless it sets allow_outside_instance = true", h.p.part.Name, path)
	}
	if config.Within(h.r.in.Code(), path) || config.Within(h.r.in.Meta(), path) || path == filepath.Join(h.r.in.Dir, "bin") {
		return fmt.Errorf("part %s: %s is assemble's own; write into etc/, var/, run/, tmp/ or other directories of the instance", h.p.part.Name, path)
	}
	return h.parents(path)
}

func (h *host) WriteFile(path string, data []byte, mode fs.FileMode) error {
	if err := h.check(path); err != nil {
		return err
	}
	sum, err := h.tx.PutFile(path, data, mode)
	if err != nil {
		return fmt.Errorf("part %s: %w", h.p.part.Name, err)
	}
	h.record(instance.Path{Path: path, Kind: "file", Hash: sum})
	return nil
}

func (h *host) CopyFile(src, path string, mode fs.FileMode) error {
	if err := h.check(path); err != nil {
		return err
	}
	sum, err := h.tx.PutCopy(src, path, mode)
	if err != nil {
		return fmt.Errorf("part %s: %w", h.p.part.Name, err)
	}
	h.record(instance.Path{Path: path, Kind: "file", Hash: sum})
	return nil
}

func (h *host) Symlink(target, path string) error {
	if err := h.check(path); err != nil {
		return err
	}
	if err := h.tx.PutSymlink(target, path); err != nil {
		return fmt.Errorf("part %s: %w", h.p.part.Name, err)
	}
	h.record(instance.Path{Path: path, Kind: "symlink", Hash: target})
	return nil
}

func (h *host) Mkdir(path string, mode fs.FileMode) error {
	if err := h.check(path); err != nil {
		return err
	}
	made, err := h.tx.Mkdir(path, mode)
	if err != nil {
		return fmt.Errorf("part %s: %w", h.p.part.Name, err)
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
	if err := h.check(path); err != nil {
		return err
	}
	if err := h.tx.PutTree(path, fill); err != nil {
		return err
	}
	h.record(instance.Path{Path: path, Kind: "tree"})
	return nil
}

func (h *host) Track(path string) error {
	if err := h.check(path); err != nil {
		return err
	}
	x := instance.Path{Path: path, Kind: "tracked"}
	if fi, err := os.Lstat(path); err == nil && fi.Mode().IsRegular() {
		x.Hash = fileHash(path)
	}
	h.record(x)
	return nil
}

func (h *host) Revision() string { return h.stage }

func (h *host) Bin(name, file string) error {
	dst := filepath.Join(h.stage, "bin", name)
	os.Remove(dst)
	return store.Link(file, dst)
}

func (h *host) Store(key string, build func(dir string) error) (string, error) {
	return h.r.store.Get(key, build)
}

func (h *host) Cache(name string) string {
	return filepath.Join(h.r.in.Root, "cache", "download", name)
}

func (h *host) Offline() bool { return h.r.opts.Offline }

func (h *host) Functions() map[string]function.Function { return config.TemplateFuncs() }

func (h *host) Progress(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	switch {
	case h.activating:
		h.r.progress("activate %s: %s", h.p.part.Name, msg)
	case h.n > 0:
		h.r.progress("[%d/%d] %s: %s", h.n, h.total, h.p.part.Name, msg)
	}
}

func (h *host) Go(ctx context.Context, dir string, env map[string]string, args ...string) error {
	failpoint("building")
	goenv := h.r.res.Env
	if h.r.opts.Offline {
		goenv = goenv.Offline()
	}
	if err := h.exec(ctx, append([]string{"go"}, args...), dir, goenv.With(env).List()); err != nil {
		return fmt.Errorf("part %s: %w", h.p.part.Name, err)
	}
	return nil
}

func (h *host) Run(ctx context.Context, argv []string, dir string, env map[string]string) error {
	if !h.activating {
		failpoint("building")
	}
	if !filepath.IsAbs(dir) {
		return fmt.Errorf("part %s: %s is not an absolute directory", h.p.part.Name, dir)
	}
	bins := filepath.Join(h.r.in.Dir, "bin")
	if !h.activating {
		// The binaries of the revision being built are not current yet.
		bins = filepath.Join(h.stage, "bin") + string(filepath.ListSeparator) + bins
	}
	environ := append(os.Environ(),
		"PATH="+bins+string(filepath.ListSeparator)+os.Getenv("PATH"),
		"ASSEMBLE_INSTANCE="+h.r.in.Name,
		"ASSEMBLE_INSTANCE_DIR="+h.r.in.Dir,
		"ASSEMBLE_REVISION="+filepath.Base(h.stage),
	)
	for k, v := range env {
		environ = append(environ, k+"="+v)
	}
	// exec.Command looks argv[0] up in this process's PATH; look it up
	// in the part's instead.
	shown := strings.Join(argv, " ")
	if !strings.Contains(argv[0], "/") {
		for _, d := range filepath.SplitList(bins + string(filepath.ListSeparator) + os.Getenv("PATH")) {
			if fi, err := os.Stat(filepath.Join(d, argv[0])); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
				argv = append([]string{filepath.Join(d, argv[0])}, argv[1:]...)
				break
			}
		}
	}
	if err := h.exec(ctx, argv, dir, environ); err != nil {
		return fmt.Errorf("%s: %w", shown, err)
	}
	return nil
}

// exec runs a program with its output in the run's log, and in the
// error, shortened, when it fails.
func (h *host) exec(ctx context.Context, argv []string, dir string, environ []string) error {
	h.r.flushProgress() // what it is doing shows while it runs
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = environ
	var out bytes.Buffer
	w := io.Writer(&out)
	if h.r.log != nil {
		h.r.logMu.Lock()
		fmt.Fprintf(h.r.log, "== %s: %s\n", h.p.part.Name, strings.Join(argv, " "))
		h.r.logMu.Unlock()
		w = io.MultiWriter(&out, lockedWriter{&h.r.logMu, h.r.log})
	}
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Run(); err != nil {
		if o := tail(out.String(), 30); o != "" {
			return fmt.Errorf("%v; its output ends:\n%s", err, o)
		}
		return err
	}
	return nil
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{"…"}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}
