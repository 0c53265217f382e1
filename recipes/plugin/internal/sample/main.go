// Command sample is a recipe program for the tests of package plugin:
// recipe sample.greeting writes a greeting through the host, and can be
// told to crash or to hang.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/assemble-build/assemble/recipes/plugin"
	"github.com/assemble-build/assemble/recipes/recipe"
)

type greeting struct{}

var spec = &recipe.Spec{
	Name: "sample.greeting",
	Doc:  "Writes a greeting.",
	Options: []recipe.Option{
		{Name: "name", Type: cty.String, Required: true, Doc: "whom to greet"},
		{Name: "target", Type: cty.String, Path: recipe.TargetPath, Doc: "where"},
		{Name: "times", Type: cty.Number, Default: cty.NumberIntVal(1), Doc: "how often"},
		{Name: "crash", Type: cty.Bool, Default: cty.False, Doc: "exit during install"},
		{Name: "hang", Type: cty.Bool, Default: cty.False, Doc: "never answer outputs"},
	},
	Outputs: []recipe.Output{{Name: "path", Type: cty.String, Doc: "the file"}},
}

func (greeting) Spec() *recipe.Spec { return spec }

func (greeting) Check(p *recipe.Part) []recipe.Problem {
	if p.String("name") == "nobody" {
		return []recipe.Problem{{Option: "name", Summary: "Nobody to greet", Detail: "name is someone."}}
	}
	return nil
}

func (greeting) Outputs(p *recipe.Part) (map[string]cty.Value, error) {
	if p.Bool("hang") {
		time.Sleep(time.Hour)
	}
	if !p.Known("target") {
		return map[string]cty.Value{"path": cty.UnknownVal(cty.String)}, nil
	}
	return map[string]cty.Value{"path": p.Options["target"]}, nil
}

func (greeting) Install(ctx context.Context, p *recipe.Part, h recipe.Host) error {
	if p.Bool("crash") {
		fmt.Fprintln(os.Stderr, "sample: crashing as told")
		os.Exit(3)
	}
	h.Progress("greeting %s", p.String("name"))
	n, _ := p.Options["times"].AsBigFloat().Int64()
	text := ""
	for range n {
		text += "hello " + p.String("name") + "\n"
	}
	if err := h.WriteFile(p.String("target"), []byte(text), 0o644); err != nil {
		return err
	}
	return h.StageDir(filepath.Join(filepath.Dir(p.String("target")), "tree"), func(dir string) error {
		return os.WriteFile(filepath.Join(dir, "leaf"), []byte("leaf\n"), 0o644)
	})
}

// Activate has the host run a program.
func (greeting) Activate(ctx context.Context, p *recipe.Part, h recipe.Host) error {
	return h.Run(ctx, []string{"true"}, "/", nil)
}

func main() { plugin.Serve(greeting{}) }
