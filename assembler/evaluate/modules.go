package evaluate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/zclconf/go-cty/cty"
	"golang.org/x/mod/modfile"

	"github.com/assemble-build/assemble/assembler/gocmd"
	"github.com/assemble-build/assemble/assembler/lock"
	"github.com/assemble-build/assemble/assembler/overlay"
	"github.com/assemble-build/assemble/assembler/resolve"
	"github.com/assemble-build/assemble/recipes/recipe"
)

// Modules gives each part that builds a module what it is built from:
// the module resolution found, its go.mod and go.sum, and the key naming
// all of it.
func Modules(v *resolve.Result, env *gocmd.Env) (map[string]*recipe.Module, error) {
	mods := map[string]*recipe.Module{}
	for name, pr := range v.Parts {
		m := pr.Module
		gomod, err := v.BuildGoMod(name, func(o *overlay.Overlay) string { return "../../local/" + o.Name })
		if err != nil {
			return nil, err
		}
		rm := &recipe.Module{Path: m.Path, Version: m.Version, Sum: m.Sum, Dir: m.Dir, GoMod: gomod, GoSum: v.GoSum, Packages: pr.Packages}
		if m.Overlay != nil {
			rm.Overlay = m.Overlay.Dir
		}
		rm.Key = moduleKey(v, pr, gomod, env)
		mods[name] = rm
	}
	return mods, nil
}

// moduleKey names what a part's build reads besides its options: the
// toolchain and its target, the go and godebug lines, and the modules
// its packages come from, each by its hash (an overlay's by its
// content), and nothing that only other parts use.
func moduleKey(v *resolve.Result, pr *resolve.Part, gomod []byte, env *gocmd.Env) string {
	h := sha256.New()
	fmt.Fprintf(h, "module v1\n%s\n", v.GoVersion)
	for _, k := range gocmd.TargetKeys {
		fmt.Fprintf(h, "%s=%s\n", k, env.Get(k))
	}
	if mf, err := modfile.ParseLax("go.mod", gomod, nil); err == nil {
		if mf.Go != nil {
			fmt.Fprintf(h, "go %s\n", mf.Go.Version)
		}
		for _, d := range mf.Godebug {
			fmt.Fprintf(h, "godebug %s=%s\n", d.Key, d.Value)
		}
	}
	for _, path := range pr.Reaches {
		switch m := v.Module(path); {
		case m == nil:
			fmt.Fprintf(h, "module %s ?\n", path)
		case m.Overlay != nil:
			fmt.Fprintf(h, "overlay %s %s\n", path, m.Overlay.Hash)
		default:
			fmt.Fprintf(h, "module %s %s %s\n", path, m.Version, m.Sum)
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// Lock records what the result was made from: the manifest's files with
// their hashes, the variables, what env() read, every module with its
// hashes, and every overlay with its VCS state (from vcs, or
// overlay.VCS when nil). manifest names where the manifest comes from.
func (r *Result) Lock(ctx context.Context, manifest string, vcs func(dir string) (string, bool)) *lock.Lock {
	if vcs == nil {
		vcs = func(dir string) (string, bool) { return overlay.VCS(ctx, dir) }
	}
	res := r.Config
	l := &lock.Lock{Go: r.Versions.GoVersion, Env: res.Env}
	dir := res.Config.Top.Dir
	l.Manifest = &lock.Manifest{Source: manifest, Files: map[string]string{}}
	for _, f := range res.Config.Files {
		l.Manifest.Files[relTo(dir, f.Abs)] = sha256Of(f.Src)
	}
	for _, p := range res.Parts {
		for _, o := range p.Recipe.Spec().Options {
			if o.Path != recipe.SourcePath {
				continue
			}
			if path := p.String(o.Name); path != "" {
				if data, err := os.ReadFile(path); err == nil {
					l.Manifest.Files[relTo(dir, path)] = sha256Of(data)
				}
			}
		}
	}
	if len(res.Vars) > 0 {
		l.Variables = cty.ObjectVal(res.Vars)
	}
	for _, m := range r.Versions.Modules {
		if m.Overlay != nil {
			commit, dirty := vcs(m.Overlay.Dir)
			l.Overlays = append(l.Overlays, lock.Overlay{Path: m.Path, Dir: m.Overlay.Dir, Commit: commit, Dirty: dirty, Hash: m.Overlay.Hash})
			continue
		}
		l.Modules = append(l.Modules, lock.Module{Path: m.Path, Version: m.Version, Hash: m.Sum, GoMod: m.GoModSum})
	}
	sort.Slice(l.Overlays, func(i, j int) bool { return l.Overlays[i].Path < l.Overlays[j].Path })
	return l
}

// ReadLockCheck reads a lock file to check a resolution against. A file
// that does not exist yet gives no check.
func ReadLockCheck(path string) ([]resolve.Check, error) {
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	l, err := lock.Parse(data, path)
	if err != nil {
		return nil, err
	}
	return []resolve.Check{{Lock: l, Name: path}}, nil
}

func relTo(dir, p string) string {
	if rel, err := filepath.Rel(dir, p); err == nil {
		return filepath.ToSlash(rel)
	}
	return p
}

func sha256Of(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}
