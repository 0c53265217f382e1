package config

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/assemble-build/assemble/recipes/recipe"
)

// writeTree writes files (slash-separated paths) under a new directory.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func evalTree(t *testing.T, files map[string]string, top string, opts EvalOptions) (*Result, string, hcl.Diagnostics) {
	t.Helper()
	dir := writeTree(t, files)
	cfg, diags := Load(filepath.Join(dir, filepath.FromSlash(top)))
	if diags.HasErrors() {
		return nil, dir, diags
	}
	if !opts.Instance.Known {
		opts.Instance = recipe.NewInstance("test", filepath.Join(dir, "instance"))
	}
	if opts.Recipes == nil {
		opts.Recipes = testRecipes()
	}
	if opts.LookupEnv == nil {
		opts.LookupEnv = func(string) (string, bool) { return "", false }
	}
	res, ediags := Evaluate(cfg, opts)
	return res, dir, append(diags, ediags...)
}

// dirParts declares a directory part for each name.
func dirParts(names ...string) string {
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, "part %q {\n  recipe = \"directory\"\n  path   = %q\n}\n", n, "var/"+n)
	}
	return b.String()
}

// mergeCheck checks one thing of an evaluated config; option values show
// dir, where the files were written, as $DIR.
type mergeCheck func(t *testing.T, r *Result, dir string)

func wantParts(want ...string) mergeCheck {
	return func(t *testing.T, r *Result, _ string) {
		t.Helper()
		if !reflect.DeepEqual(r.Settings.Parts, want) {
			t.Errorf("buildout.parts = %q, want %q", r.Settings.Parts, want)
		}
	}
}

func wantKeep(want int) mergeCheck {
	return func(t *testing.T, r *Result, _ string) {
		t.Helper()
		if r.Settings.KeepRevisions != want {
			t.Errorf("keep_revisions = %d, want %d", r.Settings.KeepRevisions, want)
		}
	}
}

func wantFiles(want ...string) mergeCheck {
	return func(t *testing.T, r *Result, dir string) {
		t.Helper()
		var got []string
		for _, f := range r.Config.Files {
			rel, _ := filepath.Rel(dir, f.Abs)
			got = append(got, filepath.ToSlash(rel))
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("files applied in order %q, want %q", got, want)
		}
	}
}

func wantOption(part, name, want string) mergeCheck {
	return func(t *testing.T, r *Result, dir string) {
		t.Helper()
		p := r.All[part]
		if p == nil {
			t.Fatalf("no part %q", part)
		}
		got := p.Options[name].AsString()
		got = strings.ReplaceAll(got, dir, "$DIR")
		if got != want {
			t.Errorf("part.%s.%s = %q, want %q", part, name, got, want)
		}
	}
}

func wantPins(want map[string]string) mergeCheck {
	return func(t *testing.T, r *Result, _ string) {
		t.Helper()
		if !reflect.DeepEqual(r.Pins, want) {
			t.Errorf("pins = %v, want %v", r.Pins, want)
		}
	}
}

func wantVar(name string, want cty.Value, source string) mergeCheck {
	return func(t *testing.T, r *Result, _ string) {
		t.Helper()
		if got := r.Vars[name]; !got.RawEquals(want) {
			t.Errorf("var.%s = %#v, want %#v", name, got, want)
		}
		if got := r.VarSources[name]; got != source {
			t.Errorf("var.%s comes from %q, want %q", name, got, source)
		}
	}
}

func wantOrder(want ...string) mergeCheck {
	return func(t *testing.T, r *Result, _ string) {
		t.Helper()
		var got []string
		for _, p := range r.Parts {
			got = append(got, p.Name)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("install order %q, want %q", got, want)
		}
	}
}

// mergeTests are the cases of TestMerge.
var mergeTests = []struct {
	name   string
	files  map[string]string
	top    string
	vars   []VarSetting
	env    map[string]string
	checks []mergeCheck
}{
	{
		name: "the right of several extends wins, the extending file over both",
		files: map[string]string{
			"a.hcl":    "buildout {\n keep_revisions = 1\n allow_local = false\n}\n",
			"b.hcl":    "buildout {\n keep_revisions = 2\n show_picked_versions = true\n}\n",
			"main.hcl": "extends = [\"a.hcl\", \"b.hcl\"]\n",
		},
		top: "main.hcl",
		checks: []mergeCheck{wantKeep(2), wantFiles("a.hcl", "b.hcl", "main.hcl"), func(t *testing.T, r *Result, _ string) {
			if r.Settings.AllowLocal || !r.Settings.ShowPickedVersions {
				t.Errorf("attributes set by only one parent were not inherited: %+v", r.Settings)
			}
		}},
	},
	{
		name: "the extending file overrides its parents",
		files: map[string]string{
			"a.hcl":   "buildout {\n keep_revisions = 1\n}\n",
			"b.hcl":   "buildout {\n keep_revisions = 2\n}\n",
			"top.hcl": "extends = [\"a.hcl\", \"b.hcl\"]\nbuildout {\n keep_revisions = 3\n}\n",
		},
		top:    "top.hcl",
		checks: []mergeCheck{wantKeep(3), wantFiles("a.hcl", "b.hcl", "top.hcl")},
	},
	{
		name: "nested and relative extends from another directory",
		files: map[string]string{
			"site/prod/main.hcl":      "extends = [\"../../base/base.hcl\"]\npart \"settings\" {\n  source = \"prod.tmpl\"\n}\n",
			"base/base.hcl":           "extends = [\"common/common.hcl\"]\npart \"settings\" {\n  recipe = \"template\"\n  target = \"etc/settings.conf\"\n  source = \"base.tmpl\"\n}\n",
			"base/common/common.hcl":  "part \"media\" {\n  recipe = \"directory\"\n  path = \"var/media\"\n  mode = \"0750\"\n}\n",
			"base/common/unused.hcl":  "this is not HCL at all {",
			"site/prod/prod.tmpl":     "",
			"base/base.tmpl":          "",
			"base/common/ignored.txt": "",
		},
		top: "site/prod/main.hcl",
		checks: []mergeCheck{
			wantFiles("base/common/common.hcl", "base/base.hcl", "site/prod/main.hcl"),
			// A source path is relative to the file that sets it; the
			// target and recipe are inherited from base.hcl.
			wantOption("settings", "source", "$DIR/site/prod/prod.tmpl"),
			wantOption("settings", "target", "$DIR/instance/etc/settings.conf"),
			wantOption("media", "mode", "0750"),
		},
	},
	{
		name: "+= and -= across two levels of extension",
		files: map[string]string{
			"base.hcl": "buildout {\n parts = [\"a\", \"b\", \"c\"]\n}\n" + dirParts("a", "b", "c"),
			"mid.hcl":  "extends = [\"base.hcl\"]\nbuildout {\n parts = concat(base.parts, [\"d\"])\n}\n" + dirParts("d"),
			"top.hcl":  "extends = [\"mid.hcl\"]\nbuildout {\n parts = without(base.parts, \"b\")\n}\n",
		},
		top:    "top.hcl",
		checks: []mergeCheck{wantParts("a", "c", "d"), wantOrder("a", "c", "d")},
	},
	{
		name: "base.parts defaults to the parts declared before",
		files: map[string]string{
			"base.hcl": dirParts("a", "b"),
			"top.hcl":  "extends = [\"base.hcl\"]\nbuildout {\n parts = concat(base.parts, [\"x\"])\n}\n" + dirParts("x", "y"),
		},
		top:    "top.hcl",
		checks: []mergeCheck{wantParts("a", "b", "x")},
	},
	{
		name: "a diamond keeps a parent's override of the shared base",
		files: map[string]string{
			"a.hcl": "buildout {\n keep_revisions = 1\n}\npart \"p\" {\n recipe = \"file\"\n target = \"p\"\n content = \"from a\"\n mode = \"0600\"\n}\n",
			"b.hcl": "extends = [\"a.hcl\"]\nbuildout {\n keep_revisions = 2\n}\npart \"p\" {\n content = \"from b\"\n}\n",
			"c.hcl": "extends = [\"a.hcl\"]\nbuildout {\n allow_local = false\n}\n",
			"d.hcl": "extends = [\"b.hcl\", \"c.hcl\"]\n",
		},
		top: "d.hcl",
		checks: []mergeCheck{
			wantFiles("a.hcl", "b.hcl", "c.hcl", "d.hcl"),
			wantKeep(2),
			wantOption("p", "content", "from b"),
			wantOption("p", "mode", "0600"),
			func(t *testing.T, r *Result, _ string) {
				if r.Settings.AllowLocal {
					t.Error("c.hcl's allow_local = false was lost")
				}
			},
		},
	},
	{
		name: "a base built on through two levels",
		files: map[string]string{
			"a.hcl": "part \"p\" {\n recipe = \"file\"\n target = \"p\"\n content = \"a\"\n}\n",
			"b.hcl": "extends = [\"a.hcl\"]\npart \"p\" {\n content = \"${base.content}b\"\n}\n",
			"c.hcl": "extends = [\"b.hcl\"]\npart \"p\" {\n content = \"${base.content}c\"\n}\n",
		},
		top:    "c.hcl",
		checks: []mergeCheck{wantOption("p", "content", "abc")},
	},
	{
		name: "versions merge key by key; null removes a pin",
		files: map[string]string{
			"base.hcl": "versions = {\n \"example.com/a\" = \"v1.0.0\"\n \"example.com/b\" = \"v1.0.0\"\n \"example.com/c\" = \"v1.0.0\"\n}\n",
			"top.hcl":  "extends = [\"base.hcl\"]\nversions = {\n \"example.com/b\" = \"v1.1.0\"\n \"example.com/c\" = null\n \"example.com/d/v2\" = \"v2.0.0\"\n}\n",
		},
		top: "top.hcl",
		checks: []mergeCheck{wantPins(map[string]string{
			"example.com/a":    "v1.0.0",
			"example.com/b":    "v1.1.0",
			"example.com/d/v2": "v2.0.0",
		})},
	},
	{
		name: "references order the parts; depends_on too",
		files: map[string]string{
			"main.hcl": `
buildout {
  parts = ["settings", "link"]
}
part "link" {
  recipe     = "symlink"
  path       = "current.conf"
  target     = "settings.conf"
  depends_on = [part.settings]
}
part "settings" {
  recipe  = "file"
  target  = "settings.conf"
  content = "media=${part.media.path}"
}
part "media" {
  recipe = "directory"
  path   = "var/media"
}
part "unused" {
  recipe = "directory"
  path   = "var/unused"
}
`,
		},
		top: "main.hcl",
		checks: []mergeCheck{
			wantOrder("media", "settings", "link"),
			wantOption("settings", "content", "media=$DIR/instance/var/media"),
		},
	},
	{
		name: "enabled = false drops a part",
		files: map[string]string{
			"base.hcl": dirParts("a", "b"),
			"top.hcl":  "extends = [\"base.hcl\"]\npart \"b\" {\n enabled = false\n}\n",
		},
		top:    "top.hcl",
		checks: []mergeCheck{wantOrder("a")},
	},
	{
		name: "variables: --var over ASSEMBLE_VAR_ over what the instance remembers over the default",
		files: map[string]string{
			"main.hcl": `
variable "port" {
  type    = number
  default = 8000
}
variable "name" {
  default = "lab"
}
variable "db" {
  type    = string
  default = "x"
}
variable "tags" {
  type    = list(string)
  default = []
}
`,
		},
		top: "main.hcl",
		vars: []VarSetting{
			{Name: "port", Value: "8001", Source: "instance"},
			{Name: "name", Value: "remembered", Source: "instance"},
			{Name: "port", Value: "8002", Source: "ASSEMBLE_VAR_port"},
			{Name: "port", Value: "8003", Source: "--var"},
			{Name: "tags", Value: `["a", "b"]`, Source: "--var"},
		},
		checks: []mergeCheck{
			wantVar("port", cty.NumberIntVal(8003), "--var"),
			wantVar("name", cty.StringVal("remembered"), "instance"),
			wantVar("db", cty.StringVal("x"), "default"),
			wantVar("tags", cty.ListVal([]cty.Value{cty.StringVal("a"), cty.StringVal("b")}), "--var"),
		},
	},
	{
		name: "env() reads the environment, with a default",
		files: map[string]string{
			"main.hcl": `
part "p" {
  recipe  = "file"
  target  = "p"
  content = "${env("LAB_USER", "nobody")} ${env("LAB_HOME", "/none")}"
}
`,
		},
		top:    "main.hcl",
		env:    map[string]string{"LAB_USER": "lava"},
		checks: []mergeCheck{wantOption("p", "content", "lava /none")},
	},
}

// TestMerge checks the merge semantics: extends order, overriding,
// inheritance, base, versions and variables.
func TestMerge(t *testing.T) {
	for _, tt := range mergeTests {
		t.Run(tt.name, func(t *testing.T) {
			opts := EvalOptions{Vars: tt.vars, Recipes: testRecipes()}
			if tt.env != nil {
				opts.LookupEnv = func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }
			}
			res, dir, diags := evalTree(t, tt.files, tt.top, opts)
			if diags.HasErrors() {
				t.Fatalf("unexpected errors: %v", diags)
			}
			for _, c := range tt.checks {
				c(t, res, dir)
			}
		})
	}
}

// TestMergeErrors checks errors that need more than a fixture: values from
// outside the config.
func TestMergeErrors(t *testing.T) {
	files := map[string]string{"main.hcl": "variable \"port\" {\n type = number\n default = 1\n}\n"}
	tests := []struct {
		name string
		vars []VarSetting
		want string
		warn bool
	}{
		{"wrong type from --var", []VarSetting{{Name: "port", Value: "eighty", Source: "--var"}}, `--var port gives "eighty", but var.port must be a number`, false},
		{"unknown variable from --var", []VarSetting{{Name: "prot", Value: "1", Source: "--var"}}, `--var prot sets variable "prot", which no config file declares. Did you mean "port"?`, false},
		{"unknown variable from the environment warns", []VarSetting{{Name: "other", Value: "1", Source: "ASSEMBLE_VAR_other"}}, `ASSEMBLE_VAR_other sets variable "other"`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, diags := evalTree(t, files, "main.hcl", EvalOptions{Vars: tt.vars, Recipes: testRecipes()})
			if diags.HasErrors() == tt.warn {
				t.Errorf("HasErrors = %v, want %v: %v", diags.HasErrors(), !tt.warn, diags)
			}
			if !strings.Contains(diags.Error(), tt.want) {
				t.Errorf("diagnostics %q do not say %q", diags.Error(), tt.want)
			}
		})
	}
}
