package assembler

import (
	"context"
	"path/filepath"

	"github.com/hashicorp/hcl/v2"

	"github.com/assemble-build/assemble/assembler/config"
	"github.com/assemble-build/assemble/assembler/evaluate"
	"github.com/assemble-build/assemble/assembler/programs"
	"github.com/assemble-build/assemble/assembler/source"
	"github.com/assemble-build/assemble/assembler/store"
	"github.com/assemble-build/assemble/recipes/recipe"
)

// Evaluate evaluates the config the options name for no instance in
// particular, as annotate and graph show it: values that depend on an
// instance or on resolved versions are unknown. Warnings come back in the
// diagnostics. A config whose parts use recipe programs has their
// modules resolved and the programs run, for their recipes' schemas.
func Evaluate(ctx context.Context, opts *Options) (*config.Result, hcl.Diagnostics, error) {
	src, err := openSource(ctx, opts)
	if err != nil {
		return nil, nil, err
	}
	res, diags, err := src.Evaluate(recipe.Instance{}, opts.Recipes, nil, programs.Named)
	if err != nil || len(res.Deferred) == 0 {
		return res, diags, err
	}
	ev, err := Versions(ctx, opts)
	if err != nil {
		return res, diags, err
	}
	defer ev.Close()
	return src.Evaluate(recipe.Instance{}, ev.Programs.Recipes, nil, nil)
}

// Versions resolves the versions an install of the config the options
// name would use, checked against opts.LockFile if it exists.
func Versions(ctx context.Context, opts *Options) (*evaluate.Result, error) {
	src, err := openSource(ctx, opts)
	if err != nil {
		return nil, err
	}
	eopts := evaluate.Options{Recipes: opts.Recipes, Newest: opts.Newest, Offline: opts.Offline, ReportPicked: true,
		Store: &store.Store{Dir: filepath.Join(opts.Root, "store")}, Logs: &programs.Logs{Say: opts.Progress.Say}}
	if opts.LockFile != "" {
		if eopts.Checks, err = evaluate.ReadLockCheck(opts.LockFile); err != nil {
			return nil, err
		}
	}
	return evaluate.Evaluate(ctx, src, eopts)
}

// openSource settles where the config comes from for a command that works
// on no instance: the flags, else the environment, else the default.
func openSource(ctx context.Context, opts *Options) (*source.Source, error) {
	src := source.New(opts.Flags, opts.Environ)
	if err := src.Open(ctx, filepath.Join(opts.Root, "cache", "manifests"), opts.Offline); err != nil {
		return nil, err
	}
	return src, nil
}
