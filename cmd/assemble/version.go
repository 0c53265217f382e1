package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

func newVersion(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print assemble's version",
		Long: `version prints assemble's module version (the tag it was installed at, with
go install …@VERSION, or (devel) for a build in a checkout), the VCS
revision it was built from when the build recorded one (and whether the
checkout was modified), and the Go toolchain and platform.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := fmt.Fprintln(g.stdout, versionLine())
			return err
		},
	}
}

// versionLine describes this binary from its build information.
func versionLine() string {
	v, vcs := "(devel)", ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			v = bi.Main.Version
		}
		vcs = vcsInfo(bi.Settings)
	}
	line := fmt.Sprintf("assemble %s", v)
	if vcs != "" {
		line += " (" + vcs + ")"
	}
	return fmt.Sprintf("%s %s %s/%s", line, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// vcsInfo is the revision a build in a checkout recorded, its time, and
// whether the checkout was modified.
func vcsInfo(settings []debug.BuildSetting) string {
	var rev, when string
	modified := false
	for _, s := range settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if rev == "" {
		return ""
	}
	parts := []string{"revision " + rev[:min(12, len(rev))]}
	if when != "" {
		parts = append(parts, when)
	}
	if modified {
		parts = append(parts, "modified")
	}
	return strings.Join(parts, ", ")
}
