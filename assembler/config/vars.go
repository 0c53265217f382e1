package config

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// evalVariables gives every declared variable its value: the last
// setting from outside the config, else its default.
func (e *evaluator) evalVariables() {
	funcCtx := &hcl.EvalContext{Functions: e.funcs}
	types := map[string]cty.Type{}
	for _, b := range e.cfg.Variables {
		ty := cty.DynamicPseudoType
		if def := b.Final("type"); def != nil {
			t, diags := typeexpr.TypeConstraint(def.Attr.Expr)
			e.diag(diags...)
			if !diags.HasErrors() {
				ty = t
			}
		}
		types[b.Name] = ty
	}
	set := map[string]VarSetting{}
	for _, s := range e.opts.Vars {
		if e.cfg.Variable(s.Name) == nil {
			sev := hcl.DiagWarning
			if s.Source == "--var" {
				sev = hcl.DiagError
			}
			var names []string
			for _, b := range e.cfg.Variables {
				names = append(names, b.Name)
			}
			e.diag(&hcl.Diagnostic{
				Severity: sev, Summary: "Unknown variable",
				Detail: fmt.Sprintf("%s sets variable %q, which no config file declares.%s",
					sourceName(s), s.Name, didYouMean(s.Name, names)),
			})
			continue
		}
		set[s.Name] = s
	}
	for _, b := range e.cfg.Variables {
		ty := types[b.Name]
		if s, ok := set[b.Name]; ok {
			v, diags := parseVarValue(s, ty)
			e.diag(diags...)
			e.res.Vars[b.Name] = v
			e.res.VarSources[b.Name] = s.Source
			continue
		}
		def := b.Final("default")
		if def == nil {
			e.diag(&hcl.Diagnostic{
				Severity: hcl.DiagError, Summary: "No value for variable",
				Detail:  fmt.Sprintf("Variable %q has no default; set it with --var %s=VALUE or ASSEMBLE_VAR_%s.", b.Name, b.Name, b.Name),
				Subject: b.DeclRange().Ptr(),
			})
			e.res.Vars[b.Name] = cty.UnknownVal(ty)
			continue
		}
		typeOf := func(n string) cty.Type {
			if n == "default" {
				return ty
			}
			return cty.DynamicPseudoType
		}
		noDefault := func(string, *Layer) (cty.Value, bool) { return cty.NilVal, false }
		e.res.Vars[b.Name] = e.evalDef(def, ty, funcCtx, noDefault, typeOf)
		e.res.VarSources[b.Name] = "default"
	}
}

func sourceName(s VarSetting) string {
	switch s.Source {
	case "--var":
		return "--var " + s.Name
	case "instance":
		return "The instance's last install"
	}
	return s.Source
}

// parseVarValue reads a setting for a variable of type ty: a string
// variable (or one without a type) takes the text as it is; any other type
// parses it as an HCL expression, so that --var ports='[8000, 8001]' works.
func parseVarValue(s VarSetting, ty cty.Type) (cty.Value, hcl.Diagnostics) {
	return parseTyped(s.Value, ty, sourceName(s), "var."+s.Name)
}

// parseTyped reads text given for what (var.NAME, part.NAME.OPTION) by
// source as a value of type ty: a string as it is, anything else as a
// literal HCL expression.
func parseTyped(text string, ty cty.Type, source, what string) (cty.Value, hcl.Diagnostics) {
	if ty == cty.String || ty == cty.DynamicPseudoType {
		return cty.StringVal(text), nil
	}
	summary := "Invalid value for option"
	if strings.HasPrefix(what, "var.") {
		summary = "Invalid value for variable"
	}
	bad := func(why string) (cty.Value, hcl.Diagnostics) {
		return cty.UnknownVal(ty), hcl.Diagnostics{{
			Severity: hcl.DiagError, Summary: summary,
			Detail: fmt.Sprintf("%s gives %q, but %s must be %s: %s.",
				source, text, what, friendlyType(ty), why),
		}}
	}
	expr, diags := hclsyntax.ParseExpression([]byte(text), source, hcl.InitialPos)
	if diags.HasErrors() {
		return bad("it is not a valid expression")
	}
	v, diags := expr.Value(nil)
	if diags.HasErrors() {
		return bad("it must be a literal value")
	}
	cv, err := convert.Convert(v, ty)
	if err != nil {
		return bad(err.Error())
	}
	return cv, nil
}
