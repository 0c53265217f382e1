package builtin

import (
	"context"
	"fmt"
	"io/fs"
	"os"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"

	"github.com/assemble-build/assemble/recipes/recipe"
)

// Template renders a file written in HCL template syntax (${var.x},
// %{ if } … %{ endif }) with the values in vars.
type Template struct{}

var templateSpec = &recipe.Spec{
	Name: "template",
	Doc:  "Renders an HCL template into a file of the instance.",
	Options: []recipe.Option{
		{Name: "source", Type: cty.String, Path: recipe.SourcePath, Doc: "template file, relative to the config file that names it"},
		{Name: "content", Type: cty.String, Doc: "the template text itself, instead of source"},
		{Name: "target", Type: cty.String, Required: true, Path: recipe.TargetPath, Doc: "file to write"},
		{Name: "vars", Type: cty.DynamicPseudoType, Default: cty.EmptyObjectVal, Doc: "object of values the template sees as top-level names"},
		{Name: "mode", Type: cty.String, Default: cty.StringVal("0644"), Doc: "file mode, octal"},
	},
	Outputs: []recipe.Output{
		{Name: "path", Type: cty.String, Doc: "the file written"},
	},
}

func (Template) Spec() *recipe.Spec { return templateSpec }

func (Template) Check(p *recipe.Part) []recipe.Problem {
	probs := exactlyOne(p, "source", "content")
	probs = append(probs, checkMode(p, "mode")...)
	if v := p.Options["vars"]; v != cty.NilVal && v.IsKnown() && !v.IsNull() && !v.Type().IsObjectType() && !v.Type().IsMapType() {
		probs = append(probs, recipe.Problem{Option: "vars", Summary: "Invalid vars", Detail: "vars must be an object, like { port = 8000 }."})
	}
	return probs
}

func (Template) Outputs(p *recipe.Part) (map[string]cty.Value, error) {
	return map[string]cty.Value{"path": p.Options["target"]}, nil
}

// Install renders the template and stages the file.
func (Template) Install(ctx context.Context, p *recipe.Part, h recipe.Host) error {
	src, name := []byte(p.String("content")), fmt.Sprintf("part %s content", p.Name)
	if path := p.String("source"); path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		src, name = data, path
	}
	out, err := Render(src, name, p.Options["vars"], h.Functions())
	if err != nil {
		return err
	}
	mode, _ := ParseMode(p.String("mode"))
	return h.WriteFile(p.String("target"), out, fs.FileMode(mode))
}

// Render renders src, an HCL template, with the attributes of vars as its
// names. Errors are HCL diagnostics naming the template file and line.
func Render(src []byte, name string, vars cty.Value, funcs map[string]function.Function) ([]byte, error) {
	expr, diags := hclsyntax.ParseTemplate(src, name, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, diags
	}
	names := map[string]cty.Value{}
	if vars != cty.NilVal && !vars.IsNull() && vars.IsKnown() && vars.CanIterateElements() {
		for it := vars.ElementIterator(); it.Next(); {
			k, v := it.Element()
			names[k.AsString()] = v
		}
	}
	v, diags := expr.Value(&hcl.EvalContext{Variables: names, Functions: funcs})
	if diags.HasErrors() {
		return nil, diags
	}
	s, err := convert.Convert(v, cty.String)
	if err != nil || s.IsNull() || !s.IsKnown() {
		return nil, fmt.Errorf("%s: the template does not give a string", name)
	}
	return []byte(s.AsString()), nil
}
