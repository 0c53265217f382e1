package assembler

import (
	"maps"
	"slices"
	"time"

	"github.com/assemble-build/assemble/assembler/evaluate"
	"github.com/assemble-build/assemble/assembler/overlay"
	"github.com/assemble-build/assemble/assembler/plan"
	"github.com/assemble-build/assemble/assembler/resolve"
)

// Step is what a run does, or would do, to one part.
type Step struct {
	Part   string      `json:"part"`
	Recipe string      `json:"recipe"`
	Action plan.Action `json:"action"`
	Reason string      `json:"reason,omitempty"`
	// Outside says the part may write outside the instance
	// (allow_outside_instance).
	Outside bool `json:"outside,omitempty"`
}

// Report says what a run did, or would do.
type Report struct {
	Instance string `json:"instance"`
	Dir      string `json:"dir"`
	Revision string `json:"revision"`
	Previous string `json:"previous,omitempty"`
	UpToDate bool   `json:"up_to_date"`
	// User is the system user the instance runs as, "" for none.
	User  string `json:"user,omitempty"`
	Steps []Step `json:"parts"`
	// Versions are the modules whose version the plan changes.
	Versions []VersionChange   `json:"versions,omitempty"`
	Overlays []overlay.Overlay `json:"overlays,omitempty"`
	Warnings []string          `json:"warnings,omitempty"`
	// Picked are the picked versions, when the config asks to show them.
	Picked []*resolve.Module `json:"-"`
}

// Count returns how many steps have action a; plan.Keep counts the parts
// whose outputs an existing revision already holds (plan.Reuse) too.
func (r *Report) Count(a plan.Action) int {
	n := 0
	for _, s := range r.Steps {
		if s.Action == a || a == plan.Keep && s.Action == plan.Reuse {
			n++
		}
	}
	return n
}

// report describes plan p, made from ev.
func (s *session) report(p *plan.Plan, ev *evaluate.Result, ovs []overlay.Overlay) *Report {
	rep := &Report{Instance: s.in.Name, Dir: s.in.Dir, Revision: p.Revision, Previous: s.in.CurrentRevision(),
		UpToDate: p.UpToDate(s.in, s.st), User: p.User, Overlays: ovs, Warnings: s.warns}
	for _, pp := range p.Parts {
		rep.Steps = append(rep.Steps, Step{Part: pp.Part.Name, Recipe: pp.Part.Recipe, Action: pp.Action, Reason: pp.Reason, Outside: pp.Outside})
	}
	for _, g := range p.Gone {
		rep.Steps = append(rep.Steps, Step{Part: g.Name, Recipe: g.Recipe, Action: plan.Remove, Reason: "no longer in the config"})
	}
	if ev != nil && ev.Config.Settings.ShowPickedVersions {
		rep.Picked = ev.Versions.Unpinned()
	}
	if ev != nil {
		rep.Versions = s.versionChanges(ev)
	}
	return rep
}

// VersionChange is a module whose version a plan changes: From is ""
// for a module new to the instance, To for one it no longer builds.
type VersionChange struct {
	Path string `json:"path"`
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
}

// versionChanges compares the versions ev resolved with those of the
// current revision's lock.
func (s *session) versionChanges(ev *evaluate.Result) []VersionChange {
	old := map[string]string{}
	if cur := s.in.CurrentRevision(); cur != "" {
		if l, err := readLock(s.in.Revision(cur)); err == nil {
			for _, m := range l.Modules {
				old[m.Path] = m.Version
			}
		}
	}
	var out []VersionChange
	for _, m := range ev.Versions.Modules {
		if old[m.Path] != m.Version {
			out = append(out, VersionChange{Path: m.Path, From: old[m.Path], To: m.Version})
		}
		delete(old, m.Path)
	}
	for _, p := range slices.Sorted(maps.Keys(old)) {
		out = append(out, VersionChange{Path: p, From: old[p]})
	}
	return out
}

// unchanged describes an install that found nothing to do.
func (s *session) unchanged(ovs []overlay.Overlay) *Report {
	rev := s.st.Revision
	rep := &Report{Instance: s.in.Name, Dir: s.in.Dir, Revision: rev, Previous: rev, UpToDate: true, Overlays: ovs, Warnings: s.warns}
	for _, p := range s.st.Parts {
		rep.Steps = append(rep.Steps, Step{Part: p.Name, Recipe: p.Recipe, Action: plan.Keep})
	}
	return rep
}

// now is the time the state records, to the second.
func now() time.Time { return time.Now().UTC().Truncate(time.Second) }
