package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// newGenDocs is a hidden command for packaging: the man pages of every
// command, and the shell completions, into a directory.
func newGenDocs(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:    "__gendocs DIR",
		Short:  "Write the man pages and shell completions into DIR (for packaging)",
		Hidden: true,
		Args:   exactArgs(1, "a directory"),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := args[0]
			man := filepath.Join(dir, "man")
			comp := filepath.Join(dir, "completions")
			for _, d := range []string{man, comp} {
				if err := os.MkdirAll(d, 0o755); err != nil {
					return err
				}
			}
			root := cmd.Root()
			root.DisableAutoGenTag = true // the pages of one version are the same bytes
			date := docDate()
			if err := doc.GenManTree(root, &doc.GenManHeader{Title: "ASSEMBLE", Section: "1", Source: "assemble", Date: &date}, man); err != nil {
				return err
			}
			for name, write := range map[string]func(string) error{
				"assemble.bash": func(p string) error { return root.GenBashCompletionFileV2(p, true) },
				"_assemble":     root.GenZshCompletionFile,
				"assemble.fish": func(p string) error { return root.GenFishCompletionFile(p, true) },
			} {
				if err := write(filepath.Join(comp, name)); err != nil {
					return fmt.Errorf("%s: %w", name, err)
				}
			}
			return nil
		},
	}
}

// docDate dates the man pages: SOURCE_DATE_EPOCH, as reproducible builds
// set it, else the time of the commit the binary was built from, else
// now.
func docDate() time.Time {
	if sec, err := strconv.ParseInt(os.Getenv("SOURCE_DATE_EPOCH"), 10, 64); err == nil {
		return time.Unix(sec, 0).UTC()
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if t, err := time.Parse(time.RFC3339, s.Value); s.Key == "vcs.time" && err == nil {
				return t
			}
		}
	}
	return time.Now().UTC()
}
