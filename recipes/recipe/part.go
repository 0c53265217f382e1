package recipe

import (
	"path/filepath"
	"strings"

	"github.com/zclconf/go-cty/cty"
)

// Part is a part as its recipe sees it.
type Part struct {
	Name   string
	Recipe string
	// Options holds every option of the recipe's spec, evaluated and
	// converted to the option's type, with defaults applied and paths made
	// absolute. Values may be unknown when the instance is not known.
	Options  map[string]cty.Value
	Instance Instance
	// Module is what version resolution found for the module the part
	// builds, for a part of a ModuleRecipe once versions are resolved.
	Module *Module
}

// FileName is the part's name as a file or unit name may hold it: an
// instance of a for_each, site["prod"], is site.prod, and a character
// a file name should not hold becomes _.
func (p *Part) FileName() string {
	n := strings.ReplaceAll(strings.ReplaceAll(p.Name, `["`, "."), `"]`, "")
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.' || r == '-' {
			return r
		}
		return '_'
	}, n)
}

// String returns the string option name, or "" when it is null or unknown.
func (p *Part) String(name string) string {
	v := p.Options[name]
	if v == cty.NilVal || v.IsNull() || !v.IsKnown() || v.Type() != cty.String {
		return ""
	}
	return v.AsString()
}

// Strings returns a list-of-strings option, skipping unknown elements.
func (p *Part) Strings(name string) []string {
	v := p.Options[name]
	if v == cty.NilVal || v.IsNull() || !v.IsWhollyKnown() || !v.CanIterateElements() {
		return nil
	}
	var out []string
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if e.Type() == cty.String {
			out = append(out, e.AsString())
		}
	}
	return out
}

// StringMap returns a map-of-strings option.
func (p *Part) StringMap(name string) map[string]string {
	v := p.Options[name]
	if v == cty.NilVal || v.IsNull() || !v.IsWhollyKnown() || !v.CanIterateElements() {
		return nil
	}
	out := map[string]string{}
	for it := v.ElementIterator(); it.Next(); {
		k, e := it.Element()
		if e.Type() == cty.String {
			out[k.AsString()] = e.AsString()
		}
	}
	return out
}

// Bool returns a bool option, false when null or unknown.
func (p *Part) Bool(name string) bool {
	v := p.Options[name]
	if v == cty.NilVal || v.IsNull() || !v.IsKnown() || v.Type() != cty.Bool {
		return false
	}
	return v.True()
}

// Known reports whether option name has a wholly known value.
func (p *Part) Known(name string) bool {
	v := p.Options[name]
	return v == cty.NilVal || v.IsWhollyKnown()
}

// Instance is where a part is installed. Known is false when no instance
// is chosen (annotate, graph): path outputs are then unknown values.
type Instance struct {
	Known bool
	Name  string
	Dir   string
	Etc   string
	Var   string
	Run   string
	Tmp   string
	Bin   string
	// User and Group are the system account the instance runs as (the
	// buildout block's user and group), "" when it runs as whoever
	// installs it. Group is the user's own group when not set apart.
	User, Group string
}

// NewInstance lays out the directories of the instance at dir.
func NewInstance(name, dir string) Instance {
	return Instance{
		Known: true,
		Name:  name,
		Dir:   dir,
		Etc:   filepath.Join(dir, "etc"),
		Var:   filepath.Join(dir, "var"),
		Run:   filepath.Join(dir, "run"),
		Tmp:   filepath.Join(dir, "tmp"),
		Bin:   filepath.Join(dir, "bin"),
	}
}

// Paths returns the instance directories by the names the config
// language gives them (instance.etc and so on).
func (in Instance) Paths() map[string]string {
	return map[string]string{
		"name": in.Name, "dir": in.Dir, "etc": in.Etc, "var": in.Var,
		"run": in.Run, "tmp": in.Tmp, "bin": in.Bin,
	}
}

// Path returns elem joined under the instance's bin, etc… directory as a
// cty string, or an unknown string when the instance is not known.
func (in Instance) Path(dir string, elem ...string) cty.Value {
	if !in.Known {
		return cty.UnknownVal(cty.String)
	}
	return cty.StringVal(filepath.Join(append([]string{dir}, elem...)...))
}
