package apply

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/assemble-build/assemble/assembler/fsutil"
	"github.com/assemble-build/assemble/assembler/instance"
	"github.com/assemble-build/assemble/assembler/plan"
	"github.com/assemble-build/assemble/assembler/txn"
	"github.com/assemble-build/assemble/recipes/recipe"
)

// journal is written just before a run changes what the instance shows,
// and removed when it is done; a run that finds one finishes or undoes the
// run that wrote it.
type journal struct {
	ID       string    `json:"id"`
	Action   string    `json:"action"`
	Revision string    `json:"revision"`
	Previous string    `json:"previous,omitempty"`
	Staging  string    `json:"staging"`
	Ops      []*txn.Op `json:"ops"`
	Created  []string  `json:"created,omitempty"`
	Rmdirs   []string  `json:"rmdirs,omitempty"`
	// NextState is where the state to write after the run waits, for
	// finish to rename into place.
	NextState string          `json:"next_state"`
	Event     *instance.Event `json:"event"`
	Keep      int             `json:"keep_revisions"`
	// Built says the run built the revision; undoing the run removes it.
	Built bool `json:"built,omitempty"`
	// StagedRevision is where a built revision waits until the commit
	// renames it into place.
	StagedRevision string `json:"staged_revision,omitempty"`
}

// prepare writes down everything the commit needs (the next state, the
// backups of what the staged files replace, the journal) and puts it on
// disk with one sync. Until then nothing the instance shows has changed,
// so a crash before it leaves at worst a journal that does not read,
// which the next run takes for none.
func (s *staging) prepare(ctx context.Context) (*journal, error) {
	r := s.r
	st := r.nextState(s.paths)
	if err := os.WriteFile(s.next, st.Marshal(), 0o644); err != nil {
		return nil, err
	}
	rmdirs := s.uninstall()
	if err := s.tx.Prepare(); err != nil {
		return nil, err
	}
	failpoint("before-commit")
	cur := r.Instance.CurrentRevision()
	j := &journal{
		ID: s.id, Action: r.Event.Action, Revision: r.Plan.Revision, Previous: cur,
		Staging: filepath.Join(r.Instance.Staging(), s.id), Ops: s.tx.Ops(), Created: s.tx.Created(), Rmdirs: rmdirs,
		NextState: s.next, Event: r.event(s.id, cur), Keep: st.KeepRevisions, Built: s.build,
	}
	if s.build {
		j.StagedRevision = s.dir
	}
	data, err := json.Marshal(j)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(r.Instance.JournalPath(), data, 0o644); err != nil {
		return nil, err
	}
	// The staging directory is inside the instance, so one sync of its
	// file system covers the revision, the next state and the journal.
	if err := s.tx.Sync(); err != nil {
		r.fs.Remove(r.Instance.JournalPath())
		return nil, err
	}
	return j, nil
}

// event is the history line of the run, from the caller's and the plan.
func (r *Run) event(id, prev string) *instance.Event {
	e := *r.Event
	e.ID, e.Time, e.Revision, e.Previous = id, now(), r.Plan.Revision, prev
	for _, p := range r.Plan.Parts {
		switch p.Action {
		case plan.Install:
			e.Parts.Installed = append(e.Parts.Installed, p.Part.Name)
		case plan.Reinstall, plan.Reuse:
			e.Parts.Reinstalled = append(e.Parts.Reinstalled, p.Part.Name)
		default:
			e.Parts.Kept++
		}
	}
	for _, g := range r.Plan.Gone {
		e.Parts.Removed = append(e.Parts.Removed, g.Name)
	}
	return &e
}

// Recover finishes a run that was cut short after it wrote its journal,
// if it had switched current, or undoes it if it had not; either way the
// instance ends on a complete revision with files to match. Leftovers of
// runs cut short before that are removed. r needs only Instance, Recipes
// and Progress.
func Recover(ctx context.Context, r *Run) error {
	fs, err := fsutil.OpenTree(r.Instance.Dir)
	if err != nil {
		return err
	}
	defer fs.Close()
	r.fs = fs
	r.killChildren()
	defer r.cleanLeftovers()
	in := r.Instance
	data, err := os.ReadFile(in.JournalPath())
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	var j journal
	if err := json.Unmarshal(data, &j); err != nil {
		// The journal is synced before the run it records changes what
		// the instance shows; one that does not read was cut short
		// before that, and there is nothing to finish or undo.
		r.warn("%s does not read (%v): the run it records was cut short before it changed anything", in.JournalPath(), err)
		return r.fs.Remove(in.JournalPath())
	}
	tx := txn.Resume(r.fs, j.Staging, j.Ops, j.Created)
	if in.CurrentRevision() != j.Revision {
		r.say("undoing the %s of revision %s that was cut short", j.Action, j.Revision)
		if err := tx.Undo(); err != nil {
			return err
		}
		r.removeBuilt(&j)
		r.fs.Remove(j.NextState)
		return r.fs.Remove(in.JournalPath())
	}
	r.say("finishing the %s of revision %s that was cut short", j.Action, j.Revision)
	if err := r.openLog(); err != nil {
		return err
	}
	defer r.closeLog()
	return r.commit(ctx, &j, tx)
}

// cleanLeftovers removes what runs killed before their journal left: a
// staged revision, the next state, and the files staged beside their
// targets and the directories made for them, which each run's intent log
// names.
func (r *Run) cleanLeftovers() {
	in := r.Instance
	if exists(in.JournalPath()) {
		return
	}
	if entries, err := os.ReadDir(in.Code()); err == nil {
		for _, e := range entries {
			// A staged revision, or a rebuild verify left.
			if strings.HasPrefix(e.Name(), ".staging-") || strings.HasPrefix(e.Name(), ".verify-") {
				r.fs.RemoveAll(filepath.Join(in.Code(), e.Name()))
			}
		}
	}
	if entries, err := os.ReadDir(in.Staging()); err == nil {
		for _, e := range entries {
			txn.Clean(r.fs, filepath.Join(in.Staging(), e.Name()))
		}
	}
	r.fs.RemoveAll(in.Staging())
	r.fs.Remove(in.StatePath() + ".next") // written just before the journal
}

// removeBuilt removes the revision an undone run built, wherever the run
// left it.
func (r *Run) removeBuilt(j *journal) {
	if !j.Built {
		return
	}
	if j.StagedRevision != "" {
		r.fs.RemoveAll(j.StagedRevision)
	}
	r.fs.RemoveAll(r.Instance.Revision(j.Revision))
}

// revisionParts returns the parts of revision rev: the plan's, or those
// its record names.
func (r *Run) revisionParts(rev string) ([]*plan.Part, error) {
	if r.Plan != nil && r.Plan.Revision == rev {
		return r.Plan.Parts, nil
	}
	in := r.Instance
	rec, err := plan.ReadRecord(in.Revision(rev), r.Recipes, recipe.NewInstance(in.Name, in.Dir))
	if err != nil {
		return nil, fmt.Errorf("revision %s: %w", rev, err)
	}
	return rec.Parts, nil
}

// syncMeta puts what was written in .assemble on disk.
func syncMeta(in *instance.Instance) error { return fsutil.SyncFS(in.Meta()) }
