package config

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// A part with for_each is a template, as Terraform's resources are and
// buildout's <= macros were: one part for each key of a map or element
// of a set of strings, named part["key"], with each.key and each.value
// to tell them apart. Each is installed, kept and removed as a part of
// its own.

// InstanceName names the part for_each makes of block for key.
func InstanceName(block, key string) string { return fmt.Sprintf("%s[%q]", block, key) }

// instance is one part a for_each makes.
type instance struct {
	block *Block
	group string
	each  cty.Value // object { key, value }
}

// expandParts returns a part block for every part to prepare: a block
// of its own for each instance of a for_each, with the attributes
// copied, since values are cached by attribute.
func (e *evaluator) expandParts() []instance {
	var out []instance
	for _, b := range e.cfg.Parts {
		def := b.Final("for_each")
		if def == nil {
			out = append(out, instance{block: b})
			continue
		}
		keys, values := e.forEach(def)
		e.res.Groups[b.Name] = []string{}
		for i, k := range keys {
			name := InstanceName(b.Name, k)
			e.res.Groups[b.Name] = append(e.res.Groups[b.Name], name)
			each := cty.ObjectVal(map[string]cty.Value{"key": cty.StringVal(k), "value": values[i]})
			out = append(out, instance{block: copyBlock(b, name), group: b.Name, each: each})
		}
	}
	return out
}

// forEach evaluates a for_each: a map, whose keys name the parts, or a
// set (or list) of strings, whose elements are both key and value. It
// must be known before parts are ordered.
func (e *evaluator) forEach(def *Def) ([]string, []cty.Value) {
	bad := func(detail string) ([]string, []cty.Value) {
		e.diag(&hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid for_each", Detail: detail, Subject: def.Attr.Expr.Range().Ptr()})
		return nil, nil
	}
	if !e.staticOnly(def, "for_each") {
		return nil, nil
	}
	v, diags := def.Attr.Expr.Value(e.root)
	e.diag(diags...)
	switch {
	case diags.HasErrors():
		return nil, nil
	case v.IsNull() || !v.IsWhollyKnown():
		return bad("for_each must be known before parts are ordered: a map or a set of strings, from literals and variables.")
	case v.Type().IsMapType() || v.Type().IsObjectType():
		var keys []string
		m := v.AsValueMap()
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		values := make([]cty.Value, len(keys))
		for i, k := range keys {
			values[i] = m[k]
		}
		return keys, values
	case v.Type().IsSetType() || v.Type().IsListType() || v.Type().IsTupleType():
		seen := map[string]bool{}
		var keys []string
		for it := v.ElementIterator(); it.Next(); {
			_, x := it.Element()
			if x.Type() != cty.String || x.IsNull() {
				return bad("A for_each set holds strings, the parts' keys, and no null; a map gives each key a value of any type.")
			}
			if !seen[x.AsString()] {
				seen[x.AsString()] = true
				keys = append(keys, x.AsString())
			}
		}
		sort.Strings(keys)
		values := make([]cty.Value, len(keys))
		for i, k := range keys {
			values[i] = cty.StringVal(k)
		}
		return keys, values
	}
	return bad(fmt.Sprintf("for_each is a map or a set of strings, not %s.", v.Type().FriendlyName()))
}

// copyBlock is a block with the layers of b and copies of their
// attributes, under another name.
func copyBlock(b *Block, name string) *Block {
	c := &Block{Type: b.Type, Name: name}
	for _, l := range b.Layers {
		attrs := make(hcl.Attributes, len(l.Attrs))
		for k, a := range l.Attrs {
			cp := *a
			attrs[k] = &cp
		}
		c.Layers = append(c.Layers, &Layer{File: l.File, Block: l.Block, Attrs: attrs, index: l.index, order: l.order})
	}
	return c
}

// scope is the context a part's attributes are evaluated in: the
// config's, with each for an instance of a for_each.
func (e *evaluator) scope(p *Part) *hcl.EvalContext {
	if p.each == cty.NilVal {
		return e.root
	}
	s := e.root.NewChild()
	s.Variables = map[string]cty.Value{"each": p.each}
	return s
}

// groupRef resolves a reference to a for_each part: part.NAME["key"]
// is that instance; part.NAME alone is all of them.
func (e *evaluator) groupRef(group string, tr hcl.Traversal) ([]string, *hcl.Diagnostic) {
	names := e.res.Groups[group]
	if len(tr) < 3 {
		return names, nil
	}
	idx, ok := tr[2].(hcl.TraverseIndex)
	if !ok || idx.Key.Type() != cty.String || !idx.Key.IsKnown() {
		return names, nil
	}
	key := idx.Key.AsString()
	name := InstanceName(group, key)
	for _, n := range names {
		if n == name {
			return []string{name}, nil
		}
	}
	var keys []string
	for _, n := range names {
		keys = append(keys, strings.TrimSuffix(strings.TrimPrefix(n, group+"["), "]"))
	}
	return nil, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown for_each key",
		Detail:  fmt.Sprintf("Part %q has no instance %q; its keys are %s.", group, key, strings.Join(keys, ", ")),
		Subject: tr.SourceRange().Ptr()}
}

// groupValue is a for_each part as other parts see it: an object of its
// instances by key.
func groupValue(names []string, byName map[string]*Part) cty.Value {
	attrs := map[string]cty.Value{}
	for _, n := range names {
		p := byName[n]
		v := p.Value
		if v == cty.NilVal {
			v = cty.DynamicVal
		}
		attrs[p.each.GetAttr("key").AsString()] = v
	}
	return cty.ObjectVal(attrs)
}

// checkFileNames reports two parts of a for_each whose names are one
// file name (site["a b"] and site["a_b"] are both site.a_b): their
// units, build directories or dumps would be one.
func (e *evaluator) checkFileNames(parts []*Part) {
	seen := map[string]*Part{}
	for _, p := range parts {
		fn := p.Part.FileName()
		if q, ok := seen[fn]; ok {
			e.diag(&hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Parts with one file name",
				Detail:  fmt.Sprintf("Parts %s and %s are both %s where a part's name names a file or a unit; give them keys of letters, digits, '_', '.' and '-' that differ.", q.Name, p.Name, fn),
				Subject: p.Block.DeclRange().Ptr()})
			continue
		}
		seen[fn] = p
	}
}
