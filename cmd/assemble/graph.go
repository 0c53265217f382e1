package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/assemble-build/assemble/assembler"
)

func newGraph(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "graph",
		Short: "Print the part dependency graph as DOT",
		Long: `graph prints the parts and the references between them in Graphviz DOT.
An edge A -> B means part A refers to part B (or names it in depends_on), so
B is installed first; the edge's label names A's attributes that refer to B.
Parts that will not be installed are drawn dashed.

  assemble graph -c buildout.hcl | dot -Tsvg > parts.svg`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			res, diags, err := assembler.Evaluate(context.Background(), g.options(""))
			g.done()
			if err != nil {
				return err
			}
			writeDiags(g.stderr, diags, res.Config.HCLFiles)
			installed := map[string]bool{}
			for _, p := range res.Parts {
				installed[p.Name] = true
			}
			var b strings.Builder
			b.WriteString("digraph assemble {\n\tnode [shape=box];\n")
			for _, blk := range res.Config.Parts {
				names, ok := res.Groups[blk.Name] // the parts a for_each made
				if !ok {
					names = []string{blk.Name}
				}
				for _, name := range names {
					p := res.All[name]
					style := ""
					recipe := "disabled"
					if p != nil {
						recipe = p.Part.Recipe
					}
					if !installed[name] {
						style = ", style=dashed"
					}
					fmt.Fprintf(&b, "\t%q [label=%q%s];\n", name, name+"\n"+recipe, style)
				}
			}
			for _, e := range res.Graph() {
				fmt.Fprintf(&b, "\t%q -> %q [label=%q];\n", e.From, e.To, strings.Join(e.Attrs, ", "))
			}
			b.WriteString("}\n")
			_, err = fmt.Fprint(g.stdout, b.String())
			return err
		},
	}
}
