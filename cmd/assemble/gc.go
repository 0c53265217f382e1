package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/assemble-build/assemble/assembler"
)

func newGC(g *globals) *cobra.Command {
	var keep int
	cmd := &cobra.Command{
		Use:   "gc NAME",
		Short: "Remove an instance's old revisions and unused build outputs",
		Long: `gc removes the revisions of the instance NAME beyond the newest --keep,
never the current one, then the entries of the root's build store that no
revision of any instance uses and that nothing has used for a day, and the
go settings and resolutions the root's cache keeps that nothing has used
for a week.`,
		Args: exactArgs(1, "one instance name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			rep, err := assembler.GC(context.Background(), g.options(args[0]), keep)
			g.done()
			if err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "removed %d revisions, %d store entries and %d cached files\n", len(rep.Revisions), len(rep.Store), rep.Cached)
			for _, r := range rep.Revisions {
				fmt.Fprintf(g.stdout, "  revision %s\n", r)
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&keep, "keep", 5, "how many of the newest revisions to keep")
	return cmd
}
