package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/assemble-build/assemble/recipes/recipe"
)

// Serve serves recipes to assemble, and returns when assemble is done
// with them. It is all a recipe program's main does. Run by hand, the
// program says what it is for and exits.
func Serve(recipes ...recipe.Recipe) {
	if os.Getenv(Handshake.MagicCookieKey) != Handshake.MagicCookieValue {
		fmt.Fprintf(os.Stderr, "This program serves assemble recipes (%s); assemble runs it for the parts that name them.\n", recipeNames(recipes))
		os.Exit(1)
	}
	byName := map[string]recipe.Recipe{}
	for _, r := range recipes {
		byName[r.Spec().Name] = r
	}
	goplugin.Serve(&goplugin.ServeConfig{
		HandshakeConfig: Handshake,
		Plugins:         goplugin.PluginSet{pluginName: &grpcPlugin{recipes: byName}},
		GRPCServer:      goplugin.DefaultGRPCServer,
	})
}

func recipeNames(rs []recipe.Recipe) string {
	s := ""
	for i, r := range rs {
		if i > 0 {
			s += ", "
		}
		s += r.Spec().Name
	}
	return s
}

// grpcPlugin is the go-plugin plugin both sides declare.
type grpcPlugin struct {
	goplugin.NetRPCUnsupportedPlugin
	recipes map[string]recipe.Recipe // the program's; nil in assemble
}

func (p *grpcPlugin) GRPCServer(broker *goplugin.GRPCBroker, s *grpc.Server) error {
	s.RegisterService(serviceDesc(recipesService), &server{recipes: p.recipes, broker: broker})
	return nil
}

func (p *grpcPlugin) GRPCClient(ctx context.Context, broker *goplugin.GRPCBroker, conn *grpc.ClientConn) (any, error) {
	return &remote{broker: broker, conn: conn}, nil
}

// server answers assemble's calls in a recipe program.
type server struct {
	recipes map[string]recipe.Recipe
	broker  *goplugin.GRPCBroker
}

func (s *server) handle(ctx context.Context, c *call) (any, error) {
	if c.Method == "specs" {
		return s.specs()
	}
	r, ok := s.recipes[c.Recipe]
	if !ok {
		return nil, fmt.Errorf("%w: no recipe %q here", ErrProtocol, c.Recipe)
	}
	if c.Part == nil {
		return nil, fmt.Errorf("%w: %s without a part", ErrProtocol, c.Method)
	}
	p, err := c.Part.decode()
	if err != nil {
		return nil, err
	}
	switch c.Method {
	case "check":
		return r.Check(p), nil
	case "outputs":
		out, err := r.Outputs(p)
		if err != nil {
			return nil, err
		}
		return encodeValues(out)
	case "updates":
		u, ok := r.(recipe.Updater)
		return ok && u.Updates(p), nil
	}
	conn, err := s.broker.Dial(c.Host)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	return nil, step(ctx, r, c, p, &remoteHost{conn: conn})
}

// specs describes every recipe the program serves, and its steps.
func (s *server) specs() ([]*wireSpec, error) {
	var out []*wireSpec
	for _, r := range s.recipes {
		w, err := encodeSpec(r.Spec(), steps(r))
		if err != nil {
			return nil, fmt.Errorf("recipe %s: %w", r.Spec().Name, err)
		}
		out = append(out, w)
	}
	return out, nil
}

// steps lists the optional steps recipe r has.
func steps(r recipe.Recipe) []string {
	var out []string
	for name, has := range map[string]bool{
		stepUpdate: is[recipe.Updater](r), stepActivate: is[recipe.Activator](r), stepDeactivate: is[recipe.Deactivator](r),
		stepRemove: is[recipe.Remover](r), stepBackup: is[recipe.Backer](r), stepRestore: is[recipe.Restorer](r),
	} {
		if has {
			out = append(out, name)
		}
	}
	return out
}

func is[T any](r recipe.Recipe) bool {
	_, ok := r.(T)
	return ok
}

// step runs a step of r for part p with host h.
func step(ctx context.Context, r recipe.Recipe, c *call, p *recipe.Part, h recipe.Host) error {
	var dir string
	if c.Method == stepBackup || c.Method == stepRestore {
		if err := json.Unmarshal(c.Args, &dir); err != nil {
			return fmt.Errorf("%w: %s: %v", ErrProtocol, c.Method, err)
		}
	}
	switch c.Method {
	case "install":
		return r.Install(ctx, p, h)
	case stepUpdate:
		if u, ok := r.(recipe.Updater); ok {
			return u.Update(ctx, p, h)
		}
	case stepActivate:
		if a, ok := r.(recipe.Activator); ok {
			return a.Activate(ctx, p, h)
		}
	case stepDeactivate:
		if d, ok := r.(recipe.Deactivator); ok {
			return d.Deactivate(ctx, p, h)
		}
	case stepBackup:
		if b, ok := r.(recipe.Backer); ok {
			return b.Backup(ctx, p, h, dir)
		}
	case stepRestore:
		if rs, ok := r.(recipe.Restorer); ok {
			return rs.Restore(ctx, p, h, dir)
		}
	case stepRemove:
		if rm, ok := r.(recipe.Remover); ok {
			remaining, err := decodeParts(c.Args)
			if err != nil {
				return err
			}
			return rm.Remove(ctx, p, h, remaining)
		}
	}
	return fmt.Errorf("%w: recipe %s has no %s step", ErrProtocol, c.Recipe, c.Method)
}

func decodeParts(data json.RawMessage) ([]*recipe.Part, error) {
	var wire []*wirePart
	if err := json.Unmarshal(data, &wire); err != nil {
		return nil, fmt.Errorf("%w: remove: %v", ErrProtocol, err)
	}
	var parts []*recipe.Part
	for _, w := range wire {
		p, err := w.decode()
		if err != nil {
			return nil, err
		}
		parts = append(parts, p)
	}
	return parts, nil
}
