package recipes

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/Masterminds/semver/v3"
	"github.com/zclconf/go-cty/cty"
	"golang.org/x/mod/module"
)

// GoBuild builds the commands of one Go module at the version resolution
// picked (or from a developer's overlay) into the revision's bin directory.
type GoBuild struct{}

var goBuildSpec = &Spec{
	Name: "go.build",
	Doc:  "Builds Go commands from a module, reproducibly, into the instance's bin directory.",
	Options: []Option{
		{Name: "module", Type: cty.String, Required: true, Doc: "module path, e.g. example.com/lava/server"},
		{Name: "version", Type: cty.String, Doc: "version constraint (Masterminds semver syntax, e.g. ^1.4); a pin in versions wins"},
		{Name: "packages", Type: cty.List(cty.String), Default: cty.ListVal([]cty.Value{cty.StringVal(".")}), Doc: "main packages to build, relative to the module root (./cmd/x) or full import paths"},
		{Name: "tags", Type: cty.List(cty.String), Default: cty.ListValEmpty(cty.String), Doc: "build tags"},
		{Name: "ldflags", Type: cty.String, Default: cty.StringVal(""), Doc: "flags passed to go build -ldflags"},
		{Name: "env", Type: cty.Map(cty.String), Default: cty.MapValEmpty(cty.String), Doc: "extra environment for go build (GOOS, GOAMD64, …)"},
		{Name: "cgo", Type: cty.Bool, Default: cty.False, Doc: "build with CGO_ENABLED=1"},
	},
	Outputs: []Output{
		{Name: "bin", Type: cty.Map(cty.String), Doc: "binary name → path under instance.bin"},
		{Name: "version", Type: cty.String, Doc: "the module version built"},
		{Name: "location", Type: cty.String, Doc: "the source directory built: the module cache or the overlay checkout"},
	},
}

func (GoBuild) Spec() *Spec { return goBuildSpec }

func (GoBuild) Check(p *Part) []Problem {
	var probs []Problem
	mod := p.String("module")
	if mod != "" {
		if err := module.CheckPath(mod); err != nil {
			probs = append(probs, Problem{Option: "module", Summary: "Invalid module path", Detail: err.Error()})
		}
	}
	if c := p.String("version"); c != "" {
		if _, err := semver.NewConstraint(c); err != nil {
			probs = append(probs, Problem{Option: "version", Summary: "Invalid version constraint",
				Detail: fmt.Sprintf("%q is not a version constraint: %v. Write one like \"^1.4\", \"~1.4.2\" or \">= 1.2, < 2\"; an exact version belongs in versions.", c, err)})
		}
	}
	for _, pkg := range p.Strings("packages") {
		if strings.Contains(pkg, "...") {
			probs = append(probs, Problem{Option: "packages", Summary: "Package patterns are not allowed",
				Detail: fmt.Sprintf("%q is a pattern; list each main package so that the names of the binaries are known before the build.", pkg)})
			continue
		}
		if mod != "" && !strings.HasPrefix(pkg, "./") && pkg != "." && pkg != mod && !strings.HasPrefix(pkg, mod+"/") {
			probs = append(probs, Problem{Option: "packages", Summary: "Package outside the module",
				Detail: fmt.Sprintf("%q is not in module %s; write packages relative to the module root, like \"./cmd/name\".", pkg, mod)})
		}
	}
	if env := p.StringMap("env"); env != nil {
		for k := range env {
			switch k {
			case "GOFLAGS", "GOWORK", "GOTOOLCHAIN", "GOPROXY", "GOMODCACHE", "CGO_ENABLED":
				probs = append(probs, Problem{Option: "env", Summary: "Variable not allowed in go.build env",
					Detail: fmt.Sprintf("%s is set by assemble itself; use buildout.go_env for proxies or the cgo option.", k)})
			}
		}
	}
	return probs
}

func (GoBuild) Outputs(p *Part) (map[string]cty.Value, error) {
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
	if p.Go != nil {
		out["version"] = cty.StringVal(p.Go.Version)
		if p.Go.Dir != "" {
			out["location"] = cty.StringVal(p.Go.Dir)
		}
	}
	return out, nil
}

// Install builds the part's packages in the go.mod resolution made for
// it, into the content-addressed store, and links the binaries into the
// revision's bin directory. A store entry with the same build key is used
// as it is: the same inputs have built the same bytes before.
func (GoBuild) Install(ctx context.Context, p *Part, h Host) error {
	g := p.Go
	if g == nil || g.GoMod == nil {
		return fmt.Errorf("part %s: versions are not resolved", p.Name)
	}
	mod := p.String("module")
	var pkgs, names []string
	for _, pkg := range p.Strings("packages") {
		ip := PackagePath(mod, pkg)
		pkgs = append(pkgs, ip)
		names = append(names, BinaryName(ip))
	}
	// The build directory is in the revision, so that the relative paths
	// go.mod gives overlays (../../local/NAME) reach code/local.
	dir := filepath.Join(h.Revision(), "build", p.Name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), g.GoMod, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "go.sum"), g.GoSum, 0o644); err != nil {
		return err
	}
	out, err := h.Store("go.build-"+g.BuildKey, func(out string) error {
		h.Progress("building %s", strings.Join(p.Strings("packages"), " "))
		args := []string{"build", "-trimpath", "-buildvcs=false", "-mod=readonly", "-o", out + string(filepath.Separator)}
		if tags := p.Strings("tags"); len(tags) > 0 {
			args = append(args, "-tags="+strings.Join(tags, ","))
		}
		if ld := p.String("ldflags"); ld != "" {
			args = append(args, "-ldflags="+ld)
		}
		env := map[string]string{"CGO_ENABLED": "0"}
		if p.Bool("cgo") {
			env["CGO_ENABLED"] = "1"
		}
		for k, v := range p.StringMap("env") {
			env[k] = v
		}
		return h.Go(ctx, dir, env, append(args, pkgs...)...)
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
