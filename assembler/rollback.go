package assembler

import (
	"context"
	"fmt"
	"os/user"
	"slices"
	"strings"

	"github.com/assemble-build/assemble/assembler/apply"
	"github.com/assemble-build/assemble/assembler/config"
	"github.com/assemble-build/assemble/assembler/instance"
	"github.com/assemble-build/assemble/assembler/plan"
	"github.com/assemble-build/assemble/recipes/recipe"
)

// Rollback switches an instance to an earlier revision, rev or the one
// before the current, and applies that revision's parts again: the files
// of the parts that differ are installed from the revision's own record
// and manifest snapshot, and its activation steps run. The instance
// remembers what it remembered; the next install evaluates the config
// again.
func Rollback(ctx context.Context, opts *Options, rev string) (*Report, error) {
	return withInstance(ctx, opts, "rollback", func(s *session) (*Report, error) {
		target, err := s.rollbackTarget(rev)
		if err != nil {
			return nil, err
		}
		rec, err := plan.ReadRecord(s.in.Revision(target), opts.Recipes, recipe.NewInstance(s.in.Name, s.in.Dir))
		if err != nil {
			return nil, fmt.Errorf("revision %s: %w", target, err)
		}
		p := plan.FromRecord(s.in, s.st, rec)
		rep := s.report(p, nil, nil)
		if rep.UpToDate {
			return rep, nil
		}
		acct, err := s.account(ctx, rec.User, rec.Group, nil)
		if err != nil {
			return nil, err
		}
		next := &instance.State{Time: now(), Manifest: s.st.Manifest, Config: s.st.Config, Vars: s.st.Vars, KeepRevisions: s.keepRevisions(),
			User: rec.User, Group: rec.Group, CreatedUsers: s.created(acct)}
		e := &instance.Event{Action: "rollback", Manifest: s.st.Manifest}
		if e.Manifest == "" {
			e.Manifest = s.st.Config
		}
		if u, err := user.Current(); err == nil {
			e.User = u.Username
		}
		run := &apply.Run{Instance: s.in, State: s.st, Plan: p, Recipes: opts.Recipes, Store: s.store(),
			Next: next, Event: e, Offline: opts.Offline, Funcs: config.TemplateFuncs(), Progress: opts.Progress, Account: acct}
		err = apply.Apply(ctx, run)
		rep.Warnings = append(rep.Warnings, run.Warnings...)
		return rep, err
	})
}

// keepRevisions is how many revisions the instance keeps, for commands
// that do not read the config.
func (s *session) keepRevisions() int {
	if s.st.KeepRevisions > 0 {
		return s.st.KeepRevisions
	}
	return 5
}

// rollbackTarget finds the revision to roll back to: rev, which may be a
// unique prefix, else the revision the current one replaced.
func (s *session) rollbackTarget(rev string) (string, error) {
	revs, err := s.in.Revisions()
	if err != nil {
		return "", err
	}
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
		return "", &UsageError{Err: fmt.Errorf("instance %s has no revision %s; it has %s", s.in.Name, rev, strings.Join(revs, ", "))}
	}
	cur := s.in.CurrentRevision()
	events, err := s.in.History()
	if err != nil {
		return "", err
	}
	for i := len(events) - 1; i >= 0; i-- {
		if e := events[i]; e.Revision == cur && e.Previous != "" && e.Previous != cur && slices.Contains(revs, e.Previous) {
			return e.Previous, nil
		}
	}
	for i := len(revs) - 1; i >= 0; i-- {
		if revs[i] != cur {
			return revs[i], nil
		}
	}
	return "", fmt.Errorf("instance %s has no earlier revision to roll back to", s.in.Name)
}
