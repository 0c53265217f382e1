package apply

import (
	"context"
	"os"
	"path/filepath"
	"sync"

	"github.com/assemble-build/assemble/assembler/plan"
	"github.com/assemble-build/assemble/recipes/recipe"
)

// Rebuilt is what Rebuild made.
type Rebuilt struct {
	// Entries are the store entries built, by key, in the store's
	// temporary directories: the caller puts them in place or discards
	// them.
	Entries map[string]string
	// Failed are the parts that could not be built again, with why.
	Failed map[string]error
}

// Rebuild installs the parts of r.Plan that install into the revision
// again, into dir instead, a revision directory of its own, with their
// store entries built anew rather than reused: what verify compares an
// installed revision with. It writes nothing else.
func Rebuild(ctx context.Context, r *Run, dir string) (*Rebuilt, error) {
	if err := r.openLog(); err != nil {
		return nil, err
	}
	defer r.closeLog()
	if err := os.MkdirAll(filepath.Join(dir, "bin"), 0o755); err != nil {
		return nil, err
	}
	// The go.mod of an overlaid build reaches the checkout as
	// ../../local/NAME, as from a revision.
	if err := os.Symlink(filepath.Join("..", "local"), filepath.Join(dir, "local")); err != nil {
		return nil, err
	}
	out := &Rebuilt{Entries: map[string]string{}, Failed: map[string]error{}}
	built := &sync.Map{}
	var work []*plan.Part
	for _, p := range r.Plan.Parts {
		if p.Recipe.Spec().InRevision {
			work = append(work, p)
		}
	}
	for _, unit := range units(work, func(*plan.Part) bool { return true }) {
		hosts := make([]*host, len(unit))
		for i, p := range unit {
			hosts[i] = r.host(p, nil, dir, "verify")
			hosts[i].built = built
		}
		if err := install(ctx, unit, hosts); err != nil {
			for _, p := range unit {
				out.Failed[p.Part.Name] = err
			}
		}
	}
	built.Range(func(k, v any) bool {
		out.Entries[k.(string)] = v.(string)
		return true
	})
	return out, ctx.Err()
}

// CheckCaches runs the verify step of each part of r.Plan whose recipe
// has one (recipe.Verifier): what they found and the parts that failed
// to check or repair, by part, and how many parts it checked.
func CheckCaches(ctx context.Context, r *Run, repair bool) (found map[string][]recipe.Finding, failed map[string]error, n int) {
	found, failed = map[string][]recipe.Finding{}, map[string]error{}
	for _, p := range r.Plan.Parts {
		v, ok := p.Recipe.(recipe.Verifier)
		if !ok {
			continue
		}
		n++
		h := r.host(p, nil, r.Instance.Revision(r.Plan.Revision), "verify")
		f, err := v.Verify(ctx, p.Part, h, repair)
		if len(f) > 0 {
			found[p.Part.Name] = f
		}
		if err != nil {
			failed[p.Part.Name] = err
		}
	}
	return found, failed, n
}
