package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/assemble-build/assemble/assembler"
	"github.com/assemble-build/assemble/assembler/instance"
)

func newHistory(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "history NAME",
		Short: "Show who installed what, when, from which manifest and overlays",
		Long: `history lists every run that changed the instance NAME, oldest first:
when, by whom, the action (install, upgrade, rollback), the revision it went
to and from, the manifest and its commit, the developer overlays it built
with, and how many parts it installed, reinstalled, removed and kept.`,
		Args: exactArgs(1, "one instance name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			events, err := assembler.History(g.root(), args[0])
			if err != nil {
				return err
			}
			if asJSON {
				if events == nil {
					events = []*instance.Event{}
				}
				return writeJSON(g.stdout, events)
			}
			tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "TIME\tUSER\tACTION\tREVISION\tPREVIOUS\tPARTS\tMANIFEST\tOVERLAYS")
			for _, e := range events {
				prev := e.Previous
				if prev == "" {
					prev = "-"
				}
				m := e.Manifest
				if e.Commit != "" {
					m += "@" + e.Commit[:min(12, len(e.Commit))]
					if e.Dirty {
						m += "+dirty"
					}
				}
				parts := fmt.Sprintf("+%d ~%d -%d =%d", len(e.Parts.Installed), len(e.Parts.Reinstalled), len(e.Parts.Removed), e.Parts.Kept)
				ovs := strings.Join(e.Overlays, " ")
				if ovs == "" {
					ovs = "-"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Time.Local().Format("2006-01-02 15:04:05"), e.User, e.Action, e.Revision, prev, parts, m, ovs)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
