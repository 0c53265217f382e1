package source

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/assemble-build/assemble/assembler/instance"
)

func TestRoot(t *testing.T) {
	home, _ := os.UserHomeDir()
	for _, tt := range []struct {
		name, flag string
		env        []string
		want       string
	}{
		{"flag wins", "/f", []string{"ASSEMBLE_ROOT=/e", "XDG_DATA_HOME=/x"}, "/f"},
		{"environment", "", []string{"ASSEMBLE_ROOT=/e", "XDG_DATA_HOME=/x"}, "/e"},
		{"XDG", "", []string{"XDG_DATA_HOME=/x"}, "/x/assemble"},
		{"empty variables count as unset", "", []string{"ASSEMBLE_ROOT=", "XDG_DATA_HOME="}, filepath.Join(home, ".local", "share", "assemble")},
		{"default", "", nil, filepath.Join(home, ".local", "share", "assemble")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := Root(tt.flag, tt.env); got != tt.want {
				t.Errorf("Root = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestSettle checks the order a setting is taken in: flag, environment,
// what the instance remembers, default.
func TestSettle(t *testing.T) {
	remembered := &instance.State{Manifest: "/srv/manifest", Config: "prod.hcl",
		Vars: []instance.VarSetting{{Name: "port", Value: "8000", Source: "--var"}}}
	ownFile := &instance.State{Config: "/home/me/buildout.hcl"}
	for _, tt := range []struct {
		name     string
		flags    Flags
		env      []string
		st       *instance.State
		manifest string
		config   string
		vars     string // name=value(source) in order of precedence
	}{
		{"flags", Flags{Manifest: "/m", Config: "c.hcl", Vars: []string{"port=1"}}, []string{"ASSEMBLE_MANIFEST=/e", "ASSEMBLE_CONFIG=e.hcl"}, remembered,
			"/m", "c.hcl", "port=8000(instance) port=1(--var)"},
		{"environment", Flags{}, []string{"ASSEMBLE_MANIFEST=/e", "ASSEMBLE_CONFIG=e.hcl", "ASSEMBLE_VAR_port=2"}, remembered,
			"/e", "e.hcl", "port=8000(instance) port=2(ASSEMBLE_VAR_port)"},
		{"remembered", Flags{}, nil, remembered, "/srv/manifest", "prod.hcl", "port=8000(instance)"},
		{"a config in a manifest applies to another manifest", Flags{Manifest: "/other"}, nil, remembered, "/other", "prod.hcl", "port=8000(instance)"},
		{"a file of its own does not", Flags{Manifest: "/other"}, nil, ownFile, "/other", "", ""},
		{"nothing", Flags{}, nil, &instance.State{}, "", "", ""},
		{"empty ASSEMBLE_VAR_ counts as unset", Flags{}, []string{"ASSEMBLE_VAR_port="}, &instance.State{}, "", "", ""},
		{"flags in order", Flags{Vars: []string{"b=1", "a=2", "b=3"}}, []string{"ASSEMBLE_VAR_b=0", "ASSEMBLE_VAR_a=0"}, &instance.State{}, "", "",
			"a=0(ASSEMBLE_VAR_a) b=0(ASSEMBLE_VAR_b) b=1(--var) a=2(--var) b=3(--var)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := New(tt.flags, tt.env)
			s.Remember(tt.st)
			if s.Manifest != tt.manifest || s.Config != tt.config {
				t.Errorf("manifest, config = %q, %q, want %q, %q", s.Manifest, s.Config, tt.manifest, tt.config)
			}
			vars, err := s.VarSettings()
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, v := range vars {
				got = append(got, v.Name+"="+v.Value+"("+v.Source+")")
			}
			if g := strings.Join(got, " "); g != tt.vars {
				t.Errorf("variables %q, want %q", g, tt.vars)
			}
		})
	}
}

func TestBadVar(t *testing.T) {
	for _, v := range []string{"novalue", "=1"} {
		_, err := New(Flags{Vars: []string{v}}, nil).VarSettings()
		var ue *UsageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), "want NAME=VALUE") {
			t.Errorf("--var %s: %v, want a usage error", v, err)
		}
	}
}

func TestLookupEnv(t *testing.T) {
	s := New(Flags{}, []string{"A=1", "B=", "A=2"})
	for _, tt := range []struct {
		name, want string
		ok         bool
	}{{"A", "2", true}, {"B", "", true}, {"C", "", false}} {
		if v, ok := s.LookupEnv(tt.name); v != tt.want || ok != tt.ok {
			t.Errorf("LookupEnv(%s) = %q, %v", tt.name, v, ok)
		}
	}
}

// TestConfigPath checks that a relative config is found inside an opened
// manifest, and made absolute otherwise, for the instance to remember.
func TestConfigPath(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s := New(Flags{Manifest: dir, Config: "sub/prod.hcl"}, nil)
	if err := s.Open(ctx, t.TempDir(), true); err != nil {
		t.Fatal(err)
	}
	if err := s.Absolute(); err != nil {
		t.Fatal(err)
	}
	if got, want := s.ConfigPath(), filepath.Join(dir, "sub", "prod.hcl"); got != want {
		t.Errorf("in a manifest: %q, want %q", got, want)
	}
	if s.Config != "sub/prod.hcl" {
		t.Errorf("in a manifest, the config is remembered as %q, want it relative", s.Config)
	}

	s = New(Flags{}, nil)
	if err := s.Open(ctx, t.TempDir(), true); err != nil {
		t.Fatal(err)
	}
	if s.ConfigPath() != DefaultConfig {
		t.Errorf("before Absolute: %q", s.ConfigPath())
	}
	if err := s.Absolute(); err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	if got, want := s.ConfigPath(), filepath.Join(wd, DefaultConfig); got != want {
		t.Errorf("default: %q, want %q", got, want)
	}

	err := New(Flags{Manifest: filepath.Join(dir, "missing")}, nil).Open(ctx, t.TempDir(), true)
	if err == nil || !strings.Contains(err.Error(), "Cannot open the manifest") {
		t.Errorf("a missing manifest: %v", err)
	}
}
