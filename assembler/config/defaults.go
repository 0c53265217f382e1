package config

import (
	"path/filepath"

	"github.com/hashicorp/hcl/v2"
)

// defaults loads the user's defaults file, which may set the buildout
// block only: a part or a variable there would be in every manifest.
func (ld *loading) defaults(path string) *File {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil
	}
	nd, ns := len(ld.diags), len(ld.syntax)
	defer func() {
		hint := &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "The user's defaults file",
			Detail: path + " is applied under every manifest; --no-defaults, or ASSEMBLE_DEFAULTS= (empty), ignores it."}
		if len(ld.syntax) > ns {
			ld.syntax = append(ld.syntax, hint)
		} else if len(ld.diags) > nd {
			ld.diags = append(ld.diags, hint)
		}
	}()
	f := ld.file(path, abs, nil)
	if f == nil || f.hcl == nil {
		return nil
	}
	bad := func(rng hcl.Range) {
		ld.diags = append(ld.diags, &hcl.Diagnostic{
			Severity: hcl.DiagError, Summary: "Not a default",
			Detail:  "A defaults file sets the buildout block only (go_env, keep_revisions…), applied under every manifest; parts, variables, versions and extends belong in a manifest.",
			Subject: rng.Ptr(),
		})
	}
	for _, b := range append(f.parts, f.vars...) {
		bad(b.DefRange)
	}
	if f.versions != nil {
		bad(f.versions.Range)
	}
	for _, e := range f.extends {
		bad(e.rng)
	}
	return f
}
