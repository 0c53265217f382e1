package config

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/assemble-build/assemble/assembler/fsutil"
	"github.com/assemble-build/assemble/recipes/recipe"
)

// evalParts checks every part block against its recipe, finds the
// references between parts, orders the parts so that every part comes
// after the parts it references, evaluates them in that order, and
// selects those to install.
//
// A part depends only on the parts it refers to, so parts are evaluated
// in waves, each wave the parts whose references the earlier waves hold,
// and the parts of a wave at once.
func (e *evaluator) evalParts() {
	blocks := e.expandParts()
	parts := make([]*Part, len(blocks))
	e.each(len(parts), func(e *evaluator, i int) { parts[i] = e.preparePart(blocks[i]) })
	byName := make(map[string]*Part, len(parts))
	for _, p := range parts {
		byName[p.Name] = p
	}
	e.checkFileNames(parts)
	e.each(len(parts), func(e *evaluator, i int) { e.collectRefs(parts[i], byName) })
	order := e.order(parts, byName)
	wave := make(map[string]int, len(order))
	var waves [][]*Part
	for _, p := range order {
		w := 0
		for _, d := range p.DependsOn {
			if dw, ok := wave[d]; ok && dw+1 > w {
				w = dw + 1
			}
		}
		wave[p.Name] = w
		for len(waves) <= w {
			waves = append(waves, nil)
		}
		waves[w] = append(waves[w], p)
	}
	for _, ps := range waves {
		e.each(len(ps), func(e *evaluator, i int) { e.evalPart(ps[i], byName) })
	}
	for _, p := range order {
		e.res.All[p.Name] = p
	}
	e.res.Parts = e.selected(order, byName)
}

func (p *Part) spec() *recipe.Spec {
	if p.Recipe == nil {
		return nil
	}
	return p.Recipe.Spec()
}

func (p *Part) typeOf(name string) cty.Type {
	if ty, ok := metaAttrs[name]; ok {
		return ty
	}
	if s := p.spec(); s != nil {
		if o := s.Option(name); o != nil {
			return o.Type
		}
	}
	return cty.DynamicPseudoType
}

func (p *Part) defaultOf(name string, _ *Layer) (cty.Value, bool) {
	switch name {
	case "enabled":
		return cty.True, true
	case "allow_outside_instance", "replace":
		return cty.False, true
	}
	if s := p.spec(); s != nil {
		if o := s.Option(name); o != nil && o.Default != cty.NilVal {
			return o.Default, true
		}
	}
	return cty.NilVal, false
}

// preparePart finds a part's recipe and checks its attribute names, which
// needs nothing evaluated but recipe and enabled.
func (e *evaluator) preparePart(inst instance) *Part {
	b := inst.block
	p := &Part{Block: b, enabled: true, Group: inst.group, each: inst.each}
	p.Name = b.Name
	root := e.scope(p)
	if def := b.Final("recipe"); def == nil {
		e.diag(&hcl.Diagnostic{
			Severity: hcl.DiagError, Summary: "Missing recipe",
			Detail:  fmt.Sprintf("Part %q names no recipe; every part needs one, like recipe = \"file\". The recipes are %s.", b.Name, strings.Join(e.opts.Recipes.Names(), ", ")),
			Subject: b.DeclRange().Ptr(),
		})
	} else if e.staticOnly(def, "recipe") {
		v := e.evalDef(def, cty.String, root, p.defaultOf, p.typeOf)
		if v.IsKnown() && !v.IsNull() {
			name := v.AsString()
			if r, ok := e.opts.Recipes.Lookup(name); ok {
				p.Recipe, p.Part.Recipe = r, name
			} else if e.opts.Defer != nil && e.opts.Defer(name) {
				e.deferRecipe(name)
				p.Failed = true
				return p
			} else {
				e.diag(&hcl.Diagnostic{
					Severity: hcl.DiagError, Summary: "Unknown recipe",
					Detail:  fmt.Sprintf("There is no recipe %q.%s The recipes are %s.", name, didYouMean(name, e.opts.Recipes.Names()), strings.Join(e.opts.Recipes.Names(), ", ")),
					Subject: def.Attr.Expr.Range().Ptr(),
				})
			}
		}
	}
	if def := b.Final("enabled"); def != nil && e.staticOnly(def, "enabled") {
		v := e.evalDef(def, cty.Bool, root, p.defaultOf, p.typeOf)
		if v.IsKnown() && !v.IsNull() {
			p.enabled = v.True()
		}
	}
	if def := b.Final("allow_outside_instance"); def != nil && e.staticOnly(def, "allow_outside_instance") {
		v := e.evalDef(def, cty.Bool, root, p.defaultOf, p.typeOf)
		p.AllowOutside = v.IsKnown() && !v.IsNull() && v.True()
	}
	if def := b.Final("replace"); def != nil && e.staticOnly(def, "replace") {
		v := e.evalDef(def, cty.Bool, root, p.defaultOf, p.typeOf)
		p.Replace = v.IsKnown() && !v.IsNull() && v.True()
	}
	spec := p.spec()
	if spec == nil {
		p.Failed = true
		return p
	}
	var allowed []string
	for n := range metaAttrs {
		allowed = append(allowed, n)
	}
	for _, o := range spec.Options {
		allowed = append(allowed, o.Name)
	}
	for _, l := range b.Layers {
		for _, a := range sortedAttrs(l.Attrs) {
			if _, ok := metaAttrs[a.Name]; ok || spec.Option(a.Name) != nil {
				continue
			}
			e.diag(&hcl.Diagnostic{
				Severity: hcl.DiagError, Summary: "Unknown option",
				Detail:  fmt.Sprintf("Recipe %s has no option %q.%s", spec.Name, a.Name, didYouMean(a.Name, allowed)),
				Subject: a.NameRange.Ptr(),
			})
			p.Failed = true
		}
	}
	if p.enabled {
		for _, o := range spec.Options {
			if o.Required && b.Final(o.Name) == nil {
				e.diag(&hcl.Diagnostic{
					Severity: hcl.DiagError, Summary: "Missing required option",
					Detail:  fmt.Sprintf("Part %q (recipe %s) needs %s: %s.", b.Name, spec.Name, o.Name, o.Doc),
					Subject: b.DeclRange().Ptr(),
				})
				p.Failed = true
			}
		}
	}
	return p
}

// deferRecipe records a recipe held back for a later evaluation.
func (e *evaluator) deferRecipe(name string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !slices.Contains(e.res.Deferred, name) {
		e.res.Deferred = append(e.res.Deferred, name)
		slices.Sort(e.res.Deferred)
	}
}

// staticOnly reports, as an error, an attribute that must be known before
// parts are ordered but refers to a part.
func (e *evaluator) staticOnly(def *Def, what string) bool {
	for _, tr := range e.traversals(def.Attr) {
		if tr.RootName() == "part" {
			e.diag(&hcl.Diagnostic{
				Severity: hcl.DiagError, Summary: "Invalid reference",
				Detail:  fmt.Sprintf("%s must be known before parts are ordered, so it cannot refer to another part.", what),
				Subject: tr.SourceRange().Ptr(),
			})
			return false
		}
	}
	return true
}

// reachableDefs returns the definition of name that wins and every
// earlier definition it reaches through base.
func (e *evaluator) reachableDefs(b *Block, name string) []*Def {
	return reachableDefs(b, name, e.traversals)
}

func reachableDefs(b *Block, name string, traversals func(*hcl.Attribute) []hcl.Traversal) []*Def {
	var out []*Def
	seen := map[*hcl.Attribute]bool{}
	var walk func(d *Def)
	walk = func(d *Def) {
		if d == nil || seen[d.Attr] {
			return
		}
		seen[d.Attr] = true
		out = append(out, d)
		for _, tr := range traversals(d.Attr) {
			if tr.RootName() != "base" {
				continue
			}
			if len(tr) > 1 {
				if a, ok := tr[1].(hcl.TraverseAttr); ok {
					walk(b.Def(a.Name, d.Layer.index))
					continue
				}
			}
			for _, n := range b.AttrNames() {
				walk(b.Def(n, d.Layer.index))
			}
		}
	}
	walk(b.Final(name))
	return out
}

// evalPart evaluates an enabled part's options, checks them, and computes
// its outputs. The part can see only the parts it refers to.
//
// e is a fork of its own, so its diagnostics are the part's.
func (e *evaluator) evalPart(p *Part, byName map[string]*Part) {
	defer func() {
		if hasErrors(e.diags) {
			p.Failed = true
		}
		if p.Failed {
			p.Value = cty.DynamicVal
		}
	}()
	if p.Recipe == nil {
		return
	}
	refs := map[string]cty.Value{}
	for _, r := range p.Refs {
		if t := byName[r.To]; t.Group != "" {
			refs[t.Group] = groupValue(e.res.Groups[t.Group], byName)
			continue
		}
		v := byName[r.To].Value
		if v == cty.NilVal {
			v = cty.DynamicVal
		}
		refs[r.To] = v
	}
	// A reference already reported as wrong evaluates to an unknown value,
	// so that it is not reported a second time.
	for _, name := range p.badRefs {
		refs[name] = cty.DynamicVal
	}
	scope := e.scope(p).NewChild()
	scope.Variables = map[string]cty.Value{"part": cty.ObjectVal(refs)}
	spec := p.Recipe.Spec()
	in := e.opts.Instance
	p.Options = make(map[string]cty.Value, len(spec.Options))
	p.Instance = in
	p.Module = e.opts.Modules[p.Name]
	e.checkSets(p, spec)
	for _, o := range spec.Options {
		if v, ok := e.optionSetting(p, o); ok {
			if o.Path != recipe.NotPath {
				v = resolvePath(v, o.Path, e.opts.Manifest.Dir, in)
				s := e.setsOf(p)[o.Name]
				e.checkPath(p, o, v, site{set: &s})
			}
			p.Options[o.Name] = v
			continue
		}
		def := p.Block.Final(o.Name)
		if def == nil {
			v, ok := p.defaultOf(o.Name, nil)
			if !ok {
				v = cty.NullVal(o.Type)
			}
			p.Options[o.Name] = v
			continue
		}
		v := e.evalDef(def, o.Type, scope, p.defaultOf, p.typeOf)
		if o.Path != recipe.NotPath {
			v = resolvePath(v, o.Path, def.Layer.File.Dir, in)
			e.checkPath(p, o, v, site{def: def})
		}
		p.Options[o.Name] = v
	}
	for _, prob := range p.Recipe.Check(&p.Part) {
		d := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: prob.Summary, Detail: prob.Detail, Subject: p.Block.DeclRange().Ptr()}
		if def := p.Block.Final(prob.Option); prob.Option != "" && def != nil {
			d.Subject = def.Attr.Expr.Range().Ptr()
		}
		if s, ok := e.setsOf(p)[prob.Option]; ok && prob.Option != "" {
			d.Subject, d.Detail = nil, setSource(s)+": "+d.Detail
		}
		e.diag(d)
	}
	out, err := p.Recipe.Outputs(&p.Part)
	if err != nil {
		e.diag(&hcl.Diagnostic{
			Severity: hcl.DiagError, Summary: "Cannot compute outputs",
			Detail:  fmt.Sprintf("Part %q: %v", p.Name, err),
			Subject: p.Block.DeclRange().Ptr(),
		})
		return
	}
	p.Outputs = out
	attrs := make(map[string]cty.Value, len(p.Options)+len(out))
	for k, v := range p.Options {
		attrs[k] = v
	}
	for k, v := range out {
		attrs[k] = v
	}
	p.Value = cty.ObjectVal(attrs)
}

// ownDir returns the directory of assemble's own in the instance at dir
// that p is in (code/, .assemble/, bin/), or "".
func ownDir(dir, p string) string {
	for _, own := range []string{"code", ".assemble", "bin"} {
		if fsutil.Within(filepath.Join(dir, own), p) {
			return own + "/"
		}
	}
	return ""
}

func hasErrors(diags hcl.Diagnostics) bool {
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			return true
		}
	}
	return false
}

// selected returns the enabled parts that buildout.parts names, and the
// parts they refer to, in install order. A part named only by a reference
// is installed too, as buildout does, because its referrer needs it.
func (e *evaluator) selected(order []*Part, byName map[string]*Part) []*Part {
	want := map[string]bool{}
	var mark func(name string)
	mark = func(name string) {
		if want[name] {
			return
		}
		want[name] = true
		if p := byName[name]; p != nil {
			for _, d := range p.DependsOn {
				mark(d)
			}
		}
	}
	for _, n := range e.res.Settings.Parts {
		names, ok := e.res.Groups[n]
		if !ok {
			names = []string{n}
		}
		for _, n := range names {
			if p := byName[n]; p != nil && p.enabled {
				mark(n)
			}
		}
	}
	var out []*Part
	for _, p := range order {
		if want[p.Name] {
			out = append(out, p)
		}
	}
	return out
}
