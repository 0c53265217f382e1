package builtin

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/zclconf/go-cty/cty"

	"github.com/assemble-build/assemble/recipes/recipe"
)

// Command runs programs at the phases of a part's life: install (when the
// part is installed or its options change), update (on every install that
// keeps the part), activate (after the instance switches to a revision:
// service restarts, migrations) and backup (before a backup reads it).
type Command struct{}

var commandSpec = &recipe.Spec{
	Name: "command",
	Doc:  "Runs commands (argv lists, no shell) at install, update, activate and backup.",
	Options: []recipe.Option{
		{Name: "install", Type: cty.List(cty.String), Doc: "argv run when the part is installed or reinstalled"},
		{Name: "update", Type: cty.List(cty.String), Doc: "argv run by every install and upgrade that keeps the part"},
		{Name: "activate", Type: cty.List(cty.String), Doc: "argv run after the instance switches to a new revision"},
		{Name: "backup", Type: cty.List(cty.String), Doc: "argv run before a backup reads the instance (flush, checkpoint)"},
		{Name: "env", Type: cty.Map(cty.String), Default: cty.MapValEmpty(cty.String), Doc: "extra environment"},
		{Name: "dir", Type: cty.String, Path: recipe.TargetPath, Doc: "working directory (default: the instance directory)"},
		{Name: "creates", Type: cty.List(cty.String), Default: cty.ListValEmpty(cty.String), Path: recipe.TargetPath, Doc: "paths the install command makes; tracked, and removed on uninstall"},
	},
	Outputs: []recipe.Output{
		{Name: "creates", Type: cty.List(cty.String), Doc: "the tracked paths"},
	},
}

func (Command) Spec() *recipe.Spec { return commandSpec }

func (Command) Check(p *recipe.Part) []recipe.Problem {
	var probs []recipe.Problem
	n := 0
	for _, phase := range []string{"install", "update", "activate", "backup"} {
		v := p.Options[phase]
		if v == cty.NilVal || v.IsNull() {
			continue
		}
		n++
		if v.IsKnown() && v.LengthInt() == 0 {
			probs = append(probs, recipe.Problem{Option: phase, Summary: "Empty command", Detail: "A command is a list whose first element is the program to run."})
		}
	}
	if n == 0 {
		probs = append(probs, recipe.Problem{Summary: "Missing option", Detail: "A command part needs at least one of install, update, activate or backup."})
	}
	return probs
}

func (Command) Outputs(p *recipe.Part) (map[string]cty.Value, error) {
	return map[string]cty.Value{"creates": p.Options["creates"]}, nil
}

// Install runs the install command, then checks and tracks what it was
// declared to make.
func (c Command) Install(ctx context.Context, p *recipe.Part, h recipe.Host) error {
	for _, path := range p.Strings("creates") {
		if err := h.Track(path); err != nil {
			return err
		}
	}
	if err := c.run(ctx, p, h, "install"); err != nil {
		return err
	}
	for _, path := range p.Strings("creates") {
		if _, err := os.Lstat(path); err != nil {
			return fmt.Errorf("part %s: the install command did not make %s, which creates lists", p.Name, path)
		}
	}
	return nil
}

// Updates reports whether the part has an update command.
func (Command) Updates(p *recipe.Part) bool { return len(p.Strings("update")) > 0 }

// Update runs the update command.
func (c Command) Update(ctx context.Context, p *recipe.Part, h recipe.Host) error {
	return c.run(ctx, p, h, "update")
}

// Activate runs the activate command.
func (c Command) Activate(ctx context.Context, p *recipe.Part, h recipe.Host) error {
	return c.run(ctx, p, h, "activate")
}

// Backup runs the backup command; it dumps nothing of its own.
func (c Command) Backup(ctx context.Context, p *recipe.Part, h recipe.Host, dir string) error {
	return c.run(ctx, p, h, "backup")
}

func (Command) run(ctx context.Context, p *recipe.Part, h recipe.Host, phase string) error {
	argv := p.Strings(phase)
	if len(argv) == 0 {
		return nil
	}
	dir := p.String("dir")
	if dir == "" {
		dir = p.Instance.Dir
	}
	h.Progress("running %s", strings.Join(append([]string{filepath.Base(argv[0])}, argv[1:]...), " "))
	if err := h.Run(ctx, argv, dir, p.StringMap("env")); err != nil {
		return fmt.Errorf("part %s: %s command failed: %w", p.Name, phase, err)
	}
	return nil
}
