package builtin

import (
	"context"

	"github.com/zclconf/go-cty/cty"

	"github.com/assemble-build/assemble/recipes/recipe"
)

// Symlink makes a symbolic link, as ln -s target path does.
type Symlink struct{}

var symlinkSpec = &recipe.Spec{
	Name: "symlink",
	Doc:  "Makes a symbolic link at path pointing to target.",
	Options: []recipe.Option{
		{Name: "path", Type: cty.String, Required: true, Path: recipe.TargetPath, Doc: "the link to make"},
		{Name: "target", Type: cty.String, Required: true, Doc: "what the link points to, written into the link as it is"},
	},
	Outputs: []recipe.Output{
		{Name: "path", Type: cty.String, Doc: "the link"},
	},
}

func (Symlink) Spec() *recipe.Spec { return symlinkSpec }

func (Symlink) Check(p *recipe.Part) []recipe.Problem { return nil }

func (Symlink) Outputs(p *recipe.Part) (map[string]cty.Value, error) {
	return map[string]cty.Value{"path": p.Options["path"]}, nil
}

// Install stages the link.
func (Symlink) Install(ctx context.Context, p *recipe.Part, h recipe.Host) error {
	return h.Symlink(p.String("target"), p.String("path"))
}
