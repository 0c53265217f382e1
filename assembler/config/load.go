package config

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// Loader reads config files. The zero Loader reads from the file system.
type Loader struct {
	// ReadFile reads a config file; os.ReadFile when nil.
	ReadFile func(name string) ([]byte, error)
	// MaxSize is the most bytes a config file may hold, DefaultMaxSize
	// when 0. Parsing takes about twenty times a file's size in memory.
	MaxSize int
	// Defaults is the user's defaults file, applied under every config
	// with the lowest precedence; "" for none.
	Defaults string
}

// DefaultMaxSize is the most bytes a config file holds unless the loader
// says otherwise: 16 MiB, where 10,000 parts take about 1.3 MB.
const DefaultMaxSize = 16 << 20

// Load reads the config file at path, every file it extends, and merges
// them. The Config it returns is nil only when the top file could not be
// read; otherwise it carries HCLFiles so that diagnostics can be printed
// with their source.
func Load(path string) (*Config, hcl.Diagnostics) {
	return (&Loader{}).Load(path)
}

// Load reads the config file at path, every file it extends, and merges
// them.
func (l *Loader) Load(path string) (*Config, hcl.Diagnostics) {
	ld := &loading{
		maxSize:  l.MaxSize,
		readFile: l.ReadFile,
		parser:   hclparse.NewParser(),
		byAbs:    map[string]*File{},
	}
	if ld.readFile == nil {
		ld.readFile = os.ReadFile
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read config file", Detail: fmt.Sprintf("%s: %v", path, err)}}
	}
	top := ld.file(filepath.Clean(path), abs, nil)
	diags := ld.diags
	if top == nil {
		return nil, diags
	}
	order, odiags := linearize(top)
	diags = append(diags, odiags...)
	if l.Defaults != "" {
		if d := ld.defaults(l.Defaults); d != nil {
			order = append([]*File{d}, order...)
		}
		diags = ld.diags
		diags = append(diags, odiags...)
	}
	cfg, mdiags := merge(top, order)
	diags = append(diags, mdiags...)
	cfg.HCLFiles = ld.parser.Files()
	// What follows a syntax error is read wrongly: a missing brace makes
	// every later block look misplaced. Only the first syntax error of
	// each file is worth reading.
	if len(ld.syntax) > 0 {
		return cfg, ld.syntax
	}
	return cfg, diags
}

type loading struct {
	maxSize  int
	readFile func(string) ([]byte, error)
	parser   *hclparse.Parser
	byAbs    map[string]*File
	diags    hcl.Diagnostics
	syntax   hcl.Diagnostics // the first syntax error of each file that has one
}

var fileSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "extends"}, {Name: "versions"}},
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "buildout"},
		{Type: "variable", LabelNames: []string{"name"}},
		{Type: "part", LabelNames: []string{"name"}},
	},
}

// buildoutAttrs are the settings of the buildout block, with their types.
var buildoutAttrs = map[string]cty.Type{
	"parts":                 cty.List(cty.String),
	"allow_picked_versions": cty.Bool,
	"show_picked_versions":  cty.Bool,
	"allow_local":           cty.Bool,
	"go_env":                cty.Map(cty.String),
	"keep_revisions":        cty.Number,
	"user":                  cty.String,
	"group":                 cty.String,
}

// buildoutNames are the settings in the order annotate shows them.
var buildoutNames = []string{"parts", "allow_picked_versions", "show_picked_versions", "allow_local", "go_env", "keep_revisions", "user", "group"}

var buildoutSchema = func() *hcl.BodySchema {
	s := &hcl.BodySchema{}
	for _, n := range buildoutNames {
		s.Attributes = append(s.Attributes, hcl.AttributeSchema{Name: n})
	}
	return s
}()

var variableSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "type"}, {Name: "default"}, {Name: "description"}},
}

// file loads and decodes the file at abs, once. rng is the extends entry
// that names it, nil for the top file.
func (ld *loading) file(name, abs string, rng *hcl.Range) *File {
	if f, ok := ld.byAbs[abs]; ok {
		return f
	}
	src, err := ld.readFile(abs)
	if err != nil {
		summary := "Cannot read config file"
		if rng != nil {
			summary = "Cannot read extended file"
		}
		if os.IsNotExist(err) {
			err = fmt.Errorf("no such file")
		} else if pe, ok := err.(*os.PathError); ok {
			err = pe.Err
		}
		ld.diags = append(ld.diags, &hcl.Diagnostic{
			Severity: hcl.DiagError, Summary: summary,
			Detail:  fmt.Sprintf("%s: %v.", name, err),
			Subject: rng,
		})
		return nil
	}
	if max := cmp.Or(ld.maxSize, DefaultMaxSize); len(src) > max {
		ld.diags = append(ld.diags, &hcl.Diagnostic{
			Severity: hcl.DiagError, Summary: "Config file too large",
			Detail:  fmt.Sprintf("%s holds %d bytes, more than the %d a config file may (ASSEMBLE_MAX_CONFIG_SIZE sets the limit).", name, len(src), max),
			Subject: rng,
		})
		return nil
	}
	hf, diags := parseHCL(ld.parser, src, name)
	ld.diags = append(ld.diags, diags...)
	if errs := diags.Errs(); len(errs) > 0 {
		ld.syntax = append(ld.syntax, errs[0].(*hcl.Diagnostic))
	}
	f := &File{Name: name, Abs: abs, Dir: filepath.Dir(abs), Src: src, hcl: hf}
	ld.byAbs[abs] = f
	if hf == nil || hf.Body == nil {
		return f
	}
	ld.decode(f)
	for i := range f.extends {
		e := &f.extends[i]
		if e.valid {
			e.file = ld.file(e.name, e.abs, &e.rng)
		}
	}
	return f
}

// decode checks a file's top level against the schema and sorts out its
// blocks and attributes.
func (ld *loading) decode(f *File) {
	content, diags := f.hcl.Body.Content(fileSchema)
	ld.diags = append(ld.diags, diags...)
	if a, ok := content.Attributes["extends"]; ok {
		ld.decodeExtends(f, a)
	}
	f.versions = content.Attributes["versions"]
	seenPart := map[string]*hcl.Block{}
	seenVar := map[string]*hcl.Block{}
	for _, b := range content.Blocks {
		switch b.Type {
		case "buildout":
			if f.buildout != nil {
				ld.diags = append(ld.diags, &hcl.Diagnostic{
					Severity: hcl.DiagError, Summary: "Duplicate buildout block",
					Detail:  fmt.Sprintf("A file has at most one buildout block; the first is at %s.", rangeLine(f.buildout.DefRange)),
					Subject: b.DefRange.Ptr(),
				})
				continue
			}
			c, d := b.Body.Content(buildoutSchema)
			ld.diags = append(ld.diags, d...)
			f.buildout, f.bAttrs = b, c.Attributes
		case "variable":
			name := b.Labels[0]
			if !ld.checkName(b, "variable") {
				continue
			}
			if first, ok := seenVar[name]; ok {
				ld.diags = append(ld.diags, duplicate(b, "variable", name, first))
				continue
			}
			seenVar[name] = b
			c, d := b.Body.Content(variableSchema)
			ld.diags = append(ld.diags, d...)
			f.vars = append(f.vars, b)
			f.varAttrs = append(f.varAttrs, c.Attributes)
		case "part":
			name := b.Labels[0]
			if !ld.checkName(b, "part") {
				continue
			}
			if first, ok := seenPart[name]; ok {
				ld.diags = append(ld.diags, duplicate(b, "part", name, first))
				continue
			}
			seenPart[name] = b
			attrs, d := b.Body.JustAttributes()
			ld.diags = append(ld.diags, d...)
			f.parts = append(f.parts, b)
			f.pAttrs = append(f.pAttrs, attrs)
		}
	}
}

func (ld *loading) checkName(b *hcl.Block, kind string) bool {
	if hclsyntax.ValidIdentifier(b.Labels[0]) {
		return true
	}
	ld.diags = append(ld.diags, &hcl.Diagnostic{
		Severity: hcl.DiagError, Summary: fmt.Sprintf("Invalid %s name", kind),
		Detail:  fmt.Sprintf("%q is not a valid name: a name starts with a letter and holds letters, digits, underscores and dashes, so that it can be referenced as %s.NAME.", b.Labels[0], map[string]string{"part": "part", "variable": "var"}[kind]),
		Subject: b.LabelRanges[0].Ptr(),
	})
	return false
}

func duplicate(b *hcl.Block, kind, name string, first *hcl.Block) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError, Summary: fmt.Sprintf("Duplicate %s %q", kind, name),
		Detail:  fmt.Sprintf("A %s of this name is already declared in this file at %s. Another file may extend it, but one file declares it once.", kind, rangeLine(first.DefRange)),
		Subject: b.DefRange.Ptr(),
	}
}

func (ld *loading) decodeExtends(f *File, a *hcl.Attribute) {
	exprs, diags := hcl.ExprList(a.Expr)
	if diags.HasErrors() {
		ld.diags = append(ld.diags, &hcl.Diagnostic{
			Severity: hcl.DiagError, Summary: "Invalid extends",
			Detail:  `extends is a list of file paths, like ["buildout.hcl"].`,
			Subject: a.Expr.Range().Ptr(),
		})
		return
	}
	seen := map[string]bool{}
	for _, e := range exprs {
		v, d := e.Value(nil)
		if d.HasErrors() || v.Type() != cty.String || v.IsNull() || !v.IsKnown() || v.AsString() == "" {
			ld.diags = append(ld.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError, Summary: "Invalid extends entry",
				Detail:  "Each entry of extends is a literal file path: the files must be known before anything is evaluated.",
				Subject: e.Range().Ptr(),
			})
			continue
		}
		p := filepath.FromSlash(v.AsString())
		ext := extend{rng: e.Range(), valid: true}
		if filepath.IsAbs(p) {
			ext.name, ext.abs = filepath.Clean(p), filepath.Clean(p)
		} else {
			ext.name = filepath.Join(filepath.Dir(f.Name), p)
			ext.abs = filepath.Join(f.Dir, p)
		}
		if seen[ext.abs] {
			ld.diags = append(ld.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError, Summary: "File extended twice",
				Detail:  fmt.Sprintf("%s appears twice in this extends list.", ext.name),
				Subject: e.Range().Ptr(),
			})
			continue
		}
		seen[ext.abs] = true
		f.extends = append(f.extends, ext)
	}
}

// rangeLine formats a range as file:line.
func rangeLine(r hcl.Range) string {
	return fmt.Sprintf("%s:%d", r.Filename, r.Start.Line)
}
