package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/assemble-build/assemble/assembler"
)

func newPlan(g *globals) *cobra.Command {
	var offline, newest bool
	cmd := &cobra.Command{
		Use:   "plan NAME",
		Short: "Show what install would do to each part, and why",
		Long: `plan evaluates the config and resolves versions as install would, and shows,
for each part, whether install would keep, install, reinstall (and why) or
remove it, the modules whose version would change, and the overlays it
would build with. It changes nothing. --newest previews an upgrade: the
newest versions the constraints allow, and the parts they rebuild.`,
		Args: exactArgs(1, "one instance name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts := g.options(args[0])
			opts.Offline, opts.Newest = offline, newest
			rep, err := assembler.Plan(context.Background(), opts)
			g.done()
			if err != nil {
				return err
			}
			printWarnings(g, rep.Warnings)
			if g.json {
				return writeJSON(g.stdout, rep)
			}
			from := rep.Previous
			if from == "" {
				from = "nothing"
			}
			fmt.Fprintf(g.stdout, "instance %s: revision %s, from %s\n", rep.Instance, rep.Revision, from)
			if rep.User != "" {
				fmt.Fprintf(g.stdout, "  runs as user %s (made if missing)\n", rep.User)
			}
			tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
			for _, s := range rep.Steps {
				reason := s.Reason
				if s.Outside {
					reason = strings.TrimPrefix(reason+"; writes outside the instance", "; ")
				}
				fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", s.Action, s.Part, s.Recipe, reason)
			}
			tw.Flush()
			writeVersionChanges(g.stdout, rep)
			writeOverlays(g.stdout, rep)
			return nil
		},
	}
	cmd.Flags().BoolVar(&g.json, "json", false, "print JSON")
	cmd.Flags().BoolVar(&offline, "offline", false, "work from the module cache alone")
	cmd.Flags().BoolVar(&newest, "newest", false, "preview an upgrade: the newest versions the constraints allow")
	return cmd
}

func writeVersionChanges(w io.Writer, rep *assembler.Report) {
	if len(rep.Versions) == 0 {
		return
	}
	fmt.Fprintln(w, "versions:")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, v := range rep.Versions {
		from, to := cmp.Or(v.From, "(new)"), cmp.Or(v.To, "(gone)")
		fmt.Fprintf(tw, "  %s\t%s\t→ %s\n", v.Path, from, to)
	}
	tw.Flush()
}

func writeOverlays(w io.Writer, rep *assembler.Report) {
	if len(rep.Overlays) == 0 {
		return
	}
	fmt.Fprintln(w, "overlays:")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, o := range rep.Overlays {
		fmt.Fprintf(tw, "  %s\t%s\n", o.Module, o.Dir)
	}
	tw.Flush()
}
