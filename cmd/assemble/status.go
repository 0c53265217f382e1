package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/assemble-build/assemble/assembler"
)

func newStatus(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status [NAME]",
		Short: "Show an instance's revision, parts and overlays",
		Long: `status shows the instance NAME, or every instance: the current revision,
where its config comes from and the variables it remembers, each part and
whether what it made is intact (installed, edited by hand, missing), the
developer overlays with their VCS state, and the revisions kept.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usageError{fmt.Errorf("status takes at most one instance name")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			names := args
			if len(names) == 0 {
				list, err := assembler.List(g.root())
				if err != nil {
					return err
				}
				for _, s := range list {
					names = append(names, s.Name)
				}
			}
			var all []*assembler.Status
			for _, n := range names {
				s, err := assembler.GetStatus(context.Background(), g.root(), n)
				if err != nil {
					return err
				}
				all = append(all, s)
			}
			if asJSON {
				if len(args) == 1 {
					return writeJSON(g.stdout, all[0])
				}
				if all == nil {
					all = []*assembler.Status{}
				}
				return writeJSON(g.stdout, all)
			}
			for i, s := range all {
				if i > 0 {
					fmt.Fprintln(g.stdout)
				}
				writeStatus(g.stdout, s)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func writeStatus(w io.Writer, s *assembler.Status) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "instance\t%s\n", s.Instance)
	fmt.Fprintf(tw, "directory\t%s\n", s.Dir)
	rev := s.Revision
	if rev == "" {
		rev = "none"
	} else if !s.Installed.IsZero() {
		rev += " (installed " + s.Installed.Local().Format("2006-01-02 15:04") + ")"
	}
	fmt.Fprintf(tw, "revision\t%s\n", rev)
	cfg := s.Config
	if s.Manifest != "" && s.Config != "" {
		cfg = s.Manifest + " (" + s.Config + ")"
	} else if s.Manifest != "" {
		cfg = s.Manifest
	}
	fmt.Fprintf(tw, "config\t%s\n", cfg)
	for _, v := range s.Vars {
		fmt.Fprintf(tw, "variable\t%s = %s (%s)\n", v.Name, v.Value, v.Source)
	}
	for _, v := range s.Sets {
		fmt.Fprintf(tw, "set\t%s = %s (%s, the command line)\n", v.Name, v.Value, v.Source)
	}
	if s.Locked != nil {
		fmt.Fprintf(tw, "locked\tby %s (pid %d) since %s\n", s.Locked.Command, s.Locked.PID, s.Locked.Since.Local().Format(time.RFC3339))
	}
	if s.Interrupted {
		fmt.Fprintf(tw, "interrupted\ta run was cut short; the next install finishes or undoes it\n")
	}
	fmt.Fprintf(tw, "revisions\t%s (oldest first)\n", strings.Join(s.Revisions, " "))
	tw.Flush()
	if len(s.Modules) > 0 {
		fmt.Fprintln(w, "modules:")
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, m := range s.Modules {
			over := ""
			if m.Overlay != "" {
				over = "overlaid by " + m.Overlay
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", m.Path, m.Version, over)
		}
		tw.Flush()
	}
	fmt.Fprintln(w, "parts:")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, p := range s.Parts {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", p.Name, p.Recipe, p.State, p.Detail)
	}
	tw.Flush()
	if len(s.Overlays) > 0 {
		fmt.Fprintln(w, "overlays:")
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, o := range s.Overlays {
			vcs := "not in git"
			if o.Commit != "" {
				vcs = o.Commit[:min(12, len(o.Commit))]
				if o.Dirty {
					vcs += " (dirty)"
				}
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", o.Module, o.Dir, vcs)
		}
		tw.Flush()
	}
}
