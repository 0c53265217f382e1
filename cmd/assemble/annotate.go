package main

import (
	"context"
	"encoding/json"

	"github.com/spf13/cobra"

	"github.com/assemble-build/assemble/assembler"
)

func newAnnotate(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "annotate",
		Short: "Print the merged config with the origin of every value",
		Long: `annotate prints the merged configuration: every attribute with its value
where it can be known before install, the file and line that set it, and the
definitions it overrode or built on through base (buildout's += and -=).

The output is HCL, with origins as comments. Values that depend on the
instance or on resolved versions are shown as written, marked "known at
install". With --json, the same as a JSON document.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			res, diags, err := assembler.Evaluate(context.Background(), g.options(""))
			g.done()
			if err != nil {
				return err
			}
			writeDiags(g.stderr, diags, res.Config.HCLFiles)
			a := res.Annotate()
			if g.json {
				enc := json.NewEncoder(g.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(a)
			}
			return a.WriteText(g.stdout)
		},
	}
	cmd.Flags().BoolVar(&g.json, "json", false, "print JSON")
	return cmd
}
