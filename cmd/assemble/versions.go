package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/spf13/cobra"
	"github.com/zclconf/go-cty/cty"

	"github.com/assemble-build/assemble/assembler"
	"github.com/assemble-build/assemble/assembler/fsutil"
	"github.com/assemble-build/assemble/assembler/resolve"
)

func newVersions(g *globals) *cobra.Command {
	var (
		newest   bool
		offline  bool
		write    string
		lockFile string
	)
	cmd := &cobra.Command{
		Use:   "versions",
		Short: "Show the module versions an install would use, and why",
		Long: `versions resolves the versions of every Go module the config's go.build
parts build, with the go command, and prints for each: the constraint of the
parts that build it, the version picked, why (the pin with its file and line,
the constraint, the previous pick, or the module that requires it), and its
h1: hash.

With allow_picked_versions = false, every module without a pin is an error
that ends with the versions block to paste.

--write FILE writes a versions = { … } file pinning every module, to commit
into a production manifest (extend it, or paste it). --lock FILE checks the
modules against the hashes recorded in FILE, when it exists, and then writes
the lock of this resolution to it.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := context.Background()
			opts := g.options("")
			opts.Newest, opts.Offline, opts.LockFile = newest, offline, lockFile
			r, err := assembler.Versions(ctx, opts)
			if err != nil {
				return err
			}
			defer r.Close()
			writeDiags(g.stderr, r.Diags, r.Config.Config.HCLFiles)
			if g.json {
				err = writeVersionsJSON(g, r.Versions)
			} else {
				err = writeVersionsTable(g, r.Versions)
			}
			if err != nil {
				return err
			}
			if r.Config.Settings.ShowPickedVersions && !g.json {
				if picked := r.Versions.Unpinned(); len(picked) > 0 {
					fmt.Fprintf(g.stdout, "\n# Picked versions; to pin them, add to the versions of your config:\n%s", resolve.VersionsBlock(picked))
				}
			}
			if write != "" {
				if err := fsutil.WriteFile(write, versionsFile(r.Versions), 0o644); err != nil {
					return err
				}
				sayNewPins(g, write, r.Versions)
			}
			if lockFile != "" {
				if err := fsutil.WriteFile(lockFile, r.Lock(ctx, "", nil).Marshal(), 0o644); err != nil {
					return err
				}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&g.json, "json", false, "print JSON")
	f.BoolVar(&newest, "newest", false, "pick the newest versions the constraints allow")
	f.BoolVar(&offline, "offline", false, "resolve from the module cache alone")
	f.StringVar(&write, "write", "", "write a versions block pinning every module to `FILE`")
	f.StringVar(&lockFile, "lock", "", "check hashes against `FILE`, then write the lock to it")
	return cmd
}

func writeVersionsTable(g *globals, v *resolve.Result) error {
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "MODULE\tCONSTRAINT\tVERSION\tWHY\tHASH")
	for _, m := range v.Modules {
		c := m.Constraint
		if c == "" {
			c = "-"
		}
		hash := m.Sum
		if m.Overlay != nil {
			hash = m.Overlay.Hash
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", m.Path, c, m.Version, m.Why, hash)
	}
	return tw.Flush()
}

type versionJSON struct {
	Path       string   `json:"path"`
	Constraint string   `json:"constraint,omitempty"`
	Version    string   `json:"version"`
	Why        string   `json:"why"`
	Reason     string   `json:"reason"`
	Hash       string   `json:"hash,omitempty"`
	GoModHash  string   `json:"go_mod_hash,omitempty"`
	Overlay    string   `json:"overlay,omitempty"`
	Parts      []string `json:"parts,omitempty"`
	RequiredBy []string `json:"required_by,omitempty"`
}

func writeVersionsJSON(g *globals, v *resolve.Result) error {
	out := []versionJSON{}
	for _, m := range v.Modules {
		j := versionJSON{Path: m.Path, Constraint: m.Constraint, Version: m.Version, Why: m.Why.Kind, Reason: m.Why.String(),
			Hash: m.Sum, GoModHash: m.GoModSum, Parts: m.Parts, RequiredBy: m.RequiredBy}
		if m.Overlay != nil {
			j.Overlay, j.Hash = m.Overlay.Dir, m.Overlay.Hash
		}
		out = append(out, j)
	}
	enc := json.NewEncoder(g.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// sayNewPins says which pins of the file written are new: the versions
// no pin of the config gave.
func sayNewPins(g *globals, file string, v *resolve.Result) {
	picked := v.Unpinned()
	if len(picked) == 0 {
		fmt.Fprintf(g.stderr, "%s: %d pins, none new\n", file, len(v.Modules))
		return
	}
	var names []string
	for _, m := range picked {
		names = append(names, m.Path+" "+m.Version)
	}
	fmt.Fprintf(g.stderr, "%s: %d pins, %d new: %s\n", file, len(v.Modules), len(picked), strings.Join(names, ", "))
}

// versionsFile writes a config file that pins every module resolved
// (overlays aside), sorted, for a production manifest to extend.
func versionsFile(v *resolve.Result) []byte {
	f := hclwrite.NewEmptyFile()
	pins := map[string]cty.Value{}
	for _, m := range v.Modules {
		if m.Overlay == nil {
			pins[m.Path] = cty.StringVal(m.Version)
		}
	}
	if len(pins) == 0 {
		f.Body().SetAttributeValue("versions", cty.EmptyObjectVal)
	} else {
		f.Body().SetAttributeValue("versions", cty.MapVal(pins))
	}
	header := "# Pins written by assemble versions --write. Extend this file from a\n# production config, or paste the block into one.\n\n"
	return append([]byte(header), hclwrite.Format(f.Bytes())...)
}
