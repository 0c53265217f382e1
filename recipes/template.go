package recipes

import (
	"github.com/zclconf/go-cty/cty"
)

// Template renders a file written in HCL template syntax (${var.x},
// %{ if } … %{ endif }) with the values in vars.
type Template struct{}

var templateSpec = &Spec{
	Name: "template",
	Doc:  "Renders an HCL template into a file of the instance.",
	Options: []Option{
		{Name: "source", Type: cty.String, Path: SourcePath, Doc: "template file, relative to the config file that names it"},
		{Name: "content", Type: cty.String, Doc: "the template text itself, instead of source"},
		{Name: "target", Type: cty.String, Required: true, Path: TargetPath, Doc: "file to write"},
		{Name: "vars", Type: cty.DynamicPseudoType, Default: cty.EmptyObjectVal, Doc: "object of values the template sees as top-level names"},
		{Name: "mode", Type: cty.String, Default: cty.StringVal("0644"), Doc: "file mode, octal"},
	},
	Outputs: []Output{
		{Name: "path", Type: cty.String, Doc: "the file written"},
	},
}

func (Template) Spec() *Spec { return templateSpec }

func (Template) Check(p *Part) []Problem {
	probs := exactlyOne(p, "source", "content")
	probs = append(probs, checkMode(p, "mode")...)
	if v := p.Options["vars"]; v != cty.NilVal && v.IsKnown() && !v.IsNull() && !v.Type().IsObjectType() && !v.Type().IsMapType() {
		probs = append(probs, Problem{Option: "vars", Summary: "Invalid vars", Detail: "vars must be an object, like { port = 8000 }."})
	}
	return probs
}

func (Template) Outputs(p *Part) (map[string]cty.Value, error) {
	return map[string]cty.Value{"path": p.Options["target"]}, nil
}
