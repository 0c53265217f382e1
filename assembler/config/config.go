// Package config loads a manifest's HCL config files, orders them through
// extends, merges their blocks, and evaluates the result into parts that
// recipes can install.
//
// Loading is syntactic: files are parsed and checked against the top-level
// schema, ordered (every file exactly once, parents before children, left
// before right) and merged into blocks whose attributes keep every
// definition in order. Evaluation then gives each attribute the value of
// its last definition, where `base` is the value the attribute had before
// that definition.
package config

import (
	"slices"

	"github.com/hashicorp/hcl/v2"
)

// File is one parsed config file.
type File struct {
	// Name is the path shown in messages: as given for the top file,
	// joined to the extending file's directory for the others.
	Name string
	// Abs is the cleaned absolute path, which identifies the file.
	Abs string
	// Dir is the absolute directory relative paths in the file start from.
	Dir string
	// Src is the file's bytes.
	Src []byte

	hcl      *hcl.File
	extends  []extend
	versions *hcl.Attribute
	buildout *hcl.Block
	bAttrs   hcl.Attributes
	vars     []*hcl.Block
	varAttrs []hcl.Attributes
	parts    []*hcl.Block
	pAttrs   []hcl.Attributes
}

type extend struct {
	name  string // display name of the extended file
	abs   string
	rng   hcl.Range
	file  *File // nil when it could not be loaded
	valid bool
}

// Config is the merge of a top config file and every file it extends.
type Config struct {
	// Files are in the order they are applied: bases first, the top file
	// last. Each appears exactly once.
	Files []*File
	// Top is the file that was loaded.
	Top *File
	// Buildout is the merged buildout block; it may have no layers.
	Buildout *Block
	// Variables and Parts are in the order they were first declared.
	Variables []*Block
	Parts     []*Block
	// Versions holds the pins, in the order their modules were first
	// pinned. A pin removed by null in a later file is kept, with a nil
	// expression, so that annotate can show its history.
	Versions []*Pin

	// HCLFiles maps file names to parsed files, for diagnostic snippets.
	HCLFiles map[string]*hcl.File

	parts map[string]*Block
	vars  map[string]*Block
}

// Part returns the part block called name, or nil.
func (c *Config) Part(name string) *Block { return c.parts[name] }

// Variable returns the variable block called name, or nil.
func (c *Config) Variable(name string) *Block { return c.vars[name] }

// Block is a block merged across files: one layer per file that declares
// it, in the order the files are applied.
type Block struct {
	Type   string
	Name   string // the label; empty for buildout
	Layers []*Layer
}

// Layer is one file's declaration of a block.
type Layer struct {
	File  *File
	Block *hcl.Block
	Attrs hcl.Attributes
	index int
	order int // position of File in Config.Files
}

// Def is one definition of an attribute.
type Def struct {
	Block *Block
	Layer *Layer
	Attr  *hcl.Attribute
}

// DeclRange returns the range of the block's last declaration, where
// problems with the block as a whole are reported.
func (b *Block) DeclRange() hcl.Range {
	if len(b.Layers) == 0 {
		return hcl.Range{}
	}
	return b.Layers[len(b.Layers)-1].Block.DefRange
}

// Def returns the last definition of attribute name in layers before
// layer index below, or nil.
func (b *Block) Def(name string, below int) *Def {
	for i := below - 1; i >= 0; i-- {
		if a, ok := b.Layers[i].Attrs[name]; ok {
			return &Def{Block: b, Layer: b.Layers[i], Attr: a}
		}
	}
	return nil
}

// Final returns the definition of attribute name that wins, or nil.
func (b *Block) Final(name string) *Def { return b.Def(name, len(b.Layers)) }

// Defs returns every definition of attribute name, in the order applied.
func (b *Block) Defs(name string) []*Def {
	var defs []*Def
	for _, l := range b.Layers {
		if a, ok := l.Attrs[name]; ok {
			defs = append(defs, &Def{Block: b, Layer: l, Attr: a})
		}
	}
	return defs
}

// AttrNames returns the names of every attribute any layer sets, in the
// order they first appear (by position within each file).
func (b *Block) AttrNames() []string {
	var names []string
	seen := map[string]bool{}
	for _, l := range b.Layers {
		for _, a := range sortedAttrs(l.Attrs) {
			if !seen[a.Name] {
				seen[a.Name] = true
				names = append(names, a.Name)
			}
		}
	}
	return names
}

// Pin is one entry of a versions map.
type Pin struct {
	Module string
	File   *File
	// Key is the range of the module path, Expr the version expression;
	// Expr is nil when the entry is null, which removes an inherited pin.
	Key  hcl.Range
	Expr hcl.Expression
	// Overrides are the earlier definitions this one replaced, the most
	// recent first.
	Overrides []*Pin
}

// Range returns where the pin is written.
func (p *Pin) Range() hcl.Range {
	if p.Expr == nil {
		return p.Key
	}
	return hcl.RangeBetween(p.Key, p.Expr.Range())
}

// sortedAttrs returns attributes in source order.
func sortedAttrs(attrs hcl.Attributes) []*hcl.Attribute {
	out := make([]*hcl.Attribute, 0, len(attrs))
	for _, a := range attrs {
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b *hcl.Attribute) int { return a.Range.Start.Byte - b.Range.Start.Byte })
	return out
}

// exprSource returns the text of expression e as written in its file.
func (c *Config) exprSource(e hcl.Expression) string {
	r := e.Range()
	f := c.HCLFiles[r.Filename]
	if f == nil || r.End.Byte > len(f.Bytes) || r.Start.Byte > r.End.Byte {
		return ""
	}
	return string(f.Bytes[r.Start.Byte:r.End.Byte])
}
