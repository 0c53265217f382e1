package config

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/assemble-build/assemble/assembler/fsutil"
	"github.com/assemble-build/assemble/recipes/recipe"
)

// checkTarget reports a target path outside the instance directory,
// unless outside is allowed, and one in assemble's own directories.
func (e *evaluator) checkTarget(at site, v cty.Value, dir string, outside bool) {
	for _, p := range pathsOf(v) {
		switch {
		case !fsutil.Within(dir, p) && !outside:
			at.diag(e, "Path outside the instance", fmt.Sprintf("%s is outside the instance directory %s. A part writes only inside its instance unless it sets allow_outside_instance = true.", p, dir))
		case ownDir(dir, p) != "":
			at.diag(e, "Path of assemble's own", fmt.Sprintf("%s is in %s, which assemble keeps for itself: revisions are immutable, and bin/ is the current revision's. Write into etc/, var/, run/, tmp/ or another directory of the instance.", p, ownDir(dir, p)))
		}
	}
}

// checkSource reports a source path outside the manifest's directory:
// what a revision is built from is what the manifest holds.
func (e *evaluator) checkSource(at site, v cty.Value, dir string) {
	for _, p := range pathsOf(v) {
		if !fsutil.Within(dir, p) {
			at.diag(e, "Source outside the manifest", fmt.Sprintf("%s is outside the manifest directory %s. A part reads only what the manifest holds unless it sets allow_outside_instance = true.", p, dir))
		}
	}
}

// checkSourceExists reports a source in the manifest directory that is
// not there, at evaluation rather than when the part installs. A source
// elsewhere may be what another part makes.
func (e *evaluator) checkSourceExists(at site, v cty.Value, dir string) {
	for _, p := range pathsOf(v) {
		if _, err := os.Stat(p); err != nil && fsutil.Within(dir, p) {
			at.diag(e, "Missing source", fmt.Sprintf("%s: no such file in the manifest.", p))
		}
	}
}

// checkPath checks a path option's value v: a target inside the
// instance, a source in the manifest, and there.
func (e *evaluator) checkPath(p *Part, o recipe.Option, v cty.Value, at site) {
	in := e.opts.Instance
	if o.Path == recipe.TargetPath && in.Known {
		e.checkTarget(at, v, in.Dir, p.AllowOutside)
	}
	if o.Path == recipe.SourcePath && !p.AllowOutside {
		e.checkSource(at, v, e.opts.Manifest.Dir)
	}
	if o.Path == recipe.SourcePath {
		e.checkSourceExists(at, v, e.opts.Manifest.Dir)
	}
}

// site is where a path option is set: its definition in the config, or
// a --set.
type site struct {
	def *Def
	set *OptionSetting
}

func (at site) diag(e *evaluator, summary, detail string) {
	d := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail}
	if at.set != nil {
		d.Detail = setSource(*at.set) + ": " + detail
	} else if at.def != nil {
		d.Subject = at.def.Attr.Expr.Range().Ptr()
	}
	e.diag(d)
}

// pathsOf returns the paths a path option holds, once known.
func pathsOf(v cty.Value) []string {
	var paths []string
	if v.IsWhollyKnown() && !v.IsNull() {
		if v.Type() == cty.String {
			paths = []string{v.AsString()}
		} else if v.CanIterateElements() {
			for it := v.ElementIterator(); it.Next(); {
				_, x := it.Element()
				paths = append(paths, x.AsString())
			}
		}
	}
	return paths
}

// resolvePath makes a path option absolute: a source path against the
// directory of the file that set it, a target path against the instance.
func resolvePath(v cty.Value, kind recipe.PathKind, fileDir string, in recipe.Instance) cty.Value {
	if v.IsNull() || !v.IsKnown() {
		return v
	}
	one := func(s cty.Value) cty.Value {
		if s.IsNull() || !s.IsKnown() {
			return s
		}
		p := filepath.FromSlash(s.AsString())
		if filepath.IsAbs(p) {
			return cty.StringVal(filepath.Clean(p))
		}
		if kind == recipe.SourcePath {
			return cty.StringVal(filepath.Join(fileDir, p))
		}
		if !in.Known {
			return cty.UnknownVal(cty.String)
		}
		return cty.StringVal(filepath.Join(in.Dir, p))
	}
	if v.Type() == cty.String {
		return one(v)
	}
	if v.Type().IsListType() {
		var out []cty.Value
		for it := v.ElementIterator(); it.Next(); {
			_, x := it.Element()
			out = append(out, one(x))
		}
		if len(out) == 0 {
			return v
		}
		return cty.ListVal(out)
	}
	return v
}
