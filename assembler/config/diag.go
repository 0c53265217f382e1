package config

import (
	"errors"
	"strings"

	"github.com/agext/levenshtein"
	"github.com/hashicorp/hcl/v2"
)

// ErrConfig marks errors in the manifest or the values given for it.
var ErrConfig = errors.New("configuration error")

// DiagError carries HCL diagnostics with the files they point into, so
// that they can be printed with source snippets.
type DiagError struct {
	Diags hcl.Diagnostics
	Files map[string]*hcl.File
}

// NewDiagError wraps diags about cfg, which may be nil.
func NewDiagError(cfg *Config, diags hcl.Diagnostics) *DiagError {
	e := &DiagError{Diags: diags}
	if cfg != nil {
		e.Files = cfg.HCLFiles
	}
	return e
}

// Errorf is a configuration error with no file to point into.
func Errorf(summary, detail string) *DiagError {
	return &DiagError{Diags: hcl.Diagnostics{{Severity: hcl.DiagError, Summary: summary, Detail: detail}}}
}

func (e *DiagError) Error() string {
	var msgs []string
	for _, d := range e.Diags {
		if d.Severity == hcl.DiagError {
			msgs = append(msgs, d.Error())
		}
	}
	return strings.Join(msgs, "\n")
}

func (e *DiagError) Unwrap() error { return ErrConfig }

// suggest returns the name in names closest to given, if one is close
// enough to be a likely typo.
func suggest(given string, names []string) string {
	best, bestDist := "", 3
	for _, n := range names {
		if d := levenshtein.Distance(given, n, nil); d < bestDist {
			best, bestDist = n, d
		}
	}
	return best
}
