package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/assemble-build/assemble/assembler"
)

func newRemove(g *globals, stdin io.Reader) *cobra.Command {
	var yes bool
	var ro assembler.RemoveOptions
	cmd := &cobra.Command{
		Use:   "remove NAME",
		Short: "Uninstall and delete an instance",
		Long: `remove uninstalls the parts of the instance NAME (files written outside it are
taken back, unless their users edited them) and deletes the instance with
its data in var/. It asks first, unless --yes. Developer checkouts in
code/local are never deleted silently: remove refuses while there are any,
unless --delete-checkouts; a checkout that is a symlink is only unlinked.
The system user the instance ran as (buildout.user) stays unless
--delete-user, and then only if assemble made it and no other instance
under the root runs as it.`,
		Args: exactArgs(1, "one instance name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts := g.options(args[0])
			if !yes {
				fmt.Fprintf(g.stderr, "Remove instance %s under %s, with its data in var/? [y/N] ", args[0], opts.Root)
				line, _ := bufio.NewReader(stdin).ReadString('\n')
				if a := strings.ToLower(strings.TrimSpace(line)); a != "y" && a != "yes" {
					return fmt.Errorf("not removed")
				}
			}
			warns, err := assembler.Remove(context.Background(), opts, ro)
			g.done()
			printWarnings(g, warns)
			if err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "removed instance %s\n", args[0])
			return nil
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask")
	cmd.Flags().BoolVar(&ro.DeleteCheckouts, "delete-checkouts", false, "delete developer checkouts in code/local too")
	cmd.Flags().BoolVar(&ro.DeleteUser, "delete-user", false, "delete the instance's system user too (root only)")
	return cmd
}
