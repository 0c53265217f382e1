package assembler

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
	"golang.org/x/mod/modfile"

	"github.com/assemble-build/assemble/assembler/config"
	"github.com/assemble-build/assemble/assembler/gocmd"
	"github.com/assemble-build/assemble/assembler/instance"
	"github.com/assemble-build/assemble/assembler/lock"
	"github.com/assemble-build/assemble/assembler/manifest"
	"github.com/assemble-build/assemble/assembler/overlay"
	"github.com/assemble-build/assemble/assembler/resolve"
	"github.com/assemble-build/assemble/assembler/store"
	"github.com/assemble-build/assemble/recipes"
)

// Options are what a command that works on an instance is given.
type Options struct {
	Root string
	Name string
	// Source holds what the command line and the environment say; what
	// they leave empty comes from what the instance remembers.
	Source Source
	// Manifest is the manifest spec from --manifest or ASSEMBLE_MANIFEST: a
	// directory, or a git URL#ref.
	Manifest string
	Offline  bool
	// Newest picks the newest versions the constraints allow (upgrade).
	Newest bool
	// LockFile is a lock the modules must match, if any.
	LockFile string
	// Progress receives progress lines; nil discards them.
	Progress io.Writer
}

// Step is what a run does, or would do, to one part.
type Step struct {
	Part   string `json:"part"`
	Recipe string `json:"recipe"`
	Action string `json:"action"` // keep, install, reinstall, remove
	Reason string `json:"reason,omitempty"`
}

// Report says what a run did, or would do.
type Report struct {
	Instance string            `json:"instance"`
	Dir      string            `json:"dir"`
	Revision string            `json:"revision"`
	Previous string            `json:"previous,omitempty"`
	UpToDate bool              `json:"up_to_date"`
	Steps    []Step            `json:"parts"`
	Overlays []overlay.Overlay `json:"overlays,omitempty"`
	Warnings []string          `json:"warnings,omitempty"`
	// Picked are the picked versions, when the config asks to show them.
	Picked []*resolve.Module `json:"-"`
}

// Count returns how many steps have action; "keep" counts the parts
// whose binaries an existing revision already holds ("reuse") too.
func (r *Report) Count(action string) int {
	n := 0
	for _, s := range r.Steps {
		if s.Action == action || action == "keep" && s.Action == "reuse" {
			n++
		}
	}
	return n
}

// Install brings an instance up to date with its config: it evaluates the
// config, resolves versions, and, unless nothing changed, builds a new
// revision, installs the parts that changed, switches to the revision and
// activates it.
func Install(ctx context.Context, opts *Options) (*Report, error) {
	return withInstance(ctx, opts, opts.command(), func(r *run) (*Report, error) {
		if err := r.prepare(ctx); err != nil {
			return nil, err
		}
		if !opts.Newest {
			if rep, ok := r.upToDate(ctx); ok {
				return rep, nil
			}
		}
		// The config is to be parsed: the parts' state is decoded in the
		// background meanwhile.
		r.st.Decode()
		if err := r.resolveAndPlan(ctx); err != nil {
			return nil, err
		}
		return r.apply(ctx)
	})
}

// Plan says what Install would do, changing nothing.
func Plan(ctx context.Context, opts *Options) (*Report, error) {
	in, err := instance.Open(opts.Root, opts.Name)
	if err != nil {
		return nil, err
	}
	st, err := in.LoadState()
	if err != nil {
		return nil, err
	}
	r := newRun(opts, in, st)
	defer r.flushProgress()
	if err := r.prepare(ctx); err != nil {
		return nil, err
	}
	if err := r.resolveAndPlan(ctx); err != nil {
		return nil, err
	}
	return r.report(), nil
}

func (o *Options) command() string {
	if o.Newest {
		return "upgrade"
	}
	return "install"
}

// withInstance runs f with the instance locked and recovered from any run
// that was cut short. Only install and upgrade create an instance; the
// other commands refuse one that does not exist, and make nothing.
func withInstance(ctx context.Context, opts *Options, command string, f func(r *run) (*Report, error)) (*Report, error) {
	in, err := instance.Open(opts.Root, opts.Name)
	if err != nil {
		return nil, &UsageError{Err: err}
	}
	if command != "install" && command != "upgrade" && !in.Exists() {
		return nil, noInstance(in)
	}
	lk, err := in.Lock(command)
	if err != nil {
		return nil, err
	}
	defer lk.Unlock()
	if err := in.Create(); err != nil {
		return nil, fmt.Errorf("creating instance %s: %w", in.Name, err)
	}
	// An install decodes the parts' state while it parses the config
	// (see Install); the other commands need it at once.
	st, err := in.OpenState()
	if err == nil && command != "install" && command != "upgrade" {
		err = st.Wait()
	}
	if err != nil {
		return nil, err
	}
	r := newRun(opts, in, st)
	defer r.flushProgress()
	if err := r.recover(ctx); err != nil {
		return nil, fmt.Errorf("finishing the run that was cut short: %w", err)
	}
	return f(r)
}

// run is one command's work on an instance.
type run struct {
	opts  *Options
	in    *instance.Instance
	st    *instance.State
	store *store.Store

	src    *Source
	man    *manifest.Manifest
	ovs    []overlay.Overlay
	res    *Resolution
	parts  []*planned
	gone   []*instance.PartState // parts to remove, in removal order
	rev    string
	warns  []string
	action string // for the history, when not install or upgrade
	// missing maps each installed part that lost a path to the path.
	missing map[string]string

	progressMu    sync.Mutex
	progressBuf   bytes.Buffer
	progressTimer *time.Timer
	logMu         sync.Mutex
	log           *os.File
}

// planned is a part in a run's plan.
type planned struct {
	part      *recipes.Part
	recipe    recipes.Recipe
	deps      []string
	outside   bool
	digest    string
	optHashes map[string]string
	// optJSON holds each option's type and value as JSON, encoded once
	// for the digest and again written into parts.json.
	optJSON  map[string][2][]byte
	action   string
	reason   string
	old      *instance.PartState
	paths    []instance.Path // what the install made
	storeKey string
}

func newRun(opts *Options, in *instance.Instance, st *instance.State) *run {
	return &run{opts: opts, in: in, st: st, store: &store.Store{Dir: filepath.Join(in.Root, "store")}}
}

// progress reports a step. Lines are written at most a tenth of a second
// late, in batches: a thousand quick parts cost a few writes, not a
// thousand. flushProgress writes what waits.
func (r *run) progress(format string, args ...any) {
	if r.opts.Progress == nil {
		return
	}
	r.progressMu.Lock()
	defer r.progressMu.Unlock()
	fmt.Fprintf(&r.progressBuf, format+"\n", args...)
	if r.progressTimer == nil {
		r.progressTimer = time.AfterFunc(100*time.Millisecond, r.flushProgress)
	}
}

func (r *run) flushProgress() {
	r.progressMu.Lock()
	defer r.progressMu.Unlock()
	if r.progressTimer != nil {
		r.progressTimer.Stop()
		r.progressTimer = nil
	}
	if r.progressBuf.Len() > 0 {
		_, _ = r.opts.Progress.Write(r.progressBuf.Bytes())
		r.progressBuf.Reset()
	}
}

// prepare settles where the config comes from (the command line and
// environment, else what the instance remembers, else the default) and
// finds the developer overlays.
func (r *run) prepare(ctx context.Context) error {
	src := r.opts.Source
	spec := r.opts.Manifest
	if spec == "" {
		spec = r.st.Manifest
	}
	// Each setting is taken from the first place that has it. A
	// remembered config path inside a manifest applies to another
	// manifest too; a remembered local file does not.
	if src.Config == "" && (r.opts.Manifest == "" || !filepath.IsAbs(r.st.Config)) {
		src.Config = r.st.Config
	}
	src.Remembered = nil
	for _, v := range r.st.Vars {
		src.Remembered = append(src.Remembered, config.VarSetting{Name: v.Name, Value: v.Value, Source: "instance"})
	}
	if spec != "" {
		m, err := manifest.Open(ctx, spec, filepath.Join(r.in.Root, "cache", "manifests"), r.opts.Offline)
		if err != nil {
			return &DiagError{Diags: diagf("Cannot open the manifest", err.Error())}
		}
		r.man = m
		src.ManifestDir, src.ManifestRef, src.ManifestCommit = m.Dir, m.Ref, m.Commit
	}
	if r.man == nil && src.Config != "" && !filepath.IsAbs(src.Config) {
		abs, err := filepath.Abs(src.Config)
		if err != nil {
			return err
		}
		src.Config = abs
	} else if r.man == nil && src.Config == "" {
		abs, err := filepath.Abs(DefaultConfig)
		if err != nil {
			return err
		}
		src.Config = abs
	}
	r.src = &src
	ovs, skipped, err := overlay.Scan(r.in.Local())
	if err != nil {
		return &DiagError{Diags: diagf("Invalid overlay", err.Error())}
	}
	for _, s := range skipped {
		r.warns = append(r.warns, "not an overlay: "+s)
	}
	r.ovs = ovs
	return nil
}

// resolveAndPlan evaluates the config with versions resolved, and plans
// what to do to each part.
func (r *run) resolveAndPlan(ctx context.Context) error {
	// Check what the installed parts made while the config is evaluated.
	missing := make(chan map[string]string, 1)
	var stErr error
	go func() {
		if stErr = r.st.Wait(); stErr != nil {
			missing <- map[string]string{}
			return
		}
		parts := make([]*instance.PartState, len(r.st.Parts))
		for i := range r.st.Parts {
			parts[i] = &r.st.Parts[i]
		}
		missing <- missingPaths(parts)
	}()
	defer func() {
		if r.missing == nil {
			r.missing = <-missing
		}
	}()
	in := recipes.NewInstance(r.in.Name, r.in.Dir)
	opts := ResolveOptions{Newest: r.opts.Newest, Offline: r.opts.Offline, Overlays: r.ovs}
	if cur := r.in.CurrentRevision(); cur != "" {
		opts.Saved, _ = os.ReadFile(filepath.Join(r.in.Revision(cur), "resolution.json"))
		if l, err := readLock(r.in.Revision(cur)); err == nil && l != nil {
			opts.Checks = append(opts.Checks, resolve.Check{Lock: l, Name: "the lock of revision " + cur})
			opts.Previous = map[string]string{}
			for _, m := range l.Modules {
				opts.Previous[m.Path] = m.Version
			}
		}
	}
	if r.opts.LockFile != "" {
		checks, err := ReadLockCheck(r.opts.LockFile)
		if err != nil {
			return err
		}
		opts.Checks = append(opts.Checks, checks...)
	}
	res, err := r.src.Resolve(ctx, in, opts)
	if err != nil {
		return err
	}
	r.res = res
	if r.missing = <-missing; stErr != nil {
		return stErr
	}
	for _, d := range res.Diags {
		r.warns = append(r.warns, strings.TrimSpace(d.Summary+": "+d.Detail))
	}
	if !res.Config.Settings.AllowLocal && len(r.ovs) > 0 {
		var names []string
		for _, o := range r.ovs {
			names = append(names, fmt.Sprintf("%s (%s)", o.Module, o.Dir))
		}
		at := "the config"
		if def := res.Config.Config.Buildout.Final("allow_local"); def != nil {
			at = fmt.Sprintf("%s:%d", def.Attr.Range.Filename, def.Attr.Range.Start.Line)
		}
		return fmt.Errorf("%w: overlays are not allowed (allow_local = false, %s), and the instance has %d: %s. Move them out of %s to install", ErrConfig, at, len(r.ovs), strings.Join(names, ", "), r.in.Local())
	}
	return r.plan()
}

// plan works out each part's digest and what to do to it.
func (r *run) plan() error {
	res := r.res
	for _, p := range res.Config.Parts {
		rp := p.Part
		pl := &planned{part: &rp, recipe: p.Recipe, deps: p.DependsOn, outside: p.AllowOutside}
		if rp.Recipe == "go.build" {
			if err := r.prepareGo(pl); err != nil {
				return err
			}
		}
		r.parts = append(r.parts, pl)
	}
	// Digests encode every option of every part: a thousand parts are
	// worth the processors there are.
	parallel(len(r.parts), func(i int) {
		pl := r.parts[i]
		pl.digest, pl.optHashes, pl.optJSON = partDigest(pl)
	})
	r.rev = r.revisionID()
	r.diff()
	return nil
}

// parallel calls f for 0 to n-1 on as many goroutines as processors.
func parallel(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				f(i)
			}
		}()
	}
	wg.Wait()
}

// prepareGo gives a go.build part what it is built from: its go.mod,
// the go.sum, and the key naming all of it.
func (r *run) prepareGo(pl *planned) error {
	v := r.res.Versions
	pr := v.Parts[pl.part.Name]
	if pr == nil {
		return fmt.Errorf("part %s: versions were not resolved", pl.part.Name)
	}
	gomod, err := v.BuildGoMod(pl.part.Name, func(o *overlay.Overlay) string {
		return "../../local/" + o.Name
	})
	if err != nil {
		return err
	}
	g := *pl.part.Go
	g.GoMod, g.GoSum = gomod, v.GoSum
	// The key names what the binaries depend on: the toolchain and its
	// target, the part's options, the go and godebug lines, and the
	// modules the part's packages come from, each by its hash (an
	// overlay's by its content), and nothing that only other parts use.
	h := sha256.New()
	fmt.Fprintf(h, "go.build v1\n%s\n", v.GoVersion)
	for _, k := range []string{"GOOS", "GOARCH", "GOAMD64", "GOARM", "GOARM64", "GO386", "GOEXPERIMENT", "GOFIPS140", "CC"} {
		fmt.Fprintf(h, "%s=%s\n", k, r.res.Env.Get(k))
	}
	for _, name := range []string{"module", "packages", "tags", "ldflags", "env", "cgo"} {
		val := pl.part.Options[name]
		js, _ := ctyjson.Marshal(val, val.Type())
		fmt.Fprintf(h, "%s=%s\n", name, js)
	}
	if mf, err := modfile.ParseLax("go.mod", gomod, nil); err == nil {
		if mf.Go != nil {
			fmt.Fprintf(h, "go %s\n", mf.Go.Version)
		}
		for _, d := range mf.Godebug {
			fmt.Fprintf(h, "godebug %s=%s\n", d.Key, d.Value)
		}
	}
	for _, m := range pr.Reaches {
		mod := v.Module(m)
		switch {
		case mod == nil:
			fmt.Fprintf(h, "module %s ?\n", m)
		case mod.Overlay != nil:
			fmt.Fprintf(h, "overlay %s %s\n", m, mod.Overlay.Hash)
		default:
			fmt.Fprintf(h, "module %s %s %s\n", m, mod.Version, mod.Sum)
		}
	}
	g.BuildKey = hex.EncodeToString(h.Sum(nil))[:32]
	pl.part.Go = &g
	pl.storeKey = "go.build-" + g.BuildKey
	return nil
}

// partDigest names a part's recipe, options and inputs. A source file
// counts by its content, so that moving a manifest does not reinstall,
// and editing a template does.
func partDigest(pl *planned) (string, map[string]string, map[string][2][]byte) {
	spec := pl.recipe.Spec()
	hashes := make(map[string]string, len(spec.Options))
	encoded := make(map[string][2][]byte, len(spec.Options))
	h := sha256.New()
	fmt.Fprintf(h, "part v1\n%s\noutside=%v\n", spec.Name, pl.outside)
	for _, o := range spec.Options {
		v := pl.part.Options[o.Name]
		if o.Path == recipes.SourcePath && v.IsKnown() && !v.IsNull() && v.Type() == cty.String {
			v = cty.StringVal(fileHash(v.AsString()))
		}
		js, _ := ctyjson.Marshal(v, v.Type())
		ty, _ := ctyjson.MarshalType(v.Type())
		encoded[o.Name] = [2][]byte{ty, js}
		sum := sha256.Sum256(append(append(ty, 0), js...))
		hashes[o.Name] = hex.EncodeToString(sum[:6])
		fmt.Fprintf(h, "%s=%s\n", o.Name, hashes[o.Name])
	}
	if pl.part.Go != nil {
		fmt.Fprintf(h, "build=%s\n", pl.part.Go.BuildKey)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), hashes, encoded
}

func fileHash(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return "missing"
	}
	return sha256Of(data)
}

// revisionID names a revision by its inputs: every part's digest and
// every manifest file.
func (r *run) revisionID() string {
	h := sha256.New()
	fmt.Fprintf(h, "revision v1\n%s\n", r.in.Dir)
	for _, p := range r.parts {
		fmt.Fprintf(h, "%s %s %s\n", p.part.Name, p.part.Recipe, p.digest)
	}
	for _, f := range r.res.Config.Config.Files {
		fmt.Fprintf(h, "file %s %s\n", f.Abs, sha256Of(f.Src))
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// diff compares the plan with what is installed.
func (r *run) diff() {
	want := map[string]bool{}
	missing := r.missing
	for _, p := range r.parts {
		p.old = r.st.Part(p.part.Name)
	}
	for _, p := range r.parts {
		want[p.part.Name] = true
		old := p.old
		switch {
		case old == nil:
			p.action, p.reason = "install", "new part"
		case old.Recipe != p.part.Recipe:
			p.action, p.reason = "reinstall", fmt.Sprintf("recipe changed from %s", old.Recipe)
		case old.Digest != p.digest:
			p.action, p.reason = "reinstall", changedOptions(decodeHashes(old.Options), p.optHashes, p.part.Recipe)
		default:
			p.action = "keep"
			if m := missing[old.Name]; m != "" {
				p.action, p.reason = "reinstall", m+" is missing"
			}
		}
	}
	for i := len(r.st.Parts) - 1; i >= 0; i-- {
		if old := &r.st.Parts[i]; !want[old.Name] {
			r.gone = append(r.gone, old)
		}
	}
}

// encodeHashes writes option hashes as "name=hash …", sorted.
func encodeHashes(m map[string]string) string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	for i, k := range names {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(k + "=" + m[k])
	}
	return b.String()
}

func decodeHashes(s string) map[string]string {
	m := map[string]string{}
	for _, f := range strings.Fields(s) {
		if k, v, ok := strings.Cut(f, "="); ok {
			m[k] = v
		}
	}
	return m
}

func changedOptions(old, now map[string]string, recipe string) string {
	var names []string
	for k, v := range now {
		if old[k] != v {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		if recipe == "go.build" {
			return "its modules changed"
		}
		return "inputs changed"
	}
	return strings.Join(names, ", ") + " changed"
}

// missingPaths checks that what each part made is still there, and
// returns the first missing path of each part that lost one. The checks
// run at once: a thousand parts are a thousand system calls.
func missingPaths(parts []*instance.PartState) map[string]string {
	missing := map[string]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	const workers = 4
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(parts); i += workers {
				for _, p := range parts[i].Paths {
					if _, err := os.Lstat(p.Path); err != nil {
						mu.Lock()
						missing[parts[i].Name] = p.Path
						mu.Unlock()
						break
					}
				}
			}
		}()
	}
	wg.Wait()
	return missing
}

func (r *run) report() *Report {
	rep := &Report{Instance: r.in.Name, Dir: r.in.Dir, Revision: r.rev, Previous: r.in.CurrentRevision(), Overlays: r.ovs, Warnings: r.warns}
	for _, p := range r.parts {
		rep.Steps = append(rep.Steps, Step{Part: p.part.Name, Recipe: p.part.Recipe, Action: p.action, Reason: p.reason})
	}
	for _, g := range r.gone {
		rep.Steps = append(rep.Steps, Step{Part: g.Name, Recipe: g.Recipe, Action: "remove", Reason: "no longer in the config"})
	}
	if r.res != nil && r.res.Config.Settings.ShowPickedVersions && r.res.Versions != nil {
		rep.Picked = r.res.Versions.Unpinned()
	}
	rep.UpToDate = r.rev == r.st.Revision && r.rev == rep.Previous && rep.Count("keep") == len(rep.Steps)
	return rep
}

// readLock reads a revision's lock.
func readLock(rev string) (*lock.Lock, error) {
	data, err := os.ReadFile(filepath.Join(rev, "assemble.lock"))
	if err != nil {
		return nil, err
	}
	return lock.Parse(data, filepath.Join(rev, "assemble.lock"))
}

// version names this assemble, for fingerprints: a different assemble
// may evaluate the same inputs differently.
func version() string {
	v := "(devel)"
	if bi, ok := debug.ReadBuildInfo(); ok {
		v = bi.Main.Version
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				v += " " + s.Value
			}
		}
	}
	if exe, err := os.Executable(); err == nil {
		if fi, err := os.Stat(exe); err == nil {
			v += fmt.Sprintf(" %d %d", fi.Size(), fi.ModTime().UnixNano())
		}
	}
	return v
}

// fingerprint names every input an install reads: this assemble, where
// the instance is, the manifest and config, the content of every file the
// config was read from, the variable settings, what env() read, the
// overlays' content and, for Go builds, the go command and its settings.
// An install whose fingerprint is the one recorded has nothing to do,
// and can say so without parsing a config.
func (r *run) fingerprint(ctx context.Context, files, env []string, goBuild bool) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "fingerprint v1\n%s\n%s\n", version(), r.in.Dir)
	fmt.Fprintf(h, "manifest %s %s %s\n", r.src.ManifestDir, r.src.ManifestCommit, r.src.ConfigPath())
	for _, f := range files {
		fmt.Fprintf(h, "file %s %s\n", f, fileHash(f))
	}
	vars, err := r.src.VarSettings()
	if err != nil {
		return "", err
	}
	for _, v := range vars {
		fmt.Fprintf(h, "var %s=%q %s\n", v.Name, v.Value, v.Source)
	}
	for _, name := range env {
		v, ok := r.src.lookupEnv(name)
		fmt.Fprintf(h, "env %s=%q %v\n", name, v, ok)
	}
	for _, o := range r.ovs {
		fmt.Fprintf(h, "overlay %s %s %s\n", o.Module, o.Name, o.Hash)
	}
	if goBuild {
		user, err := gocmd.UserEnv(ctx)
		if err != nil {
			return "", err
		}
		for _, k := range buildEnvKeys {
			fmt.Fprintf(h, "go %s=%s\n", k, user[k])
		}
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

// buildEnvKeys are the go settings that change what a build makes.
var buildEnvKeys = []string{
	"GOVERSION", "GOROOT", "GOOS", "GOARCH", "GOAMD64", "GOARM", "GOARM64", "GO386",
	"GOEXPERIMENT", "GOFIPS140", "GODEBUG", "CGO_ENABLED", "CC", "CXX",
	"CGO_CFLAGS", "CGO_CPPFLAGS", "CGO_CXXFLAGS", "CGO_LDFLAGS",
}

// upToDate reports whether the last install's inputs are unchanged and
// everything it made is still there.
func (r *run) upToDate(ctx context.Context) (*Report, bool) {
	st := r.st
	if st.Fingerprint == "" || st.Revision == "" || r.in.CurrentRevision() != st.Revision {
		return nil, false
	}
	if st.Wait() != nil {
		return nil, false // resolveAndPlan reports it
	}
	if _, err := os.Stat(filepath.Join(r.in.Revision(st.Revision), "parts.json")); err != nil {
		return nil, false
	}
	fp, err := r.fingerprint(ctx, st.Files, st.Env, st.GoBuild)
	if err != nil || fp != st.Fingerprint {
		return nil, false
	}
	rep := &Report{Instance: r.in.Name, Dir: r.in.Dir, Revision: st.Revision, Previous: st.Revision, UpToDate: true, Overlays: r.ovs, Warnings: r.warns}
	parts := make([]*instance.PartState, len(st.Parts))
	for i := range st.Parts {
		parts[i] = &st.Parts[i]
		rep.Steps = append(rep.Steps, Step{Part: parts[i].Name, Recipe: parts[i].Recipe, Action: "keep"})
	}
	if len(missingPaths(parts)) > 0 {
		return nil, false
	}
	return rep, true
}

// inputs lists the files and environment variables the config was read
// from, for the fingerprint.
func (r *run) inputs() (files, env []string, goBuild bool) {
	res := r.res.Config
	for _, f := range res.Config.Files {
		files = append(files, f.Abs)
	}
	for _, p := range res.Parts {
		if p.Part.Recipe == "go.build" {
			goBuild = true
		}
		for _, o := range p.Recipe.Spec().Options {
			if o.Path == recipes.SourcePath {
				if s := p.String(o.Name); s != "" {
					files = append(files, s)
				}
			}
		}
	}
	if r.opts.LockFile != "" {
		if abs, err := filepath.Abs(r.opts.LockFile); err == nil {
			files = append(files, abs)
		}
	}
	for k := range res.Env {
		env = append(env, k)
	}
	sort.Strings(env)
	return files, env, goBuild
}

// remembered returns the variable settings to remember: what was
// remembered, overridden by this run's settings.
func (r *run) remembered() []instance.VarSetting {
	vars, _ := r.src.VarSettings()
	last := map[string]config.VarSetting{}
	var order []string
	for _, v := range vars {
		if _, ok := last[v.Name]; !ok {
			order = append(order, v.Name)
		}
		last[v.Name] = v
	}
	var out []instance.VarSetting
	for _, name := range order {
		if r.res != nil && r.res.Config.Config.Variable(name) == nil {
			continue // no longer declared
		}
		v := last[name]
		src := v.Source
		if src == "instance" {
			if old := findVar(r.st.Vars, name); old != nil {
				src = old.Source
			}
		}
		out = append(out, instance.VarSetting{Name: v.Name, Value: v.Value, Source: src})
	}
	return out
}

func findVar(vs []instance.VarSetting, name string) *instance.VarSetting {
	for i := range vs {
		if vs[i].Name == name {
			return &vs[i]
		}
	}
	return nil
}

// newState is the state after this run.
func (r *run) newState(ctx context.Context) (*instance.State, error) {
	st := &instance.State{Revision: r.rev, Time: time.Now().UTC().Truncate(time.Second)}
	switch {
	case r.res == nil:
		// A rollback: the instance remembers what it remembered, and the
		// next install evaluates the config again.
		st.Manifest, st.Config, st.Vars = r.st.Manifest, r.st.Config, r.st.Vars
	default:
		if r.man != nil {
			st.Manifest = r.man.Spec
			st.Config = r.src.Config
		} else {
			st.Config = r.src.ConfigPath()
		}
		st.Vars = r.remembered()
		st.Files, st.Env, st.GoBuild = r.inputs()
		fp, err := r.fingerprint(ctx, st.Files, st.Env, st.GoBuild)
		if err != nil {
			return nil, err
		}
		st.Fingerprint = fp
	}
	for _, p := range r.parts {
		ps := instance.PartState{Name: p.part.Name, Recipe: p.part.Recipe, Digest: p.digest, Options: encodeHashes(p.optHashes)}
		if p.action == "keep" && p.old != nil {
			ps.Paths = p.old.Paths
		} else {
			ps.Paths = p.paths
		}
		st.Parts = append(st.Parts, ps)
	}
	return st, nil
}

func diagf(summary, detail string) hcl.Diagnostics {
	return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: summary, Detail: detail}}
}

// rootDirs are an instance's own directories, which uninstalling a part
// never removes, empty or not.
func (r *run) rootDirs() map[string]bool {
	m := map[string]bool{r.in.Dir: true}
	for _, d := range []string{"etc", "run", "tmp", "var", "bin", "code", ".assemble"} {
		m[filepath.Join(r.in.Dir, d)] = true
	}
	return m
}

// underVar reports whether path is in the instance's var directory,
// which holds data that an install never deletes.
func (r *run) underVar(path string) bool {
	return config.Within(filepath.Join(r.in.Dir, "var"), path)
}

// plannedRevision describes a revision's parts, written into it as
// parts.json: enough to install the parts again without the manifest,
// which is how rollback re-applies an earlier revision.
type plannedRevision struct {
	Revision string         `json:"revision"`
	Instance string         `json:"instance"`
	Time     time.Time      `json:"time"`
	Parts    []plannedEntry `json:"parts"`
}

type plannedEntry struct {
	Name      string          `json:"name"`
	Recipe    string          `json:"recipe"`
	Digest    string          `json:"digest"`
	DependsOn []string        `json:"depends_on,omitempty"`
	Outside   bool            `json:"allow_outside_instance,omitempty"`
	Store     string          `json:"store,omitempty"`
	Hashes    string          `json:"option_hashes"`
	Type      json.RawMessage `json:"type,omitempty"`
	Options   json.RawMessage `json:"options,omitempty"`
}
