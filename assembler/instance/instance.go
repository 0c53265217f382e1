// Package instance lays out instances on disk, lets one process at a
// time hold each, and keeps their state and history.
//
//	<root>/instances/<name>/
//	  bin -> code/current/bin
//	  etc/ run/ tmp/ var/
//	  code/<rev>/             one immutable revision
//	  code/<rev>/local -> ../local
//	  code/local/             developer checkouts
//	  code/current -> <rev>
//	  .assemble/              state.json, history.jsonl, journal.json,
//	                          lock, lock.holder
package instance

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/assemble-build/assemble/assembler/fsutil"
)

// Instance is one instance directory.
type Instance struct {
	Name string
	Root string
	Dir  string
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// Open returns the instance called name under root, which need not exist.
func Open(root, name string) (*Instance, error) {
	if !nameRE.MatchString(name) {
		return nil, fmt.Errorf("invalid instance name %q: use letters, digits, '.', '_' and '-', starting with a letter or digit", name)
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	return &Instance{Name: name, Root: abs, Dir: filepath.Join(abs, "instances", name)}, nil
}

// List returns the names of the instances under root.
func List(root string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(root, "instances"))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		in := &Instance{Dir: filepath.Join(root, "instances", e.Name())}
		if e.IsDir() && nameRE.MatchString(e.Name()) && in.Exists() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names, nil
}

// Paths of the instance.
func (in *Instance) Code() string               { return filepath.Join(in.Dir, "code") }
func (in *Instance) Local() string              { return filepath.Join(in.Dir, "code", "local") }
func (in *Instance) Current() string            { return filepath.Join(in.Dir, "code", "current") }
func (in *Instance) Revision(rev string) string { return filepath.Join(in.Dir, "code", rev) }
func (in *Instance) Meta() string               { return filepath.Join(in.Dir, ".assemble") }
func (in *Instance) StatePath() string          { return filepath.Join(in.Meta(), "state.json") }
func (in *Instance) HistoryPath() string        { return filepath.Join(in.Meta(), "history.jsonl") }
func (in *Instance) JournalPath() string        { return filepath.Join(in.Meta(), "journal.json") }
func (in *Instance) Staging() string            { return filepath.Join(in.Meta(), "staging") }

// Cache is a directory of the root's cache, shared by its instances.
func (in *Instance) Cache(name string) string { return filepath.Join(in.Root, "cache", name) }

// Exists reports whether the instance has been created.
func (in *Instance) Exists() bool {
	_, err := os.Stat(in.Meta())
	return err == nil
}

// Create makes the instance's directories; those that exist are kept.
func (in *Instance) Create() error {
	if err := in.makeDir(); err != nil {
		return err
	}
	for _, d := range []string{"etc", "run", "tmp", "var", filepath.Join("code", "local"), ".assemble"} {
		if err := os.MkdirAll(filepath.Join(in.Dir, d), 0o755); err != nil {
			return err
		}
	}
	return nil
}

// Discard removes an instance that never had a revision: its .assemble,
// and the directories Create made where they are empty. Anything a user
// put there stays, and so does the instance directory then.
func (in *Instance) Discard() {
	os.RemoveAll(in.Meta())
	for _, d := range []string{"etc", "run", "tmp", "var", filepath.Join("code", "local"), "code", ""} {
		os.Remove(filepath.Join(in.Dir, d)) // only if empty
	}
}

// makeDir makes the instance's directory if it does not exist, marked
// as the top of directory trees (see fsutil.MarkTopDir): each directory
// in it, parts, etc, var, code, is a tree of its own.
func (in *Instance) makeDir() error {
	if _, err := os.Lstat(in.Dir); err == nil {
		return nil
	}
	if err := os.MkdirAll(in.Dir, 0o755); err != nil {
		return err
	}
	fsutil.MarkTopDir(in.Dir)
	return nil
}

// CurrentRevision returns the revision code/current points to, or "".
func (in *Instance) CurrentRevision() string {
	target, err := os.Readlink(in.Current())
	if err != nil {
		return ""
	}
	return filepath.Base(target)
}

// Switch points code/current at rev by renaming a new link over the old
// one, so that current is at every moment one complete revision or the
// other. It also makes sure bin points into current.
func (in *Instance) Switch(rev string) error {
	tmp := filepath.Join(in.Code(), ".current.tmp")
	os.Remove(tmp)
	if err := os.Symlink(rev, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, in.Current()); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := fsutil.SyncDir(in.Code()); err != nil {
		return err
	}
	bin := filepath.Join(in.Dir, "bin")
	if target, err := os.Readlink(bin); err != nil || target != filepath.Join("code", "current", "bin") {
		tmp := filepath.Join(in.Dir, ".bin.tmp")
		os.Remove(tmp)
		if err := os.Symlink(filepath.Join("code", "current", "bin"), tmp); err != nil {
			return err
		}
		if err := os.Rename(tmp, bin); err != nil {
			return err
		}
		return fsutil.SyncDir(in.Dir)
	}
	return nil
}

// Revisions lists the complete revisions, oldest first by the time they
// were made.
func (in *Instance) Revisions() ([]string, error) {
	entries, err := os.ReadDir(in.Code())
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	type rev struct {
		name string
		t    time.Time
	}
	var revs []rev
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") || e.Name() == "local" {
			continue
		}
		fi, err := os.Stat(filepath.Join(in.Code(), e.Name(), "parts.json"))
		if err != nil {
			continue // not a complete revision
		}
		revs = append(revs, rev{e.Name(), fi.ModTime()})
	}
	sort.SliceStable(revs, func(i, j int) bool {
		if !revs[i].t.Equal(revs[j].t) {
			return revs[i].t.Before(revs[j].t)
		}
		return revs[i].name < revs[j].name
	})
	out := make([]string, len(revs))
	for i, r := range revs {
		out[i] = r.name
	}
	return out, nil
}

// PruneRevisions removes the oldest revisions beyond the newest keep,
// never the current one, and returns those it removed.
func (in *Instance) PruneRevisions(keep int) ([]string, error) {
	revs, err := in.Revisions()
	if err != nil {
		return nil, err
	}
	cur := in.CurrentRevision()
	var removed []string
	for i := 0; i < len(revs)-keep; i++ {
		if revs[i] == cur {
			continue
		}
		if err := os.RemoveAll(in.Revision(revs[i])); err != nil {
			return removed, err
		}
		removed = append(removed, revs[i])
	}
	return removed, nil
}
