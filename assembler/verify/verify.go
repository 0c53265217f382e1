// Package verify holds the checks of assemble verify: each compares
// something installed or cached with what says what it must be (a hash
// in the lock, a store entry's seal, the rebuild of a revision) and
// reports each difference as a Finding.
package verify

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/assemble-build/assemble/assembler/instance"
	"github.com/assemble-build/assemble/assembler/lock"
)

// Finding is one difference verify found.
type Finding struct {
	// Kind is corrupt (not what it was made as: assemble would not have
	// made it so), edited (a file assemble wrote, changed since, likely
	// by hand), missing, or unverified (it could not be checked).
	Kind string `json:"kind"`
	// What names the kind of thing: binary, build, store, module,
	// download, file, manifest, resolution, toolchain.
	What     string `json:"what"`
	Path     string `json:"path"`
	Detail   string `json:"detail"`
	Repaired bool   `json:"repaired,omitempty"`
}

func (f Finding) String() string {
	s := fmt.Sprintf("%s %s %s: %s", f.Kind, f.What, f.Path, f.Detail)
	if f.Repaired {
		s += " (repaired)"
	}
	return s
}

// Tree compares every file under rebuilt with the file at the same place
// under installed, byte for byte. Directories and links under rebuilt are
// walked, not compared; skip names top-level entries not to walk.
func Tree(installed, rebuilt string, skip ...string) ([]Finding, int, error) {
	var out []Finding
	n := 0
	err := filepath.WalkDir(rebuilt, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(rebuilt, p)
		if d.IsDir() && p != rebuilt && contains(skip, rel) {
			return filepath.SkipDir
		}
		if !d.Type().IsRegular() {
			return nil
		}
		n++
		what := "build"
		if strings.HasPrefix(rel, "bin"+string(filepath.Separator)) {
			what = "binary"
		}
		if f, ok := compareFile(filepath.Join(installed, rel), p); !ok {
			f.What = what
			out = append(out, f)
		}
		return nil
	})
	return out, n, err
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// compareFile compares the installed file with its rebuild.
func compareFile(installed, rebuilt string) (Finding, bool) {
	want, err := os.ReadFile(rebuilt)
	if err != nil {
		return Finding{Kind: "unverified", Path: installed, Detail: err.Error()}, false
	}
	got, err := os.ReadFile(installed)
	if os.IsNotExist(err) {
		return Finding{Kind: "missing", Path: installed, Detail: "it is not there; its rebuild from the lock is"}, false
	}
	if err != nil {
		return Finding{Kind: "unverified", Path: installed, Detail: err.Error()}, false
	}
	if bytes.Equal(got, want) {
		return Finding{}, true
	}
	at := 0
	for at < len(got) && at < len(want) && got[at] == want[at] {
		at++
	}
	return Finding{Kind: "corrupt", Path: installed, Detail: fmt.Sprintf("differs from its rebuild from the lock from byte %d on (%d bytes, %s; rebuilt: %d bytes, %s)",
		at, len(got), sha256Of(got), len(want), sha256Of(want))}, false
}

// Files checks the files, links and directories the instance's parts
// made, as the state records them: one that is gone is missing, and one
// whose content is not what assemble wrote was edited.
func Files(st *instance.State, edited func(instance.Path) bool) ([]Finding, int) {
	var out []Finding
	n := 0
	for _, p := range st.Parts {
		for _, x := range p.Paths {
			n++
			if _, err := os.Lstat(x.Path); err != nil {
				out = append(out, Finding{Kind: "missing", What: "file", Path: x.Path,
					Detail: fmt.Sprintf("part %s made it, and it is gone; assemble install makes it again", p.Name)})
			} else if edited(x) {
				out = append(out, Finding{Kind: "edited", What: "file", Path: x.Path,
					Detail: fmt.Sprintf("part %s wrote it, and it was changed since; verify --repair leaves it, as install does", p.Name)})
			}
		}
	}
	return out, n
}

// Manifest checks the revision's snapshot of the manifest in dir against
// the hashes its lock gives the manifest's files. Files from outside the
// manifest's directory are not in the lock by a name the snapshot has.
func Manifest(dir string, l *lock.Lock) ([]Finding, int) {
	if l.Manifest == nil {
		return nil, 0
	}
	var out []Finding
	names := make([]string, 0, len(l.Manifest.Files))
	for name := range l.Manifest.Files {
		if !strings.HasPrefix(name, "../") {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		p := filepath.Join(dir, filepath.FromSlash(name))
		data, err := os.ReadFile(p)
		switch {
		case os.IsNotExist(err):
			out = append(out, Finding{Kind: "missing", What: "manifest", Path: p, Detail: "the lock lists it"})
		case err != nil:
			out = append(out, Finding{Kind: "unverified", What: "manifest", Path: p, Detail: err.Error()})
		case "sha256:"+sha256Hex(data) != l.Manifest.Files[name]:
			out = append(out, Finding{Kind: "corrupt", What: "manifest", Path: p,
				Detail: fmt.Sprintf("has %s, the lock says %s", sha256Of(data), l.Manifest.Files[name])})
		}
	}
	return out, len(names)
}

func sha256Of(data []byte) string { return "sha256:" + sha256Hex(data) }

func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
