package plugin_test

import (
	"context"

	"github.com/zclconf/go-cty/cty"

	"github.com/assemble-build/assemble/recipes/plugin"
	"github.com/assemble-build/assemble/recipes/recipe"
)

// Hello is a recipe written to the same contract as the built-in ones.
type Hello struct{}

func (Hello) Spec() *recipe.Spec {
	return &recipe.Spec{
		Name: "hello",
		Doc:  "Writes a greeting into a file.",
		Options: []recipe.Option{
			{Name: "name", Type: cty.String, Required: true, Doc: "whom to greet"},
			{Name: "target", Type: cty.String, Required: true, Path: recipe.TargetPath, Doc: "the file"},
		},
		Outputs: []recipe.Output{{Name: "path", Type: cty.String, Doc: "the file"}},
	}
}

func (Hello) Check(p *recipe.Part) []recipe.Problem { return nil }

func (Hello) Outputs(p *recipe.Part) (map[string]cty.Value, error) {
	return map[string]cty.Value{"path": p.Options["target"]}, nil
}

func (Hello) Install(ctx context.Context, p *recipe.Part, h recipe.Host) error {
	return h.WriteFile(p.String("target"), []byte("hello, "+p.String("name")+"\n"), 0o644)
}

// A recipe program's main serves its recipes; a part names this one as
// recipe = "MODULE//hello", where MODULE is the program's module.
func ExampleServe() {
	plugin.Serve(Hello{})
}
