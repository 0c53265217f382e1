package config

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// merge builds the Config from files in the order they apply. A block is
// keyed by its type and label; each file that declares it adds a layer.
// The versions map merges key by key.
func merge(top *File, order []*File) (*Config, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	cfg := &Config{
		Files:    order,
		Top:      top,
		Buildout: &Block{Type: "buildout"},
		parts:    map[string]*Block{},
		vars:     map[string]*Block{},
	}
	pins := map[string]*Pin{}
	for i, f := range order {
		if f.buildout != nil {
			addLayer(cfg.Buildout, f, f.buildout, f.bAttrs, i)
		}
		for j, b := range f.vars {
			name := b.Labels[0]
			blk := cfg.vars[name]
			if blk == nil {
				blk = &Block{Type: "variable", Name: name}
				cfg.vars[name] = blk
				cfg.Variables = append(cfg.Variables, blk)
			}
			addLayer(blk, f, b, f.varAttrs[j], i)
		}
		for j, b := range f.parts {
			name := b.Labels[0]
			blk := cfg.parts[name]
			if blk == nil {
				blk = &Block{Type: "part", Name: name}
				cfg.parts[name] = blk
				cfg.Parts = append(cfg.Parts, blk)
			}
			addLayer(blk, f, b, f.pAttrs[j], i)
		}
		if f.versions != nil {
			diags = append(diags, mergeVersions(cfg, pins, f)...)
		}
	}
	return cfg, diags
}

func addLayer(b *Block, f *File, hb *hcl.Block, attrs hcl.Attributes, order int) {
	b.Layers = append(b.Layers, &Layer{File: f, Block: hb, Attrs: attrs, index: len(b.Layers), order: order})
}

func mergeVersions(cfg *Config, pins map[string]*Pin, f *File) hcl.Diagnostics {
	var diags hcl.Diagnostics
	pairs, d := hcl.ExprMap(f.versions.Expr)
	if d.HasErrors() {
		return hcl.Diagnostics{{
			Severity: hcl.DiagError, Summary: "Invalid versions",
			Detail:  `versions is a map of module paths to versions, like { "example.com/lava/common" = "v1.2.0" }, written out so that each pin keeps its line.`,
			Subject: f.versions.Expr.Range().Ptr(),
		}}
	}
	seen := map[string]hcl.Range{}
	for _, kv := range pairs {
		k, kd := kv.Key.Value(nil)
		if kd.HasErrors() || k.Type() != cty.String || !k.IsKnown() || k.IsNull() {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError, Summary: "Invalid module path",
				Detail:  "Each key of versions is a module path written as a string.",
				Subject: kv.Key.Range().Ptr(),
			})
			continue
		}
		mod := k.AsString()
		if first, ok := seen[mod]; ok {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError, Summary: "Duplicate pin",
				Detail:  fmt.Sprintf("%s is already pinned in this file at %s.", mod, rangeLine(first)),
				Subject: kv.Key.Range().Ptr(),
			})
			continue
		}
		seen[mod] = kv.Key.Range()
		p := &Pin{Module: mod, File: f, Key: kv.Key.Range(), Expr: kv.Value}
		if isNullLiteral(kv.Value) {
			p.Expr = nil
		}
		if prev, ok := pins[mod]; ok {
			p.Overrides = append([]*Pin{prev}, prev.Overrides...)
			for i, q := range cfg.Versions {
				if q == prev {
					cfg.Versions[i] = p
				}
			}
		} else {
			cfg.Versions = append(cfg.Versions, p)
		}
		pins[mod] = p
	}
	return diags
}

func isNullLiteral(e hcl.Expression) bool {
	lit, ok := e.(*hclsyntax.LiteralValueExpr)
	return ok && lit.Val.IsNull()
}
