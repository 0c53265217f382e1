package plan

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/assemble-build/assemble/assembler/instance"
	"github.com/assemble-build/assemble/recipes/recipe"
)

// fake is a recipe of the tests' own: content and source options, and
// as its fields say, a part that installs into the revision, an update
// step, or a module.
type fake struct {
	name       string
	inRevision bool
	updates    bool
	module     bool
}

func (f fake) Spec() *recipe.Spec {
	return &recipe.Spec{Name: f.name, InRevision: f.inRevision, Options: []recipe.Option{
		{Name: "content", Type: cty.String},
		{Name: "source", Type: cty.String, Path: recipe.SourcePath},
	}}
}
func (fake) Check(*recipe.Part) []recipe.Problem                      { return nil }
func (fake) Outputs(*recipe.Part) (map[string]cty.Value, error)       { return nil, nil }
func (fake) Install(context.Context, *recipe.Part, recipe.Host) error { return nil }
func (f fake) Updates(*recipe.Part) bool                              { return f.updates }
func (fake) Update(context.Context, *recipe.Part, recipe.Host) error  { return nil }
func (fake) Wants(*recipe.Part) *recipe.Want                          { return nil }
func (f fake) StoreKey(p *recipe.Part) string                         { return "key-" + p.Module.Key }

// part makes a planned part of recipe r with the given content, module
// key and source file, digested.
func part(name string, r fake, content, module, source string) *Part {
	p := &recipe.Part{Name: name, Recipe: r.name, Options: map[string]cty.Value{
		"content": cty.StringVal(content), "source": cty.NullVal(cty.String)}}
	if source != "" {
		p.Options["source"] = cty.StringVal(source)
	}
	pp := &Part{Part: p, Recipe: r}
	if r.module {
		p.Module = &recipe.Module{Key: module}
		pp.StoreKey = r.StoreKey(p)
	}
	pp.Digest, pp.Hashes = digest(pp)
	return pp
}

// installed records pp as installed, having made paths.
func installed(pp *Part, paths ...string) instance.PartState {
	ps := instance.PartState{Name: pp.Part.Name, Recipe: pp.Part.Recipe, Digest: pp.Digest, Options: EncodeHashes(pp.Hashes)}
	for _, p := range paths {
		ps.Paths = append(ps.Paths, instance.Path{Path: p, Kind: "file"})
	}
	return ps
}

func TestActions(t *testing.T) {
	dir := t.TempDir()
	there := filepath.Join(dir, "there")
	os.WriteFile(there, []byte("x"), 0o644)
	tmpl := filepath.Join(dir, "t.tmpl")
	os.WriteFile(tmpl, []byte("v1"), 0o644)
	file, build, cmd := fake{name: "file"}, fake{name: "build", inRevision: true, module: true}, fake{name: "cmd", updates: true}

	before := []*Part{
		part("kept", file, "a", "", ""),
		part("edited", file, "a", "", ""),
		part("recipe", cmd, "a", "", ""),
		part("lost", file, "a", "", ""),
		part("bin", build, "a", "m1", ""),
		part("tmpl", file, "a", "", tmpl),
		part("update", cmd, "a", "", ""),
		part("gone1", file, "a", "", ""),
		part("gone2", file, "a", "", ""),
	}
	st := &instance.State{}
	for _, pp := range before {
		paths := []string{there}
		if pp.Part.Name == "lost" {
			paths = append(paths, filepath.Join(dir, "missing"))
		}
		st.Parts = append(st.Parts, installed(pp, paths...))
	}
	os.WriteFile(tmpl, []byte("v2"), 0o644)
	now := []*Part{
		part("kept", file, "a", "", ""),
		part("edited", file, "b", "", ""),
		part("recipe", file, "a", "", ""),
		part("lost", file, "a", "", ""),
		part("bin", build, "a", "m2", ""),
		part("tmpl", file, "a", "", tmpl),
		part("update", cmd, "a", "", ""),
		part("new", file, "a", "", ""),
	}
	for _, built := range []bool{false, true} {
		in, _ := instance.Open(t.TempDir(), "i")
		p := &Plan{Revision: "r1", Parts: now}
		if built {
			os.MkdirAll(in.Revision("r1"), 0o755)
			os.WriteFile(filepath.Join(in.Revision("r1"), RecordFile), nil, 0o644)
		}
		p.compare(in, st)
		want := []struct {
			action        Action
			reason        string
			runs, updates bool
		}{
			{Keep, "", false, false},
			{Reinstall, "content changed", true, false},
			{Reinstall, "recipe changed from cmd", true, false},
			{Reinstall, filepath.Join(dir, "missing") + " is missing", true, false},
			{Reinstall, "its modules changed", true, false},
			{Reinstall, "source changed", true, false},
			{Keep, "", false, true},
			{Install, "new part", true, false},
		}
		if built {
			want[4] = struct {
				action        Action
				reason        string
				runs, updates bool
			}{Reuse, "built in revision r1", false, false}
		}
		for i, w := range want {
			pp := p.Parts[i]
			if pp.Action != w.action || pp.Reason != w.reason || p.Runs(pp) != w.runs || p.Updates(pp) != w.updates {
				t.Errorf("built=%v: %s: %s %q runs=%v updates=%v, want %s %q runs=%v updates=%v", built, pp.Part.Name,
					pp.Action, pp.Reason, p.Runs(pp), p.Updates(pp), w.action, w.reason, w.runs, w.updates)
			}
		}
		if len(p.Gone) != 2 || p.Gone[0].Name != "gone2" || p.Gone[1].Name != "gone1" {
			t.Errorf("gone = %v, want gone2, gone1: the reverse of their install order", p.Gone)
		}
	}
}

// TestKeptInRevision checks that a kept part that installs into the
// revision installs into a revision being built, and not into one built.
func TestKeptInRevision(t *testing.T) {
	build := fake{name: "build", inRevision: true, module: true}
	pp := part("bin", build, "a", "m", "")
	st := &instance.State{Parts: []instance.PartState{installed(pp)}}
	in, _ := instance.Open(t.TempDir(), "i")
	p := &Plan{Revision: "r", Parts: []*Part{pp}}
	p.compare(in, st)
	if pp.Action != Keep || !p.Runs(pp) {
		t.Errorf("in a new revision: %s, runs %v", pp.Action, p.Runs(pp))
	}
	if p.UpToDate(in, st) {
		t.Error("up to date, with no revision")
	}
	p.Built = true
	if p.Runs(pp) {
		t.Error("runs in a revision that holds it already")
	}
}

func TestRecordRoundTrip(t *testing.T) {
	dir := t.TempDir()
	tmpl := filepath.Join(dir, "t.tmpl")
	os.WriteFile(tmpl, []byte("v1"), 0o644)
	reg := recipe.Registry{"file": fake{name: "file"}, "build": fake{name: "build", inRevision: true, module: true}}
	p := &Plan{Revision: "r1", Parts: []*Part{
		part("a", fake{name: "file"}, "hello\n", "", tmpl),
		part("b", fake{name: "build", inRevision: true, module: true}, "x", "m", ""),
	}}
	p.Parts[1].Deps, p.Parts[1].Outside = []string{"a"}, true
	snap := map[string]string{tmpl: "/rev/manifest/t.tmpl"}
	data, err := p.Encode("i", time.Unix(0, 0).UTC(), snap)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, RecordFile), data, 0o644); err != nil {
		t.Fatal(err)
	}
	rec, err := ReadRecord(dir, reg, recipe.NewInstance("i", "/srv/i"))
	if err != nil {
		t.Fatal(err)
	}
	a, b := rec.Parts[0], rec.Parts[1]
	if got := a.Part.String("source"); got != "/rev/manifest/t.tmpl" {
		t.Errorf("source read back as %q, want the snapshot's copy", got)
	}
	if a.Part.String("content") != "hello\n" || a.Digest != p.Parts[0].Digest || a.Hashes["content"] != p.Parts[0].Hashes["content"] {
		t.Errorf("part a read back as %+v", a)
	}
	if b.StoreKey != "key-m" || len(b.Deps) != 1 || !b.Outside || !b.Part.Options["source"].IsNull() {
		t.Errorf("part b read back as %+v", b)
	}
	keys, err := StoreKeys(dir)
	if err != nil || len(keys) != 1 || keys[0] != "key-m" {
		t.Errorf("StoreKeys = %v, %v", keys, err)
	}
	if _, err := ReadRecord(dir, recipe.Registry{}, recipe.Instance{}); err == nil {
		t.Error("a record naming recipes the registry lacks reads")
	}
}
