package assembler

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/assemble-build/assemble/assembler/plan"
)

// GCReport says what gc removed.
type GCReport struct {
	Revisions []string `json:"revisions"`
	Store     []string `json:"store"`
}

// GC removes an instance's revisions beyond the newest keep (never the
// current one), then the store entries that no revision of any instance
// of the root uses and that have not been used for a day.
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
		rep.Store, err = s.store().Prune(used, 24*time.Hour)
		return nil, err
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
	}
	return used, nil
}
