package assembler

import (
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
	User     string            `json:"user,omitempty"`
	Steps    []Step            `json:"parts"`
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
	return rep
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
