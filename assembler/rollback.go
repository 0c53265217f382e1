package assembler

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/assemble-build/assemble/assembler/instance"
	"github.com/assemble-build/assemble/recipes"
)

// loadRevision reads the parts of a revision from its parts.json.
func (r *run) loadRevision(rev string) ([]*planned, error) {
	path := filepath.Join(r.in.Revision(rev), "parts.json")
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("revision %s: %w", rev, err)
	}
	var pr plannedRevision
	if err := json.Unmarshal(data, &pr); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	in := recipes.NewInstance(r.in.Name, r.in.Dir)
	var out []*planned
	for _, e := range pr.Parts {
		rec, ok := recipes.Lookup(e.Recipe)
		if !ok {
			return nil, fmt.Errorf("%s: part %s: unknown recipe %s", path, e.Name, e.Recipe)
		}
		ty, err := ctyjson.UnmarshalType(e.Type)
		if err != nil {
			return nil, fmt.Errorf("%s: part %s: %v", path, e.Name, err)
		}
		val, err := ctyjson.Unmarshal(e.Options, ty)
		if err != nil {
			return nil, fmt.Errorf("%s: part %s: %v", path, e.Name, err)
		}
		p := &recipes.Part{Name: e.Name, Recipe: e.Recipe, Options: val.AsValueMap(), Instance: in}
		out = append(out, &planned{part: p, recipe: rec, deps: e.DependsOn, outside: e.Outside,
			digest: e.Digest, optHashes: decodeHashes(e.Hashes), storeKey: e.Store})
	}
	return out, nil
}

// Rollback switches an instance to an earlier revision, REV or the one
// before the current, and applies that revision's parts again: the files
// of the parts that differ are installed from the revision's own record
// and manifest snapshot, and its activation steps run.
func Rollback(ctx context.Context, opts *Options, rev string) (*Report, error) {
	return withInstance(ctx, opts, "rollback", func(r *run) (*Report, error) {
		target, err := r.rollbackTarget(rev)
		if err != nil {
			return nil, err
		}
		parts, err := r.loadRevision(target)
		if err != nil {
			return nil, err
		}
		r.parts, r.rev, r.action = parts, target, "rollback"
		states := make([]*instance.PartState, len(r.st.Parts))
		for i := range r.st.Parts {
			states[i] = &r.st.Parts[i]
		}
		r.missing = missingPaths(states)
		r.diff()
		return r.apply(ctx)
	})
}

// rollbackTarget finds the revision to roll back to: rev, which may be a
// unique prefix, else the revision the current one replaced.
func (r *run) rollbackTarget(rev string) (string, error) {
	revs, err := r.in.Revisions()
	if err != nil {
		return "", err
	}
	cur := r.in.CurrentRevision()
	if rev != "" {
		var found []string
		for _, x := range revs {
			if strings.HasPrefix(x, rev) {
				found = append(found, x)
			}
		}
		switch {
		case len(found) == 1:
			return found[0], nil
		case len(found) > 1:
			return "", &UsageError{Err: fmt.Errorf("revision %s is ambiguous: %s", rev, strings.Join(found, ", "))}
		}
		return "", &UsageError{Err: fmt.Errorf("instance %s has no revision %s; it has %s", r.in.Name, rev, strings.Join(revs, ", "))}
	}
	events, err := r.in.History()
	if err != nil {
		return "", err
	}
	for i := len(events) - 1; i >= 0; i-- {
		if e := events[i]; e.Revision == cur && e.Previous != "" && e.Previous != cur && contains(revs, e.Previous) {
			return e.Previous, nil
		}
	}
	for i := len(revs) - 1; i >= 0; i-- {
		if revs[i] != cur {
			return revs[i], nil
		}
	}
	return "", fmt.Errorf("instance %s has no earlier revision to roll back to", r.in.Name)
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
