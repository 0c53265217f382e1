package builtin

import (
	"context"
	"io/fs"

	"github.com/zclconf/go-cty/cty"

	"github.com/assemble-build/assemble/recipes/recipe"
)

// Directory makes a directory of the instance, such as a data directory
// under var/.
type Directory struct{}

var directorySpec = &recipe.Spec{
	Name: "directory",
	Doc:  "Makes a directory. A non-empty directory under var/ is never removed.",
	Options: []recipe.Option{
		{Name: "path", Type: cty.String, Required: true, Path: recipe.TargetPath, Doc: "directory to make, with its parents"},
		{Name: "mode", Type: cty.String, Default: cty.StringVal("0755"), Doc: "directory mode, octal"},
	},
	Outputs: []recipe.Output{
		{Name: "path", Type: cty.String, Doc: "the directory"},
	},
}

func (Directory) Spec() *recipe.Spec { return directorySpec }

func (Directory) Check(p *recipe.Part) []recipe.Problem { return checkMode(p, "mode") }

func (Directory) Outputs(p *recipe.Part) (map[string]cty.Value, error) {
	return map[string]cty.Value{"path": p.Options["path"]}, nil
}

// Install makes the directory.
func (Directory) Install(ctx context.Context, p *recipe.Part, h recipe.Host) error {
	mode, _ := ParseMode(p.String("mode"))
	return h.Mkdir(p.String("path"), fs.FileMode(mode))
}
