package assembler

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/assemble-build/assemble/assembler/apply"
	"github.com/assemble-build/assemble/assembler/archive"
	"github.com/assemble-build/assemble/assembler/config"
	"github.com/assemble-build/assemble/assembler/instance"
	"github.com/assemble-build/assemble/assembler/plan"
)

// partFiles maps what the backed-up instance's parts wrote, by path
// relative to its directory (dir), to whether it is in the archive as
// the part wrote it: not edited since. It also returns the trees parts
// staged whole (an archive extracted), which an install makes only
// where nothing is.
func partFiles(st *instance.State, tmp, dir string) (map[string]bool, []string) {
	out := map[string]bool{}
	var trees []string
	for _, p := range st.Parts {
		for _, x := range p.Paths {
			rel, err := filepath.Rel(dir, x.Path)
			if err != nil || !filepath.IsLocal(rel) {
				continue
			}
			as := true
			if x.Kind == "file" && x.Hash != "" {
				as = plan.FileHash(filepath.Join(tmp, "instance", rel)) == x.Hash
			}
			if x.Kind == "tree" {
				trees = append(trees, filepath.ToSlash(rel))
			}
			out[filepath.ToSlash(rel)] = as
		}
	}
	return out, trees
}

// inTree reports whether rel is one of trees or lies under one.
func inTree(rel string, trees []string) bool {
	for _, t := range trees {
		if rel == t || strings.HasPrefix(rel, t+"/") {
			return true
		}
	}
	return false
}

// putFiles puts back the entries of etc/ and var/ unpacked in tmp that
// want picks, into the instance directory dir, through os.Root so that
// nothing lands outside it. It returns how many files it put.
func putFiles(dir, tmp string, m *archive.Manifest, want func(rel string, f archive.File) bool) (int, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return 0, err
	}
	defer root.Close()
	n := 0
	for _, f := range m.Files {
		rel, ok := strings.CutPrefix(f.Path, "instance/")
		top, _, _ := strings.Cut(rel, "/")
		if !ok || top != "etc" && top != "var" || !want(rel, f) {
			continue
		}
		if err := putFile(root, filepath.FromSlash(rel), f, filepath.Join(tmp, filepath.FromSlash(f.Path))); err != nil {
			return n, err
		}
		if f.Kind == "file" {
			n++
		}
	}
	return n, nil
}

// loadDumps has each part with data load what the archive holds for it.
func loadDumps(ctx context.Context, opts *Options, tmp string) ([]string, error) {
	var dumps []string
	_, err := withInstance(ctx, opts, "restore", func(s *session) (*Report, error) {
		r := &apply.Run{Instance: s.in, State: s.st, Recipes: opts.Recipes, Funcs: config.TemplateFuncs(), Progress: opts.Progress}
		var err error
		dumps, err = apply.Restore(ctx, r, s.in.CurrentRevision(), filepath.Join(tmp, "dumps"))
		return nil, err
	})
	return dumps, err
}

// putFile makes rel under root what the archive entry f, unpacked at
// src, is.
func putFile(root *os.Root, rel string, f archive.File, src string) error {
	switch f.Kind {
	case "dir":
		if err := root.MkdirAll(rel, 0o755); err != nil {
			return err
		}
	case "symlink":
		if err := root.Remove(rel); err != nil && !os.IsNotExist(err) {
			return err
		}
		return root.Symlink(f.Target, rel)
	case "file":
		if err := copyInto(root, rel, src); err != nil {
			return err
		}
	}
	return root.Chmod(rel, f.Mode.Perm()) // no setuid from an archive
}

func copyInto(root *os.Root, rel, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := root.OpenFile(rel, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}
