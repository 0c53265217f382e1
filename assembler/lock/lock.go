// Package lock reads and writes the lock: the machine-written record of
// everything a revision was built from, with content hashes, so that a
// rebuild that meets different content stops instead of building it.
//
// The format is HCL, written with hclwrite in a normalized, sorted form
// so that the same inputs always give the same bytes:
//
//	go = "go1.26.8"
//
//	manifest {
//	  source = "/srv/manifests/lab"
//	  commit = "9f1c…"
//	  files = {
//	    "buildout.hcl" = "sha256:…"
//	  }
//	}
//
//	variables = { http_port = 8000 }
//
//	module "example.com/lava/common" {
//	  version = "v1.2.0"
//	  hash    = "h1:…"
//	  go_mod  = "h1:…"
//	}
//
//	overlay "example.com/lava/common" {
//	  dir    = "code/local/common"
//	  commit = "4b2e…"
//	  dirty  = true
//	  hash   = "h1:…"
//	}
package lock

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
)

// Lock is the record of one build's inputs.
type Lock struct {
	Go       string    `hcl:"go,optional"`
	Manifest *Manifest `hcl:"manifest,block"`
	// Variables is an object of the variables' values.
	Variables cty.Value         `hcl:"variables,optional"`
	Env       map[string]string `hcl:"environment,optional"`
	Modules   []Module          `hcl:"module,block"`
	Overlays  []Overlay         `hcl:"overlay,block"`
}

// Manifest says where the config came from.
type Manifest struct {
	Source string            `hcl:"source,optional"`
	Ref    string            `hcl:"ref,optional"`
	Commit string            `hcl:"commit,optional"`
	Dirty  bool              `hcl:"dirty,optional"`
	Files  map[string]string `hcl:"files,optional"`
}

// Module is one module of the build list.
type Module struct {
	Path    string `hcl:"path,label"`
	Version string `hcl:"version"`
	Hash    string `hcl:"hash,optional"`
	GoMod   string `hcl:"go_mod,optional"`
}

// Overlay is a developer checkout that replaced a module.
type Overlay struct {
	Path   string `hcl:"path,label"`
	Dir    string `hcl:"dir"`
	Commit string `hcl:"commit,optional"`
	Dirty  bool   `hcl:"dirty,optional"`
	Hash   string `hcl:"hash"`
}

// Module returns the entry for module path, or nil.
func (l *Lock) Module(path string) *Module {
	if l == nil {
		return nil
	}
	for i := range l.Modules {
		if l.Modules[i].Path == path {
			return &l.Modules[i]
		}
	}
	return nil
}

// Version returns the module path at version, or nil: a mirror's lock
// holds several versions of a module.
func (l *Lock) Version(path, version string) *Module {
	for i := range l.Modules {
		if l.Modules[i].Path == path && l.Modules[i].Version == version {
			return &l.Modules[i]
		}
	}
	return nil
}

const header = "# Written by assemble: the inputs of one build, with content hashes.\n# Do not edit by hand.\n\n"

// Marshal writes the lock in normalized form.
func (l *Lock) Marshal() []byte {
	f := hclwrite.NewEmptyFile()
	body := f.Body()
	if l.Go != "" {
		body.SetAttributeValue("go", cty.StringVal(l.Go))
	}
	if m := l.Manifest; m != nil {
		body.AppendNewline()
		mb := body.AppendNewBlock("manifest", nil).Body()
		setString(mb, "source", m.Source)
		setString(mb, "ref", m.Ref)
		setString(mb, "commit", m.Commit)
		if m.Dirty {
			mb.SetAttributeValue("dirty", cty.True)
		}
		if len(m.Files) > 0 {
			mb.SetAttributeValue("files", stringMap(m.Files))
		}
	}
	if v := l.Variables; v != cty.NilVal && !v.IsNull() && v.IsWhollyKnown() && v.LengthInt() > 0 {
		body.AppendNewline()
		body.SetAttributeValue("variables", v)
	}
	if len(l.Env) > 0 {
		body.AppendNewline()
		body.SetAttributeValue("environment", stringMap(l.Env))
	}
	mods := append([]Module(nil), l.Modules...)
	sort.Slice(mods, func(i, j int) bool { return mods[i].Path < mods[j].Path })
	for _, m := range mods {
		body.AppendNewline()
		b := body.AppendNewBlock("module", []string{m.Path}).Body()
		b.SetAttributeValue("version", cty.StringVal(m.Version))
		setString(b, "hash", m.Hash)
		setString(b, "go_mod", m.GoMod)
	}
	ovs := append([]Overlay(nil), l.Overlays...)
	sort.Slice(ovs, func(i, j int) bool { return ovs[i].Path < ovs[j].Path })
	for _, o := range ovs {
		body.AppendNewline()
		b := body.AppendNewBlock("overlay", []string{o.Path}).Body()
		b.SetAttributeValue("dir", cty.StringVal(o.Dir))
		setString(b, "commit", o.Commit)
		if o.Dirty {
			b.SetAttributeValue("dirty", cty.True)
		}
		b.SetAttributeValue("hash", cty.StringVal(o.Hash))
	}
	return append([]byte(header), hclwrite.Format(bytes.TrimLeft(f.Bytes(), "\n"))...)
}

func setString(b *hclwrite.Body, name, v string) {
	if v != "" {
		b.SetAttributeValue(name, cty.StringVal(v))
	}
}

func stringMap(m map[string]string) cty.Value {
	vals := map[string]cty.Value{}
	for k, v := range m {
		vals[k] = cty.StringVal(v)
	}
	return cty.MapVal(vals)
}

// Parse reads a lock.
func Parse(data []byte, filename string) (*Lock, error) {
	f, diags := hclsyntax.ParseConfig(data, filename, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, fmt.Errorf("%s: %s", filename, diags.Error())
	}
	var l Lock
	if diags := gohcl.DecodeBody(f.Body, nil, &l); diags.HasErrors() {
		return nil, fmt.Errorf("%s: %s", filename, diags.Error())
	}
	return &l, nil
}

// MismatchError reports a module whose content differs from its lock.
type MismatchError struct {
	Path, Version string
	Locked, Got   string
	What          string // "zip" or "go.mod"
	Lock          string // where the locked hash comes from
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("%s@%s: %s hash mismatch\n\t%s: %s\n\tnow: %s %s\nThe module's content is not what was locked: the proxy serves different bytes for the same version (tampering, or a re-published tag), so it is not used.",
		e.Path, e.Version, e.What, e.Lock, e.Locked, strings.Repeat(" ", max(0, len(e.Lock)-4)), e.Got)
}

// Check compares modules against the lock: a module the lock holds at
// the same version must have the same hashes. Modules at other versions,
// or not in the lock, pass: the lock records what was built, and a new
// version is a new input, not a changed one.
func (l *Lock) Check(mods []Module, name string) []error {
	if l == nil {
		return nil
	}
	var errs []error
	for _, m := range mods {
		old := l.Version(m.Path, m.Version)
		if old == nil {
			continue
		}
		if old.Hash != "" && m.Hash != "" && old.Hash != m.Hash {
			errs = append(errs, &MismatchError{Path: m.Path, Version: m.Version, Locked: old.Hash, Got: m.Hash, What: "zip", Lock: name})
		}
		if old.GoMod != "" && m.GoMod != "" && old.GoMod != m.GoMod {
			errs = append(errs, &MismatchError{Path: m.Path, Version: m.Version, Locked: old.GoMod, Got: m.GoMod, What: "go.mod", Lock: name})
		}
	}
	return errs
}
