package builtin

import (
	"context"
	"fmt"
	"io/fs"
	"strconv"

	"github.com/zclconf/go-cty/cty"

	"github.com/assemble-build/assemble/recipes/recipe"
)

// File writes a file from literal content or copies one from the manifest.
type File struct{}

var fileSpec = &recipe.Spec{
	Name: "file",
	Doc:  "Writes a file with the given content, or a copy of a manifest file.",
	Options: []recipe.Option{
		{Name: "target", Type: cty.String, Required: true, Path: recipe.TargetPath, Doc: "file to write"},
		{Name: "content", Type: cty.String, Doc: "the file's content"},
		{Name: "source", Type: cty.String, Path: recipe.SourcePath, Doc: "file to copy, relative to the config file that names it"},
		{Name: "mode", Type: cty.String, Default: cty.StringVal("0644"), Doc: "file mode, octal"},
	},
	Outputs: []recipe.Output{
		{Name: "path", Type: cty.String, Doc: "the file written"},
	},
}

func (File) Spec() *recipe.Spec { return fileSpec }

func (File) Check(p *recipe.Part) []recipe.Problem {
	return append(exactlyOne(p, "source", "content"), checkMode(p, "mode")...)
}

func (File) Outputs(p *recipe.Part) (map[string]cty.Value, error) {
	return map[string]cty.Value{"path": p.Options["target"]}, nil
}

// Install stages the file.
func (File) Install(ctx context.Context, p *recipe.Part, h recipe.Host) error {
	mode, _ := ParseMode(p.String("mode"))
	if src := p.String("source"); src != "" {
		return h.CopyFile(src, p.String("target"), fs.FileMode(mode))
	}
	return h.WriteFile(p.String("target"), []byte(p.String("content")), fs.FileMode(mode))
}

// exactlyOne reports a problem unless exactly one of options a and b is set.
func exactlyOne(p *recipe.Part, a, b string) []recipe.Problem {
	set := func(n string) bool { v := p.Options[n]; return v != cty.NilVal && !v.IsNull() }
	switch {
	case set(a) && set(b):
		return []recipe.Problem{{Option: b, Summary: "Conflicting options",
			Detail: fmt.Sprintf("Set either %s or %s, not both.", a, b)}}
	case !set(a) && !set(b):
		return []recipe.Problem{{Summary: "Missing option",
			Detail: fmt.Sprintf("A %s part needs %s or %s.", p.Recipe, a, b)}}
	}
	return nil
}

// checkMode reports a mode option that is not an octal permission.
func checkMode(p *recipe.Part, name string) []recipe.Problem {
	s := p.String(name)
	if s == "" {
		return nil
	}
	if _, err := ParseMode(s); err != nil {
		return []recipe.Problem{{Option: name, Summary: "Invalid file mode", Detail: err.Error()}}
	}
	return nil
}

// ParseMode parses an octal permission such as "0644".
func ParseMode(s string) (uint32, error) {
	m, err := strconv.ParseUint(s, 8, 32)
	if err != nil || m > 0o7777 {
		return 0, fmt.Errorf("%q is not an octal file mode like \"0644\"", s)
	}
	return uint32(m), nil
}
