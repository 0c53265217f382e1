package main

import (
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/assemble-build/assemble/assembler/instance"
	"github.com/assemble-build/assemble/assembler/source"
)

// flagSet adds a group of flags to a command that reads them.
type flagSet func(g *globals, c *cobra.Command)

// Each command shows the flags it reads, and no other.
var commandFlags = map[string][]flagSet{
	"install":  {rootFlag, configFlags, varFlag, runFlags, serviceFlag},
	"upgrade":  {rootFlag, configFlags, varFlag, runFlags, serviceFlag},
	"plan":     {rootFlag, configFlags, varFlag, quietFlag},
	"status":   {rootFlag},
	"list":     {rootFlag},
	"history":  {rootFlag},
	"rollback": {rootFlag, runFlags, serviceFlag},
	"gc":       {rootFlag, runFlags},
	"verify":   {rootFlag, runFlags},
	"remove":   {rootFlag, runFlags, serviceFlag},
	"exec":     {rootFlag},
	"backup":   {rootFlag, runFlags},
	"restore":  {rootFlag, varFlag, runFlags, serviceFlag},
	"annotate": {rootFlag, configFlags, varFlag},
	"graph":    {rootFlag, configFlags, varFlag},
	"versions": {rootFlag, configFlags, varFlag, quietFlag},
	"mirror":   {rootFlag, configFlags, varFlag, quietFlag},
	"image":    {rootFlag, runFlags},
}

func rootFlag(g *globals, c *cobra.Command) {
	c.Flags().StringVar(&g.flags.Root, "root", "", "`directory` instances live under (default $ASSEMBLE_ROOT, else $XDG_DATA_HOME/assemble or ~/.local/share/assemble)")
}

func configFlags(g *globals, c *cobra.Command) {
	c.Flags().StringVarP(&g.flags.Config, "config", "c", "", "top config `file` (default $ASSEMBLE_CONFIG, else buildout.hcl)")
	c.Flags().StringVar(&g.flags.Manifest, "manifest", "", "manifest the config is in: a directory, or a git `URL#ref` (default $ASSEMBLE_MANIFEST)")
	c.Flags().BoolVar(&g.flags.NoDefaults, "no-defaults", false, "ignore the user's defaults file ($ASSEMBLE_DEFAULTS, else ~/.config/assemble/defaults.hcl)")
}

func varFlag(g *globals, c *cobra.Command) {
	c.Flags().StringArrayVar(&g.flags.Vars, "var", nil, "set a variable, `NAME=VALUE` (repeatable; also ASSEMBLE_VAR_NAME)")
	c.Flags().StringArrayVar(&g.flags.Sets, "set", nil, "set a part's option, `part.NAME.OPTION=VALUE` (repeatable), over the config")
}

func quietFlag(g *globals, c *cobra.Command) {
	c.Flags().BoolVarP(&g.quiet, "quiet", "q", false, "say nothing on stderr while working; errors and warnings still")
}

// runFlags are for the commands that hold an instance while they work.
func runFlags(g *globals, c *cobra.Command) {
	c.Flags().DurationVar(&g.wait, "wait", 0, "wait up to `DURATION` (like 30s) for another assemble to finish with the instance")
	quietFlag(g, c)
}

func serviceFlag(g *globals, c *cobra.Command) {
	c.Flags().BoolVar(&g.noServices, "no-services", false, "write service units, but start, restart and stop none")
}

// completeInstance completes an instance name as the first argument.
func (g *globals) completeInstance(c *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveDefault
	}
	names, _ := instance.List(source.Root(g.flags.Root, os.Environ()))
	return withPrefix(names, prefix), cobra.ShellCompDirectiveNoFileComp
}

// completeRevision completes rollback's arguments: an instance, then
// one of its revisions.
func (g *globals) completeRevision(c *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
	if len(args) == 0 {
		return g.completeInstance(c, args, prefix)
	}
	if len(args) > 1 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	in, err := instance.Open(source.Root(g.flags.Root, os.Environ()), args[0])
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	revs, _ := in.Revisions()
	return withPrefix(revs, prefix), cobra.ShellCompDirectiveNoFileComp
}

// completeMirror completes mirror's arguments: a directory, then an
// instance.
func (g *globals) completeMirror(c *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
	if len(args) == 0 {
		return nil, cobra.ShellCompDirectiveFilterDirs
	}
	return g.completeInstance(c, args[1:], prefix)
}

func withPrefix(names []string, prefix string) []string {
	var out []string
	for _, n := range names {
		if strings.HasPrefix(n, prefix) {
			out = append(out, n)
		}
	}
	return out
}

// addFlags gives each command its flags and its completions.
func (g *globals) addFlags(root *cobra.Command) {
	for _, c := range root.Commands() {
		for _, add := range commandFlags[c.Name()] {
			add(g, c)
		}
		switch {
		case c.Name() == "rollback":
			c.ValidArgsFunction = g.completeRevision
		case c.Name() == "mirror":
			c.ValidArgsFunction = g.completeMirror
		case strings.Contains(c.Use, " NAME") || strings.Contains(c.Use, "[NAME]") && !strings.HasPrefix(c.Use, "restore"):
			c.ValidArgsFunction = g.completeInstance
		}
	}
}
