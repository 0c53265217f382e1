package assembler

import (
	"context"
	"fmt"

	"github.com/assemble-build/assemble/assembler/apply"
	"github.com/assemble-build/assemble/assembler/plan"
	"github.com/assemble-build/assemble/assembler/source"
)

// Install brings an instance up to date with its config: it settles
// where the config comes from, stops there if no input changed, else
// evaluates the config with versions resolved, plans, and applies the
// plan: a new revision, the parts that changed, the switch, the
// activation.
func Install(ctx context.Context, opts *Options) (*Report, error) {
	return withInstance(ctx, opts, opts.action(), func(s *session) (*Report, error) {
		src, ovs, err := s.inputs(ctx)
		if err != nil {
			return nil, err
		}
		// A lock to check against is checked, however little changed.
		if !opts.Newest && opts.LockFile == "" && plan.Unchanged(ctx, s.in, s.st, src, ovs) {
			return s.unchanged(ovs), nil
		}
		ev, err := s.evaluate(ctx, src, ovs)
		if err != nil {
			return nil, err
		}
		defer ev.Close()
		p := plan.New(s.in, s.st, ev.Config)
		rep := s.report(p, ev, ovs)
		run, err := s.run(ctx, p, src, ev, ovs)
		if err != nil {
			return nil, err
		}
		if rep.UpToDate {
			err = apply.Update(ctx, run)
		} else {
			err = apply.Apply(ctx, run)
		}
		rep.Warnings = append(rep.Warnings, run.Warnings...)
		return rep, err
	})
}

// Plan says what Install would do, changing nothing.
func Plan(ctx context.Context, opts *Options) (*Report, error) {
	s, err := look(opts)
	if err != nil {
		return nil, err
	}
	// An instance that does not exist remembers no config: without one
	// named, the name is more likely wrong than the instance new.
	if src := source.New(opts.Flags, opts.Environ); !s.in.Exists() && src.Manifest == "" && src.Config == "" {
		return nil, &UsageError{Err: fmt.Errorf("no instance %s under %s", s.in.Name, s.in.Root),
			Hint: "'assemble plan NAME -c CONFIG' plans a new instance; 'assemble list' shows the instances there."}
	}
	src, ovs, err := s.inputs(ctx)
	if err != nil {
		return nil, err
	}
	ev, err := s.evaluate(ctx, src, ovs)
	if err != nil {
		return nil, err
	}
	defer ev.Close()
	return s.report(plan.New(s.in, s.st, ev.Config), ev, ovs), nil
}
