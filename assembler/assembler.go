// Package assembler is the engine behind the assemble command: it loads
// and evaluates manifests, resolves versions, and installs instances. Its
// subpackages each hold one concern; this package ties them together for
// the command line, which it never imports.
package assembler

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/assemble-build/assemble/assembler/config"
	"github.com/assemble-build/assemble/recipes"
)

// Error kinds, which the command line turns into exit codes.
var (
	// ErrConfig marks errors in the manifest or the values given for it.
	ErrConfig = errors.New("configuration error")
	// ErrBuild marks a part that failed to install, or an install that
	// could not be completed.
	ErrBuild = errors.New("install failed")
)

// UsageError is a mistake in how the command was called, such as a
// malformed --var.
type UsageError struct {
	Err error
	// Hint, when set, says what to do instead of pointing at --help.
	Hint string
}

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// DiagError carries HCL diagnostics with the files they point into, so
// that they can be printed with source snippets.
type DiagError struct {
	Diags hcl.Diagnostics
	Files map[string]*hcl.File
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

// Source says where the config comes from and what it is evaluated with.
type Source struct {
	// Config is the top config file. With a manifest directory, a
	// relative path is inside it.
	Config string
	// ManifestDir is the manifest directory, if one is given: a local
	// directory, or the checkout of a git manifest at ManifestRef and
	// ManifestCommit.
	ManifestDir    string
	ManifestRef    string
	ManifestCommit string
	// Vars are NAME=VALUE settings from --var flags, in order.
	Vars []string
	// Environ is the environment (os.Environ by default), for
	// ASSEMBLE_VAR_ settings and env().
	Environ []string
	// Remembered are settings an instance kept from its last install.
	Remembered []config.VarSetting
}

// DefaultConfig is the config file used when none is named.
const DefaultConfig = "buildout.hcl"

// ConfigPath returns the path of the top config file.
func (s *Source) ConfigPath() string {
	c := s.Config
	if c == "" {
		c = DefaultConfig
	}
	if s.ManifestDir != "" && !filepath.IsAbs(c) {
		c = filepath.Join(s.ManifestDir, c)
	}
	return c
}

// VarSettings returns the variable settings in increasing precedence:
// remembered, then ASSEMBLE_VAR_ variables (sorted), then --var flags.
func (s *Source) VarSettings() ([]config.VarSetting, error) {
	out := append([]config.VarSetting(nil), s.Remembered...)
	var env []config.VarSetting
	for _, kv := range s.environ() {
		k, v, ok := strings.Cut(kv, "=")
		// An empty ASSEMBLE_VAR_ variable counts as unset, as an empty
		// GOFLAGS does for the go command.
		if name, found := strings.CutPrefix(k, "ASSEMBLE_VAR_"); ok && found && name != "" && v != "" {
			env = append(env, config.VarSetting{Name: name, Value: v, Source: k})
		}
	}
	sort.Slice(env, func(i, j int) bool { return env[i].Name < env[j].Name })
	out = append(out, env...)
	for _, kv := range s.Vars {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, &UsageError{Err: fmt.Errorf("--var %s: want NAME=VALUE", kv)}
		}
		out = append(out, config.VarSetting{Name: k, Value: v, Source: "--var"})
	}
	return out, nil
}

func (s *Source) environ() []string {
	if s.Environ != nil {
		return s.Environ
	}
	return os.Environ()
}

func (s *Source) lookupEnv(name string) (string, bool) {
	for i := len(s.environ()) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(s.environ()[i], "="); ok && k == name {
			return v, true
		}
	}
	return "", false
}

// Evaluate loads the config and evaluates it for instance in (which may
// be unknown) with the resolved Go modules in mods (which may be nil).
// Errors come back as a *DiagError; warnings come back in the result's
// diagnostics either way.
func (s *Source) Evaluate(in recipes.Instance, mods map[string]*recipes.GoModule) (*config.Result, hcl.Diagnostics, error) {
	cfg, diags := config.Load(s.ConfigPath())
	if cfg == nil || diags.HasErrors() {
		return nil, diags, s.diagError(cfg, diags)
	}
	vars, err := s.VarSettings()
	if err != nil {
		return nil, diags, err
	}
	m := config.Manifest{Ref: s.ManifestRef, Commit: s.ManifestCommit}
	if s.ManifestDir != "" {
		m.Dir, _ = filepath.Abs(s.ManifestDir)
	}
	res, ediags := config.Evaluate(cfg, config.EvalOptions{
		Instance:  in,
		Manifest:  m,
		Vars:      vars,
		Go:        mods,
		LookupEnv: s.lookupEnv,
	})
	diags = append(diags, ediags...)
	if diags.HasErrors() {
		return res, diags, s.diagError(cfg, diags)
	}
	return res, diags, nil
}

func (s *Source) diagError(cfg *config.Config, diags hcl.Diagnostics) error {
	e := &DiagError{Diags: diags}
	if cfg != nil {
		e.Files = cfg.HCLFiles
	}
	return e
}
