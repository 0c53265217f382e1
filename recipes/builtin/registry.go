// Package builtin holds the recipes assemble comes with, one file each.
// Each implements the contract of package recipe and nothing more: the
// engine finds them only through the registry the command line gives it.
package builtin

import "github.com/assemble-build/assemble/recipes/recipe"

// Settings are what the command line tells the built-in recipes.
type Settings struct {
	// Systemctl is the systemctl program systemd.service parts run
	// (ASSEMBLE_SYSTEMCTL); "" means systemctl, where systemd runs.
	Systemctl string
	// NoServices leaves services alone: units are written, not started
	// or stopped (--no-services).
	NoServices bool
}

// Recipes returns the built-in recipes by name, with default settings.
func Recipes() recipe.Registry { return RecipesWith(Settings{}) }

// RecipesWith returns the built-in recipes by name. The list is written
// out, not filled by init functions, so that what exists is visible in
// one place.
func RecipesWith(s Settings) recipe.Registry {
	return recipe.Registry{
		"systemd.service":     &Service{Systemctl: s.Systemctl, Off: s.NoServices},
		"postgresql.database": Database{},
		"postgresql.cluster":  &Cluster{},
		"go.build":            GoBuild{},
		"template":            Template{},
		"file":                File{},
		"directory":           Directory{},
		"symlink":             Symlink{},
		"command":             Command{},
		"download":            Download{},
	}
}
