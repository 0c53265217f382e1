package recipes

import (
	"context"
	"io/fs"

	"github.com/zclconf/go-cty/cty"
)

// Directory makes a directory of the instance, such as a data directory
// under var/.
type Directory struct{}

var directorySpec = &Spec{
	Name: "directory",
	Doc:  "Makes a directory. A non-empty directory under var/ is never removed.",
	Options: []Option{
		{Name: "path", Type: cty.String, Required: true, Path: TargetPath, Doc: "directory to make, with its parents"},
		{Name: "mode", Type: cty.String, Default: cty.StringVal("0755"), Doc: "directory mode, octal"},
	},
	Outputs: []Output{
		{Name: "path", Type: cty.String, Doc: "the directory"},
	},
}

func (Directory) Spec() *Spec { return directorySpec }

func (Directory) Check(p *Part) []Problem { return checkMode(p, "mode") }

func (Directory) Outputs(p *Part) (map[string]cty.Value, error) {
	return map[string]cty.Value{"path": p.Options["path"]}, nil
}

// Install makes the directory.
func (Directory) Install(ctx context.Context, p *Part, h Host) error {
	mode, _ := ParseMode(p.String("mode"))
	return h.Mkdir(p.String("path"), fs.FileMode(mode))
}
