package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/assemble-build/assemble/assembler"
)

func newRestore(g *globals) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "restore ARCHIVE [NAME]",
		Short: "Recreate an instance from a backup",
		Long: `restore recreates an instance from an archive assemble backup wrote, as
NAME, or under the name it was backed up under.

The archive is checked against its manifest before anything is used. The
instance is installed from the archive's manifest snapshot (kept in its
.assemble/manifest), with the module versions of the archive's lock,
checked against it; under the same name with its variables too. Then its
etc/ and var/ are put back (but the files its parts wrote, which the
install wrote anew), its databases loaded back, and only then do its
activation steps run: services start on the restored data.

Under another name (staging from production's backup) the instance has
its own variables' defaults: its own database, ports and units. --var
sets them as install does.

An instance of that name is refused, unless --force: then it is backed up
under the root's backups/ directory first, and removed.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 1 || len(args) > 2 {
				return usageError{fmt.Errorf("restore takes an archive and, optionally, an instance name")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			name := ""
			if len(args) == 2 {
				name = args[1]
			}
			rep, err := assembler.Restore(context.Background(), g.options(name), args[0], force)
			g.done()
			if rep != nil && rep.Replaced != "" {
				fmt.Fprintf(g.stdout, "instance %s backed up to %s before it was replaced\n", rep.Instance, rep.Replaced)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "instance %s: restored from revision %s of instance %s (%d files put back, %d databases loaded)\n",
				rep.Instance, rep.Revision, rep.From, rep.Files, len(rep.Dumps))
			return nil
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "replace an instance of that name, after backing it up")
	return cmd
}
