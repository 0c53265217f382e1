package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/assemble-build/assemble/assembler"
	"github.com/assemble-build/assemble/assembler/plan"
)

func newRollback(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "rollback NAME [REV]",
		Short: "Switch an instance back to an earlier revision",
		Long: `rollback switches the instance NAME to revision REV (a unique prefix is
enough), else to the revision the current one replaced, and applies that
revision's parts again from its own record and manifest snapshot: files that
differ are written back, and its activation steps run. The next install
evaluates the config again.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 1 || len(args) > 2 {
				return usageError{fmt.Errorf("rollback takes an instance name and optionally a revision")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			rev := ""
			if len(args) == 2 {
				rev = args[1]
			}
			rep, err := assembler.Rollback(context.Background(), g.options(args[0]), rev)
			g.done()
			if err != nil {
				return err
			}
			printWarnings(g, rep.Warnings)
			fmt.Fprintf(g.stdout, "instance %s: back at revision %s (from %s; %d reinstalled, %d removed, %d kept)\n",
				rep.Instance, rep.Revision, rep.Previous, rep.Count(plan.Install)+rep.Count(plan.Reinstall), rep.Count(plan.Remove), rep.Count(plan.Keep))
			return nil
		},
	}
}
