package config

import (
	"context"
	"path"
	"strings"

	"github.com/Masterminds/semver/v3"
	"github.com/zclconf/go-cty/cty"

	"github.com/assemble-build/assemble/recipes/builtin"
	"github.com/assemble-build/assemble/recipes/recipe"
)

// testRecipes are the recipes the tests evaluate configs with: the
// built-in ones that build no modules, and a module recipe of the tests'
// own in place of those that do. The config language knows recipes only
// by what their specs say; these tests would show it if it came to know
// one by its name.
func testRecipes() recipe.Registry {
	reg := recipe.Registry{"build": buildRecipe{}}
	for name, r := range builtin.Recipes() {
		if _, builds := r.(recipe.ModuleRecipe); !builds {
			reg[name] = r
		}
	}
	return reg
}

// buildRecipe stands for a recipe that builds a module's commands.
type buildRecipe struct{}

var buildSpec = &recipe.Spec{
	Name: "build",
	Options: []recipe.Option{
		{Name: "module", Type: cty.String, Required: true},
		{Name: "version", Type: cty.String},
		{Name: "packages", Type: cty.List(cty.String), Default: cty.ListVal([]cty.Value{cty.StringVal(".")})},
		{Name: "cgo", Type: cty.Bool, Default: cty.False},
	},
	Outputs: []recipe.Output{
		{Name: "bin", Type: cty.Map(cty.String)},
		{Name: "version", Type: cty.String},
	},
	InRevision: true,
}

func (buildRecipe) Spec() *recipe.Spec { return buildSpec }

func (buildRecipe) Check(p *recipe.Part) []recipe.Problem {
	var probs []recipe.Problem
	if c := p.String("version"); c != "" {
		if _, err := semver.NewConstraint(c); err != nil {
			probs = append(probs, recipe.Problem{Option: "version", Summary: "Invalid version constraint", Detail: err.Error()})
		}
	}
	for _, pkg := range p.Strings("packages") {
		if strings.Contains(pkg, "...") {
			probs = append(probs, recipe.Problem{Option: "packages", Summary: "Package patterns are not allowed"})
		}
	}
	return probs
}

func (buildRecipe) Outputs(p *recipe.Part) (map[string]cty.Value, error) {
	bins := map[string]cty.Value{}
	for _, pkg := range p.Strings("packages") {
		name := path.Base(p.String("module") + "/" + pkg)
		bins[name] = p.Instance.Path(p.Instance.Bin, name)
	}
	bin := cty.MapValEmpty(cty.String)
	if len(bins) > 0 {
		bin = cty.MapVal(bins)
	}
	if !p.Known("packages") {
		bin = cty.UnknownVal(cty.Map(cty.String))
	}
	return map[string]cty.Value{"bin": bin, "version": cty.UnknownVal(cty.String)}, nil
}

func (buildRecipe) Install(context.Context, *recipe.Part, recipe.Host) error { return nil }
