package assembler

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/assemble-build/assemble/assembler/config"
	"github.com/assemble-build/assemble/assembler/gocmd"
	"github.com/assemble-build/assemble/assembler/lock"
	"github.com/assemble-build/assemble/assembler/overlay"
	"github.com/assemble-build/assemble/assembler/resolve"
	"github.com/assemble-build/assemble/recipes"
)

// ResolveOptions say how versions are resolved.
type ResolveOptions struct {
	// Newest asks for the newest versions the constraints allow, instead
	// of keeping Previous.
	Newest   bool
	Previous map[string]string
	// Offline resolves from the module cache alone.
	Offline  bool
	Overlays []overlay.Overlay
	// Checks are locks whose hashes the modules must match.
	Checks []resolve.Check
	// Saved is the resolution saved with the current revision: when the
	// request is the same (see resolve.Key), it is the answer, and the go
	// command is not asked again.
	Saved []byte
}

// Resolution is a config evaluated with its module versions resolved.
type Resolution struct {
	Config   *config.Result
	Versions *resolve.Result
	Env      *gocmd.Env
	Diags    hcl.Diagnostics // warnings
}

// Resolve evaluates the config for instance in, resolves the versions of
// the modules its go.build parts build, and evaluates it again with what
// resolution found, so that part.NAME.version and the like are known.
func (s *Source) Resolve(ctx context.Context, in recipes.Instance, opts ResolveOptions) (*Resolution, error) {
	res, diags, err := s.Evaluate(in, nil)
	if err != nil {
		return nil, err
	}
	wants := goWants(res)
	out := &Resolution{Config: res, Diags: diags}
	if len(wants) == 0 {
		out.Versions = &resolve.Result{}
		return out, nil
	}
	user, err := gocmd.UserEnv(ctx)
	if err != nil {
		return nil, err
	}
	out.Env = gocmd.NewEnv(s.environ(), user, res.Settings.GoEnv)
	pins := map[string]resolve.Pin{}
	for _, p := range res.Config.Versions {
		if v, ok := res.Pins[p.Module]; ok {
			pins[p.Module] = resolve.Pin{Version: v, At: fmt.Sprintf("%s:%d", p.Key.Filename, p.Key.Start.Line)}
		}
	}
	req := &resolve.Request{
		Wants:    wants,
		Pins:     pins,
		Previous: opts.Previous,
		Newest:   opts.Newest,
		Overlays: opts.Overlays,
		Env:      out.Env,
		Offline:  opts.Offline,
		Checks:   opts.Checks,
	}
	var versions *resolve.Result
	if opts.Saved != nil && !opts.Newest {
		if gv, err := out.Env.Version(ctx); err == nil {
			versions, _ = resolve.Load(opts.Saved, resolve.Key(req, gv))
		}
	}
	if versions == nil {
		if versions, err = resolve.Resolve(ctx, req); err != nil {
			return nil, err
		}
	}
	out.Versions = versions
	for _, w := range versions.Warnings {
		out.Diags = append(out.Diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Pin below requirement", Detail: w})
	}
	if !res.Settings.AllowPickedVersions {
		if picked := versions.Unpinned(); len(picked) > 0 {
			at := "the top config"
			if def := res.Config.Buildout.Final("allow_picked_versions"); def != nil {
				at = fmt.Sprintf("%s:%d", def.Attr.Range.Filename, def.Attr.Range.Start.Line)
			}
			return nil, &resolve.PickedError{Modules: picked, At: at}
		}
	}
	mods := map[string]*recipes.GoModule{}
	for name, pr := range versions.Parts {
		m := pr.Module
		gm := &recipes.GoModule{Path: m.Path, Version: m.Version, Sum: m.Sum, Dir: m.Dir}
		if m.Overlay != nil {
			gm.Overlay = m.Overlay.Dir
		}
		mods[name] = gm
	}
	res, _, err = s.Evaluate(in, mods)
	if err != nil {
		return nil, err
	}
	out.Config = res
	return out, nil
}

// goWants lists what the go.build parts to install ask resolution for.
func goWants(res *config.Result) []resolve.Want {
	var wants []resolve.Want
	for _, p := range res.Parts {
		if p.Part.Recipe != "go.build" {
			continue
		}
		mod := p.String("module")
		w := resolve.Want{
			Part:       p.Name,
			Module:     mod,
			Constraint: p.String("version"),
			Tags:       p.Strings("tags"),
			Env:        p.StringMap("env"),
			CGO:        p.Bool("cgo"),
		}
		def := p.Block.Final("version")
		if def == nil {
			def = p.Block.Final("module")
		}
		if def != nil {
			w.At = fmt.Sprintf("%s:%d", def.Attr.Range.Filename, def.Attr.Range.Start.Line)
		}
		for _, pkg := range p.Strings("packages") {
			w.Packages = append(w.Packages, recipes.PackagePath(mod, pkg))
		}
		wants = append(wants, w)
	}
	return wants
}

// Lock records what the resolution was made from: the manifest's files
// with their hashes, the variables, what env() read, every module with
// its hashes, and every overlay with its VCS state.
func (r *Resolution) Lock(ctx context.Context, manifestSource string) *lock.Lock {
	res := r.Config
	l := &lock.Lock{Go: r.Versions.GoVersion, Env: res.Env}
	dir := res.Config.Top.Dir
	l.Manifest = &lock.Manifest{Source: manifestSource, Files: map[string]string{}}
	for _, f := range res.Config.Files {
		l.Manifest.Files[relTo(dir, f.Abs)] = sha256Of(f.Src)
	}
	for _, p := range res.Parts {
		for _, o := range p.Recipe.Spec().Options {
			if o.Path != recipes.SourcePath {
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
			commit, dirty := overlay.VCS(ctx, m.Overlay.Dir)
			l.Overlays = append(l.Overlays, lock.Overlay{Path: m.Path, Dir: m.Overlay.Dir, Commit: commit, Dirty: dirty, Hash: m.Overlay.Hash})
			continue
		}
		l.Modules = append(l.Modules, lock.Module{Path: m.Path, Version: m.Version, Hash: m.Sum, GoMod: m.GoModSum})
	}
	sort.Slice(l.Overlays, func(i, j int) bool { return l.Overlays[i].Path < l.Overlays[j].Path })
	return l
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
