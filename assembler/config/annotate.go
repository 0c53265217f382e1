package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// Annotation is the merged config with the origin of every value, as
// assemble annotate shows it.
type Annotation struct {
	Files  []string          `json:"files"`
	Blocks []AnnotationBlock `json:"blocks"`
}

// AnnotationBlock is one merged block. Type is "buildout", "variable",
// "versions" or "part".
type AnnotationBlock struct {
	Type  string           `json:"type"`
	Name  string           `json:"name,omitempty"`
	Note  string           `json:"note,omitempty"`
	Attrs []AnnotationAttr `json:"attributes"`
	// Outputs are a part's computed outputs.
	Outputs []AnnotationAttr `json:"outputs,omitempty"`
}

// AnnotationAttr is one attribute: its value, where the winning
// definition is, and the definitions before it.
type AnnotationAttr struct {
	Name  string    `json:"name"`
	Value cty.Value `json:"-"`
	// Source is how the value is written; for a default, it is empty.
	Source string `json:"-"`
	// Raw attributes are not values (a variable's type, depends_on):
	// they are shown as written.
	Raw     bool     `json:"-"`
	From    string   `json:"from"` // "file:line", "default", "--var", …
	History []Origin `json:"history,omitempty"`
}

// Origin is a definition an attribute's value came from or replaced.
type Origin struct {
	At   string `json:"at"`
	Expr string `json:"expr"`
	// Role is "set" for the definition that wins, "base" for one it
	// builds on through base, "overridden" for one it replaces.
	Role string `json:"role"`
}

// Annotate describes the merged config and where every value came from.
func (r *Result) Annotate() *Annotation {
	c := r.Config
	a := &Annotation{}
	for _, f := range c.Files {
		a.Files = append(a.Files, f.Name)
	}
	bb := AnnotationBlock{Type: "buildout"}
	for _, name := range buildoutNames {
		if def := c.Buildout.Final(name); def != nil {
			bb.Attrs = append(bb.Attrs, r.attr(name, r.values[def.Attr], c.Buildout))
			continue
		}
		v := buildoutDefaults[name]
		if v.RawEquals(cty.StringVal("")) {
			continue // user and group, unset: the instance runs as whoever installs it
		}
		if name == "parts" {
			v = r.settingsParts()
		}
		bb.Attrs = append(bb.Attrs, AnnotationAttr{Name: name, Value: v, From: "default"})
	}
	a.Blocks = append(a.Blocks, bb)

	for _, b := range c.Variables {
		vb := AnnotationBlock{Type: "variable", Name: b.Name}
		for _, name := range b.AttrNames() {
			v := cty.DynamicVal
			if name == "description" || name == "default" {
				if def := b.Final(name); def != nil {
					if x, ok := r.values[def.Attr]; ok {
						v = x
					} else if x, d := def.Attr.Expr.Value(nil); !d.HasErrors() {
						v = x
					}
				}
			}
			at := r.attr(name, v, b)
			at.Raw = name == "type"
			vb.Attrs = append(vb.Attrs, at)
		}
		if v, ok := r.Vars[b.Name]; ok {
			vb.Outputs = append(vb.Outputs, AnnotationAttr{Name: "value", Value: v, From: r.VarSources[b.Name]})
		}
		a.Blocks = append(a.Blocks, vb)
	}

	if len(c.Versions) > 0 {
		vb := AnnotationBlock{Type: "versions"}
		for _, p := range c.Versions {
			at := AnnotationAttr{Name: p.Module, From: rangeLine(p.Key), Value: cty.NullVal(cty.String)}
			if v, ok := r.Pins[p.Module]; ok {
				at.Value = cty.StringVal(v)
			}
			if p.Expr != nil {
				at.Source = c.exprSource(p.Expr)
			} else {
				at.Source = "null"
			}
			for _, q := range p.Overrides {
				src := "null"
				if q.Expr != nil {
					src = c.exprSource(q.Expr)
				}
				at.History = append(at.History, Origin{At: rangeLine(q.Key), Expr: src, Role: "overridden"})
			}
			vb.Attrs = append(vb.Attrs, at)
		}
		a.Blocks = append(a.Blocks, vb)
	}

	installed := map[string]int{}
	for i, p := range r.Parts {
		installed[p.Name] = i + 1
	}
	for _, b := range c.Parts {
		pb := AnnotationBlock{Type: "part", Name: b.Name}
		p := r.All[b.Name]
		group, isGroup := r.Groups[b.Name]
		switch {
		case isGroup:
			pb.Note = "for_each: " + strings.Join(group, ", ")
			if len(group) == 0 {
				pb.Note = "for_each: no keys, no parts"
			}
		case p == nil:
			pb.Note = "disabled: not installed"
		case installed[b.Name] > 0:
			pb.Note = fmt.Sprintf("installed %d of %d", installed[b.Name], len(r.Parts))
		default:
			pb.Note = "not installed: neither buildout.parts nor a reference names it"
		}
		for _, name := range b.AttrNames() {
			v, ok := cty.NilVal, false
			if p != nil && p.Options != nil {
				v, ok = p.Options[name]
			}
			if !ok {
				if def := b.Final(name); def != nil {
					v, ok = r.values[def.Attr]
				}
			}
			if !ok {
				v = cty.DynamicVal
			}
			at := r.attr(name, v, b)
			at.Raw = name == "depends_on"
			if from, ok := r.SetSources["part."+b.Name+"."+name]; ok {
				at = setAttr(at, from)
			}
			pb.Attrs = append(pb.Attrs, at)
		}
		pb.Attrs = append(pb.Attrs, r.setOnly(b, p)...)
		if p != nil {
			for _, k := range sortedKeys(p.Outputs) {
				pb.Outputs = append(pb.Outputs, AnnotationAttr{Name: k, Value: p.Outputs[k], From: "recipe " + p.Part.Recipe})
			}
		}
		a.Blocks = append(a.Blocks, pb)
	}
	return a
}

// setAttr is attribute at as an option setting from outside the config
// replaced it: the config's definition becomes history.
func setAttr(at AnnotationAttr, from string) AnnotationAttr {
	at.History = append([]Origin{{At: at.From, Expr: at.Source, Role: "overridden"}}, at.History...)
	at.From, at.Source = setOrigin(from), ""
	return at
}

func setOrigin(from string) string {
	if from == "instance" {
		return "--set, remembered by the instance"
	}
	return from + " on the command line"
}

// setOnly describes the options of part p that only a setting from
// outside the config gives.
func (r *Result) setOnly(b *Block, p *Part) []AnnotationAttr {
	if p == nil {
		return nil
	}
	var out []AnnotationAttr
	for _, name := range sortedKeys(p.Options) {
		from, ok := r.SetSources["part."+b.Name+"."+name]
		if ok && b.Final(name) == nil {
			out = append(out, AnnotationAttr{Name: name, Value: p.Options[name], From: setOrigin(from)})
		}
	}
	return out
}

func (r *Result) settingsParts() cty.Value {
	var vs []cty.Value
	for _, p := range r.Settings.Parts {
		vs = append(vs, cty.StringVal(p))
	}
	if len(vs) == 0 {
		return cty.ListValEmpty(cty.String)
	}
	return cty.ListVal(vs)
}

// attr describes attribute name of block b with value v: the definition
// that wins, then the earlier ones, each marked as the base the later one
// built on or as overridden.
func (r *Result) attr(name string, v cty.Value, b *Block) AnnotationAttr {
	defs := b.Defs(name)
	last := defs[len(defs)-1]
	at := AnnotationAttr{Name: name, Value: v, From: rangeLine(last.Attr.Range), Source: r.Config.exprSource(last.Attr.Expr)}
	based := map[*hcl.Attribute]bool{}
	for _, d := range reachableDefs(b, name, func(a *hcl.Attribute) []hcl.Traversal { return a.Expr.Variables() }) {
		based[d.Attr] = true
	}
	for i := len(defs) - 2; i >= 0; i-- {
		role := "overridden"
		if based[defs[i].Attr] {
			role = "base"
		}
		at.History = append(at.History, Origin{At: rangeLine(defs[i].Attr.Range), Expr: r.Config.exprSource(defs[i].Attr.Expr), Role: role})
	}
	return at
}

// WriteText writes the annotation as HCL: every value followed by
// comments naming where it was set and what it replaced.
func (a *Annotation) WriteText(w io.Writer) error {
	var b strings.Builder
	b.WriteString("# Merged from, in the order applied:\n")
	for _, f := range a.Files {
		fmt.Fprintf(&b, "#   %s\n", f)
	}
	for _, blk := range a.Blocks {
		b.WriteString("\n")
		switch {
		case blk.Type == "versions":
			b.WriteString("versions = {\n")
		case blk.Name != "":
			fmt.Fprintf(&b, "%s %q {\n", blk.Type, blk.Name)
		default:
			fmt.Fprintf(&b, "%s {\n", blk.Type)
		}
		if blk.Note != "" {
			fmt.Fprintf(&b, "  # %s\n", blk.Note)
		}
		for _, at := range blk.Attrs {
			writeAttr(&b, at, blk.Type == "versions")
		}
		for _, at := range blk.Outputs {
			fmt.Fprintf(&b, "  # %s = %s  (%s)\n", at.Name, describeValue(at.Value), at.From)
		}
		b.WriteString("}\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeAttr(b *strings.Builder, at AnnotationAttr, quoteName bool) {
	name := at.Name
	if quoteName {
		name = fmt.Sprintf("%q", name)
	}
	val, known := formatValue(at.Value, "  ")
	if at.Raw {
		val, known = at.Source, true
	} else if !known {
		val = at.Source
	}
	fmt.Fprintf(b, "  %s = %s\n", name, val)
	if d := describeValue(at.Value); !known && d == "?" {
		b.WriteString("    # known at install\n")
	} else if !known {
		fmt.Fprintf(b, "    # known at install: %s\n", d)
	}
	src := oneLine(at.Source)
	switch {
	case at.From == "default":
		b.WriteString("    # default\n")
	case strings.HasPrefix(at.From, "--set"):
		fmt.Fprintf(b, "    # set by %s\n", at.From)
	case src == "" || src == oneLine(val) || !known || strings.Contains(at.Source, "\n"):
		fmt.Fprintf(b, "    # set at %s\n", at.From)
	default:
		fmt.Fprintf(b, "    # set at %s: %s\n", at.From, src)
	}
	for _, h := range at.History {
		fmt.Fprintf(b, "    # %s %s: %s\n", map[string]string{"base": "base from", "overridden": "overrides"}[h.Role], h.At, oneLine(h.Expr))
	}
}

// formatValue writes v as HCL, continuing lines with indent. It reports
// false when the value is not wholly known.
func formatValue(v cty.Value, indent string) (string, bool) {
	if v == cty.NilVal || !v.IsWhollyKnown() {
		return "", false
	}
	src := hclwrite.Format(hclwrite.TokensForValue(v).Bytes())
	src = bytes.TrimSpace(src)
	return strings.ReplaceAll(string(src), "\n", "\n"+indent), true
}

// describeValue writes v on one line for a comment, with "?" for each
// part of it that is only known at install.
func describeValue(v cty.Value) string {
	switch {
	case v == cty.NilVal || !v.IsKnown():
		return "?"
	case v.IsNull():
		return "null"
	case v.IsWhollyKnown():
		s, _ := formatValue(v, "")
		return oneLine(s)
	}
	ty := v.Type()
	var parts []string
	switch {
	case ty.IsObjectType() || ty.IsMapType():
		for it := v.ElementIterator(); it.Next(); {
			k, x := it.Element()
			parts = append(parts, k.AsString()+" = "+describeValue(x))
		}
		return "{ " + strings.Join(parts, ", ") + " }"
	case ty.IsListType() || ty.IsTupleType() || ty.IsSetType():
		for it := v.ElementIterator(); it.Next(); {
			_, x := it.Element()
			parts = append(parts, describeValue(x))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return "?"
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 100 {
		s = s[:97] + "..."
	}
	return s
}

// MarshalJSON gives values as JSON, null with "known": false when a value
// is only known at install.
func (at AnnotationAttr) MarshalJSON() ([]byte, error) {
	type plain AnnotationAttr
	out := struct {
		plain
		Value  json.RawMessage `json:"value"`
		Known  bool            `json:"known"`
		Source string          `json:"expr,omitempty"`
	}{plain: plain(at), Value: json.RawMessage("null"), Source: at.Source}
	if at.Value != cty.NilVal && at.Value.IsWhollyKnown() {
		js, err := ctyjson.SimpleJSONValue{Value: at.Value}.MarshalJSON()
		if err != nil {
			return nil, err
		}
		out.Value, out.Known = js, true
	}
	return json.Marshal(out)
}
