package builtin

import (
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/assemble-build/assemble/recipes/recipe"
)

func TestBinaryName(t *testing.T) {
	tests := []struct{ pkg, want string }{
		{"example.com/lava/server/cmd/lava-server", "lava-server"},
		{"example.com/lava/lavacli/v2", "lavacli"},
		{"example.com/lava/lavacli/v2/cmd/tool", "tool"},
		{"example.com/tool", "tool"},
		{"example.com/v2", "example.com"},
		{"example.com/tool/v1", "v1"},
		{"example.com/tool/v10", "tool"},
	}
	for _, tt := range tests {
		if got := BinaryName(tt.pkg); got != tt.want {
			t.Errorf("BinaryName(%q) = %q, want %q", tt.pkg, got, tt.want)
		}
	}
}

func TestPackagePath(t *testing.T) {
	tests := []struct{ mod, pkg, want string }{
		{"example.com/m", ".", "example.com/m"},
		{"example.com/m", "./cmd/x", "example.com/m/cmd/x"},
		{"example.com/m", "./cmd/x/", "example.com/m/cmd/x"},
		{"example.com/m", "example.com/m/cmd/y", "example.com/m/cmd/y"},
	}
	for _, tt := range tests {
		if got := PackagePath(tt.mod, tt.pkg); got != tt.want {
			t.Errorf("PackagePath(%q, %q) = %q, want %q", tt.mod, tt.pkg, got, tt.want)
		}
	}
}

// part builds a Part with spec defaults and the given options.
func part(r recipe.Recipe, opts map[string]cty.Value) *recipe.Part {
	p := &recipe.Part{Name: "p", Recipe: r.Spec().Name, Options: map[string]cty.Value{}, Instance: recipe.NewInstance("i", "/srv/i")}
	for _, o := range r.Spec().Options {
		v := o.Default
		if v == cty.NilVal {
			v = cty.NullVal(o.Type)
		}
		p.Options[o.Name] = v
	}
	for k, v := range opts {
		p.Options[k] = v
	}
	return p
}

func TestCheck(t *testing.T) {
	s := cty.StringVal
	list := func(vs ...string) cty.Value {
		var out []cty.Value
		for _, v := range vs {
			out = append(out, s(v))
		}
		return cty.ListVal(out)
	}
	tests := []struct {
		name string
		r    recipe.Recipe
		opts map[string]cty.Value
		want string // substring of the problems, "" for none
	}{
		{"go.build ok", GoBuild{}, map[string]cty.Value{"module": s("example.com/m"), "packages": list("./cmd/x")}, ""},
		{"go.build bad module", GoBuild{}, map[string]cty.Value{"module": s("Example Com")}, "Invalid module path"},
		{"go.build bad constraint", GoBuild{}, map[string]cty.Value{"module": s("example.com/m"), "version": s("^^1.4")}, "Invalid version constraint"},
		{"go.build pattern", GoBuild{}, map[string]cty.Value{"module": s("example.com/m"), "packages": list("./...")}, "Package patterns"},
		{"go.build foreign package", GoBuild{}, map[string]cty.Value{"module": s("example.com/m"), "packages": list("example.com/other/cmd")}, "outside the module"},
		{"go.build controlled env", GoBuild{}, map[string]cty.Value{"module": s("example.com/m"), "env": cty.MapVal(map[string]cty.Value{"GOFLAGS": s("-x")})}, "not allowed"},
		{"template needs a source", Template{}, map[string]cty.Value{"target": s("/srv/i/x")}, "needs source or content"},
		{"template both", Template{}, map[string]cty.Value{"target": s("/srv/i/x"), "source": s("/m/t"), "content": s("x")}, "not both"},
		{"template vars not object", Template{}, map[string]cty.Value{"target": s("/srv/i/x"), "content": s("x"), "vars": s("x")}, "vars must be an object"},
		{"file mode", File{}, map[string]cty.Value{"target": s("/srv/i/x"), "content": s("x"), "mode": s("644x")}, "Invalid file mode"},
		{"file ok", File{}, map[string]cty.Value{"target": s("/srv/i/x"), "content": s("x")}, ""},
		{"directory ok", Directory{}, map[string]cty.Value{"path": s("/srv/i/var/x")}, ""},
		{"command empty", Command{}, map[string]cty.Value{"install": cty.ListValEmpty(cty.String)}, "Empty command"},
		{"command none", Command{}, nil, "at least one of"},
		{"download sha", Download{}, map[string]cty.Value{"url": s("https://x/y.tgz"), "sha256": s("zz")}, "Invalid sha256"},
		{"download strip", Download{}, map[string]cty.Value{"url": s("file:///y"), "sha256": s(strings.Repeat("a", 64)), "strip_components": cty.NumberFloatVal(1.5)}, "strip_components"},
		{"download ok", Download{}, map[string]cty.Value{"url": s("https://x/y.tgz"), "sha256": s(strings.Repeat("a", 64))}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var msgs []string
			for _, p := range tt.r.Check(part(tt.r, tt.opts)) {
				msgs = append(msgs, p.Summary+": "+p.Detail)
			}
			got := strings.Join(msgs, "\n")
			if tt.want == "" && got != "" {
				t.Errorf("unexpected problems: %s", got)
			}
			if tt.want != "" && !strings.Contains(got, tt.want) {
				t.Errorf("problems %q do not mention %q", got, tt.want)
			}
		})
	}
}

func TestOutputs(t *testing.T) {
	p := part(GoBuild{}, map[string]cty.Value{
		"module":   cty.StringVal("example.com/lava/lavacli/v2"),
		"packages": cty.ListVal([]cty.Value{cty.StringVal("."), cty.StringVal("./cmd/lava-tool")}),
	})
	out, err := GoBuild{}.Outputs(p)
	if err != nil {
		t.Fatal(err)
	}
	bin := out["bin"].AsValueMap()
	if got := bin["lavacli"].AsString(); got != "/srv/i/bin/lavacli" {
		t.Errorf("bin[lavacli] = %q", got)
	}
	if got := bin["lava-tool"].AsString(); got != "/srv/i/bin/lava-tool" {
		t.Errorf("bin[lava-tool] = %q", got)
	}
	if out["version"].IsKnown() {
		t.Error("version is known before resolution")
	}
	p.Module = &recipe.Module{Path: "example.com/lava/lavacli/v2", Version: "v2.1.0", Dir: "/cache/x"}
	out, _ = GoBuild{}.Outputs(p)
	if got := out["version"].AsString(); got != "v2.1.0" {
		t.Errorf("version = %q", got)
	}

	// Without an instance, paths are unknown but the binaries' names are not.
	p.Instance = recipe.Instance{}
	out, _ = GoBuild{}.Outputs(p)
	if out["bin"].IsWhollyKnown() || len(out["bin"].AsValueMap()) != 2 {
		t.Errorf("bin = %#v, want two unknown paths", out["bin"])
	}

	d := part(Download{}, map[string]cty.Value{"url": cty.StringVal("https://example.com/dl/tool-1.0.tar.gz")})
	out, _ = Download{}.Outputs(d)
	if got := out["path"].AsString(); got != "/srv/i/parts/p/tool-1.0.tar.gz" {
		t.Errorf("download path = %q", got)
	}
}
