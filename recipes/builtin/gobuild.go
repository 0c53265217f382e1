package builtin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/Masterminds/semver/v3"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
	"golang.org/x/mod/module"

	"github.com/assemble-build/assemble/recipes/recipe"
)

// GoBuild builds the commands of one Go module at the version resolution
// picked (or from a developer's overlay) into the revision's bin directory.
type GoBuild struct{}

var goBuildSpec = &recipe.Spec{
	Name: "go.build",
	Doc:  "Builds Go commands from a module, reproducibly, into the instance's bin directory.",
	Options: []recipe.Option{
		{Name: "module", Type: cty.String, Required: true, Doc: "module path, e.g. example.com/lava/server"},
		{Name: "version", Type: cty.String, Doc: "version constraint (Masterminds semver syntax, e.g. ^1.4); a pin in versions wins"},
		{Name: "packages", Type: cty.List(cty.String), Default: cty.ListVal([]cty.Value{cty.StringVal(".")}), Doc: "main packages to build, relative to the module root (./cmd/x) or full import paths"},
		{Name: "tags", Type: cty.List(cty.String), Default: cty.ListValEmpty(cty.String), Doc: "build tags"},
		{Name: "ldflags", Type: cty.String, Default: cty.StringVal(""), Doc: "flags passed to go build -ldflags"},
		{Name: "env", Type: cty.Map(cty.String), Default: cty.MapValEmpty(cty.String), Doc: "extra environment for go build (GOOS, GOAMD64, …)"},
		{Name: "cgo", Type: cty.Bool, Default: cty.False, Doc: "build with CGO_ENABLED=1"},
	},
	Outputs: []recipe.Output{
		{Name: "bin", Type: cty.Map(cty.String), Doc: "binary name → path under instance.bin"},
		{Name: "version", Type: cty.String, Doc: "the module version built"},
		{Name: "location", Type: cty.String, Doc: "the source directory built: the module cache or the overlay checkout"},
	},
	InRevision: true,
}

func (GoBuild) Spec() *recipe.Spec { return goBuildSpec }

func (GoBuild) Check(p *recipe.Part) []recipe.Problem {
	var probs []recipe.Problem
	mod := p.String("module")
	if mod != "" {
		if err := module.CheckPath(mod); err != nil {
			probs = append(probs, recipe.Problem{Option: "module", Summary: "Invalid module path", Detail: err.Error()})
		}
	}
	if c := p.String("version"); c != "" {
		if _, err := semver.NewConstraint(c); err != nil {
			probs = append(probs, recipe.Problem{Option: "version", Summary: "Invalid version constraint",
				Detail: fmt.Sprintf("%q is not a version constraint: %v. Write one like \"^1.4\", \"~1.4.2\" or \">= 1.2, < 2\"; an exact version belongs in versions.", c, err)})
		}
	}
	for _, pkg := range p.Strings("packages") {
		if strings.Contains(pkg, "...") {
			probs = append(probs, recipe.Problem{Option: "packages", Summary: "Package patterns are not allowed",
				Detail: fmt.Sprintf("%q is a pattern; list each main package so that the names of the binaries are known before the build.", pkg)})
			continue
		}
		if mod != "" && !strings.HasPrefix(pkg, "./") && pkg != "." && pkg != mod && !strings.HasPrefix(pkg, mod+"/") {
			probs = append(probs, recipe.Problem{Option: "packages", Summary: "Package outside the module",
				Detail: fmt.Sprintf("%q is not in module %s; write packages relative to the module root, like \"./cmd/name\".", pkg, mod)})
		}
	}
	if env := p.StringMap("env"); env != nil {
		for k := range env {
			switch k {
			case "GOFLAGS", "GOWORK", "GOTOOLCHAIN", "GOPROXY", "GOMODCACHE", "CGO_ENABLED":
				probs = append(probs, recipe.Problem{Option: "env", Summary: "Variable not allowed in go.build env",
					Detail: fmt.Sprintf("%s is set by assemble itself; use buildout.go_env for proxies or the cgo option.", k)})
			}
		}
	}
	return probs
}

func (GoBuild) Outputs(p *recipe.Part) (map[string]cty.Value, error) {
	mod := p.String("module")
	bins := map[string]cty.Value{}
	if p.Known("packages") && mod != "" {
		for _, pkg := range p.Strings("packages") {
			name := BinaryName(PackagePath(mod, pkg))
			bins[name] = p.Instance.Path(p.Instance.Bin, name)
		}
	}
	out := map[string]cty.Value{
		"version":  cty.UnknownVal(cty.String),
		"location": cty.UnknownVal(cty.String),
	}
	switch {
	case !p.Known("packages") || mod == "":
		out["bin"] = cty.UnknownVal(cty.Map(cty.String))
	case len(bins) == 0:
		out["bin"] = cty.MapValEmpty(cty.String)
	default:
		out["bin"] = cty.MapVal(bins)
	}
	if p.Module != nil {
		out["version"] = cty.StringVal(p.Module.Version)
		if p.Module.Dir != "" {
			out["location"] = cty.StringVal(p.Module.Dir)
		}
	}
	return out, nil
}

// Wants asks resolution for the module the part builds, at the version
// its constraint allows, with the packages and build settings that decide
// which dependencies it has.
func (GoBuild) Wants(p *recipe.Part) *recipe.Want {
	mod := p.String("module")
	w := &recipe.Want{
		Module:     mod,
		Constraint: p.String("version"),
		Tags:       p.Strings("tags"),
		Env:        p.StringMap("env"),
		CGO:        p.Bool("cgo"),
		At:         []string{"version", "module"},
	}
	for _, pkg := range p.Strings("packages") {
		w.Packages = append(w.Packages, PackagePath(mod, pkg))
	}
	return w
}

// StoreKey names the binaries: what resolution found (p.Module.Key) and
// the options that change what go build makes. The version constraint is
// not among them: only the version it picked counts, and that is in the
// module's key.
func (GoBuild) StoreKey(p *recipe.Part) string {
	h := sha256.New()
	fmt.Fprintf(h, "go.build v2\n")
	if p.Module != nil {
		fmt.Fprintf(h, "%s\n", p.Module.Key)
	}
	for _, name := range []string{"module", "packages", "tags", "ldflags", "env", "cgo"} {
		v := p.Options[name]
		js, _ := ctyjson.Marshal(v, v.Type())
		fmt.Fprintf(h, "%s=%s\n", name, js)
	}
	return "go.build-" + hex.EncodeToString(h.Sum(nil))[:32]
}

// Install builds the part's packages in the module resolution made for
// it, into the store, and links the binaries into the revision's bin
// directory. A store entry with the same key is used as it is: the same
// inputs have built the same bytes before.
func (g GoBuild) Install(ctx context.Context, p *recipe.Part, h recipe.Host) error {
	return g.InstallGroup(ctx, []*recipe.Part{p}, []recipe.Host{h})
}

// Group names what a part's build shares with others': the go.mod and
// go.sum it is built in (the whole build list, and the built module's go
// and godebug lines) and the options that go to go build. Parts with the
// same group are built by one go build, which gives each binary the same
// bytes as a build of its own.
func (GoBuild) Group(p *recipe.Part) string {
	m := p.Module
	if m == nil || m.GoMod == nil {
		return ""
	}
	h := sha256.New()
	fmt.Fprintf(h, "go.build group v1\n%q\n%q\n", m.GoMod, m.GoSum)
	for _, name := range []string{"tags", "ldflags", "env", "cgo"} {
		v := p.Options[name]
		js, _ := ctyjson.Marshal(v, v.Type())
		fmt.Fprintf(h, "%s=%s\n", name, js)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// InstallGroup installs parts of one group (see Group): one go build
// makes the binaries of those whose store entries are missing, in as few
// go builds as binaries of the same name allow; each part's are then
// stored under its own key and linked into the revision.
func (g GoBuild) InstallGroup(ctx context.Context, parts []*recipe.Part, hosts []recipe.Host) error {
	var need []int
	for i, p := range parts {
		if p.Module == nil || p.Module.GoMod == nil {
			return fmt.Errorf("part %s: versions are not resolved", p.Name)
		}
		if err := writeBuildDir(p, hosts[i]); err != nil {
			return err
		}
		if _, ok := hosts[i].Stored(g.StoreKey(p)); !ok {
			need = append(need, i)
		}
	}
	outs := make([]string, len(parts)) // where each part's binaries were built
	for _, batch := range batches(parts, need) {
		out, err := g.build(ctx, parts, hosts, batch)
		if out != "" {
			defer os.RemoveAll(out)
		}
		if err != nil {
			return err
		}
		for _, i := range batch {
			outs[i] = out
		}
	}
	for i, p := range parts {
		if err := g.store(p, hosts[i], outs[i]); err != nil {
			return err
		}
	}
	return nil
}

// buildDir is where a part is built: two levels into the revision, where
// the relative paths the go.mod gives overlays (../../local/NAME) reach
// code/local.
func buildDir(p *recipe.Part, h recipe.Host) string {
	return filepath.Join(h.Revision(), "build", p.FileName())
}

// outDir is where a go build for a batch led by p writes, until the
// binaries are stored.
func outDir(p *recipe.Part, h recipe.Host) string {
	return filepath.Join(h.Revision(), "build", ".out-"+p.FileName())
}

func writeBuildDir(p *recipe.Part, h recipe.Host) error {
	dir := buildDir(p, h)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), p.Module.GoMod, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "go.sum"), p.Module.GoSum, 0o644)
}

// batches splits the parts at need into go builds whose binaries have
// different names: go build -o DIR/ writes each by its name.
func batches(parts []*recipe.Part, need []int) [][]int {
	var out [][]int
	var names []map[string]bool
	for _, i := range need {
		bins := binaryNames(parts[i])
		placed := false
		for b := range out {
			if !anyIn(bins, names[b]) {
				out[b] = append(out[b], i)
				for _, n := range bins {
					names[b][n] = true
				}
				placed = true
				break
			}
		}
		if !placed {
			set := map[string]bool{}
			for _, n := range bins {
				set[n] = true
			}
			out = append(out, []int{i})
			names = append(names, set)
		}
	}
	return out
}

func anyIn(names []string, set map[string]bool) bool {
	for _, n := range names {
		if set[n] {
			return true
		}
	}
	return false
}

// build runs one go build for the parts of a batch, in the build
// directory of its first, and returns the directory it wrote.
func (g GoBuild) build(ctx context.Context, parts []*recipe.Part, hosts []recipe.Host, batch []int) (string, error) {
	lead, h := parts[batch[0]], hosts[batch[0]]
	var pkgs []string
	for _, i := range batch {
		hosts[i].Progress("building %s", strings.Join(parts[i].Strings("packages"), " "))
		pkgs = append(pkgs, packagePaths(parts[i])...)
	}
	out := outDir(lead, h)
	if err := os.RemoveAll(out); err != nil {
		return "", err
	}
	return out, h.Go(ctx, buildDir(lead, h), buildEnv(lead), append(buildArgs(lead, out), pkgs...)...)
}

// store puts the part's binaries into its store entry, from out, where
// a go build made them, unless the entry is there, and links them into
// the revision.
func (g GoBuild) store(p *recipe.Part, h recipe.Host, out string) error {
	names := binaryNames(p)
	key := g.StoreKey(p)
	entry, err := h.Store(key, func(dir string) error {
		if out == "" {
			return fmt.Errorf("part %s: store entry %s went away while it was installed", p.Name, key)
		}
		for _, n := range names {
			if err := moveFile(filepath.Join(out, n), filepath.Join(dir, n)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, n := range names {
		if err := h.Bin(n, filepath.Join(entry, n)); err != nil {
			return err
		}
	}
	return nil
}

// moveFile moves a file, copying it where it cannot be renamed (to
// another file system).
func moveFile(src, dst string) error {
	if os.Rename(src, dst) == nil {
		return nil
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, fi.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func packagePaths(p *recipe.Part) []string {
	var out []string
	for _, pkg := range p.Strings("packages") {
		out = append(out, PackagePath(p.String("module"), pkg))
	}
	return out
}

func binaryNames(p *recipe.Part) []string {
	var out []string
	for _, ip := range packagePaths(p) {
		out = append(out, BinaryName(ip))
	}
	return out
}

// buildArgs are the arguments of go build, which writes the binaries
// into out: reproducible (no paths, no VCS stamp), with the module's
// requirements as they are.
func buildArgs(p *recipe.Part, out string) []string {
	args := []string{"build", "-trimpath", "-buildvcs=false", "-mod=readonly", "-o", out + string(filepath.Separator)}
	if tags := p.Strings("tags"); len(tags) > 0 {
		args = append(args, "-tags="+strings.Join(tags, ","))
	}
	if ld := p.String("ldflags"); ld != "" {
		args = append(args, "-ldflags="+ld)
	}
	return args
}

func buildEnv(p *recipe.Part) map[string]string {
	env := map[string]string{"CGO_ENABLED": "0"}
	if p.Bool("cgo") {
		env["CGO_ENABLED"] = "1"
	}
	for k, v := range p.StringMap("env") {
		env[k] = v
	}
	return env
}

// BinaryName returns the name go build gives the binary of the package
// at import path pkg, by the go command's own rule: the last element, or
// the one before it when that is a major version (example.com/tool/v2
// builds "tool").
func BinaryName(pkg string) string {
	_, elem := path.Split(pkg)
	if elem != pkg && isVersionElement(elem) {
		_, elem = path.Split(path.Dir(pkg))
	}
	return elem
}

// isVersionElement reports whether s is a major version element: v
// followed by a number of 2 or more.
func isVersionElement(s string) bool {
	if len(s) < 2 || s[0] != 'v' || s[1] == '0' || s[1] == '1' && len(s) == 2 {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// PackagePath makes a go.build package pattern ("./cmd/x", ".", or a full
// import path) into an import path within module mod.
func PackagePath(mod, pkg string) string {
	switch {
	case pkg == ".":
		return mod
	case strings.HasPrefix(pkg, "./"):
		return mod + "/" + strings.TrimPrefix(path.Clean(pkg), "./")
	}
	return pkg
}
