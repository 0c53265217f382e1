package assembler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/assemble-build/assemble/assembler/apply"
	"github.com/assemble-build/assemble/assembler/config"
	"github.com/assemble-build/assemble/assembler/evaluate"
	"github.com/assemble-build/assemble/assembler/gocmd"
	"github.com/assemble-build/assemble/assembler/lock"
	"github.com/assemble-build/assemble/assembler/plan"
	"github.com/assemble-build/assemble/assembler/resolve"
	"github.com/assemble-build/assemble/assembler/verify"
	"github.com/assemble-build/assemble/recipes/recipe"
)

// VerifyOptions say how far verify goes.
type VerifyOptions struct {
	// Repair makes again, from the lock, what is corrupt or missing:
	// modules, store entries, the revision's files, caches. It leaves
	// the files a user edited.
	Repair bool
	// CleanCache rebuilds with an empty build cache of its own, rather
	// than the go command's: slower, and trusting nothing cached.
	CleanCache bool
}

// Verification is what verify checked and found.
type Verification struct {
	Instance string           `json:"instance"`
	Revision string           `json:"revision"`
	Checked  Checked          `json:"checked"`
	Findings []verify.Finding `json:"findings"`
}

// Checked counts what verify checked.
type Checked struct {
	Rebuilt  int `json:"rebuilt"`  // files of the revision compared with their rebuild
	Binaries int `json:"binaries"` // binaries whose build information was checked
	Modules  int `json:"modules"`  // modules in the module cache
	Store    int `json:"store"`    // store entries
	Cached   int `json:"cached"`   // parts whose caches were checked (downloads)
	Files    int `json:"files"`    // files, links and directories the parts made
	Manifest int `json:"manifest"` // files of the manifest snapshot
}

// OK reports whether nothing differed, or all that did was repaired.
func (v *Verification) OK() bool {
	for _, f := range v.Findings {
		if !f.Repaired {
			return false
		}
	}
	return true
}

// Verify checks the current revision of an instance against what it was
// built from: it rebuilds the revision's binaries from its lock, into a
// directory of its own, and compares them byte for byte with those
// installed; it checks each binary's build information against the
// lock, the modules the builds read against the lock's hashes, the store
// entries the revision uses against their seals, the parts' caches, the
// files the parts made against what assemble wrote, and the manifest
// snapshot against the lock. The build cache (GOCACHE) is trusted
// unless o.CleanCache says not to.
func Verify(ctx context.Context, opts *Options, o VerifyOptions) (*Verification, error) {
	var out *Verification
	_, err := withInstance(ctx, opts, "verify", func(s *session) (*Report, error) {
		cur := s.in.CurrentRevision()
		if cur == "" {
			return nil, fmt.Errorf("instance %s has no revision to verify", s.in.Name)
		}
		out = &Verification{Instance: s.in.Name, Revision: cur, Findings: []verify.Finding{}}
		v := &verifier{s: s, o: o, out: out, dir: s.in.Revision(cur)}
		return nil, v.run(ctx)
	})
	return out, err
}

// verifier is one run of verify.
type verifier struct {
	s   *session
	o   VerifyOptions
	out *Verification
	dir string // the revision

	lock *lock.Lock
	res  *resolve.Result // nil when no part builds modules
	env  *gocmd.Env
	ar   *apply.Run // what rebuilds the revision, and runs the parts' checks
	// target, when set, is another platform to build for (GOOS,
	// GOARCH), as image --platform does.
	target map[string]string
}

func (v *verifier) add(fs ...verify.Finding) { v.out.Findings = append(v.out.Findings, fs...) }

func (v *verifier) run(ctx context.Context) error {
	if err := v.load(ctx); err != nil {
		return err
	}
	found, n := verify.Manifest(filepath.Join(v.dir, "manifest"), v.lock)
	v.add(found...)
	v.out.Checked.Manifest = n
	if v.res != nil {
		v.add(verify.Resolution(v.res, v.lock, filepath.Join(v.dir, apply.ResolutionFile))...)
		if err := v.rebuild(ctx); err != nil {
			return err
		}
	}
	v.caches(ctx)
	found, n = verify.Files(v.s.st, apply.Edited)
	v.add(found...)
	v.out.Checked.Files = n
	return nil
}

// load reads what the revision was built from: its record, lock and
// resolution, and the go command's environment it recorded.
func (v *verifier) load(ctx context.Context) error {
	s := v.s
	rec, err := plan.ReadRecord(v.dir, s.opts.Recipes, recipe.NewInstance(s.in.Name, s.in.Dir))
	if err != nil {
		return fmt.Errorf("revision %s: %w", v.out.Revision, err)
	}
	if v.lock, err = readLock(v.dir); err != nil {
		return fmt.Errorf("revision %s: %w", v.out.Revision, err)
	}
	p := plan.FromRecord(s.in, s.st, rec)
	v.ar = &apply.Run{Instance: s.in, State: s.st, Plan: p, Recipes: s.opts.Recipes, Store: s.store(),
		Offline: s.opts.Offline, Funcs: config.TemplateFuncs(), Progress: s.opts.Progress}
	data, err := os.ReadFile(filepath.Join(v.dir, apply.ResolutionFile))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if v.res, err = resolve.Read(data); err != nil {
		return fmt.Errorf("%s: %w", filepath.Join(v.dir, apply.ResolutionFile), err)
	}
	if v.env, err = v.goEnv(ctx); err != nil {
		return err
	}
	v.ar.Go, v.ar.Sources = v.env, sourcesOf(v.res)
	return v.modules(p)
}

// goEnv is the go command's environment as the revision recorded it.
func (v *verifier) goEnv(ctx context.Context) (*gocmd.Env, error) {
	user, err := gocmd.UserEnv(ctx, v.s.in.Cache("go"))
	if err != nil {
		return nil, err
	}
	recorded := map[string]string{}
	path := filepath.Join(v.dir, apply.GoEnvFile)
	if data, err := os.ReadFile(path); err == nil {
		if err := json.Unmarshal(data, &recorded); err != nil {
			return nil, fmt.Errorf("%s: %v", path, err)
		}
	}
	env := gocmd.NewEnv(v.s.opts.Environ, user, recorded)
	if v.target != nil {
		env = env.With(v.target)
	}
	return env, nil
}

// modules gives the parts that build modules what they are built from,
// as their revision's resolution says, and checks that it names the
// store entries the revision recorded.
func (v *verifier) modules(p *plan.Plan) error {
	mods, err := evaluate.Modules(v.res, v.env)
	if err != nil {
		return err
	}
	for _, pp := range p.Parts {
		mr, ok := pp.Recipe.(recipe.ModuleRecipe)
		if !ok {
			continue
		}
		pp.Part.Module = mods[pp.Part.Name]
		if key := mr.StoreKey(pp.Part); key != pp.StoreKey {
			v.add(verify.Finding{Kind: "corrupt", What: "resolution", Path: filepath.Join(v.dir, apply.ResolutionFile),
				Detail: fmt.Sprintf("part %s built from it is stored as %s, where the revision records %s", pp.Part.Name, key, pp.StoreKey)})
		}
	}
	return nil
}

// caches has the parts whose recipes keep caches check them.
func (v *verifier) caches(ctx context.Context) {
	found, failed, n := apply.CheckCaches(ctx, v.ar, v.o.Repair)
	v.out.Checked.Cached = n
	for _, part := range slices.Sorted(maps.Keys(found)) {
		for _, f := range found[part] {
			v.add(verify.Finding{Kind: "corrupt", What: "cache", Path: f.Path, Detail: fmt.Sprintf("part %s: %s", part, f.Detail), Repaired: f.Repaired})
		}
	}
	for _, part := range slices.Sorted(maps.Keys(failed)) {
		v.add(verify.Finding{Kind: "unverified", What: "cache", Path: "part " + part, Detail: failed[part].Error()})
	}
}

// sourcesOf lists, for each part that builds modules, the modules its
// packages come from, but overlays, with their hashes.
func sourcesOf(res *resolve.Result) map[string][]apply.Source {
	out := map[string][]apply.Source{}
	for name, pr := range res.Parts {
		for _, path := range pr.Reaches {
			if m := res.Module(path); m != nil && m.Overlay == nil && m.Sum != "" {
				out[name] = append(out[name], apply.Source{Path: m.Path, Version: m.Version, Sum: m.Sum, Dir: m.Dir})
			}
		}
	}
	return out
}

// isModuleError reports whether err is a module found changed in the
// cache, which verify reports by itself.
func isModuleError(err error) bool {
	var me *verify.ModuleError
	return errors.As(err, &me)
}
