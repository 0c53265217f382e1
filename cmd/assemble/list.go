package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/assemble-build/assemble/assembler"
)

func newList(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the instances under the root",
		Long: `list shows every instance under the root (--root, else ASSEMBLE_ROOT):
its current revision, when that was installed, how many parts it has and
the config it was installed from.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			list, err := assembler.List(g.root())
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(g.stdout, list)
			}
			tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tREVISION\tINSTALLED\tPARTS\tCONFIG")
			for _, s := range list {
				t := "-"
				if !s.Installed.IsZero() {
					t = s.Installed.Local().Format("2006-01-02 15:04")
				}
				rev := s.Revision
				if rev == "" {
					rev = "-"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", s.Name, rev, t, s.Parts, s.Manifest)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
