package config

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/assemble-build/assemble/recipes/recipe"
)

// OptionSetting is a part's option given from outside the config, as
// buildout's section:option=value: --set part.NAME.OPTION=VALUE. The
// text is typed by the option's schema, as a variable's is by its type.
type OptionSetting struct {
	Part, Option, Value string
	Source              string // "--set", "instance"
}

// Key names the option the setting sets: part.NAME.OPTION.
func (s OptionSetting) Key() string { return "part." + s.Part + "." + s.Option }

// ParseSet reads part.NAME.OPTION=VALUE.
func ParseSet(text, source string) (OptionSetting, error) {
	k, v, ok := strings.Cut(text, "=")
	parts := strings.Split(k, ".")
	if !ok || len(parts) != 3 || parts[0] != "part" || parts[1] == "" || parts[2] == "" {
		return OptionSetting{}, fmt.Errorf("--set %s: want part.NAME.OPTION=VALUE", text)
	}
	return OptionSetting{Part: parts[1], Option: parts[2], Value: v, Source: source}, nil
}

// indexSets keeps the last setting of each option, and reports those of
// parts no config file declares: an error from the command line, a
// warning when the instance remembered it.
func (e *evaluator) indexSets() {
	e.sets = map[string]map[string]OptionSetting{}
	for _, s := range e.opts.Sets {
		if e.cfg.Part(s.Part) == nil {
			e.diag(&hcl.Diagnostic{
				Severity: severity(s.Source), Summary: "Unknown part in --set",
				Detail: fmt.Sprintf("%s sets an option of part %q, which no config file declares.%s",
					setSource(s), s.Part, didYouMean(s.Part, e.partNames())),
			})
			continue
		}
		if e.sets[s.Part] == nil {
			e.sets[s.Part] = map[string]OptionSetting{}
		}
		e.sets[s.Part][s.Option] = s
	}
}

func severity(source string) hcl.DiagnosticSeverity {
	if source == "instance" {
		return hcl.DiagWarning
	}
	return hcl.DiagError
}

func setSource(s OptionSetting) string {
	if s.Source == "instance" {
		return "The instance's last install"
	}
	return s.Source + " " + s.Key()
}

// setsOf returns the settings of part p: of its name, or of the
// for_each block it is an instance of.
func (e *evaluator) setsOf(p *Part) map[string]OptionSetting {
	if p.Group != "" {
		return e.sets[p.Group]
	}
	return e.sets[p.Name]
}

// checkSets reports settings of options the part's recipe does not have.
func (e *evaluator) checkSets(p *Part, spec *recipe.Spec) {
	for name, s := range e.setsOf(p) {
		if spec.Option(name) != nil {
			continue
		}
		var names []string
		for _, o := range spec.Options {
			names = append(names, o.Name)
		}
		e.diag(&hcl.Diagnostic{
			Severity: severity(s.Source), Summary: "Unknown option in --set",
			Detail: fmt.Sprintf("%s: recipe %s has no option %q.%s", setSource(s), spec.Name, name, didYouMean(name, names)),
		})
	}
}

// literal reads text as a literal HCL value, if it is one.
func literal(text string) (cty.Value, bool) {
	expr, diags := hclsyntax.ParseExpression([]byte(text), "--set", hcl.InitialPos)
	if diags.HasErrors() {
		return cty.NilVal, false
	}
	v, diags := expr.Value(nil)
	return v, !diags.HasErrors()
}

// optionSetting is the value a setting gives option o of part p, and whether
// there is one.
func (e *evaluator) optionSetting(p *Part, o recipe.Option) (cty.Value, bool) {
	s, ok := e.setsOf(p)[o.Name]
	if !ok {
		return cty.NilVal, false
	}
	var v cty.Value
	if lit, ok := literal(s.Value); ok && o.Type == cty.DynamicPseudoType {
		v = lit // an option of any type: { port = 8080 } is an object
	} else {
		var diags hcl.Diagnostics
		v, diags = parseTyped(s.Value, o.Type, setSource(s), s.Key())
		e.diag(diags...)
	}
	e.mu.Lock()
	e.res.SetSources[s.Key()] = s.Source
	e.mu.Unlock()
	return v, true
}
