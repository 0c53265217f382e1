package assembler

import (
	"context"
	"os"
	"time"

	"github.com/assemble-build/assemble/assembler/apply"
	"github.com/assemble-build/assemble/assembler/instance"
	"github.com/assemble-build/assemble/assembler/lock"
	"github.com/assemble-build/assemble/assembler/overlay"
	"github.com/assemble-build/assemble/assembler/source"
)

// Status describes an instance.
type Status struct {
	Instance  string                `json:"instance"`
	Dir       string                `json:"dir"`
	Revision  string                `json:"revision"`
	Installed time.Time             `json:"installed"`
	Manifest  string                `json:"manifest,omitempty"`
	Config    string                `json:"config,omitempty"`
	Vars      []instance.VarSetting `json:"vars,omitempty"`
	Sets      []instance.VarSetting `json:"sets,omitempty"`
	Parts     []PartStatus          `json:"parts"`
	Overlays  []OverlayStatus       `json:"overlays,omitempty"`
	// Modules are the modules of the current revision's lock, with
	// their versions.
	Modules []ModuleStatus `json:"modules,omitempty"`
	// Revisions are the revisions kept, the one switched to last last.
	Revisions   []string         `json:"revisions"`
	Locked      *instance.Holder `json:"locked,omitempty"`
	Interrupted bool             `json:"interrupted,omitempty"`
}

// PartStatus is an installed part and whether what it made is intact.
type PartStatus struct {
	Name   string `json:"name"`
	Recipe string `json:"recipe"`
	State  string `json:"state"` // installed, edited, missing
	Detail string `json:"detail,omitempty"`
}

// ModuleStatus is a module of the current revision, and the checkout
// that replaced it, if one did.
type ModuleStatus struct {
	Path    string `json:"path"`
	Version string `json:"version"`
	Overlay string `json:"overlay,omitempty"`
}

// OverlayStatus is a developer checkout.
type OverlayStatus struct {
	Module string `json:"module"`
	Dir    string `json:"dir"`
	Commit string `json:"commit,omitempty"`
	Dirty  bool   `json:"dirty,omitempty"`
	Hash   string `json:"hash"`
}

// GetStatus describes the instance called name under root. It takes no
// hold on the instance and changes nothing.
func GetStatus(ctx context.Context, root, name string) (*Status, error) {
	s, err := look(&Options{Root: root, Name: name})
	if err != nil {
		return nil, err
	}
	in, st := s.in, s.st
	if !in.Exists() {
		return nil, noInstance(in)
	}
	_, jerr := os.Stat(in.JournalPath())
	out := &Status{Instance: name, Dir: in.Dir, Revision: in.CurrentRevision(), Installed: st.Time,
		Manifest: st.Manifest, Config: st.Config, Vars: st.Vars, Sets: st.Sets, Locked: in.Holder(), Interrupted: jerr == nil}
	if out.Manifest != "" && out.Config == "" {
		out.Config = source.DefaultConfig
	}
	for _, p := range st.Parts {
		out.Parts = append(out.Parts, partStatus(p))
	}
	ovs, _, err := overlay.Scan(in.Local())
	if err != nil {
		return nil, err
	}
	for _, o := range ovs {
		commit, dirty := overlay.VCS(ctx, o.Dir)
		out.Overlays = append(out.Overlays, OverlayStatus{Module: o.Module, Dir: o.Dir, Commit: commit, Dirty: dirty, Hash: o.Hash})
	}
	if out.Revisions, err = in.Revisions(); err != nil {
		return nil, err
	}
	if out.Revision != "" {
		if l, err := readLock(in.Revision(out.Revision)); err == nil {
			out.Modules = modulesOf(l)
		}
	}
	return out, nil
}

func modulesOf(l *lock.Lock) []ModuleStatus {
	over := map[string]string{}
	for _, o := range l.Overlays {
		over[o.Path] = o.Dir
	}
	var mods []ModuleStatus
	for _, m := range l.Modules {
		mods = append(mods, ModuleStatus{Path: m.Path, Version: m.Version, Overlay: over[m.Path]})
	}
	return mods
}

func partStatus(p instance.PartState) PartStatus {
	ps := PartStatus{Name: p.Name, Recipe: p.Recipe, State: "installed"}
	for _, x := range p.Paths {
		if _, err := os.Lstat(x.Path); err != nil {
			return PartStatus{Name: p.Name, Recipe: p.Recipe, State: "missing", Detail: x.Path + " is missing"}
		}
		if apply.Edited(x) {
			ps.State, ps.Detail = "edited", x.Path+" was edited after assemble wrote it"
		}
	}
	return ps
}

// look opens an existing instance and reads its state, without holding
// it: for the commands that only read.
func look(opts *Options) (*session, error) {
	in, err := instance.Open(opts.Root, opts.Name)
	if err != nil {
		return nil, &UsageError{Err: err}
	}
	st, err := in.LoadState()
	if err != nil {
		return nil, err
	}
	return &session{opts: opts, in: in, st: st}, nil
}

// Summary is a line of assemble list.
type Summary struct {
	Name      string    `json:"name"`
	Revision  string    `json:"revision"`
	Installed time.Time `json:"installed"`
	Manifest  string    `json:"manifest"`
	Parts     int       `json:"parts"`
}

// List describes every instance under root.
func List(root string) ([]Summary, error) {
	names, err := instance.List(root)
	if err != nil {
		return nil, err
	}
	out := []Summary{}
	for _, n := range names {
		s, err := look(&Options{Root: root, Name: n})
		if err != nil {
			return nil, err
		}
		m := s.st.Manifest
		if m == "" {
			m = s.st.Config
		}
		out = append(out, Summary{Name: n, Revision: s.in.CurrentRevision(), Installed: s.st.Time, Manifest: m, Parts: len(s.st.Parts)})
	}
	return out, nil
}

// History returns the events of an instance, oldest first.
func History(root, name string) ([]*instance.Event, error) {
	in, err := instance.Open(root, name)
	if err != nil {
		return nil, &UsageError{Err: err}
	}
	if !in.Exists() {
		return nil, noInstance(in)
	}
	return in.History()
}
