package plan

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sort"

	"github.com/assemble-build/assemble/assembler/config"
	"github.com/assemble-build/assemble/assembler/gocmd"
	"github.com/assemble-build/assemble/assembler/instance"
	"github.com/assemble-build/assemble/assembler/overlay"
	"github.com/assemble-build/assemble/assembler/source"
	"github.com/assemble-build/assemble/recipes/recipe"
)

// Inputs are what an install read besides its source and overlays: the
// instance keeps them, so that the next install can fingerprint them
// again without evaluating the config.
type Inputs struct {
	Files []string // the config files, and the files parts read
	Env   []string // the environment variables env() read, sorted
	Go    bool     // whether parts build modules, so the go command counts
}

// InputsOf lists what the evaluated config res read. usesGo says whether
// its parts build modules.
func InputsOf(res *config.Result, usesGo bool) Inputs {
	in := Inputs{Go: usesGo}
	for _, f := range res.Config.Files {
		in.Files = append(in.Files, f.Abs)
	}
	for _, p := range res.Parts {
		for _, o := range p.Recipe.Spec().Options {
			if o.Path == recipe.SourcePath {
				if s := p.String(o.Name); s != "" {
					in.Files = append(in.Files, s)
				}
			}
		}
	}
	for k := range res.Env {
		in.Env = append(in.Env, k)
	}
	sort.Strings(in.Env)
	return in
}

// Fingerprint names every input an install of the instance in reads:
// this assemble, where the instance is, the manifest and config, the
// content of every file in inputs, the variables' values, what env()
// read, the overlays' content and, when parts build modules, the go
// command and its settings. An install whose fingerprint is the one
// recorded has nothing to do, and can say so without parsing a config.
func Fingerprint(ctx context.Context, in *instance.Instance, src *source.Source, ovs []overlay.Overlay, inputs Inputs) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "fingerprint v1\n%s\n%s\n", version(), in.Dir)
	mdir, commit := "", ""
	if m := src.Opened(); m != nil {
		mdir, commit = m.Dir, m.Commit
	}
	fmt.Fprintf(h, "manifest %s %s %s\n", mdir, commit, src.ConfigPath())
	// A defaults file made since the last install is no input of it yet.
	if d := src.Defaults(); d != "" {
		fmt.Fprintf(h, "defaults %s %s\n", d, FileHash(d))
	}
	for _, f := range inputs.Files {
		fmt.Fprintf(h, "file %s %s\n", f, FileHash(f))
	}
	vars, err := src.VarSettings()
	if err != nil {
		return "", err
	}
	// What counts is the value each variable ends up with, not where it
	// came from: an install with --var, then one that remembers it, read
	// the same inputs.
	values := map[string]string{}
	for _, v := range vars {
		values[v.Name] = v.Value
	}
	for _, name := range slices.Sorted(maps.Keys(values)) {
		fmt.Fprintf(h, "var %s=%q\n", name, values[name])
	}
	sets, err := src.SetSettings()
	if err != nil {
		return "", err
	}
	clear(values)
	for _, s := range sets {
		values[s.Key()] = s.Value
	}
	for _, key := range slices.Sorted(maps.Keys(values)) {
		fmt.Fprintf(h, "set %s=%q\n", key, values[key])
	}
	for _, name := range inputs.Env {
		v, ok := src.LookupEnv(name)
		fmt.Fprintf(h, "env %s=%q %v\n", name, v, ok)
	}
	for _, o := range ovs {
		fmt.Fprintf(h, "overlay %s %s %s\n", o.Module, o.Name, o.Hash)
	}
	if inputs.Go {
		user, err := gocmd.UserEnv(ctx, in.Cache("go"))
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

// Unchanged reports whether an install of in would find nothing to do:
// its inputs have the fingerprint recorded, it is on the revision
// recorded, everything its parts made is there, and no part has an
// update step, which must run on every install.
func Unchanged(ctx context.Context, in *instance.Instance, st *instance.State, src *source.Source, ovs []overlay.Overlay) bool {
	if st.Fingerprint == "" || st.Revision == "" || in.CurrentRevision() != st.Revision {
		return false
	}
	if _, err := os.Stat(filepath.Join(in.Revision(st.Revision), RecordFile)); err != nil {
		return false
	}
	for i := range st.Parts {
		if st.Parts[i].Update {
			return false
		}
	}
	inputs := Inputs{Files: st.Files, Env: st.Env, Go: st.Go}
	if fp, err := Fingerprint(ctx, in, src, ovs, inputs); err != nil || fp != st.Fingerprint {
		return false
	}
	for i := range st.Parts {
		if firstMissing(&st.Parts[i]) != "" {
			return false
		}
	}
	return true
}

// version names this assemble: a different one may evaluate the same
// inputs differently.
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
