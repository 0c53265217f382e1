// Package source settles where a command's inputs come from: the root of
// the instances, the manifest, the top config file and the variables.
// Each is taken from the first place that has it, in this order:
//
//	flag > environment > what the instance remembers > default
//
// The order is decided here and nowhere else, so that every command
// agrees (docs/cli.md shows it as a table).
package source

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/assemble-build/assemble/assembler/config"
	"github.com/assemble-build/assemble/assembler/instance"
	"github.com/assemble-build/assemble/assembler/manifest"
	"github.com/assemble-build/assemble/recipes/recipe"
)

// DefaultConfig is the config file used when none is named.
const DefaultConfig = "buildout.hcl"

// Flags are what the command line says; empty means not said.
type Flags struct {
	Root     string
	Manifest string // a directory, or a git URL#ref
	Config   string
	Vars     []string // NAME=VALUE, in order
	Sets     []string // part.NAME.OPTION=VALUE, in order
	// NoDefaults ignores the user's defaults file (--no-defaults).
	NoDefaults bool
}

// UsageError is a mistake in how the command was called, such as a
// malformed --var.
type UsageError struct {
	Err error
	// Hint, when set, says what to do instead of pointing at --help.
	Hint string
}

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Root returns the directory instances live under: the flag, else
// ASSEMBLE_ROOT, else $XDG_DATA_HOME/assemble, else
// ~/.local/share/assemble.
func Root(flag string, environ []string) string {
	env := envMap(environ)
	switch {
	case flag != "":
		return flag
	case env["ASSEMBLE_ROOT"] != "":
		return env["ASSEMBLE_ROOT"]
	case env["XDG_DATA_HOME"] != "":
		return filepath.Join(env["XDG_DATA_HOME"], "assemble")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "assemble")
	}
	return filepath.Join(home, ".local", "share", "assemble")
}

// Source is where a config comes from and what it is evaluated with.
type Source struct {
	// Manifest is the manifest as given: a directory or a git URL#ref;
	// empty for none (the config is a file of its own).
	Manifest string
	// Config is the top config file, relative to the manifest when there
	// is one.
	Config string
	// Environ is the environment, for ASSEMBLE_VAR_ settings and env().
	Environ []string

	flagVars   []string
	flagSets   []string
	noDefaults bool
	remembered []config.VarSetting
	sets       []config.OptionSetting // remembered
	opened     *manifest.Manifest
}

// New settles what the flags and the environment say.
func New(f Flags, environ []string) *Source {
	env := envMap(environ)
	s := &Source{Manifest: f.Manifest, Config: f.Config, Environ: environ, flagVars: f.Vars, flagSets: f.Sets, noDefaults: f.NoDefaults}
	if s.Manifest == "" {
		s.Manifest = env["ASSEMBLE_MANIFEST"]
	}
	if s.Config == "" {
		s.Config = env["ASSEMBLE_CONFIG"]
	}
	return s
}

// Remember fills in what the flags and the environment left unsaid from
// what the instance remembers of its last install. A remembered config
// path inside a manifest applies to another manifest too; a remembered
// file of its own does not.
func (s *Source) Remember(st *instance.State) {
	otherManifest := s.Manifest != ""
	if s.Manifest == "" {
		s.Manifest = st.Manifest
	}
	if s.Config == "" && (!otherManifest || !filepath.IsAbs(st.Config)) {
		s.Config = st.Config
	}
	s.remembered = nil
	for _, v := range st.Vars {
		s.remembered = append(s.remembered, config.VarSetting{Name: v.Name, Value: v.Value, Source: "instance"})
	}
	s.sets = nil
	for _, v := range st.Sets {
		if set, err := config.ParseSet(v.Name+"="+v.Value, "instance"); err == nil {
			s.sets = append(s.sets, set)
		}
	}
}

// SetSettings returns the option settings in increasing precedence:
// remembered, then --set flags.
func (s *Source) SetSettings() ([]config.OptionSetting, error) {
	out := append([]config.OptionSetting(nil), s.sets...)
	for _, text := range s.flagSets {
		set, err := config.ParseSet(text, "--set")
		if err != nil {
			return nil, &UsageError{Err: err}
		}
		out = append(out, set)
	}
	return out, nil
}

// Open opens the manifest, fetching a git one into cache (see package
// manifest).
func (s *Source) Open(ctx context.Context, cache string, offline bool) error {
	if s.Manifest == "" {
		return nil
	}
	m, err := manifest.Open(ctx, s.Manifest, cache, offline)
	if err != nil {
		return config.Errorf("Cannot open the manifest", err.Error())
	}
	s.opened, s.Manifest = m, m.Spec
	return nil
}

// Absolute makes a config path outside a manifest absolute, for an
// instance to remember where its config is whatever the directory the
// next command runs in.
func (s *Source) Absolute() error {
	if s.opened != nil {
		return nil
	}
	c := s.Config
	if c == "" {
		c = DefaultConfig
	}
	abs, err := filepath.Abs(c)
	if err != nil {
		return err
	}
	s.Config = abs
	return nil
}

// Opened returns the manifest Open opened, or nil when the config is a
// file of its own.
func (s *Source) Opened() *manifest.Manifest { return s.opened }

// ConfigPath returns the path of the top config file.
func (s *Source) ConfigPath() string {
	c := s.Config
	if c == "" {
		c = DefaultConfig
	}
	if s.opened != nil && !filepath.IsAbs(c) {
		c = filepath.Join(s.opened.Dir, c)
	}
	return c
}

// VarSettings returns the variable settings in increasing precedence:
// remembered, then ASSEMBLE_VAR_ variables (sorted), then --var flags.
func (s *Source) VarSettings() ([]config.VarSetting, error) {
	out := append([]config.VarSetting(nil), s.remembered...)
	var env []config.VarSetting
	for _, kv := range s.Environ {
		k, v, ok := strings.Cut(kv, "=")
		// An empty ASSEMBLE_VAR_ variable counts as unset, as an empty
		// GOFLAGS does for the go command.
		if name, found := strings.CutPrefix(k, "ASSEMBLE_VAR_"); ok && found && name != "" && v != "" {
			env = append(env, config.VarSetting{Name: name, Value: v, Source: k})
		}
	}
	sort.Slice(env, func(i, j int) bool { return env[i].Name < env[j].Name })
	out = append(out, env...)
	for _, kv := range s.flagVars {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, &UsageError{Err: fmt.Errorf("--var %s: want NAME=VALUE", kv)}
		}
		out = append(out, config.VarSetting{Name: k, Value: v, Source: "--var"})
	}
	return out, nil
}

// LookupEnv reads the environment the way env() in a config does: the
// last setting of name wins.
func (s *Source) LookupEnv(name string) (string, bool) {
	for i := len(s.Environ) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(s.Environ[i], "="); ok && k == name {
			return v, true
		}
	}
	return "", false
}

// Evaluate loads the config and evaluates it for instance in (which may
// be unknown) with the recipes of reg and the modules resolution found
// for each part (mods may be nil). Errors come back as a
// *config.DiagError; warnings come back in the diagnostics either way.
func (s *Source) Evaluate(in recipe.Instance, reg recipe.Registry, mods map[string]*recipe.Module, deferred func(string) bool) (*config.Result, hcl.Diagnostics, error) {
	max, err := s.maxConfigSize()
	if err != nil {
		return nil, nil, err
	}
	cfg, diags := (&config.Loader{MaxSize: max, Defaults: s.Defaults()}).Load(s.ConfigPath())
	if cfg == nil || diags.HasErrors() {
		return nil, diags, config.NewDiagError(cfg, diags)
	}
	vars, err := s.VarSettings()
	if err != nil {
		return nil, diags, err
	}
	sets, err := s.SetSettings()
	if err != nil {
		return nil, diags, err
	}
	m := config.Manifest{}
	if s.opened != nil {
		m = config.Manifest{Dir: s.opened.Dir, Ref: s.opened.Ref, Commit: s.opened.Commit}
	}
	res, ediags := config.Evaluate(cfg, config.EvalOptions{
		Instance:  in,
		Manifest:  m,
		Vars:      vars,
		Sets:      sets,
		Recipes:   reg,
		Defer:     deferred,
		Modules:   mods,
		LookupEnv: s.LookupEnv,
	})
	diags = append(diags, ediags...)
	if diags.HasErrors() {
		return res, diags, config.NewDiagError(cfg, diags)
	}
	return res, diags, nil
}

// Defaults returns the user's defaults file, applied under every config
// with the lowest precedence, as zc.buildout's ~/.buildout/default.cfg:
// $ASSEMBLE_DEFAULTS when set (empty for none), else
// $XDG_CONFIG_HOME/assemble/defaults.hcl (~/.config/assemble/…) when it
// exists; "" with --no-defaults.
func (s *Source) Defaults() string {
	if s.noDefaults {
		return ""
	}
	env := envMap(s.Environ)
	if v, ok := env["ASSEMBLE_DEFAULTS"]; ok {
		return v
	}
	dir := env["XDG_CONFIG_HOME"]
	if !filepath.IsAbs(dir) {
		if !filepath.IsAbs(env["HOME"]) {
			return ""
		}
		dir = filepath.Join(env["HOME"], ".config")
	}
	path := filepath.Join(dir, "assemble", "defaults.hcl")
	if _, err := os.Stat(path); err != nil {
		return ""
	}
	return path
}

// maxConfigSize is ASSEMBLE_MAX_CONFIG_SIZE, the most bytes a config
// file may hold, or 0 for the loader's default.
func (s *Source) maxConfigSize() (int, error) {
	v, ok := s.LookupEnv("ASSEMBLE_MAX_CONFIG_SIZE")
	if !ok || v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, &UsageError{Err: fmt.Errorf("ASSEMBLE_MAX_CONFIG_SIZE=%s: want a number of bytes", v)}
	}
	return n, nil
}

func envMap(environ []string) map[string]string {
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}
