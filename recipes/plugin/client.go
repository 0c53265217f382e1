package plugin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"sort"
	"time"

	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/assemble-build/assemble/recipes/recipe"
)

// Timeouts: a program that does not answer is killed, and its part
// fails, rather than hang the install.
var (
	// QuickTimeout bounds the calls made while the config is evaluated:
	// specs, checks, outputs.
	QuickTimeout = 30 * time.Second
	// StepTimeout bounds a step: install, activate, a backup…
	StepTimeout = time.Hour
)

// Program is a recipe program assemble runs.
type Program struct {
	path    string
	sum     string // hex
	client  *goplugin.Client
	remote  *remote
	recipes []recipe.Recipe
}

// remote is the program's side of the connection.
type remote struct {
	broker *goplugin.GRPCBroker
	conn   *grpc.ClientConn
}

// Open starts the recipe program at path, whose sha256 must be sum, and
// asks it for its recipes. What it writes on stderr goes to logs. Close
// kills it.
func Open(ctx context.Context, path string, sum []byte, logs io.Writer) (*Program, error) {
	cmd := exec.Command(path)
	cmd.SysProcAttr = childAttr()
	client := goplugin.NewClient(&goplugin.ClientConfig{
		HandshakeConfig:  Handshake,
		Plugins:          goplugin.PluginSet{pluginName: &grpcPlugin{}},
		Cmd:              cmd,
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		SecureConfig:     &goplugin.SecureConfig{Checksum: sum, Hash: sha256.New()},
		StartTimeout:     QuickTimeout,
		// What the program writes on stdout and stderr (which go-plugin
		// streams) goes to logs as it is; of go-plugin's own messages,
		// only warnings and errors.
		SyncStdout: logs,
		SyncStderr: logs,
		Stderr:     logs,
		Logger:     hclog.New(&hclog.LoggerOptions{Name: "recipe", Output: logs, Level: hclog.Warn}),
	})
	p := &Program{path: path, sum: hex.EncodeToString(sum), client: client}
	rpc, err := client.Client()
	if err != nil {
		client.Kill()
		return nil, p.fail(err)
	}
	raw, err := rpc.Dispense(pluginName)
	if err != nil {
		client.Kill()
		return nil, p.fail(err)
	}
	p.remote = raw.(*remote)
	if err := p.loadSpecs(ctx); err != nil {
		client.Kill()
		return nil, err
	}
	return p, nil
}

// loadSpecs asks for the recipes the program serves.
func (p *Program) loadSpecs(ctx context.Context) error {
	var specs []*wireSpec
	if err := p.invoke(ctx, QuickTimeout, &call{Method: "specs"}, &specs); err != nil {
		return err
	}
	sort.Slice(specs, func(i, j int) bool { return specs[i].Name < specs[j].Name })
	for _, w := range specs {
		spec, err := w.decode()
		if err != nil {
			return p.fail(fmt.Errorf("%w: recipe %s: %v", ErrProtocol, w.Name, err))
		}
		steps := map[string]bool{}
		for _, s := range w.Steps {
			steps[s] = true
		}
		p.recipes = append(p.recipes, &remoteRecipe{prog: p, name: spec.Name, spec: spec, steps: steps})
	}
	return nil
}

// Recipes returns the recipes the program serves, sorted by name.
func (p *Program) Recipes() []recipe.Recipe { return p.recipes }

// Recipe returns the program's recipe called name, under the name as,
// which its spec then gives: the name a config knows it by. It is nil
// when the program serves no such recipe.
func (p *Program) Recipe(name, as string) recipe.Recipe {
	for _, r := range p.recipes {
		if rr := r.(*remoteRecipe); rr.name == name {
			spec := *rr.spec
			spec.Name = as
			return &remoteRecipe{prog: p, name: name, spec: &spec, steps: rr.steps}
		}
	}
	return nil
}

// Close kills the program.
func (p *Program) Close() { p.client.Kill() }

// invoke makes a call to the program within timeout.
func (p *Program) invoke(ctx context.Context, timeout time.Duration, c *call, result any) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := invoke(ctx, p.remote.conn, recipesService, c, result)
	var re *remoteError
	if err == nil || errors.As(err, &re) {
		return err
	}
	if ctx.Err() == context.DeadlineExceeded {
		p.client.Kill()
		return fmt.Errorf("recipe program %s: no answer to %s within %v; it was stopped", p.path, c.Method, timeout)
	}
	return p.fail(err)
}

// fail says what went wrong with the program itself. A program that
// died breaks the connection a moment before go-plugin sees it exit.
func (p *Program) fail(err error) error {
	for i := 0; i < 20 && !p.client.Exited(); i++ {
		time.Sleep(25 * time.Millisecond)
	}
	if p.client.Exited() {
		return fmt.Errorf("recipe program %s exited: %w", p.path, err)
	}
	return fmt.Errorf("recipe program %s: %w", p.path, err)
}
