package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/assemble-build/assemble/assembler"
	"github.com/assemble-build/assemble/assembler/plan"
	"github.com/assemble-build/assemble/assembler/resolve"
)

func newInstall(g *globals, upgrade bool) *cobra.Command {
	var offline bool
	var lockFile, mirror string
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
current revision; the next run finishes or undoes what it left.

While it works, install says on stderr what it is doing: a line a step, and
for each go build how many packages it has compiled of how many, as bars on
a terminal, else as lines (one every few seconds a build), else with --json
as JSON events a line; nothing with --quiet.`
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
			opts.Offline, opts.Newest, opts.LockFile, opts.Mirror = offline, upgrade, lockFile, mirror
			rep, err := assembler.Install(context.Background(), opts)
			g.done()
			if err != nil {
				return err
			}
			printWarnings(g, rep.Warnings)
			if g.json {
				return writeJSON(g.stdout, rep)
			}
			if rep.UpToDate {
				fmt.Fprintf(g.stdout, "instance %s is up to date at revision %s\n", rep.Instance, rep.Revision)
			} else {
				fmt.Fprintf(g.stdout, "instance %s: revision %s (%d installed, %d reinstalled, %d removed, %d kept)\n",
					rep.Instance, rep.Revision, rep.Count(plan.Install), rep.Count(plan.Reinstall), rep.Count(plan.Remove), rep.Count(plan.Keep))
			}
			if len(rep.Picked) > 0 {
				fmt.Fprintf(g.stdout, "\n# Picked versions; to pin them, add to the versions of your config:\n%s", resolve.VersionsBlock(rep.Picked))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&offline, "offline", false, "work from the module and download caches alone")
	cmd.Flags().StringVar(&lockFile, "lock", "", "check module hashes against the lock `FILE` too")
	cmd.Flags().StringVar(&mirror, "mirror", "", "take every module from the mirror `DIR` (assemble mirror), checked against its lock; no network")
	cmd.Flags().BoolVar(&g.json, "json", false, "print the report as JSON, and progress on stderr as JSON events, one a line")
	return cmd
}
