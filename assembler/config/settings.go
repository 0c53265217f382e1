package config

import (
	"fmt"
	"math/big"
	"regexp"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

var buildoutDefaults = map[string]cty.Value{
	"allow_picked_versions": cty.True,
	"show_picked_versions":  cty.False,
	"allow_local":           cty.True,
	"go_env":                cty.MapValEmpty(cty.String),
	"keep_revisions":        cty.NumberIntVal(5),
	"user":                  cty.StringVal(""),
	"group":                 cty.StringVal(""),
}

func (e *evaluator) evalSettings() {
	b := e.cfg.Buildout
	typeOf := func(n string) cty.Type {
		if ty, ok := buildoutAttrs[n]; ok {
			return ty
		}
		return cty.DynamicPseudoType
	}
	defaultOf := func(n string, l *Layer) (cty.Value, bool) {
		if n == "parts" {
			order := len(e.cfg.Files)
			if l != nil {
				order = l.order
			}
			return e.declaredParts(order), true
		}
		v, ok := buildoutDefaults[n]
		return v, ok
	}
	val := func(n string) cty.Value {
		if def := b.Final(n); def != nil {
			return e.evalDef(def, typeOf(n), e.root, defaultOf, typeOf)
		}
		v, _ := defaultOf(n, nil)
		return v
	}
	s := &e.res.Settings
	s.AllowPickedVersions = boolOr(val("allow_picked_versions"), true)
	s.ShowPickedVersions = boolOr(val("show_picked_versions"), false)
	s.AllowLocal = boolOr(val("allow_local"), true)
	s.KeepRevisions = 5
	if v := val("keep_revisions"); v.IsKnown() && !v.IsNull() {
		n, acc := v.AsBigFloat().Int64()
		if acc != big.Exact || n < 1 {
			e.diag(attrError(b.Final("keep_revisions"), "Invalid keep_revisions", "keep_revisions is a whole number, 1 or more."))
		} else {
			s.KeepRevisions = int(n)
		}
	}
	e.evalAccount(val)
	s.GoEnv = map[string]string{}
	if v := val("go_env"); v.IsWhollyKnown() && !v.IsNull() {
		for it := v.ElementIterator(); it.Next(); {
			k, x := it.Element()
			name := k.AsString()
			switch name {
			case "GOFLAGS", "GOWORK", "GOTOOLCHAIN", "GOENV", "GO111MODULE":
				e.diag(attrError(b.Final("go_env"), "Variable not allowed in go_env",
					fmt.Sprintf("assemble sets %s itself, so that every build runs the same way whatever the user's go environment says.", name)))
				continue
			}
			if !x.IsNull() {
				s.GoEnv[name] = x.AsString()
			}
		}
	}
	parts := val("parts")
	if !parts.IsWhollyKnown() || parts.IsNull() {
		return
	}
	seen := map[string]bool{}
	for it := parts.ElementIterator(); it.Next(); {
		_, x := it.Element()
		name := x.AsString()
		if seen[name] {
			continue
		}
		seen[name] = true
		if e.cfg.Part(name) == nil {
			def := b.Final("parts")
			e.diag(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Unknown part in parts",
				Detail:   fmt.Sprintf("There is no part %q.%s", name, didYouMean(name, e.partNames())),
				Subject:  def.Attr.Expr.Range().Ptr(),
			})
			continue
		}
		s.Parts = append(s.Parts, name)
	}
}

// validAccount is what useradd accepts as a portable user or group name.
var validAccount = regexp.MustCompile(`^[a-z_][a-z0-9_-]{0,30}$`)

// evalAccount settles the instance's user and group. The group is the
// user's own unless set apart; a group without a user means nothing.
func (e *evaluator) evalAccount(val func(string) cty.Value) {
	b, s := e.cfg.Buildout, &e.res.Settings
	for _, n := range []string{"user", "group"} {
		v := val(n)
		if !v.IsKnown() || v.IsNull() || v.AsString() == "" {
			continue
		}
		name := v.AsString()
		if !validAccount.MatchString(name) {
			e.diag(attrError(b.Final(n), "Invalid "+n,
				fmt.Sprintf("%q is not a %s name useradd takes: lower-case letters, digits, '_' and '-', starting with a letter or '_', at most 31 of them.", name, n)))
			continue
		}
		if n == "user" {
			s.User = name
		} else {
			s.Group = name
		}
	}
	switch {
	case s.User == "" && s.Group != "":
		e.diag(attrError(b.Final("group"), "Group without a user", "group is the group of the instance's user: set user too."))
		s.Group = ""
	case s.User != "" && s.Group == "":
		s.Group = s.User
	}
}

// declaredParts lists the parts declared in the files applied before
// position order, in declaration order: the default of buildout.parts.
func (e *evaluator) declaredParts(order int) cty.Value {
	var names []cty.Value
	for _, p := range e.cfg.Parts {
		if p.Layers[0].order < order {
			names = append(names, cty.StringVal(p.Name))
		}
	}
	if len(names) == 0 {
		return cty.ListValEmpty(cty.String)
	}
	return cty.ListVal(names)
}

func (e *evaluator) partNames() []string {
	names := make([]string, len(e.cfg.Parts))
	for i, p := range e.cfg.Parts {
		names[i] = p.Name
	}
	return names
}

func boolOr(v cty.Value, def bool) bool {
	if !v.IsKnown() || v.IsNull() {
		return def
	}
	return v.True()
}

func attrError(def *Def, summary, detail string) *hcl.Diagnostic {
	d := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail}
	if def != nil {
		d.Subject = def.Attr.Expr.Range().Ptr()
	}
	return d
}

func (e *evaluator) evalPins() {
	for _, p := range e.cfg.Versions {
		if p.Expr == nil {
			continue
		}
		v, diags := p.Expr.Value(e.root)
		e.diag(diags...)
		if diags.HasErrors() {
			continue
		}
		if v.IsNull() || !v.IsKnown() || v.Type() != cty.String {
			e.diag(&hcl.Diagnostic{
				Severity: hcl.DiagError, Summary: "Invalid pin",
				Detail:  fmt.Sprintf("The pin of %s must be a version string, like \"v1.2.0\".", p.Module),
				Subject: p.Expr.Range().Ptr(),
			})
			continue
		}
		ver := v.AsString()
		if err := module.CheckPath(p.Module); err != nil {
			e.diag(&hcl.Diagnostic{
				Severity: hcl.DiagError, Summary: "Invalid module path",
				Detail:  err.Error() + ".",
				Subject: p.Key.Ptr(),
			})
			continue
		}
		if err := checkPin(p.Module, ver); err != nil {
			e.diag(&hcl.Diagnostic{
				Severity: hcl.DiagError, Summary: "Invalid pin",
				Detail:  err.Error(),
				Subject: p.Expr.Range().Ptr(),
			})
			continue
		}
		e.res.Pins[p.Module] = ver
	}
}

// checkPin reports a pin that is not a canonical version of module mod.
func checkPin(mod, ver string) error {
	if !semver.IsValid(ver) {
		hint := ""
		if semver.IsValid("v" + ver) {
			hint = fmt.Sprintf(" Did you mean \"v%s\"?", ver)
		}
		return fmt.Errorf("%q is not a version of %s: a pin is an exact semantic version such as \"v1.2.0\", not a constraint.%s", ver, mod, hint)
	}
	if c := semver.Canonical(ver); c != ver && c+"+incompatible" != ver {
		return fmt.Errorf("%q is not a canonical version; did you mean %q?", ver, c)
	}
	if err := module.Check(mod, ver); err != nil {
		return fmt.Errorf("%s@%s: %v", mod, ver, err.(*module.ModuleError).Err)
	}
	return nil
}
