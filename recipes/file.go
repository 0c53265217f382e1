package recipes

import (
	"context"
	"fmt"
	"io/fs"
	"strconv"

	"github.com/zclconf/go-cty/cty"
)

// File writes a file from literal content or copies one from the manifest.
type File struct{}

var fileSpec = &Spec{
	Name: "file",
	Doc:  "Writes a file with the given content, or a copy of a manifest file.",
	Options: []Option{
		{Name: "target", Type: cty.String, Required: true, Path: TargetPath, Doc: "file to write"},
		{Name: "content", Type: cty.String, Doc: "the file's content"},
		{Name: "source", Type: cty.String, Path: SourcePath, Doc: "file to copy, relative to the config file that names it"},
		{Name: "mode", Type: cty.String, Default: cty.StringVal("0644"), Doc: "file mode, octal"},
	},
	Outputs: []Output{
		{Name: "path", Type: cty.String, Doc: "the file written"},
	},
}

func (File) Spec() *Spec { return fileSpec }

func (File) Check(p *Part) []Problem {
	return append(exactlyOne(p, "source", "content"), checkMode(p, "mode")...)
}

func (File) Outputs(p *Part) (map[string]cty.Value, error) {
	return map[string]cty.Value{"path": p.Options["target"]}, nil
}

// Install stages the file.
func (File) Install(ctx context.Context, p *Part, h Host) error {
	mode, _ := ParseMode(p.String("mode"))
	if src := p.String("source"); src != "" {
		return h.CopyFile(src, p.String("target"), fs.FileMode(mode))
	}
	return h.WriteFile(p.String("target"), []byte(p.String("content")), fs.FileMode(mode))
}

// exactlyOne reports a problem unless exactly one of options a and b is set.
func exactlyOne(p *Part, a, b string) []Problem {
	set := func(n string) bool { v := p.Options[n]; return v != cty.NilVal && !v.IsNull() }
	switch {
	case set(a) && set(b):
		return []Problem{{Option: b, Summary: "Conflicting options",
			Detail: fmt.Sprintf("Set either %s or %s, not both.", a, b)}}
	case !set(a) && !set(b):
		return []Problem{{Summary: "Missing option",
			Detail: fmt.Sprintf("A %s part needs %s or %s.", p.Recipe, a, b)}}
	}
	return nil
}

// checkMode reports a mode option that is not an octal permission.
func checkMode(p *Part, name string) []Problem {
	s := p.String(name)
	if s == "" {
		return nil
	}
	if _, err := ParseMode(s); err != nil {
		return []Problem{{Option: name, Summary: "Invalid file mode", Detail: err.Error()}}
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
