package plugin

import (
	"context"
	"fmt"
	"time"

	"github.com/zclconf/go-cty/cty"
	"google.golang.org/grpc"

	"github.com/assemble-build/assemble/recipes/recipe"
)

// remoteRecipe is a recipe of a program, as the engine sees it: it has
// every optional step, and one the program's recipe lacks does nothing.
type remoteRecipe struct {
	prog  *Program
	name  string // the program's name for it
	spec  *recipe.Spec
	steps map[string]bool
}

func (r *remoteRecipe) Spec() *recipe.Spec { return r.spec }

// RecipeVersion is the program's sha256: another build of it is another
// recipe.
func (r *remoteRecipe) RecipeVersion() string { return r.prog.sum }

func (r *remoteRecipe) quick(method string, p *recipe.Part, result any) error {
	w, err := encodePart(p)
	if err != nil {
		return err
	}
	return r.prog.invoke(context.Background(), QuickTimeout, &call{Method: method, Recipe: r.name, Part: w}, result)
}

func (r *remoteRecipe) Check(p *recipe.Part) []recipe.Problem {
	var probs []recipe.Problem
	if err := r.quick("check", p, &probs); err != nil {
		return []recipe.Problem{{Summary: "Recipe program failed", Detail: err.Error()}}
	}
	return probs
}

func (r *remoteRecipe) Outputs(p *recipe.Part) (map[string]cty.Value, error) {
	var w map[string]wireValue
	if err := r.quick("outputs", p, &w); err != nil {
		return nil, err
	}
	out, err := decodeValues(w)
	if err != nil {
		return nil, fmt.Errorf("%w: outputs: %v", ErrProtocol, err)
	}
	return out, nil
}

// step runs a step with host h served to the program for its duration.
func (r *remoteRecipe) step(ctx context.Context, method string, p *recipe.Part, h recipe.Host, a any) error {
	w, err := encodePart(p)
	if err != nil {
		return err
	}
	broker := r.prog.remote.broker
	id := broker.NextId()
	served := make(chan *grpc.Server, 1)
	go broker.AcceptAndServe(id, func(opts []grpc.ServerOption) *grpc.Server {
		s := grpc.NewServer(opts...)
		s.RegisterService(serviceDesc(hostService), &hostServer{h: h})
		served <- s
		return s
	})
	// The program dials the host only when it first calls it, and may
	// not at all: stop the server once it has been made, or give up on
	// it once the broker has (it waits five seconds for a dial).
	defer func() {
		go func() {
			select {
			case s := <-served:
				s.Stop()
			case <-time.After(time.Minute):
			}
		}()
	}()
	if err := r.prog.invoke(ctx, StepTimeout, &call{Method: method, Recipe: r.name, Part: w, Host: id, Args: args(a)}, nil); err != nil {
		return fmt.Errorf("part %s: %s: %w", p.Name, method, err)
	}
	return nil
}

func (r *remoteRecipe) Install(ctx context.Context, p *recipe.Part, h recipe.Host) error {
	return r.step(ctx, "install", p, h, nil)
}

func (r *remoteRecipe) Updates(p *recipe.Part) bool {
	if !r.steps[stepUpdate] {
		return false
	}
	var b bool
	return r.quick("updates", p, &b) == nil && b
}

func (r *remoteRecipe) Update(ctx context.Context, p *recipe.Part, h recipe.Host) error {
	return r.maybe(ctx, stepUpdate, p, h, nil)
}

func (r *remoteRecipe) Activate(ctx context.Context, p *recipe.Part, h recipe.Host) error {
	return r.maybe(ctx, stepActivate, p, h, nil)
}

func (r *remoteRecipe) Deactivate(ctx context.Context, p *recipe.Part, h recipe.Host) error {
	return r.maybe(ctx, stepDeactivate, p, h, nil)
}

func (r *remoteRecipe) Remove(ctx context.Context, p *recipe.Part, h recipe.Host, remaining []*recipe.Part) error {
	var wire []*wirePart
	for _, rp := range remaining {
		w, err := encodePart(rp)
		if err != nil {
			return err
		}
		wire = append(wire, w)
	}
	return r.maybe(ctx, stepRemove, p, h, wire)
}

func (r *remoteRecipe) Backup(ctx context.Context, p *recipe.Part, h recipe.Host, dir string) error {
	return r.maybe(ctx, stepBackup, p, h, dir)
}

func (r *remoteRecipe) Restore(ctx context.Context, p *recipe.Part, h recipe.Host, dir string) error {
	return r.maybe(ctx, stepRestore, p, h, dir)
}

// maybe runs a step the program's recipe has, and does nothing for one
// it has not.
func (r *remoteRecipe) maybe(ctx context.Context, method string, p *recipe.Part, h recipe.Host, a any) error {
	if !r.steps[method] {
		return nil
	}
	return r.step(ctx, method, p, h, a)
}
