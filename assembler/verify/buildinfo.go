package verify

import (
	"debug/buildinfo"
	"fmt"
	"runtime/debug"

	"github.com/assemble-build/assemble/assembler/lock"
)

// BuildInfo checks what the Go binary at path says it was built from
// (debug/buildinfo) against the lock: the toolchain, and each module's
// version and hash; a module replaced by a directory must be an overlay
// the lock lists.
func BuildInfo(path string, l *lock.Lock) []Finding {
	info, err := buildinfo.ReadFile(path)
	if err != nil {
		return []Finding{{Kind: "corrupt", What: "binary", Path: path, Detail: fmt.Sprintf("its build information cannot be read: %v", err)}}
	}
	var out []Finding
	bad := func(format string, args ...any) {
		out = append(out, Finding{Kind: "corrupt", What: "binary", Path: path, Detail: fmt.Sprintf(format, args...)})
	}
	if l.Go != "" && info.GoVersion != l.Go {
		bad("it was built with %s, the lock says %s", info.GoVersion, l.Go)
	}
	mods := map[string]lock.Module{}
	for _, m := range l.Modules {
		mods[m.Path] = m
	}
	overlays := map[string]bool{}
	for _, o := range l.Overlays {
		overlays[o.Path] = true
	}
	for _, m := range append([]*debug.Module{&info.Main}, info.Deps...) {
		lm, ok := mods[m.Path]
		switch {
		case m.Path == "":
		case m.Replace != nil:
			if !overlays[m.Path] {
				bad("it has %s replaced by %s, which the lock does not list as an overlay", m.Path, m.Replace.Path)
			}
		case !ok:
			bad("it has %s %s, which the lock does not", m.Path, m.Version)
		case m.Version != lm.Version || m.Sum != lm.Hash:
			bad("it has %s %s %s, the lock %s %s", m.Path, m.Version, m.Sum, lm.Version, lm.Hash)
		}
	}
	return out
}
