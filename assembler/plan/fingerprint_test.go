package plan

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/assemble-build/assemble/assembler/instance"
	"github.com/assemble-build/assemble/assembler/overlay"
	"github.com/assemble-build/assemble/assembler/source"
)

// TestFingerprint checks what the fingerprint of an install's inputs
// counts, and what it does not.
func TestFingerprint(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "buildout.hcl")
	os.WriteFile(cfg, []byte("a"), 0o644)
	base := func() (*source.Source, []overlay.Overlay, Inputs) {
		src := source.New(source.Flags{Config: cfg, Vars: []string{"port=1"}}, []string{"HOME_ENV=x"})
		return src, []overlay.Overlay{{Module: "m", Name: "m", Hash: "h1"}}, Inputs{Files: []string{cfg}, Env: []string{"HOME_ENV"}}
	}
	ctx := context.Background()
	fp := func(src *source.Source, ovs []overlay.Overlay, in Inputs) string {
		t.Helper()
		f, err := Fingerprint(ctx, &instance.Instance{Dir: "/srv/i"}, src, ovs, in)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	want := fp(base())
	for _, tt := range []struct {
		name    string
		change  func(*source.Source, []overlay.Overlay, *Inputs) (*source.Source, []overlay.Overlay)
		changes bool
	}{
		{"nothing", func(s *source.Source, o []overlay.Overlay, _ *Inputs) (*source.Source, []overlay.Overlay) {
			return s, o
		}, false},
		{"a variable remembered rather than given", func(_ *source.Source, o []overlay.Overlay, _ *Inputs) (*source.Source, []overlay.Overlay) {
			s := source.New(source.Flags{Config: cfg}, []string{"HOME_ENV=x"})
			s.Remember(&instance.State{Vars: []instance.VarSetting{{Name: "port", Value: "1", Source: "--var"}}})
			return s, o
		}, false},
		{"a variable's value", func(_ *source.Source, o []overlay.Overlay, _ *Inputs) (*source.Source, []overlay.Overlay) {
			return source.New(source.Flags{Config: cfg, Vars: []string{"port=2"}}, []string{"HOME_ENV=x"}), o
		}, true},
		{"what env() read", func(_ *source.Source, o []overlay.Overlay, _ *Inputs) (*source.Source, []overlay.Overlay) {
			return source.New(source.Flags{Config: cfg, Vars: []string{"port=1"}}, []string{"HOME_ENV=y"}), o
		}, true},
		{"an overlay's content", func(s *source.Source, o []overlay.Overlay, _ *Inputs) (*source.Source, []overlay.Overlay) {
			return s, []overlay.Overlay{{Module: "m", Name: "m", Hash: "h2"}}
		}, true},
		{"a file's content", func(s *source.Source, o []overlay.Overlay, _ *Inputs) (*source.Source, []overlay.Overlay) {
			os.WriteFile(cfg, []byte("b"), 0o644)
			return s, o
		}, true},
		{"another file read", func(s *source.Source, o []overlay.Overlay, in *Inputs) (*source.Source, []overlay.Overlay) {
			os.WriteFile(cfg, []byte("a"), 0o644)
			in.Files = append(in.Files, filepath.Join(dir, "other"))
			return s, o
		}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src, ovs, in := base()
			src, ovs = tt.change(src, ovs, &in)
			if got := fp(src, ovs, in); (got != want) != tt.changes {
				t.Errorf("fingerprint changed: %v, want %v", got != want, tt.changes)
			}
		})
	}
}
