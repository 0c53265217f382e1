package recipes

import "sort"

// registry lists the built-in recipes by name. It is written out, not
// filled by init functions, so that what exists is visible in one place.
var registry = map[string]Recipe{
	"go.build":  GoBuild{},
	"template":  Template{},
	"file":      File{},
	"directory": Directory{},
	"symlink":   Symlink{},
	"command":   Command{},
	"download":  Download{},
}

// Lookup returns the recipe called name.
func Lookup(name string) (Recipe, bool) {
	r, ok := registry[name]
	return r, ok
}

// Names returns the names of every recipe, sorted.
func Names() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
