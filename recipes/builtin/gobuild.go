package builtin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
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
	m := p.Module
	if m == nil || m.GoMod == nil {
		return fmt.Errorf("part %s: versions are not resolved", p.Name)
	}
	mod := p.String("module")
	var pkgs, names []string
	for _, pkg := range p.Strings("packages") {
		ip := PackagePath(mod, pkg)
		pkgs = append(pkgs, ip)
		names = append(names, BinaryName(ip))
	}
	// The build directory is two levels into the revision, where the
	// relative paths the go.mod gives overlays (../../local/NAME) reach
	// code/local.
	dir := filepath.Join(h.Revision(), "build", p.Name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), m.GoMod, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "go.sum"), m.GoSum, 0o644); err != nil {
		return err
	}
	out, err := h.Store(g.StoreKey(p), func(out string) error {
		h.Progress("building %s", strings.Join(p.Strings("packages"), " "))
		return h.Go(ctx, dir, buildEnv(p), append(buildArgs(p, out), pkgs...)...)
	})
	if err != nil {
		return err
	}
	for _, n := range names {
		if err := h.Bin(n, filepath.Join(out, n)); err != nil {
			return err
		}
	}
	return nil
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
