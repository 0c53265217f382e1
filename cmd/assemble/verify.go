package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/assemble-build/assemble/assembler"
)

// errDiffers is verify finding what it cannot repair, or was not asked
// to: exit code exitVerify.
var errDiffers = errors.New("the instance differs from what it was built from")

func newVerify(g *globals) *cobra.Command {
	var repair, cleanCache bool
	cmd := &cobra.Command{
		Use:   "verify NAME",
		Short: "Check an instance against what it was built from, and repair it",
		Long: `verify checks the current revision of the instance NAME against its lock.
It builds the revision's binaries again from the lock, into a directory of
its own, and compares them byte for byte with those installed, and their
build information (the toolchain, each module's version and hash) with the
lock. It checks the modules the builds read in the module cache against the
lock's hashes, the build store entries the revision uses against their
seals and their rebuild, the cached downloads against their sha256, the
manifest snapshot against the lock, and every file the parts made against
what assemble wrote: a file changed since is reported as edited, one that
is gone as missing.

It prints each difference and exits 7 when there is any. With --repair it
makes again, from the lock, what is corrupt or missing among the modules,
the store entries, the revision's files and the downloads, and exits 0 when
nothing else differs; files a user edited stay as they are, and a missing
one is made again by the next install.

The rebuild uses the go command's build cache, as every build does;
--clean-cache rebuilds with an empty one of its own instead, which takes
as long as a first build and trusts nothing cached.`,
		Args: exactArgs(1, "one instance name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			v, err := assembler.Verify(context.Background(), g.options(args[0]), assembler.VerifyOptions{Repair: repair, CleanCache: cleanCache})
			g.done()
			if err != nil {
				return err
			}
			if g.json {
				if err := writeJSON(g.stdout, v); err != nil {
					return err
				}
			} else {
				printVerification(g, v)
			}
			if !v.OK() {
				return fmt.Errorf("%w: %s", errDiffers, countFindings(v))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&g.json, "json", false, "print what was checked and found as JSON")
	cmd.Flags().BoolVar(&repair, "repair", false, "make again from the lock what is corrupt or missing")
	cmd.Flags().BoolVar(&cleanCache, "clean-cache", false, "rebuild with an empty build cache instead of the go command's")
	return cmd
}

func printVerification(g *globals, v *assembler.Verification) {
	root, _ := filepath.Abs(g.root())
	for _, f := range v.Findings {
		path := f.Path
		if rel, err := filepath.Rel(root, path); err == nil && !strings.HasPrefix(rel, "..") {
			path = rel
		}
		state := f.Kind
		if f.Repaired {
			state = "repaired"
		}
		fmt.Fprintf(g.stdout, "%-10s %-10s %s: %s\n", state, f.What, path, f.Detail)
	}
	c := v.Checked
	fmt.Fprintf(g.stdout, "instance %s: revision %s: %d files rebuilt and compared, %d binaries, %d modules, %d store entries, %d caches, %d files made, %d manifest files checked: %s\n",
		v.Instance, v.Revision, c.Rebuilt, c.Binaries, c.Modules, c.Store, c.Cached, c.Files, c.Manifest, countFindings(v))
}

// countFindings says how many differences there were, and how many of
// them were repaired.
func countFindings(v *assembler.Verification) string {
	repaired := 0
	for _, f := range v.Findings {
		if f.Repaired {
			repaired++
		}
	}
	n := fmt.Sprintf("%d differences", len(v.Findings))
	switch {
	case len(v.Findings) == 0:
		return "no differences"
	case len(v.Findings) == 1:
		n = "1 difference"
	}
	switch {
	case repaired == len(v.Findings):
		return n + ", all repaired"
	case repaired > 0:
		return fmt.Sprintf("%s, %d repaired", n, repaired)
	}
	return n
}
