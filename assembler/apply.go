package assembler

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/assemble-build/assemble/assembler/fsutil"
	"github.com/assemble-build/assemble/assembler/instance"
	"github.com/assemble-build/assemble/assembler/overlay"
	"github.com/assemble-build/assemble/assembler/txn"
	"github.com/assemble-build/assemble/recipes"
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
	// NextState is where the state to write after the run waits, synced,
	// for finish to rename into place.
	NextState string          `json:"next_state"`
	Event     *instance.Event `json:"event"`
	Keep      int             `json:"keep_revisions"`
	// Built says the run built the revision; undoing the run removes it.
	Built bool `json:"built,omitempty"`
	// StagedRevision is where a built revision waits until the commit
	// renames it into place.
	StagedRevision string `json:"staged_revision,omitempty"`
}

// failpoint kills the process at a named point when ASSEMBLE_FAILPOINT
// names it. It exists for the tests that show a kill at any point leaves
// the instance on a complete revision.
func failpoint(name string) {
	if os.Getenv("ASSEMBLE_FAILPOINT") == name {
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		time.Sleep(time.Minute)
	}
}

func newID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// apply carries out the plan: it installs what changed into a staged
// revision and staged files, then commits them all together.
func (r *run) apply(ctx context.Context) (*Report, error) {
	rep := r.report()
	cur := r.in.CurrentRevision()
	if rep.UpToDate {
		// Nothing to install; remember the inputs so the next run can
		// say so without evaluating.
		if st, err := r.newState(ctx); err == nil && st.Fingerprint != r.st.Fingerprint {
			st.Time, st.KeepRevisions = r.st.Time, r.keepRevisions()
			if err := r.in.SaveState(st); err != nil {
				return nil, err
			}
		}
		return rep, nil
	}
	revDir := r.in.Revision(r.rev)
	build := !exists(filepath.Join(revDir, "parts.json"))
	stage := revDir
	if build {
		stage = filepath.Join(r.in.Code(), ".staging-"+r.rev)
		os.RemoveAll(stage)
		if err := os.MkdirAll(filepath.Join(stage, "bin"), 0o755); err != nil {
			return nil, err
		}
		if err := os.Symlink(filepath.Join("..", "local"), filepath.Join(stage, "local")); err != nil {
			return nil, err
		}
	}
	id := newID()
	var tx *txn.Txn
	next := r.in.StatePath() + ".next"
	fail := func(err error) (*Report, error) {
		if tx != nil {
			tx.Abort()
		}
		os.Remove(next)
		os.Remove(r.in.Staging()) // when empty
		if build {
			os.RemoveAll(stage)
		}
		return nil, err
	}
	tx, err := txn.New(filepath.Join(r.in.Staging(), id))
	if err != nil {
		return fail(err)
	}
	if err := r.openLog(); err != nil {
		return fail(err)
	}
	defer r.closeLog()

	var work []*planned
	for _, p := range r.parts {
		isGo := p.part.Recipe == "go.build"
		switch {
		case isGo && !build:
			// Its binaries are in the revision already.
			if p.action != "keep" {
				p.action, p.reason = "reuse", "built in revision "+r.rev
			}
		case p.action != "keep" || isGo:
			work = append(work, p)
		}
	}
	rep = r.report()
	// What the revision records comes from the plan alone, so it is
	// written while the parts install.
	revErr := make(chan error, 1)
	go func() {
		if !build {
			revErr <- nil
			return
		}
		revErr <- r.writeRevision(ctx, stage)
	}()
	err = r.installParts(ctx, work, stage, tx)
	// The new state needs only the plan and what the parts made: it is
	// encoded and written while the revision may still be being written.
	stErr := make(chan error, 1)
	var st *instance.State
	if err == nil {
		go func() {
			var err error
			if st, err = r.newState(ctx); err != nil {
				stErr <- err
				return
			}
			st.KeepRevisions = r.keepRevisions()
			if err := os.WriteFile(next, st.Marshal(), 0o644); err != nil {
				stErr <- fmt.Errorf("%w: %w", ErrBuild, err)
				return
			}
			stErr <- nil
		}()
	}
	if rerr := <-revErr; err == nil && rerr != nil {
		<-stErr
		return fail(fmt.Errorf("%w: writing revision %s: %w", ErrBuild, r.rev, rerr))
	}
	if err != nil {
		return fail(fmt.Errorf("%w: %w", ErrBuild, err))
	}
	if err := <-stErr; err != nil {
		return fail(err)
	}
	rmdirs := r.uninstall(tx)
	if err := tx.Prepare(); err != nil {
		return fail(fmt.Errorf("%w: %w", ErrBuild, err))
	}
	failpoint("before-commit")
	j := &journal{
		ID: id, Action: r.opts.command(), Revision: r.rev, Previous: cur,
		Staging: filepath.Join(r.in.Staging(), id), Ops: tx.Ops(), Created: tx.Created(), Rmdirs: rmdirs,
		NextState: next, Event: r.event(ctx, id, cur, rep), Keep: st.KeepRevisions, Built: build,
	}
	if build {
		j.StagedRevision = stage
	}
	if r.action != "" {
		j.Action, j.Event.Action = r.action, r.action
	}
	if err := writeJournal(r.in, j); err != nil {
		return fail(fmt.Errorf("%w: %w", ErrBuild, err))
	}
	// One sync puts on disk the journal and all it names: the staged
	// files and revision, the backups of what they replace, and the next
	// state. Until then nothing the instance shows has changed, so a crash
	// before it leaves at worst a journal that does not read, which the
	// next run takes for none (see recover).
	if err := tx.Sync(); err != nil {
		os.Remove(r.in.JournalPath())
		return fail(fmt.Errorf("%w: %w", ErrBuild, err))
	}
	if err := r.commit(ctx, j, tx); err != nil {
		return nil, err
	}
	rep.Warnings = r.warns
	return rep, nil
}

// commit applies a journaled run: the staged files into place, the
// switch of current, the activation, and the state.
//
// It is idempotent, so that a run that finds the journal of one cut short
// after the switch can commit it again. The journal, the staged files and
// the backups are on disk already; what commit renames need not be until
// the switch, since undoing puts back the files from the backups and
// removes the revision. One sync, of every file system the run wrote to,
// makes the renames durable before current names the revision.
func (r *run) commit(ctx context.Context, j *journal, tx *txn.Txn) error {
	if j.StagedRevision != "" && exists(j.StagedRevision) {
		if err := os.Rename(j.StagedRevision, r.in.Revision(j.Revision)); err != nil {
			return r.undo(ctx, j, tx, fmt.Errorf("%w: %w", ErrBuild, err))
		}
	}
	if err := tx.Apply(); err != nil {
		return r.undo(ctx, j, tx, fmt.Errorf("%w: %w", ErrBuild, err))
	}
	// The staging directory is inside the instance, so this syncs the
	// revision and the state to come as well.
	if err := tx.Sync(); err != nil {
		return r.undo(ctx, j, tx, fmt.Errorf("%w: %w", ErrBuild, err))
	}
	failpoint("before-switch")
	if err := r.in.Switch(j.Revision); err != nil {
		return r.undo(ctx, j, tx, fmt.Errorf("%w: switching to revision %s: %w", ErrBuild, j.Revision, err))
	}
	now := time.Now()
	_ = os.Chtimes(filepath.Join(r.in.Revision(j.Revision), "parts.json"), now, now)
	failpoint("after-switch")
	if err := r.activate(ctx, j.Revision); err != nil {
		return r.undo(ctx, j, tx, err)
	}
	return r.finish(j, tx)
}

// undo puts the instance back as it was before a journaled run: current
// on the previous revision, files restored, and the previous revision's
// activation run again so that services run the code they ran before.
func (r *run) undo(ctx context.Context, j *journal, tx *txn.Txn, cause error) error {
	if r.in.CurrentRevision() == j.Revision {
		if j.Previous != "" {
			if err := r.in.Switch(j.Previous); err != nil {
				return fmt.Errorf("%w; and switching back to revision %s failed: %v", cause, j.Previous, err)
			}
		} else {
			os.Remove(r.in.Current())
		}
	}
	if err := tx.Undo(); err != nil {
		return fmt.Errorf("%w; and restoring files failed: %v", cause, err)
	}
	os.Remove(r.in.Staging()) // when empty
	removeBuilt(r.in, j)
	os.Remove(j.NextState)
	os.Remove(r.in.JournalPath())
	if j.Previous != "" {
		if err := r.activate(ctx, j.Previous); err != nil {
			r.warns = append(r.warns, fmt.Sprintf("activating revision %s again: %v", j.Previous, err))
		}
		return fmt.Errorf("%w; the instance is back on revision %s", cause, j.Previous)
	}
	return cause
}

// finish records a committed run and cleans up after it.
func (r *run) finish(j *journal, tx *txn.Txn) error {
	if _, err := os.Stat(j.NextState); err == nil {
		if err := os.Rename(j.NextState, r.in.StatePath()); err != nil {
			return err
		}
	}
	if err := r.in.AppendHistory(j.Event); err != nil {
		return err
	}
	// The state and the history must be on disk before the journal is
	// gone; one sync does for both.
	if err := fsutil.SyncFS(r.in.Meta()); err != nil {
		return err
	}
	tx.Finish()
	failpoint("finishing")
	os.Remove(r.in.Staging()) // when empty
	sort.Sort(sort.Reverse(sort.StringSlice(j.Rmdirs)))
	for _, d := range j.Rmdirs {
		os.Remove(d) // only if empty
	}
	if err := os.Remove(r.in.JournalPath()); err != nil && !os.IsNotExist(err) {
		return err
	}
	if _, err := r.pruneRevisions(j.Keep); err != nil {
		r.warns = append(r.warns, "removing old revisions: "+err.Error())
	}
	return nil
}

func (r *run) keepRevisions() int {
	if r.res != nil {
		return r.res.Config.Settings.KeepRevisions
	}
	if r.st.KeepRevisions > 0 {
		return r.st.KeepRevisions
	}
	return 5
}

// removeBuilt removes the revision an undone run built, wherever the run
// left it.
func removeBuilt(in *instance.Instance, j *journal) {
	if !j.Built {
		return
	}
	if j.StagedRevision != "" {
		os.RemoveAll(j.StagedRevision)
	}
	os.RemoveAll(in.Revision(j.Revision))
}

// writeJournal writes the journal into place, unsynced: the sync that
// follows covers it.
func writeJournal(in *instance.Instance, j *journal) error {
	data, err := json.Marshal(j)
	if err != nil {
		return err
	}
	return fsutil.WriteFileUnsynced(in.JournalPath(), data, 0o644)
}

// recover finishes a run that was cut short after it wrote its journal,
// if it had switched current, or undoes it if it had not; either way the
// instance ends on a complete revision with files to match. Leftovers of
// runs cut short before that are removed.
func (r *run) recover(ctx context.Context) error {
	defer r.cleanLeftovers()
	data, err := os.ReadFile(r.in.JournalPath())
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
		r.warns = append(r.warns, fmt.Sprintf("%s does not read (%v): the run it records was cut short before it changed anything", r.in.JournalPath(), err))
		return os.Remove(r.in.JournalPath())
	}
	tx := txn.Resume(j.Staging, j.Ops, j.Created)
	if r.in.CurrentRevision() != j.Revision {
		r.progress("undoing the %s of revision %s that was cut short", j.Action, j.Revision)
		if err := tx.Undo(); err != nil {
			return err
		}
		removeBuilt(r.in, &j)
		os.Remove(j.NextState)
		return os.Remove(r.in.JournalPath())
	}
	r.progress("finishing the %s of revision %s that was cut short", j.Action, j.Revision)
	if err := r.openLog(); err != nil {
		return err
	}
	defer r.closeLog()
	if err := r.commit(ctx, &j, tx); err != nil {
		return err
	}
	st, err := r.in.LoadState()
	if err != nil {
		return err
	}
	r.st = st
	return nil
}

// cleanLeftovers removes what runs killed before their journal left: a
// staged revision, the next state, and the files staged beside their
// targets and the directories made for them, which each run's intent log
// names.
func (r *run) cleanLeftovers() {
	if exists(r.in.JournalPath()) {
		return
	}
	if entries, err := os.ReadDir(r.in.Code()); err == nil {
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".staging-") {
				os.RemoveAll(filepath.Join(r.in.Code(), e.Name()))
			}
		}
	}
	if entries, err := os.ReadDir(r.in.Staging()); err == nil {
		for _, e := range entries {
			txn.Clean(filepath.Join(r.in.Staging(), e.Name()))
		}
	}
	os.RemoveAll(r.in.Staging())
	os.Remove(r.in.StatePath() + ".next") // written just before the journal
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

// installParts installs parts, each once the parts it refers to are
// done, independent ones at the same time.
func (r *run) installParts(ctx context.Context, work []*planned, stage string, tx *txn.Txn) error {
	if len(work) == 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(map[string]chan struct{}, len(work))
	total := 0
	for _, p := range work {
		done[p.part.Name] = make(chan struct{})
		if p.action != "keep" {
			total++
		}
	}
	sem := make(chan struct{}, max(4, runtime.NumCPU()))
	var (
		mu    sync.Mutex
		first error
		n     atomic.Int32
		wg    sync.WaitGroup
	)
	for _, p := range work {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(done[p.part.Name])
			for _, d := range p.deps {
				if ch, ok := done[d]; ok {
					<-ch
				}
			}
			if ctx.Err() != nil {
				return
			}
			sem <- struct{}{}
			defer func() { <-sem }()
			h := &host{r: r, p: p, tx: tx, stage: stage, total: total}
			if p.action != "keep" {
				h.n = int(n.Add(1))
				verb := "installing"
				if p.action == "reinstall" {
					verb = "reinstalling: " + p.reason
				}
				h.Progress("%s", verb)
			}
			if err := p.recipe.Install(ctx, p.part, h); err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
				cancel()
				return
			}
			p.paths = h.paths
		}()
	}
	wg.Wait()
	if first == nil && ctx.Err() != nil && !errors.Is(ctx.Err(), context.Canceled) {
		first = ctx.Err()
	}
	return first
}

// uninstall stages the removal of what removed parts made, and of what
// reinstalled parts made before and do not make again. A file a user
// edited since assemble wrote it is never destroyed: one a part writes
// again is kept beside it, one no part writes is left in place; nothing
// under var/ is deleted. It returns the directories to remove after the
// commit if they are empty.
func (r *run) uninstall(tx *txn.Txn) []string {
	made := map[string]bool{}
	for _, p := range r.parts {
		paths := p.paths
		if p.action == "keep" && p.old != nil {
			paths = p.old.Paths
		}
		for _, x := range paths {
			made[x.Path] = true
		}
	}
	root := r.rootDirs()
	var rmdirs []string
	drop := func(part string, x instance.Path) {
		switch {
		case x.Kind == "dir":
			if !root[x.Path] {
				rmdirs = append(rmdirs, x.Path)
			}
		case edited(x):
			r.warns = append(r.warns, fmt.Sprintf("part %s: left %s in place: it was edited after assemble wrote it", part, x.Path))
		case r.underVar(x.Path):
			r.warns = append(r.warns, fmt.Sprintf("part %s: left %s in place: var/ holds data, which an install never deletes", part, x.Path))
		default:
			tree := x.Kind == "tree"
			if x.Kind == "tracked" {
				if fi, err := os.Lstat(x.Path); err == nil && fi.IsDir() {
					tree = true
				}
			}
			tx.Remove(x.Path, tree)
		}
	}
	for _, p := range r.parts {
		if p.old == nil || p.action == "keep" {
			continue
		}
		for i := len(p.old.Paths) - 1; i >= 0; i-- {
			x := p.old.Paths[i]
			if !made[x.Path] {
				drop(p.part.Name, x)
			} else if (x.Kind == "file" || x.Kind == "symlink") && edited(x) {
				saved := tx.KeepAside(x.Path)
				r.warns = append(r.warns, fmt.Sprintf("part %s: %s was edited after assemble wrote it; your copy is kept as %s", p.part.Name, x.Path, saved))
			}
		}
	}
	for _, g := range r.gone {
		for i := len(g.Paths) - 1; i >= 0; i-- {
			if x := g.Paths[i]; !made[x.Path] {
				drop(g.Name, x)
			}
		}
	}
	return rmdirs
}

// edited reports whether a file or link differs from what the part made.
func edited(x instance.Path) bool {
	switch x.Kind {
	case "file", "tracked":
		if x.Hash == "" {
			return false
		}
		fi, err := os.Lstat(x.Path)
		if err != nil || !fi.Mode().IsRegular() {
			return false
		}
		return fileHash(x.Path) != x.Hash
	case "symlink":
		l, err := os.Readlink(x.Path)
		return err == nil && l != x.Hash
	}
	return false
}

// writeRevision writes what a revision holds besides its binaries: a
// snapshot of the manifest, the lock, the parts as evaluated, and the
// activate script.
func (r *run) writeRevision(ctx context.Context, stage string) error {
	files, _, _ := r.inputs()
	top := r.res.Config.Config.Top.Dir
	final := r.in.Revision(r.rev)
	snap := map[string]string{}
	for _, f := range files {
		rel := snapshotName(top, f)
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		dst := filepath.Join(stage, "manifest", rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			return err
		}
		snap[f] = filepath.Join(final, "manifest", rel)
	}
	source := ""
	var commit string
	var dirty bool
	if r.man != nil {
		source, commit = r.man.Spec, r.man.Commit
	} else {
		source = top
		commit, dirty = overlay.VCS(ctx, top)
	}
	l := r.res.Lock(ctx, source)
	l.Manifest.Commit, l.Manifest.Dirty = commit, dirty
	if r.man != nil {
		l.Manifest.Ref = r.man.Ref
	}
	if err := os.WriteFile(filepath.Join(stage, "assemble.lock"), l.Marshal(), 0o644); err != nil {
		return err
	}
	if v := r.res.Versions; v != nil && len(v.Modules) > 0 {
		if err := os.WriteFile(filepath.Join(stage, "resolution.json"), v.Save(), 0o644); err != nil {
			return err
		}
	}
	pr := plannedRevision{Revision: r.rev, Instance: r.in.Name, Time: time.Now().UTC().Truncate(time.Second)}
	// A thousand parts' entries are most of the time a one-change
	// install spends writing: they are encoded on every processor.
	entries := make([][]byte, len(r.parts))
	errs := make([]error, len(r.parts))
	parallel(len(r.parts), func(i int) {
		e, err := revisionEntry(r.parts[i], snap)
		entries[i], errs[i] = e.marshal(), err
	})
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(stage, "parts.json"), pr.marshal(entries), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(stage, "bin", "activate"), []byte(activateScript(r.in)), 0o644)
}

// snapshotName is where file f goes in a revision's manifest snapshot:
// its path relative to the top config's directory, with files from
// outside it under _outside/.
func snapshotName(top, f string) string {
	rel, err := filepath.Rel(top, f)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return filepath.Join("_outside", strings.TrimPrefix(filepath.Clean(f), string(filepath.Separator)))
	}
	return rel
}

// revisionEntry records a part for parts.json, its source paths pointing
// into the revision's snapshot so that the revision can be applied again
// after the manifest has changed. The options are written as one cty
// object, from the JSON each was encoded to for the digest.
func revisionEntry(p *planned, snap map[string]string) (plannedEntry, error) {
	spec := p.recipe.Spec()
	names := make([]string, 0, len(spec.Options))
	for _, o := range spec.Options {
		names = append(names, o.Name)
	}
	sort.Strings(names)
	var ty, val bytes.Buffer
	ty.WriteString(`["object",{`)
	val.WriteString(`{`)
	for i, name := range names {
		enc, ok := p.optJSON[name]
		if o := spec.Option(name); !ok || o.Path == recipes.SourcePath {
			// Sources were encoded by content for the digest; record the
			// path, in the snapshot where there is one.
			v := p.part.Options[name]
			if o.Path == recipes.SourcePath && v.IsKnown() && !v.IsNull() && v.Type() == cty.String {
				if s, ok := snap[v.AsString()]; ok {
					v = cty.StringVal(s)
				}
			}
			t, err := ctyjson.MarshalType(v.Type())
			if err != nil {
				return plannedEntry{}, err
			}
			js, err := ctyjson.Marshal(v, v.Type())
			if err != nil {
				return plannedEntry{}, err
			}
			enc = [2][]byte{t, js}
		}
		if i > 0 {
			ty.WriteByte(',')
			val.WriteByte(',')
		}
		key, _ := json.Marshal(name)
		ty.Write(key)
		ty.WriteByte(':')
		ty.Write(enc[0])
		val.Write(key)
		val.WriteByte(':')
		val.Write(enc[1])
	}
	ty.WriteString(`}]`)
	val.WriteString(`}`)
	return plannedEntry{Name: p.part.Name, Recipe: p.part.Recipe, Digest: p.digest, DependsOn: p.deps,
		Outside: p.outside, Store: p.storeKey, Hashes: encodeHashes(p.optHashes), Type: ty.Bytes(), Options: val.Bytes()}, nil
}

// marshal encodes the record, with its parts' entries encoded by
// plannedEntry.marshal.
func (pr *plannedRevision) marshal(entries [][]byte) []byte {
	head, _ := json.Marshal(struct {
		Revision string    `json:"revision"`
		Instance string    `json:"instance"`
		Time     time.Time `json:"time"`
	}{pr.Revision, pr.Instance, pr.Time})
	n := len(head) + 16
	for _, e := range entries {
		n += len(e) + 1
	}
	b := bytes.NewBuffer(make([]byte, 0, n))
	b.Write(head[:len(head)-1])
	b.WriteString(`,"parts":[`)
	for i, e := range entries {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(e)
	}
	b.WriteString("]}\n")
	return b.Bytes()
}

// marshal encodes an entry. encoding/json would re-scan the options' raw
// JSON, which is most of the entry; they are written as they are.
func (e plannedEntry) marshal() []byte {
	ty, opts := e.Type, e.Options
	e.Type, e.Options = nil, nil
	js, _ := json.Marshal(e)
	b := make([]byte, 0, len(js)+len(ty)+len(opts)+24)
	b = append(b, js[:len(js)-1]...)
	b = append(b, `,"type":`...)
	b = append(b, ty...)
	b = append(b, `,"options":`...)
	b = append(b, opts...)
	return append(b, '}')
}

// activateScript is bin/activate, which bash and zsh source, as a
// virtualenv's: the instance's bin first on PATH, ASSEMBLE_INSTANCE set,
// and deactivate to undo both.
func activateScript(in *instance.Instance) string {
	return fmt.Sprintf(`# Source this file from bash or zsh:  . %[2]s/bin/activate
# It puts the instance's bin first on PATH and sets ASSEMBLE_INSTANCE;
# deactivate undoes both. Written by assemble.

if [ -n "${ASSEMBLE_INSTANCE-}" ] && type deactivate >/dev/null 2>&1; then
    deactivate
fi

_ASSEMBLE_OLD_PATH="$PATH"
_ASSEMBLE_OLD_PS1="${PS1-}"
ASSEMBLE_INSTANCE=%[1]q
ASSEMBLE_INSTANCE_DIR=%[2]q
PATH="$ASSEMBLE_INSTANCE_DIR/bin:$PATH"
export ASSEMBLE_INSTANCE ASSEMBLE_INSTANCE_DIR PATH
if [ -z "${ASSEMBLE_NO_PROMPT-}" ] && [ -n "${PS1-}" ]; then
    PS1="(%[1]s) $PS1"
fi

deactivate() {
    PATH="$_ASSEMBLE_OLD_PATH"
    export PATH
    if [ -n "${_ASSEMBLE_OLD_PS1-}" ]; then
        PS1="$_ASSEMBLE_OLD_PS1"
    fi
    unset ASSEMBLE_INSTANCE ASSEMBLE_INSTANCE_DIR _ASSEMBLE_OLD_PATH _ASSEMBLE_OLD_PS1
    unset -f deactivate
    hash -r 2>/dev/null
    return 0
}

hash -r 2>/dev/null
`, in.Name, in.Dir)
}

// activate runs the activation steps of the revision's parts, in order,
// after the instance has switched to it.
func (r *run) activate(ctx context.Context, rev string) error {
	parts := r.parts
	if rev != r.rev || len(parts) == 0 {
		var err error
		if parts, err = r.loadRevision(rev); err != nil {
			return err
		}
	}
	for _, p := range parts {
		ph, ok := p.recipe.(recipes.Phased)
		if !ok {
			continue
		}
		h := &host{r: r, p: p, stage: r.in.Revision(rev), activating: true}
		if err := ph.Activate(ctx, p.part, h); err != nil {
			return fmt.Errorf("%w: activating revision %s: %w", ErrBuild, rev, err)
		}
	}
	return nil
}

// event describes the run for the history.
func (r *run) event(ctx context.Context, id, prev string, rep *Report) *instance.Event {
	e := &instance.Event{ID: id, Time: time.Now().UTC().Truncate(time.Second), Action: r.opts.command(), Revision: r.rev, Previous: prev}
	if u, err := user.Current(); err == nil {
		e.User = u.Username
	}
	if r.man != nil {
		e.Manifest, e.Commit = r.man.Spec, r.man.Commit
	} else if r.src != nil && r.res != nil {
		e.Manifest = r.src.ConfigPath()
		e.Commit, e.Dirty = overlay.VCS(ctx, r.res.Config.Config.Top.Dir)
	} else if e.Manifest = r.st.Manifest; e.Manifest == "" {
		e.Manifest = r.st.Config
	}
	for _, o := range r.ovs {
		commit, dirty := overlay.VCS(ctx, o.Dir)
		s := fmt.Sprintf("%s=%s", o.Module, o.Dir)
		if commit != "" {
			s += "@" + commit[:min(12, len(commit))]
		}
		if dirty {
			s += "+dirty"
		}
		e.Overlays = append(e.Overlays, s)
	}
	for _, s := range rep.Steps {
		switch s.Action {
		case "install":
			e.Parts.Installed = append(e.Parts.Installed, s.Part)
		case "reinstall":
			e.Parts.Reinstalled = append(e.Parts.Reinstalled, s.Part)
		case "remove":
			e.Parts.Removed = append(e.Parts.Removed, s.Part)
		case "reuse":
			e.Parts.Reinstalled = append(e.Parts.Reinstalled, s.Part)
		default:
			e.Parts.Kept++
		}
	}
	return e
}

// pruneRevisions removes the oldest revisions beyond the newest keep, and
// never the current one.
func (r *run) pruneRevisions(keep int) ([]string, error) {
	revs, err := r.in.Revisions()
	if err != nil {
		return nil, err
	}
	cur := r.in.CurrentRevision()
	var removed []string
	for i := 0; i < len(revs)-keep; i++ {
		if revs[i] == cur {
			continue
		}
		if err := os.RemoveAll(r.in.Revision(revs[i])); err != nil {
			return removed, err
		}
		removed = append(removed, revs[i])
	}
	return removed, nil
}

func (r *run) openLog() error {
	if r.log != nil {
		return nil
	}
	f, err := os.OpenFile(filepath.Join(r.in.Meta(), "last-run.log"), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	r.log = f
	return nil
}

func (r *run) closeLog() {
	if r.log != nil {
		r.log.Close()
		r.log = nil
	}
}
