package apply

import (
	"context"

	"github.com/assemble-build/assemble/assembler/plan"
	"github.com/assemble-build/assemble/recipes/recipe"
)

// units splits parts into what is installed at once: a part alone, or
// the parts whose recipe installs them together (recipe.GroupRecipe)
// under the same group, of those together may says may be, when they
// depend on no part among parts.
func units(parts []*plan.Part, together func(*plan.Part) bool) [][]*plan.Part {
	names := make(map[string]bool, len(parts))
	for _, p := range parts {
		names[p.Part.Name] = true
	}
	var out [][]*plan.Part
	at := map[string]int{} // recipe and group → its unit in out
	for _, p := range parts {
		key := groupKey(p, names, together)
		if key == "" {
			out = append(out, []*plan.Part{p})
			continue
		}
		if i, ok := at[key]; ok {
			out[i] = append(out[i], p)
			continue
		}
		at[key] = len(out)
		out = append(out, []*plan.Part{p})
	}
	return out
}

// groupKey is what p is installed together with, or "".
func groupKey(p *plan.Part, names map[string]bool, together func(*plan.Part) bool) string {
	gr, ok := p.Recipe.(recipe.GroupRecipe)
	if !ok || !together(p) {
		return ""
	}
	for _, d := range p.Deps {
		if names[d] {
			return ""
		}
	}
	if g := gr.Group(p.Part); g != "" {
		return p.Part.Recipe + "\x00" + g
	}
	return ""
}

// install installs the parts of a unit through their hosts.
func install(ctx context.Context, unit []*plan.Part, hosts []*host) error {
	if len(unit) == 1 {
		return unit[0].Recipe.Install(ctx, unit[0].Part, hosts[0])
	}
	names := make([]string, len(unit))
	for i, p := range unit {
		names[i] = p.Part.Name
	}
	parts := make([]*recipe.Part, len(unit))
	rhosts := make([]recipe.Host, len(unit))
	n := packages(unit)
	for i, p := range unit {
		parts[i], rhosts[i] = p.Part, hosts[i]
		hosts[i].group, hosts[i].pkgs = names, n
	}
	return unit[0].Recipe.(recipe.GroupRecipe).InstallGroup(ctx, parts, rhosts)
}
