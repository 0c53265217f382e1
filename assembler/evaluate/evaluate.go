// Package evaluate evaluates a config for an instance with the versions
// of the Go modules its parts build resolved: everything planning needs,
// worked out before anything on disk is touched.
//
// The config is evaluated twice: once to learn which modules the parts
// want (recipes that build modules say so through recipe.ModuleRecipe),
// and again once resolution has picked their versions, so that outputs
// such as part.server.version are known and each part has its Module.
package evaluate

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/assemble-build/assemble/assembler/config"
	"github.com/assemble-build/assemble/assembler/fsutil"
	"github.com/assemble-build/assemble/assembler/gocmd"
	"github.com/assemble-build/assemble/assembler/overlay"
	"github.com/assemble-build/assemble/assembler/programs"
	"github.com/assemble-build/assemble/assembler/resolve"
	"github.com/assemble-build/assemble/assembler/source"
	"github.com/assemble-build/assemble/assembler/store"
	"github.com/assemble-build/assemble/recipes/recipe"
)

// Options say what a config is evaluated for, and how versions are
// resolved.
type Options struct {
	// Instance is where the parts will be installed; unknown for the
	// commands that work on no instance.
	Instance recipe.Instance
	Recipes  recipe.Registry
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
	// Cache is the root's cache directory, where what go env said and
	// each resolution are kept for the next install of any instance of
	// the root; "" keeps nothing.
	Cache string
	// Mirror is a directory in the GOPROXY layout that every module
	// comes from: the only proxy, with the checksum database off (the
	// caller checks the modules against the mirror's lock).
	Mirror string
	// Store is where recipe programs are built, once for the root; Code
	// is the instance's code directory, "" for none; the programs log
	// to Logs.
	Store *store.Store
	Code  string
	Logs  io.Writer
	// ReportPicked reports versions no pin gave as a warning where the
	// config says allow_picked_versions = false, instead of refusing
	// them: versions shows a release manager what to pin.
	ReportPicked bool
}

// Result is a config evaluated with its module versions resolved.
type Result struct {
	Config   *config.Result
	Versions *resolve.Result
	// Env is the go command's environment; nil when no part builds
	// modules.
	Env   *gocmd.Env
	Diags hcl.Diagnostics // warnings
	// Programs are the recipe programs the config's parts use, running
	// until Close.
	Programs *programs.Set
}

// Close stops the recipe programs.
func (r *Result) Close() {
	if r != nil {
		r.Programs.Close()
	}
}

// Evaluate evaluates the config src names, resolves the versions of the
// modules its parts build, and evaluates it again with what resolution
// found.
func Evaluate(ctx context.Context, src *source.Source, opts Options) (*Result, error) {
	res, diags, err := src.Evaluate(opts.Instance, opts.Recipes, nil, programs.Named)
	if err != nil {
		return nil, err
	}
	if err := checkOverlays(res, opts.Overlays); err != nil {
		return nil, err
	}
	out := &Result{Config: res, Diags: diags, Versions: &resolve.Result{}}
	wants := append(wants(res), programs.Wants(res.Deferred)...)
	if len(wants) == 0 {
		return out, nil
	}
	user, err := gocmd.UserEnv(ctx, cacheDir(opts.Cache, "go"))
	if err != nil {
		return nil, err
	}
	out.Env = gocmd.NewEnv(src.Environ, user, res.Settings.GoEnv)
	if opts.Mirror != "" {
		abs, err := filepath.Abs(opts.Mirror)
		if err != nil {
			return nil, err
		}
		out.Env = out.Env.With(map[string]string{"GOPROXY": "file://" + filepath.ToSlash(abs), "GOSUMDB": "off", "GONOSUMDB": "", "GOPRIVATE": "", "GONOPROXY": ""})
	}
	if out.Versions, err = versions(ctx, res, wants, out.Env, opts); err != nil {
		// One cause, not one error per module it failed for.
		if perr := checkProxy(res); perr != nil {
			return nil, perr
		}
		return nil, err
	}
	for _, w := range out.Versions.Warnings {
		out.Diags = append(out.Diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Pin below requirement", Detail: w})
	}
	if err := checkPicked(res, out.Versions); err != nil {
		if !opts.ReportPicked {
			return nil, err
		}
		out.Diags = append(out.Diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Picked versions", Detail: err.Error() + "\nAn install refuses them until they are pinned."})
	}
	mods, err := Modules(out.Versions, out.Env)
	if err != nil {
		return nil, err
	}
	reg := opts.Recipes
	if len(res.Deferred) > 0 {
		if out.Programs, err = programs.Start(ctx, res.Deferred, mods, opts.Recipes, opts.Store, opts.Code, out.Env, opts.Logs); err != nil {
			return nil, err
		}
		reg = out.Programs.Recipes
	}
	if out.Config, _, err = src.Evaluate(opts.Instance, reg, mods, nil); err != nil {
		out.Close()
		return nil, err
	}
	return out, nil
}

// checkProxy explains a failed resolution by a file:// GOPROXY of the
// config's go_env whose directory is not there (a manifest copied away
// from the proxy it names relatively), once, rather than the go
// command's error for each module. Where the module cache holds every
// module nothing needs the proxy, and its absence is no error.
func checkProxy(res *config.Result) error {
	proxy := res.Settings.GoEnv["GOPROXY"]
	for _, p := range strings.FieldsFunc(proxy, func(c rune) bool { return c == ',' || c == '|' }) {
		u, err := url.Parse(p)
		if err != nil || u.Scheme != "file" {
			continue
		}
		if _, err := os.Stat(filepath.FromSlash(u.Path)); err == nil {
			continue
		}
		at := "the config"
		if def := res.Config.Buildout.Final("go_env"); def != nil {
			at = fmt.Sprintf("%s:%d", def.Attr.Range.Filename, def.Attr.Range.Start.Line)
		}
		return fmt.Errorf("%w: go_env sets GOPROXY (%s) to %s, and %s is not there. Point it at a module proxy that has the modules: a directory (file://…), or https://proxy.golang.org",
			config.ErrConfig, at, proxy, filepath.Clean(filepath.FromSlash(u.Path)))
	}
	return nil
}

// checkOverlays refuses developer overlays where the config says
// allow_local = false: production builds from pinned modules only.
func checkOverlays(res *config.Result, ovs []overlay.Overlay) error {
	if res.Settings.AllowLocal || len(ovs) == 0 {
		return nil
	}
	var names []string
	for _, o := range ovs {
		names = append(names, fmt.Sprintf("%s (%s)", o.Module, o.Dir))
	}
	at := "the config"
	if def := res.Config.Buildout.Final("allow_local"); def != nil {
		at = fmt.Sprintf("%s:%d", def.Attr.Range.Filename, def.Attr.Range.Start.Line)
	}
	return fmt.Errorf("%w: overlays are not allowed (allow_local = false, %s), and the instance has %d: %s. Move them out of %s to install",
		config.ErrConfig, at, len(ovs), strings.Join(names, ", "), filepath.Dir(ovs[0].Dir))
}

// wants lists what the parts that build modules ask resolution for.
func wants(res *config.Result) []resolve.Want {
	var out []resolve.Want
	for _, p := range res.Parts {
		mr, ok := p.Recipe.(recipe.ModuleRecipe)
		if !ok {
			continue
		}
		w := mr.Wants(&p.Part)
		if w == nil {
			continue
		}
		rw := resolve.Want{Part: p.Name, Module: w.Module, Constraint: w.Constraint,
			Packages: w.Packages, Tags: w.Tags, Env: w.Env, CGO: w.CGO}
		for _, opt := range w.At {
			if def := p.Block.Final(opt); def != nil {
				rw.At = fmt.Sprintf("%s:%d", def.Attr.Range.Filename, def.Attr.Range.Start.Line)
				break
			}
		}
		out = append(out, rw)
	}
	return out
}

// versions resolves the wants, unless the resolution saved with the
// current revision, or one kept in the root's cache (by another
// instance, or an earlier install), answers the same request.
func versions(ctx context.Context, res *config.Result, wants []resolve.Want, env *gocmd.Env, opts Options) (*resolve.Result, error) {
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
		Env:      env,
		Offline:  opts.Offline,
		Checks:   opts.Checks,
	}
	if opts.Newest {
		return resolve.Resolve(ctx, req)
	}
	gv, err := env.Version(ctx)
	if err != nil {
		return nil, err
	}
	key := resolve.Key(req, gv)
	if v, ok := resolve.Load(opts.Saved, key); ok && resolve.CheckLocks(req.Checks, v) == nil {
		v.Refresh(req.Overlays)
		return v, nil
	}
	cached := cacheDir(opts.Cache, "resolve")
	if cached != "" {
		cached = filepath.Join(cached, key+".json")
		if data, err := os.ReadFile(cached); err == nil {
			if v, ok := resolve.Load(data, key); ok && resolve.CheckLocks(req.Checks, v) == nil {
				now := time.Now()
				_ = os.Chtimes(cached, now, now) // gc goes by when it was last used
				v.Refresh(req.Overlays)
				return v, nil
			}
		}
	}
	v, err := resolve.Resolve(ctx, req)
	if err == nil && cached != "" && os.MkdirAll(filepath.Dir(cached), 0o755) == nil {
		_ = fsutil.WriteFileUnsynced(cached, v.Save(), 0o644) // a cache: one lost is resolved again
	}
	return v, err
}

// cacheDir is the directory name of the root's cache, or "".
func cacheDir(cache, name string) string {
	if cache == "" {
		return ""
	}
	return filepath.Join(cache, name)
}

// checkPicked refuses versions that no pin gave, where the config says
// allow_picked_versions = false.
func checkPicked(res *config.Result, v *resolve.Result) error {
	if res.Settings.AllowPickedVersions {
		return nil
	}
	picked := v.Unpinned()
	if len(picked) == 0 {
		return nil
	}
	at := "the top config"
	if def := res.Config.Buildout.Final("allow_picked_versions"); def != nil {
		at = fmt.Sprintf("%s:%d", def.Attr.Range.Filename, def.Attr.Range.Start.Line)
	}
	return &resolve.PickedError{Modules: picked, At: at}
}
