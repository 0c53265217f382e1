package resolve

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/assemble-build/assemble/assembler/overlay"
)

// keyEnv are the go settings a resolution depends on.
var keyEnv = []string{"GOPROXY", "GONOPROXY", "GOPRIVATE", "GONOSUMDB", "GOSUMDB", "GOINSECURE", "GOFLAGS",
	"GOMODCACHE", "GOOS", "GOARCH", "GOAMD64", "GOARM64", "GOEXPERIMENT"}

// Key names everything a resolution depends on besides what the proxy
// serves: the parts' modules, constraints, packages and build settings,
// the pins, the previous picks, the overlays' go.mod and imports, the go
// command and its settings, and the locks to check. A request with the key of an
// earlier result, and no picking of newest versions, has that result:
// every root module then has its version from a pin, an overlay or the
// previous pick, and the rest follows by minimal version selection.
func Key(req *Request, goVersion string) string {
	h := sha256.New()
	fmt.Fprintf(h, "resolve v1\n%s offline=%v\n", goVersion, req.Offline)
	wants := append([]Want(nil), req.Wants...)
	sort.Slice(wants, func(i, j int) bool { return wants[i].Part < wants[j].Part })
	for _, w := range wants {
		fmt.Fprintf(h, "want %s %s %q %q %q cgo=%v", w.Part, w.Module, w.Constraint, w.Packages, w.Tags, w.CGO)
		for _, k := range sortedKeys(w.Env) {
			fmt.Fprintf(h, " %s=%q", k, w.Env[k])
		}
		h.Write([]byte("\n"))
	}
	for _, k := range sortedKeys(req.Pins) {
		fmt.Fprintf(h, "pin %s %s\n", k, req.Pins[k].Version)
	}
	for _, k := range sortedKeys(req.Previous) {
		fmt.Fprintf(h, "previous %s %s\n", k, req.Previous[k])
	}
	// An overlay counts by its go.mod and imports, not by all of its
	// content: an edit to its code alone picks the same versions and
	// reaches the same modules (see Result.Refresh).
	for _, o := range req.Overlays {
		fmt.Fprintf(h, "overlay %s %s %s\n", o.Module, o.Dir, o.Imports)
	}
	for _, k := range keyEnv {
		fmt.Fprintf(h, "env %s=%s\n", k, req.Env.Get(k))
	}
	for _, c := range req.Checks {
		if c.Lock == nil {
			continue
		}
		for _, m := range c.Lock.Modules {
			fmt.Fprintf(h, "check %s %s %s %s\n", m.Path, m.Version, m.Hash, m.GoMod)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// saved is a Result written out.
type saved struct {
	Key       string      `json:"key"`
	GoVersion string      `json:"go_version"`
	Modules   []*Module   `json:"modules"`
	Parts     []savedPart `json:"parts"`
	GoSum     string      `json:"go_sum"`
	Warnings  []string    `json:"warnings,omitempty"`
	Pins      map[string]Pin
}

type savedPart struct {
	Name     string      `json:"name"`
	Module   string      `json:"module"`
	Reaches  []string    `json:"reaches"`
	Packages []string    `json:"packages,omitempty"`
	GoLine   string      `json:"go_line,omitempty"`
	Godebug  [][2]string `json:"godebug,omitempty"`
}

// Save writes the result out, for Load.
func (r *Result) Save() []byte {
	s := saved{Key: r.Key, GoVersion: r.GoVersion, Modules: r.Modules, GoSum: string(r.GoSum), Warnings: r.Warnings, Pins: r.pins}
	for _, name := range sortedKeys(r.Parts) {
		p := r.Parts[name]
		sp := savedPart{Name: name, Reaches: p.Reaches, Packages: p.Packages, GoLine: p.GoLine, Godebug: p.Godebug}
		if p.Module != nil {
			sp.Module = p.Module.Path
		}
		s.Parts = append(s.Parts, sp)
	}
	data, _ := json.Marshal(s)
	return data
}

// Load reads a saved result, if it answers the request with key.
func Load(data []byte, key string) (*Result, bool) {
	r, err := Read(data)
	if err != nil || r.Key != key || strings.TrimSpace(key) == "" {
		return nil, false
	}
	return r, true
}

// Refresh gives a result kept from before the checkouts it was made for
// as they are now: their content counts in what is built (the store
// keys, the lock), not in what resolution found.
func (r *Result) Refresh(ovs []overlay.Overlay) {
	for _, m := range r.Modules {
		if m.Overlay == nil {
			continue
		}
		for i := range ovs {
			if ovs[i].Module == m.Path {
				o := ovs[i]
				m.Overlay = &o
			}
		}
	}
}

// Read reads a saved result, whatever request it answered: what a
// revision was built from.
func Read(data []byte) (*Result, error) {
	var s saved
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, err
	}
	r := &Result{Key: s.Key, GoVersion: s.GoVersion, Modules: s.Modules, GoSum: []byte(s.GoSum), Warnings: s.Warnings,
		Parts: map[string]*Part{}, byPath: map[string]*Module{}, pins: s.Pins}
	for _, m := range r.Modules {
		r.byPath[m.Path] = m
	}
	for _, sp := range s.Parts {
		p := &Part{Name: sp.Name, Module: r.byPath[sp.Module], Reaches: sp.Reaches, Packages: sp.Packages, GoLine: sp.GoLine, Godebug: sp.Godebug}
		if p.Module == nil {
			return nil, fmt.Errorf("part %s builds module %s, which is not among the modules", sp.Name, sp.Module)
		}
		r.Parts[sp.Name] = p
	}
	return r, nil
}
