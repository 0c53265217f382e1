package config

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
)

// collectRefs finds the parts a part refers to, from the expressions that
// give its values and from depends_on.
func (e *evaluator) collectRefs(p *Part, byName map[string]*Part) {
	b := p.Block
	for _, name := range b.AttrNames() {
		if name == "depends_on" || name == "for_each" || name == "recipe" || name == "enabled" || name == "allow_outside_instance" || name == "replace" {
			continue
		}
		for _, def := range e.reachableDefs(b, name) {
			for _, tr := range e.traversals(def.Attr) {
				if tr.RootName() != "part" {
					continue
				}
				if r, ok := e.partRef(p, def, tr, byName); ok {
					p.Refs = append(p.Refs, r...)
				} else if len(tr) > 1 {
					if a, ok := tr[1].(hcl.TraverseAttr); ok {
						p.badRefs = append(p.badRefs, a.Name)
					}
				}
			}
		}
	}
	if def := b.Final("depends_on"); def != nil {
		exprs, diags := hcl.ExprList(def.Attr.Expr)
		if diags.HasErrors() {
			e.diag(&hcl.Diagnostic{
				Severity: hcl.DiagError, Summary: "Invalid depends_on",
				Detail:  "depends_on is a list of part references, like [part.server].",
				Subject: def.Attr.Expr.Range().Ptr(),
			})
		}
		for _, x := range exprs {
			tr, d := hcl.AbsTraversalForExpr(x)
			if d.HasErrors() || tr.RootName() != "part" || len(tr) != 2 {
				e.diag(&hcl.Diagnostic{
					Severity: hcl.DiagError, Summary: "Invalid depends_on entry",
					Detail:  "Each entry of depends_on is a part reference, like part.server.",
					Subject: x.Range().Ptr(),
				})
				continue
			}
			if r, ok := e.partRef(p, def, tr, byName); ok {
				p.Refs = append(p.Refs, r...)
			}
		}
	}
	seen := map[string]bool{}
	for _, r := range p.Refs {
		if !seen[r.To] {
			seen[r.To] = true
			p.DependsOn = append(p.DependsOn, r.To)
		}
	}
}

func (e *evaluator) partRef(p *Part, def *Def, tr hcl.Traversal, byName map[string]*Part) ([]Ref, bool) {
	bad := func(summary, detail string) ([]Ref, bool) {
		e.diag(&hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: tr.SourceRange().Ptr()})
		return nil, false
	}
	if len(tr) < 2 {
		return bad("Invalid part reference", "Refer to a part as part.NAME, or to one of its values as part.NAME.VALUE.")
	}
	step, ok := tr[1].(hcl.TraverseAttr)
	if !ok {
		return bad("Invalid part reference", "Refer to a part as part.NAME, or to one of its values as part.NAME.VALUE.")
	}
	names, attrAt := []string{step.Name}, 2
	if _, ok := e.res.Groups[step.Name]; ok {
		var d *hcl.Diagnostic
		if names, d = e.groupRef(step.Name, tr); d != nil {
			e.diag(d)
			return nil, false
		}
		attrAt = 3
	}
	var refs []Ref
	for _, name := range names {
		t := byName[name]
		if t == nil {
			return bad("Reference to undeclared part", fmt.Sprintf("There is no part %q.%s", step.Name, didYouMean(step.Name, e.partNames())))
		}
		if !t.enabled && !p.enabled {
			continue // a disabled part's options mean nothing either
		}
		if !t.enabled {
			return bad("Reference to a disabled part", fmt.Sprintf("Part %q is disabled (enabled = false), so it has no values to refer to.", name))
		}
		if len(tr) > attrAt && t.Recipe != nil {
			if a, ok := tr[attrAt].(hcl.TraverseAttr); ok {
				if d := unknownAttr(t, a.Name, tr); d != nil {
					e.diag(d)
					return nil, false
				}
			}
		}
		refs = append(refs, Ref{From: p.Name, To: name, Attr: def.Attr.Name, Range: tr.SourceRange(), Text: e.sourceText(tr.SourceRange())})
	}
	return refs, len(refs) > 0
}

// unknownAttr reports a reference to a value part t does not have.
func unknownAttr(t *Part, name string, tr hcl.Traversal) *hcl.Diagnostic {
	spec := t.Recipe.Spec()
	if spec.Option(name) != nil || spec.Output(name) != nil {
		return nil
	}
	var names []string
	for _, o := range spec.Options {
		names = append(names, o.Name)
	}
	for _, o := range spec.Outputs {
		names = append(names, o.Name)
	}
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unsupported attribute",
		Detail:  fmt.Sprintf("Part %q (recipe %s) has no option or output %q.%s", t.Name, spec.Name, name, didYouMean(name, names)),
		Subject: tr.SourceRange().Ptr()}
}

func (e *evaluator) sourceText(r hcl.Range) string {
	f := e.cfg.HCLFiles[r.Filename]
	if f == nil || r.End.Byte > len(f.Bytes) {
		return ""
	}
	return string(f.Bytes[r.Start.Byte:r.End.Byte])
}
