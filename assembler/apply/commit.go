package apply

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/assemble-build/assemble/assembler/plan"
	"github.com/assemble-build/assemble/assembler/txn"
)

// commit applies a journaled run: the staged revision and files into
// place, the switch of current, the activation, and the state.
//
// It is idempotent, so that a run that finds the journal of one cut short
// after the switch can commit it again. The journal, the staged files and
// the backups are on disk already; what commit renames need not be until
// the switch, since undoing puts back the files from the backups and
// removes the revision. One sync, of every file system the run wrote to,
// makes the renames durable before current names the revision.
func (r *Run) commit(ctx context.Context, j *journal, tx *txn.Txn) error {
	in := r.Instance
	if j.StagedRevision != "" && exists(j.StagedRevision) {
		if err := r.fs.Rename(j.StagedRevision, in.Revision(j.Revision)); err != nil {
			return r.undo(ctx, j, tx, fmt.Errorf("%w: %w", ErrBuild, err))
		}
	}
	if err := r.deactivate(ctx, j.Previous, j.Revision); err != nil {
		return r.undo(ctx, j, tx, err)
	}
	if err := tx.Apply(); err != nil {
		return r.undo(ctx, j, tx, fmt.Errorf("%w: %w", ErrBuild, err))
	}
	if err := tx.Sync(); err != nil {
		return r.undo(ctx, j, tx, fmt.Errorf("%w: %w", ErrBuild, err))
	}
	failpoint("before-switch")
	if err := in.Switch(j.Revision); err != nil {
		return r.undo(ctx, j, tx, fmt.Errorf("%w: switching to revision %s: %w", ErrBuild, j.Revision, err))
	}
	// Revisions are ordered by when they were last switched to.
	t := time.Now()
	_ = os.Chtimes(filepath.Join(in.Revision(j.Revision), plan.RecordFile), t, t)
	failpoint("after-switch")
	if err := r.give(); err != nil {
		return r.undo(ctx, j, tx, err)
	}
	if !r.NoActivate {
		if err := r.activate(ctx, j.Revision); err != nil {
			return r.undo(ctx, j, tx, err)
		}
	}
	r.retire(ctx, j.Previous, j.Revision)
	return r.finish(j, tx)
}

// undo puts the instance back as it was before a journaled run: current
// on the previous revision, files restored, and the previous revision's
// activation run again so that services run the code they ran before.
func (r *Run) undo(ctx context.Context, j *journal, tx *txn.Txn, cause error) error {
	in := r.Instance
	if in.CurrentRevision() == j.Revision {
		// What the new revision started alone stops before its files go.
		if err := r.deactivate(ctx, j.Revision, j.Previous); err != nil {
			r.warn("stopping what revision %s started: %v", j.Revision, err)
		}
		if j.Previous != "" {
			if err := in.Switch(j.Previous); err != nil {
				return fmt.Errorf("%w; and switching back to revision %s failed: %v", cause, j.Previous, err)
			}
		} else {
			r.fs.Remove(in.Current())
		}
	}
	if err := tx.Undo(); err != nil {
		return fmt.Errorf("%w; and restoring files failed: %v", cause, err)
	}
	r.fs.Remove(in.Staging()) // when empty
	r.removeBuilt(j)
	r.fs.Remove(j.NextState)
	r.fs.Remove(in.JournalPath())
	if j.Previous == "" {
		return cause
	}
	if err := r.activate(ctx, j.Previous); err != nil {
		r.warn("activating revision %s again: %v", j.Previous, err)
	}
	return fmt.Errorf("%w; the instance is back on revision %s", cause, j.Previous)
}

// finish records a committed run and cleans up after it.
func (r *Run) finish(j *journal, tx *txn.Txn) error {
	in := r.Instance
	if exists(j.NextState) {
		if err := r.fs.Rename(j.NextState, in.StatePath()); err != nil {
			return err
		}
	}
	if err := in.AppendHistory(j.Event); err != nil {
		return err
	}
	// The state and the history must be on disk before the journal is
	// gone; one sync does for both.
	if err := syncMeta(in); err != nil {
		return err
	}
	tx.Finish()
	failpoint("finishing")
	r.fs.Remove(in.Staging()) // when empty
	sort.Sort(sort.Reverse(sort.StringSlice(j.Rmdirs)))
	for _, d := range j.Rmdirs {
		r.fs.Remove(d) // only if empty
	}
	if err := r.fs.Remove(in.JournalPath()); err != nil && !os.IsNotExist(err) {
		return err
	}
	if _, err := in.PruneRevisions(j.Keep); err != nil {
		r.warn("removing old revisions: %v", err)
	}
	return nil
}
