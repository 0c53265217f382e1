package assembler

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/assemble-build/assemble/assembler/config"
	"github.com/assemble-build/assemble/assembler/instance"
	"github.com/assemble-build/assemble/assembler/overlay"
)

// Status describes an instance.
type Status struct {
	Instance    string                `json:"instance"`
	Dir         string                `json:"dir"`
	Revision    string                `json:"revision"`
	Installed   time.Time             `json:"installed"`
	Manifest    string                `json:"manifest,omitempty"`
	Config      string                `json:"config,omitempty"`
	Vars        []instance.VarSetting `json:"vars,omitempty"`
	Parts       []PartStatus          `json:"parts"`
	Overlays    []OverlayStatus       `json:"overlays,omitempty"`
	Revisions   []string              `json:"revisions"`
	Locked      *instance.Holder      `json:"locked,omitempty"`
	Interrupted bool                  `json:"interrupted,omitempty"`
}

// PartStatus is an installed part and whether what it made is intact.
type PartStatus struct {
	Name   string `json:"name"`
	Recipe string `json:"recipe"`
	State  string `json:"state"` // installed, edited, missing
	Detail string `json:"detail,omitempty"`
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
// lock and changes nothing.
func GetStatus(ctx context.Context, root, name string) (*Status, error) {
	in, err := instance.Open(root, name)
	if err != nil {
		return nil, &UsageError{Err: err}
	}
	if !in.Exists() {
		return nil, noInstance(in)
	}
	st, err := in.LoadState()
	if err != nil {
		return nil, err
	}
	s := &Status{Instance: name, Dir: in.Dir, Revision: in.CurrentRevision(), Installed: st.Time,
		Manifest: st.Manifest, Config: st.Config, Vars: st.Vars, Locked: in.Holder(), Interrupted: exists(in.JournalPath())}
	for i := range st.Parts {
		p := &st.Parts[i]
		ps := PartStatus{Name: p.Name, Recipe: p.Recipe, State: "installed"}
		for _, x := range p.Paths {
			if _, err := os.Lstat(x.Path); err != nil {
				ps.State, ps.Detail = "missing", x.Path+" is missing"
				break
			}
			if edited(x) {
				ps.State, ps.Detail = "edited", x.Path+" was edited after assemble wrote it"
			}
		}
		s.Parts = append(s.Parts, ps)
	}
	ovs, _, err := overlay.Scan(in.Local())
	if err != nil {
		return nil, err
	}
	for _, o := range ovs {
		commit, dirty := overlay.VCS(ctx, o.Dir)
		s.Overlays = append(s.Overlays, OverlayStatus{Module: o.Module, Dir: o.Dir, Commit: commit, Dirty: dirty, Hash: o.Hash})
	}
	if s.Revisions, err = in.Revisions(); err != nil {
		return nil, err
	}
	return s, nil
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
		in, err := instance.Open(root, n)
		if err != nil {
			continue
		}
		st, err := in.LoadState()
		if err != nil {
			return nil, err
		}
		m := st.Manifest
		if m == "" {
			m = st.Config
		}
		out = append(out, Summary{Name: n, Revision: in.CurrentRevision(), Installed: st.Time, Manifest: m, Parts: len(st.Parts)})
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

// GCReport says what gc removed.
type GCReport struct {
	Revisions []string `json:"revisions"`
	Store     []string `json:"store"`
}

// GC removes an instance's revisions beyond the newest keep (never the
// current one), then the store entries that no revision of any instance
// of the root uses and that have not been used for a day.
func GC(ctx context.Context, opts *Options, keep int) (*GCReport, error) {
	if keep < 1 {
		return nil, &UsageError{Err: fmt.Errorf("--keep must be 1 or more")}
	}
	rep := &GCReport{}
	_, err := withInstance(ctx, opts, "gc", func(r *run) (*Report, error) {
		removed, err := r.pruneRevisions(keep)
		rep.Revisions = removed
		if err != nil {
			return nil, err
		}
		used, err := usedStoreKeys(r.in.Root)
		if err != nil {
			return nil, err
		}
		rep.Store, err = r.store.Prune(used, 24*time.Hour)
		return nil, err
	})
	return rep, err
}

// usedStoreKeys lists the store entries the revisions of every instance
// under root use.
func usedStoreKeys(root string) (map[string]bool, error) {
	used := map[string]bool{}
	matches, err := filepath.Glob(filepath.Join(root, "instances", "*", "code", "*", "parts.json"))
	if err != nil {
		return nil, err
	}
	for _, m := range matches {
		data, err := os.ReadFile(m)
		if err != nil {
			continue
		}
		var pr plannedRevision
		if err := json.Unmarshal(data, &pr); err != nil {
			// An unreadable record might name anything: keep every entry.
			return nil, fmt.Errorf("%s: %v; not pruning the store", m, err)
		}
		for _, p := range pr.Parts {
			if p.Store != "" {
				used[p.Store] = true
			}
		}
	}
	return used, nil
}

// Remove uninstalls an instance's parts (keeping files their users
// edited) and deletes the instance. Developer checkouts in code/local are
// never deleted silently: with checkouts there, Remove refuses unless
// deleteCheckouts is set. A checkout that is a symlink is only unlinked.
func Remove(ctx context.Context, opts *Options, deleteCheckouts bool) ([]string, error) {
	var warnings []string
	_, err := withInstance(ctx, opts, "remove", func(r *run) (*Report, error) {
		entries, _ := os.ReadDir(r.in.Local())
		var real []string
		for _, e := range entries {
			if e.Type()&os.ModeSymlink == 0 {
				real = append(real, filepath.Join(r.in.Local(), e.Name()))
			}
		}
		if len(real) > 0 && !deleteCheckouts {
			return nil, &UsageError{Err: fmt.Errorf("instance %s has developer checkouts: %s; move them out, or pass --delete-checkouts", r.in.Name, strings.Join(real, ", "))}
		}
		// Parts may have written outside the instance; take those back.
		for i := len(r.st.Parts) - 1; i >= 0; i-- {
			p := &r.st.Parts[i]
			for j := len(p.Paths) - 1; j >= 0; j-- {
				x := p.Paths[j]
				if config.Within(r.in.Dir, x.Path) {
					continue
				}
				if edited(x) {
					warnings = append(warnings, fmt.Sprintf("left %s in place: it was edited after assemble wrote it", x.Path))
					continue
				}
				if x.Kind == "dir" {
					os.Remove(x.Path)
				} else {
					os.RemoveAll(x.Path)
				}
			}
		}
		for _, e := range entries {
			if e.Type()&os.ModeSymlink != 0 {
				os.Remove(filepath.Join(r.in.Local(), e.Name()))
			}
		}
		makeWritable(r.in.Dir)
		return nil, os.RemoveAll(r.in.Dir)
	})
	return warnings, err
}

func makeWritable(dir string) {
	_ = filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.IsDir() && fi.Mode()&os.ModeSymlink == 0 {
			_ = os.Chmod(p, 0o755)
		}
		return nil
	})
}

func noInstance(in *instance.Instance) error {
	return &UsageError{Err: fmt.Errorf("no instance %s under %s", in.Name, in.Root),
		Hint: "'assemble list' shows the instances there; --root or ASSEMBLE_ROOT chooses another root."}
}
