package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/assemble-build/assemble/assembler"
	"github.com/assemble-build/assemble/assembler/instance"
	"github.com/assemble-build/assemble/assembler/resolve"
)

// root returns the root directory: --root, else ASSEMBLE_ROOT, else the
// default.
func (g *globals) rootDir() string {
	switch {
	case g.root != "":
		return g.root
	case os.Getenv("ASSEMBLE_ROOT") != "":
		return os.Getenv("ASSEMBLE_ROOT")
	}
	return instance.DefaultRoot()
}

// options returns the options for a command on instance name.
func (g *globals) options(name string) *assembler.Options {
	src := assembler.Source{Config: g.config, Vars: g.vars}
	if src.Config == "" {
		src.Config = os.Getenv("ASSEMBLE_CONFIG")
	}
	manifest := g.manifest
	if manifest == "" {
		manifest = os.Getenv("ASSEMBLE_MANIFEST")
	}
	return &assembler.Options{Root: g.rootDir(), Name: name, Source: src, Manifest: manifest, Progress: g.stderr}
}

func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usageError{fmt.Errorf("%s takes %s", cmd.CommandPath(), what)}
		}
		return nil
	}
}

func newInstall(g *globals, upgrade bool) *cobra.Command {
	var offline bool
	var lockFile string
	use, short, long := "install NAME", "Install an instance, or bring it up to date with its config", `install brings the instance NAME up to date with its config: it evaluates the
config, resolves versions (keeping those picked by the last install), and,
unless nothing changed, builds a new revision, installs the parts that changed,
switches the instance to the revision atomically and runs the activation steps.
A new instance is created.

The config comes from --manifest/--config, else ASSEMBLE_MANIFEST/ASSEMBLE_CONFIG,
else what the instance remembers from its last install, else ./buildout.hcl;
variables from --var, else ASSEMBLE_VAR_NAME, else what the instance remembers,
else their defaults.

A run that is refused, fails or is killed leaves the instance on its complete
current revision; the next run finishes or undoes what it left.`
	if upgrade {
		use, short, long = "upgrade NAME", "Install an instance with the newest versions its constraints allow", `upgrade is install with the newest versions the parts' constraints allow,
instead of the versions the last install picked. Pins still win.`
	}
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Long:  long,
		Args:  exactArgs(1, "one instance name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts := g.options(args[0])
			opts.Offline, opts.Newest, opts.LockFile = offline, upgrade, lockFile
			rep, err := assembler.Install(context.Background(), opts)
			if err != nil {
				return err
			}
			printWarnings(g, rep.Warnings)
			if rep.UpToDate {
				fmt.Fprintf(g.stdout, "instance %s is up to date at revision %s\n", rep.Instance, rep.Revision)
			} else {
				fmt.Fprintf(g.stdout, "instance %s: revision %s (%d installed, %d reinstalled, %d removed, %d kept)\n",
					rep.Instance, rep.Revision, rep.Count("install"), rep.Count("reinstall"), rep.Count("remove"), rep.Count("keep"))
			}
			if len(rep.Picked) > 0 {
				fmt.Fprintf(g.stdout, "\n# Picked versions; to pin them, add to the versions of your config:\n%s", resolve.VersionsBlock(rep.Picked))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&offline, "offline", false, "work from the module and download caches alone")
	cmd.Flags().StringVar(&lockFile, "lock", "", "check module hashes against the lock `FILE` too")
	return cmd
}

func printWarnings(g *globals, warns []string) {
	for _, w := range warns {
		fmt.Fprintf(g.stderr, "assemble: warning: %s\n", w)
	}
}

func newPlan(g *globals) *cobra.Command {
	var asJSON, offline bool
	cmd := &cobra.Command{
		Use:   "plan NAME",
		Short: "Show what install would do to each part, and why",
		Long: `plan evaluates the config and resolves versions as install would, and shows,
for each part, whether install would keep, install, reinstall (and why) or
remove it, and the overlays it would build with. It changes nothing.`,
		Args: exactArgs(1, "one instance name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts := g.options(args[0])
			opts.Offline = offline
			rep, err := assembler.Plan(context.Background(), opts)
			if err != nil {
				return err
			}
			printWarnings(g, rep.Warnings)
			if asJSON {
				return writeJSON(g.stdout, rep)
			}
			from := rep.Previous
			if from == "" {
				from = "nothing"
			}
			fmt.Fprintf(g.stdout, "instance %s: revision %s, from %s\n", rep.Instance, rep.Revision, from)
			tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
			for _, s := range rep.Steps {
				fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", s.Action, s.Part, s.Recipe, s.Reason)
			}
			tw.Flush()
			writeOverlays(g.stdout, rep)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&offline, "offline", false, "work from the module cache alone")
	return cmd
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

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

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
				list, err := assembler.List(g.rootDir())
				if err != nil {
					return err
				}
				for _, s := range list {
					names = append(names, s.Name)
				}
			}
			var all []*assembler.Status
			for _, n := range names {
				s, err := assembler.GetStatus(context.Background(), g.rootDir(), n)
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
	if s.Manifest != "" {
		cfg = s.Manifest + " (" + s.Config + ")"
	}
	fmt.Fprintf(tw, "config\t%s\n", cfg)
	for _, v := range s.Vars {
		fmt.Fprintf(tw, "variable\t%s = %s (%s)\n", v.Name, v.Value, v.Source)
	}
	if s.Locked != nil {
		fmt.Fprintf(tw, "locked\tby %s (pid %d) since %s\n", s.Locked.Command, s.Locked.PID, s.Locked.Since.Local().Format(time.RFC3339))
	}
	if s.Interrupted {
		fmt.Fprintf(tw, "interrupted\ta run was cut short; the next install finishes or undoes it\n")
	}
	fmt.Fprintf(tw, "revisions\t%s\n", strings.Join(s.Revisions, " "))
	tw.Flush()
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
			list, err := assembler.List(g.rootDir())
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
			events, err := assembler.History(g.rootDir(), args[0])
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
			if err != nil {
				return err
			}
			printWarnings(g, rep.Warnings)
			fmt.Fprintf(g.stdout, "instance %s: back at revision %s (from %s; %d reinstalled, %d removed, %d kept)\n",
				rep.Instance, rep.Revision, rep.Previous, rep.Count("install")+rep.Count("reinstall"), rep.Count("remove"), rep.Count("keep"))
			return nil
		},
	}
}

func newGC(g *globals) *cobra.Command {
	var keep int
	cmd := &cobra.Command{
		Use:   "gc NAME",
		Short: "Remove an instance's old revisions and unused build outputs",
		Long: `gc removes the revisions of the instance NAME beyond the newest --keep,
never the current one, then the entries of the root's build store that no
revision of any instance uses and that nothing has used for a day.`,
		Args: exactArgs(1, "one instance name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			rep, err := assembler.GC(context.Background(), g.options(args[0]), keep)
			if err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "removed %d revisions and %d store entries\n", len(rep.Revisions), len(rep.Store))
			for _, r := range rep.Revisions {
				fmt.Fprintf(g.stdout, "  revision %s\n", r)
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&keep, "keep", 5, "how many of the newest revisions to keep")
	return cmd
}

func newRemove(g *globals, stdin io.Reader) *cobra.Command {
	var yes, deleteCheckouts bool
	cmd := &cobra.Command{
		Use:   "remove NAME",
		Short: "Uninstall and delete an instance",
		Long: `remove uninstalls the parts of the instance NAME (files written outside it are
taken back, unless their users edited them) and deletes the instance with
its data in var/. It asks first, unless --yes. Developer checkouts in
code/local are never deleted silently: remove refuses while there are any,
unless --delete-checkouts; a checkout that is a symlink is only unlinked.`,
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
			warns, err := assembler.Remove(context.Background(), opts, deleteCheckouts)
			printWarnings(g, warns)
			if err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "removed instance %s\n", args[0])
			return nil
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask")
	cmd.Flags().BoolVar(&deleteCheckouts, "delete-checkouts", false, "delete developer checkouts in code/local too")
	return cmd
}
