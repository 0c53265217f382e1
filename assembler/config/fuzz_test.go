package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/assemble-build/assemble/recipes/recipe"
)

// FuzzLoad feeds arbitrary bytes to the loader and evaluator as a config
// file that may extend a fixed base file and itself. Whatever the input,
// they must return diagnostics, never panic or hang.
func FuzzLoad(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/errors/*/main.hcl")
	seeds = append(seeds, "../../configs/buildout.hcl", "../../configs/buildout-production.hcl")
	for _, s := range seeds {
		if data, err := os.ReadFile(s); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`extends = ["base.hcl", "main.hcl"]`))
	f.Add([]byte("buildout {\n parts = concat(base.parts, [\"x\"])\n}\npart \"x\" {\n recipe = \"file\"\n target = \"x\"\n content = part.y.path\n}\n"))
	base := []byte(`
buildout {
  parts = ["a"]
}
variable "port" {
  default = 8000
}
versions = {
  "example.com/a" = "v1.0.0"
}
part "a" {
  recipe  = "file"
  target  = "a"
  content = "${var.port}"
}
`)
	f.Fuzz(func(t *testing.T, data []byte) {
		files := map[string][]byte{"/m/main.hcl": data, "/m/base.hcl": base}
		l := &Loader{ReadFile: func(name string) ([]byte, error) {
			if b, ok := files[name]; ok {
				return b, nil
			}
			return nil, os.ErrNotExist
		}}
		cfg, diags := l.Load("/m/main.hcl")
		if cfg == nil || diags.HasErrors() {
			return
		}
		res, _ := Evaluate(cfg, EvalOptions{
			Instance:  recipe.NewInstance("f", "/i"),
			Recipes:   testRecipes(),
			LookupEnv: func(string) (string, bool) { return "", false },
		})
		if res == nil {
			t.Fatal("Evaluate returned no result")
		}
		_ = res.Annotate().WriteText(discard{})
		_ = res.Graph()
	})
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
