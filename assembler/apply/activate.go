package apply

import (
	"context"
	"fmt"

	"github.com/assemble-build/assemble/assembler/plan"
	"github.com/assemble-build/assemble/recipes/recipe"
)

// activate runs the activation steps of revision rev's parts, in order,
// once the instance has switched to it.
func (r *Run) activate(ctx context.Context, rev string) error {
	parts, err := r.revisionParts(rev)
	if err != nil {
		return fmt.Errorf("%w: activating revision %s: %w", ErrBuild, rev, err)
	}
	changed := r.changed()
	for _, p := range parts {
		a, ok := p.Recipe.(recipe.Activator)
		if !ok {
			continue
		}
		h := r.host(p, nil, r.Instance.Revision(rev), "activate")
		h.changed = changed == nil || changed[p.Part.Name]
		if err := a.Activate(ctx, p.Part, h); err != nil {
			return fmt.Errorf("%w: activating revision %s: %w", ErrBuild, rev, err)
		}
	}
	return nil
}

// deactivate runs the deactivation steps of the parts of revision from
// that revision to does not hold (every part when to is ""), the last
// installed first.
func (r *Run) deactivate(ctx context.Context, from, to string) error {
	gone, _, err := r.gone(from, to)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBuild, err)
	}
	for _, p := range gone {
		if d, ok := p.Recipe.(recipe.Deactivator); ok {
			h := r.host(p, nil, r.Instance.Revision(from), "deactivate")
			if err := d.Deactivate(ctx, p.Part, h); err != nil {
				return fmt.Errorf("%w: deactivating revision %s: %w", ErrBuild, from, err)
			}
		}
	}
	return nil
}

// retire runs the removal steps of the parts of revision from that
// revision to does not hold, once the switch to it has succeeded: what
// they do (data dropped) cannot be undone. Nothing is left to undo
// either, so a failing step is a warning.
func (r *Run) retire(ctx context.Context, from, to string) {
	gone, remaining, err := r.gone(from, to)
	if err != nil {
		r.warn("%v", err)
		return
	}
	r.remove(ctx, gone, remaining, from)
}

func (r *Run) remove(ctx context.Context, gone []*plan.Part, remaining map[string][]*recipe.Part, rev string) {
	for _, p := range gone {
		if rm, ok := p.Recipe.(recipe.Remover); ok {
			h := r.host(p, nil, r.Instance.Revision(rev), "remove")
			if err := rm.Remove(ctx, p.Part, h, remaining[p.Part.Recipe]); err != nil {
				r.warn("part %s, gone: %v", p.Part.Name, err)
			}
		}
	}
}

// gone returns the parts of revision from that revision to does not hold
// (or holds with another recipe), the last installed first, and the
// parts of to by recipe. Every part is gone when to is "".
func (r *Run) gone(from, to string) ([]*plan.Part, map[string][]*recipe.Part, error) {
	if from == "" || to != "" && r.Plan != nil && r.Plan.Revision == to && !r.mayDeactivate() {
		return nil, nil, nil
	}
	parts, err := r.revisionParts(from)
	if err != nil {
		return nil, nil, fmt.Errorf("revision %s: %w", from, err)
	}
	kept := map[string]bool{}
	remaining := map[string][]*recipe.Part{}
	if to != "" {
		next, err := r.revisionParts(to)
		if err != nil {
			return nil, nil, fmt.Errorf("revision %s: %w", to, err)
		}
		for _, p := range next {
			kept[p.Part.Name] = p.Part.Recipe == recipeOf(parts, p.Part.Name)
			remaining[p.Part.Recipe] = append(remaining[p.Part.Recipe], p.Part)
		}
	}
	var gone []*plan.Part
	for i := len(parts) - 1; i >= 0; i-- {
		if !kept[parts[i].Part.Name] {
			gone = append(gone, parts[i])
		}
	}
	return gone, remaining, nil
}

// mayDeactivate reports whether a part that goes away may have a step,
// to deactivate or to remove it:
// reading a revision's record to find out costs a large instance tens of
// milliseconds, which most installs need not spend.
func (r *Run) mayDeactivate() bool {
	if r.Plan == nil || r.Instance.CurrentRevision() != r.State.Revision {
		return true // the plan does not say what goes away
	}
	steps := func(name string) bool {
		rec, ok := r.Recipes.Lookup(name)
		_, d := rec.(recipe.Deactivator)
		_, rm := rec.(recipe.Remover)
		return !ok || d || rm
	}
	for _, g := range r.Plan.Gone {
		if steps(g.Recipe) {
			return true
		}
	}
	for _, p := range r.Plan.Parts {
		if p.Old != nil && p.Old.Recipe != p.Part.Recipe && steps(p.Old.Recipe) {
			return true
		}
	}
	return false
}

// recipeOf returns the recipe of the part called name among parts.
func recipeOf(parts []*plan.Part, name string) string {
	for _, p := range parts {
		if p.Part.Name == name {
			return p.Part.Recipe
		}
	}
	return ""
}

// changed returns the parts that a switch between the instance's
// revision and the plan's changes: those installed, reinstalled or gone,
// and those that refer to one of them, directly or not. Nil means every
// part: without a plan the run cannot tell.
func (r *Run) changed() map[string]bool {
	if r.Plan == nil {
		return nil
	}
	changed := map[string]bool{}
	for _, p := range r.Plan.Parts {
		// Reuse takes a part's files from another revision: a rollback
		// brings back another binary, and what runs it must restart.
		if p.Action == plan.Install || p.Action == plan.Reinstall || p.Action == plan.Reuse {
			changed[p.Part.Name] = true
		}
	}
	for _, g := range r.Plan.Gone {
		changed[g.Name] = true
	}
	// Parts come in dependency order: what a part refers to is decided
	// before it.
	for _, p := range r.Plan.Parts {
		for _, d := range p.Deps {
			if changed[d] {
				changed[p.Part.Name] = true
			}
		}
	}
	return changed
}

// Deactivate runs the deactivation steps of every part of the instance's
// current revision, the last installed first: the instance is going away.
func Deactivate(ctx context.Context, r *Run) error {
	done, err := r.open()
	if err != nil {
		return err
	}
	defer done()
	return r.deactivate(ctx, r.Instance.CurrentRevision(), "")
}

// Retiring returns the parts of the instance's current revision, read
// while the instance is there, for Retire to run the removal steps of
// once it is gone.
func Retiring(r *Run) ([]*plan.Part, error) {
	gone, _, err := r.gone(r.Instance.CurrentRevision(), "")
	return gone, err
}

// Retire runs the removal steps of parts (from Retiring); what fails is
// in r.Warnings.
func Retire(ctx context.Context, r *Run, parts []*plan.Part) {
	r.remove(ctx, parts, nil, r.Instance.CurrentRevision())
}

// Activate runs the activation steps of every part of the instance's
// current revision, every part taken as changed: services restart.
func Activate(ctx context.Context, r *Run) error {
	done, err := r.open()
	if err != nil {
		return err
	}
	defer done()
	r.Plan = nil // every part has changed
	if err := r.give(); err != nil {
		return err
	}
	return r.activate(ctx, r.Instance.CurrentRevision())
}
