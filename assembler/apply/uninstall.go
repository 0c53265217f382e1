package apply

import (
	"os"
	"path/filepath"

	"github.com/assemble-build/assemble/assembler/fsutil"
	"github.com/assemble-build/assemble/assembler/instance"
	"github.com/assemble-build/assemble/assembler/plan"
)

// uninstall stages the removal of what removed parts made, and of what
// reinstalled parts made before and do not make again. A file a user
// edited since assemble wrote it is never destroyed: one a part writes
// again is kept beside it, one no part writes is left in place; nothing
// under var/ is deleted. It returns the directories to remove after the
// commit if they are empty.
func (s *staging) uninstall() []string {
	r := s.r
	made := map[string]bool{}
	for _, p := range r.Plan.Parts {
		paths := s.paths[p.Part.Name]
		if p.Action == plan.Keep && p.Old != nil {
			paths = p.Old.Paths
		}
		for _, x := range paths {
			made[x.Path] = true
		}
	}
	var rmdirs []string
	for _, p := range r.Plan.Parts {
		if p.Old == nil || p.Action == plan.Keep {
			continue
		}
		for i := len(p.Old.Paths) - 1; i >= 0; i-- {
			x := p.Old.Paths[i]
			switch {
			case !made[x.Path]:
				rmdirs = s.drop(p.Part.Name, x, rmdirs)
			case (x.Kind == "file" || x.Kind == "symlink") && Edited(x):
				saved := s.tx.KeepAside(x.Path)
				r.warn("part %s: %s was edited after assemble wrote it; your copy is kept as %s", p.Part.Name, x.Path, saved)
			}
		}
	}
	for _, g := range r.Plan.Gone {
		for i := len(g.Paths) - 1; i >= 0; i-- {
			if x := g.Paths[i]; !made[x.Path] {
				rmdirs = s.drop(g.Name, x, rmdirs)
			}
		}
	}
	return rmdirs
}

// drop stages the removal of x, which part made and no part makes now,
// unless it is to be kept.
func (s *staging) drop(part string, x instance.Path, rmdirs []string) []string {
	in := s.r.Instance
	switch {
	case x.Kind == "dir":
		if !ownDir(in, x.Path) {
			rmdirs = append(rmdirs, x.Path)
		}
	case Edited(x):
		s.r.warn("part %s: left %s in place: it was edited after assemble wrote it", part, x.Path)
	case fsutil.Within(filepath.Join(in.Dir, "var"), x.Path):
		s.r.warn("part %s: left %s in place: var/ holds data, which an install never deletes", part, x.Path)
	default:
		tree := x.Kind == "tree"
		if x.Kind == "tracked" {
			if fi, err := os.Lstat(x.Path); err == nil && fi.IsDir() {
				tree = true
			}
		}
		s.tx.Remove(x.Path, tree)
	}
	return rmdirs
}

// ownDir reports whether dir is one of the instance's own directories,
// which uninstalling a part never removes, empty or not.
func ownDir(in *instance.Instance, dir string) bool {
	if dir == in.Dir {
		return true
	}
	for _, d := range []string{"etc", "run", "tmp", "var", "bin", "code", ".assemble"} {
		if dir == filepath.Join(in.Dir, d) {
			return true
		}
	}
	return false
}

// Edited reports whether a file or link differs from what its part made.
func Edited(x instance.Path) bool {
	switch x.Kind {
	case "file", "tracked":
		if x.Hash == "" {
			return false
		}
		fi, err := os.Lstat(x.Path)
		if err != nil || !fi.Mode().IsRegular() {
			return false
		}
		return plan.FileHash(x.Path) != x.Hash
	case "symlink":
		l, err := os.Readlink(x.Path)
		return err == nil && l != x.Hash
	}
	return false
}
