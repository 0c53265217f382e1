package assembler

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/assemble-build/assemble/assembler/instance"
	"github.com/assemble-build/assemble/assembler/plan"
	"github.com/assemble-build/assemble/assembler/programs"
)

// GCReport says what gc removed.
type GCReport struct {
	Revisions []string `json:"revisions"`
	Store     []string `json:"store"`
	// Cached are the files of the root's cache of go settings and
	// resolutions that nothing used for a week.
	Cached int `json:"cached"`
}

// GC removes an instance's revisions beyond the newest keep (never the
// current one), then the store entries that no revision of any instance
// of the root uses and that have not been used for a day, and what the
// root's cache keeps of go settings and resolutions that nothing used
// for a week.
func GC(ctx context.Context, opts *Options, keep int) (*GCReport, error) {
	if keep < 1 {
		return nil, &UsageError{Err: fmt.Errorf("--keep must be 1 or more")}
	}
	rep := &GCReport{}
	_, err := withInstance(ctx, opts, "gc", func(s *session) (*Report, error) {
		var err error
		if rep.Revisions, err = s.in.PruneRevisions(keep); err != nil {
			return nil, err
		}
		used, err := usedStoreKeys(s.in.Root)
		if err != nil {
			return nil, err
		}
		s.store().Clean()
		if rep.Store, err = s.store().Prune(used, 24*time.Hour); err != nil {
			return nil, err
		}
		rep.Cached = pruneCache(s.in, 7*24*time.Hour)
		rep.Cached += pruneRestores(s.in.Root, 24*time.Hour)
		return nil, nil
	})
	return rep, err
}

// usedStoreKeys lists the store entries the revisions of every instance
// under root use.
func usedStoreKeys(root string) (map[string]bool, error) {
	used := map[string]bool{}
	records, err := filepath.Glob(filepath.Join(root, "instances", "*", "code", "*", plan.RecordFile))
	if err != nil {
		return nil, err
	}
	for _, rec := range records {
		keys, err := plan.StoreKeys(filepath.Dir(rec))
		if err != nil {
			// An unreadable record might name anything: keep every entry.
			return nil, fmt.Errorf("%v; not pruning the store", err)
		}
		for _, k := range keys {
			used[k] = true
		}
		// The recipe programs the revision ran, which rollback, remove
		// and backup start again.
		for _, dir := range programs.Entries(filepath.Dir(rec)) {
			used[filepath.Base(dir)] = true
		}
	}
	return used, nil
}

// pruneCache removes the files of the root's caches of go settings and
// resolutions not used for age, and says how many. Each is made again
// when needed.
func pruneCache(in *instance.Instance, age time.Duration) int {
	n := 0
	for _, dir := range []string{in.Cache("go"), in.Cache("resolve")} {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if fi, err := e.Info(); err == nil && fi.Mode().IsRegular() && time.Since(fi.ModTime()) > age {
				if os.Remove(filepath.Join(dir, e.Name())) == nil {
					n++
				}
			}
		}
	}
	return n
}

// pruneRestores removes what restores that were cut short left unpacked
// under root (.restore-*: passwords and data, the owner's alone), once
// a day old: no restore runs that long.
func pruneRestores(root string, age time.Duration) int {
	n := 0
	dirs, _ := filepath.Glob(filepath.Join(root, ".restore-*"))
	for _, d := range dirs {
		if fi, err := os.Lstat(d); err == nil && fi.IsDir() && time.Since(fi.ModTime()) > age {
			if os.RemoveAll(d) == nil {
				n++
			}
		}
	}
	return n
}
