package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/assemble-build/assemble/assembler"
)

func newMirror(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "mirror DIR [NAME]",
		Short: "Write the modules a build needs into a directory a host without network installs from",
		Long: `mirror writes into DIR, in the layout of a Go module proxy, every module
version the config (-c) resolves to, or with NAME, every module of the
instance's current revision: each with its .info, .mod and .zip, fetched
by go mod download, and DIR/assemble.lock with their hashes. What DIR
holds already stays: mirror the configs of several labs into one.

On a host without network, with DIR copied over:

  assemble install prod -c buildout-production.hcl --mirror DIR

takes every module from DIR alone (GOPROXY=file://DIR) and checks each
against DIR/assemble.lock, the checksum database being out of reach. A
manifest can name the mirror in go_env (GOPROXY = "file://…") instead.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 1 || len(args) > 2 {
				return usageError{fmt.Errorf("mirror takes a directory, and an instance name or none")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			name := ""
			if len(args) == 2 {
				name = args[1]
			}
			rep, err := assembler.Mirror(context.Background(), g.options(name), args[0])
			g.done()
			if err != nil {
				return err
			}
			if g.json {
				return writeJSON(g.stdout, rep)
			}
			fmt.Fprintf(g.stdout, "mirror %s: %d module versions, %d new\n", rep.Dir, rep.Modules, rep.Added)
			return nil
		},
	}
	cmd.Flags().BoolVar(&g.json, "json", false, "print the report as JSON")
	return cmd
}
