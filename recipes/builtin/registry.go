// Package builtin holds the recipes assemble comes with, one file each.
// Each implements the contract of package recipe and nothing more: the
// engine finds them only through the registry the command line gives it.
package builtin

import "github.com/assemble-build/assemble/recipes/recipe"

// Recipes returns the built-in recipes by name. The list is written out,
// not filled by init functions, so that what exists is visible in one
// place.
func Recipes() recipe.Registry {
	return recipe.Registry{
		"go.build":  GoBuild{},
		"template":  Template{},
		"file":      File{},
		"directory": Directory{},
		"symlink":   Symlink{},
		"command":   Command{},
		"download":  Download{},
	}
}
