package assembler

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/assemble-build/assemble/assembler/apply"
	"github.com/assemble-build/assemble/assembler/config"
	"github.com/assemble-build/assemble/assembler/instance"
	"github.com/assemble-build/assemble/assembler/overlay"
	"github.com/assemble-build/assemble/assembler/source"
	"github.com/assemble-build/assemble/assembler/store"
)

// session is one command's work on an instance: the instance, what it
// has installed, and what the command has to say besides its result.
type session struct {
	opts  *Options
	in    *instance.Instance
	st    *instance.State
	warns []string

	vcsSeen map[string]vcsState // dir → what git said of it, this run
}

// withInstance runs f with the instance held and recovered from any run
// that was cut short. Only install and upgrade create an instance; the
// other commands refuse one that does not exist, and make nothing.
func withInstance(ctx context.Context, opts *Options, action string, f func(s *session) (*Report, error)) (*Report, error) {
	in, err := instance.Open(opts.Root, opts.Name)
	if err != nil {
		return nil, &UsageError{Err: err}
	}
	creates := action == "install" || action == "upgrade"
	fresh := !in.Exists()
	if !creates && fresh {
		return nil, noInstance(in)
	}
	hold, err := in.Acquire(action, 0)
	var busy *instance.BusyError
	if errors.As(err, &busy) && opts.Wait > 0 {
		opts.Progress.Say("%v; waiting up to %v", busy, opts.Wait)
		hold, err = in.Acquire(action, opts.Wait)
	}
	if err != nil {
		return nil, err
	}
	defer hold.Release()
	defer func() {
		// A first install that failed leaves no instance behind.
		if fresh && in.CurrentRevision() == "" {
			in.Discard()
		}
	}()
	if err := in.Create(); err != nil {
		return nil, fmt.Errorf("creating instance %s: %w", in.Name, err)
	}
	r := &apply.Run{Instance: in, Recipes: opts.Recipes, Progress: opts.Progress}
	if err := apply.Recover(ctx, r); err != nil {
		return nil, fmt.Errorf("finishing the run that was cut short: %w", err)
	}
	st, err := in.LoadState()
	if err != nil {
		return nil, err
	}
	return f(&session{opts: opts, in: in, st: st, warns: r.Warnings})
}

// inputs settles where the config comes from and finds the developer
// overlays.
func (s *session) inputs(ctx context.Context) (*source.Source, []overlay.Overlay, error) {
	src := source.New(s.opts.Flags, s.opts.Environ)
	src.Remember(s.st)
	if err := src.Open(ctx, filepath.Join(s.in.Root, "cache", "manifests"), s.opts.Offline); err != nil {
		return nil, nil, err
	}
	if err := src.Absolute(); err != nil {
		return nil, nil, err
	}
	ovs, skipped, err := overlay.Scan(s.in.Local())
	if err != nil {
		return nil, nil, config.Errorf("Invalid overlay", err.Error())
	}
	for _, sk := range skipped {
		s.warns = append(s.warns, "not an overlay: "+sk)
	}
	return src, ovs, nil
}

func (s *session) store() *store.Store {
	return &store.Store{Dir: filepath.Join(s.in.Root, "store")}
}

func noInstance(in *instance.Instance) error {
	return &UsageError{Err: fmt.Errorf("no instance %s under %s", in.Name, in.Root),
		Hint: "'assemble list' shows the instances there; --root or ASSEMBLE_ROOT chooses another root."}
}
