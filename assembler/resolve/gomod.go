package resolve

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/mod/modfile"
	gosemver "golang.org/x/mod/semver"

	"github.com/assemble-build/assemble/assembler/overlay"
)

// wrapperGoMod writes the module in which resolution loads the parts'
// packages.
func (r *resolver) wrapperGoMod(goVersion string, forced map[string]string) []byte {
	f := &modfile.File{}
	f.AddModuleStmt("assemble.invalid/resolve")
	f.AddGoStmt(goVersion)
	required := map[string]bool{}
	for _, rt := range r.roots {
		f.AddNewRequire(rt.path, rt.version, false)
		required[rt.path] = true
	}
	for _, p := range sortedKeys(r.req.Pins) {
		if !required[p] && r.overlays[p] == nil {
			f.AddNewRequire(p, r.req.Pins[p].Version, true)
		}
	}
	for _, p := range sortedKeys(forced) {
		_ = f.AddReplace(p, "", p, forced[p])
	}
	for _, o := range r.req.Overlays {
		_ = f.AddReplace(o.Module, "", o.Dir, "")
	}
	f.Cleanup()
	out, _ := f.Format()
	return out
}

// seedGoSum writes the hashes of the locks into go.sum, so that the go
// command itself refuses a download whose content differs.
func (r *resolver) seedGoSum() []byte {
	var lines []string
	for _, c := range r.req.Checks {
		if c.Lock == nil {
			continue
		}
		for _, m := range c.Lock.Modules {
			if m.Hash != "" {
				lines = append(lines, fmt.Sprintf("%s %s %s", m.Path, m.Version, m.Hash))
			}
			if m.GoMod != "" {
				lines = append(lines, fmt.Sprintf("%s %s/go.mod %s", m.Path, m.Version, m.GoMod))
			}
		}
	}
	sort.Strings(lines)
	if len(lines) == 0 {
		return nil
	}
	return []byte(strings.Join(lines, "\n") + "\n")
}

func readGoModFile(m *Module) (*modfile.File, error) {
	p := filepath.Join(m.Dir, "go.mod")
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	return modfile.ParseLax(p, data, nil)
}

func readGoSum(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	sums := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) == 3 {
			sums[f[0]+" "+f[1]] = f[2]
		}
	}
	return sums, nil
}

// BuildGoMod writes the go.mod a part is built in: the whole build list
// required at its selected versions, pins forced where they had to be,
// overlays replaced by the directories overlayDir gives (relative ones,
// so that the binary does not depend on where the instance is), and the
// go and godebug lines of the module the part builds, so that its binaries
// get the same default GODEBUG settings go install would give them.
func (r *Result) BuildGoMod(part string, overlayDir func(*overlay.Overlay) string) ([]byte, error) {
	pr := r.Parts[part]
	if pr == nil {
		return nil, fmt.Errorf("no resolution for part %s", part)
	}
	f := &modfile.File{}
	f.AddModuleStmt("assemble.invalid/build")
	goLine := "1.21"
	if pr.GoLine != "" {
		goLine = pr.GoLine
	}
	for _, m := range r.Modules {
		if m.GoVersion != "" && gosemver.Compare("v"+m.GoVersion, "v"+goLine) > 0 {
			goLine = m.GoVersion
		}
	}
	f.AddGoStmt(goLine)
	for _, g := range pr.Godebug {
		_ = f.AddGodebug(g[0], g[1])
	}
	for _, m := range r.Modules {
		f.AddNewRequire(m.Path, m.Required, false)
		switch {
		case m.Overlay != nil:
			_ = f.AddReplace(m.Path, "", overlayDir(m.Overlay), "")
		case m.Forced:
			_ = f.AddReplace(m.Path, "", m.Path, m.Version)
		}
	}
	f.Cleanup()
	return f.Format()
}
