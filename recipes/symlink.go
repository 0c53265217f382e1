package recipes

import (
	"context"

	"github.com/zclconf/go-cty/cty"
)

// Symlink makes a symbolic link, as ln -s target path does.
type Symlink struct{}

var symlinkSpec = &Spec{
	Name: "symlink",
	Doc:  "Makes a symbolic link at path pointing to target.",
	Options: []Option{
		{Name: "path", Type: cty.String, Required: true, Path: TargetPath, Doc: "the link to make"},
		{Name: "target", Type: cty.String, Required: true, Doc: "what the link points to, written into the link as it is"},
	},
	Outputs: []Output{
		{Name: "path", Type: cty.String, Doc: "the link"},
	},
}

func (Symlink) Spec() *Spec { return symlinkSpec }

func (Symlink) Check(p *Part) []Problem { return nil }

func (Symlink) Outputs(p *Part) (map[string]cty.Value, error) {
	return map[string]cty.Value{"path": p.Options["path"]}, nil
}

// Install stages the link.
func (Symlink) Install(ctx context.Context, p *Part, h Host) error {
	return h.Symlink(p.String("target"), p.String("path"))
}
