// Package txn stages changes to an instance's files and applies them
// together, so that an install that fails, or is killed, leaves the
// instance's files as they were, and one that succeeds changes them all.
//
// New content is written beside its target, as a hidden file named after
// it (.NAME.assemble-ID.N), so that a rename in the same directory moves
// it into place, while the file it will replace stays untouched. (A
// single staging directory would be simpler, but a thousand new files in
// one directory cost several times what they cost spread over their own.)
// Apply renames each staged file over its target, after keeping the old
// file as a hard link in the transaction's directory so that Undo can put
// it back. The list of operations is the journal a crashed run is
// finished or undone from; a run killed before it had a journal is
// cleaned up from the intent log the transaction keeps in its directory,
// which names every staged file before it exists and every directory the
// moment it is made.
//
// Every operation goes through an fsutil.Tree for the instance: no
// symbolic link a part or a user made can lead a write, a rename or a
// removal out of the instance. Paths outside it are reached only where
// the caller has allowed a part to write there.
package txn

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/assemble-build/assemble/assembler/fsutil"
)

// Op is one staged change.
type Op struct {
	Kind   string `json:"kind"` // put, remove or track
	Target string `json:"target"`
	Staged string `json:"staged,omitempty"` // the new content, for put
	Backup string `json:"backup,omitempty"` // where the old content is kept, for undo
	// Tree marks a whole directory; its old content is moved aside at
	// commit, since a directory cannot be hard-linked.
	Tree bool `json:"tree,omitempty"`
	// Keep marks a backup to keep after success: a file a user edited,
	// kept beside the new one.
	Keep bool `json:"keep,omitempty"`
	// Linked says the backup was made before commit, as a hard link.
	Linked bool `json:"linked,omitempty"`
	// Existed says a tracked path was there before the transaction.
	Existed bool `json:"existed,omitempty"`
}

// Txn is a set of staged changes.
type Txn struct {
	fs      *fsutil.Tree
	dir     string // the transaction's own directory: intent log, backups
	id      string
	intent  *os.File
	mu      sync.Mutex
	n       int
	ops     []*Op
	created []string
	dev     map[string]uint64
	ready   map[string]bool // directories known to exist
	// made holds the directories this transaction created: nothing can
	// have existed in them before, and they are on their parent's device.
	made map[string]bool
}

// New starts a transaction in the tree fs whose own files go in dir,
// which it creates; dir's name should be unique, as it names the staged
// files.
func New(fs *fsutil.Tree, dir string) (*Txn, error) {
	t := &Txn{fs: fs, dir: dir, id: filepath.Base(dir), dev: map[string]uint64{}, ready: map[string]bool{}, made: map[string]bool{}}
	if _, err := mkdirs(fs, filepath.Join(dir, "old"), 0o755, nil); err != nil {
		return nil, err
	}
	f, err := fs.Create(filepath.Join(dir, intentLog), 0o644)
	if err != nil {
		fs.RemoveAll(dir)
		return nil, err
	}
	t.intent = f
	return t, nil
}

const intentLog = "intent"

// note appends paths to the intent log: a staged file before it is
// made, directories just after. A write reaches the kernel at once, so
// that it survives the process being killed; the files it names would not
// survive a power cut without a sync either.
func (t *Txn) note(kind byte, paths ...string) error {
	if t.intent == nil {
		return nil
	}
	var b []byte
	for _, p := range paths {
		b = append(append(append(b, kind, ' '), p...), '\n')
	}
	_, err := t.intent.Write(b)
	return err
}

// Clean removes what a transaction killed before it had a journal left
// in the tree fs: the staged files and, where empty, the directories its
// intent log names, then the transaction's directory.
func Clean(fs *fsutil.Tree, dir string) {
	var data []byte
	if f, err := fs.Open(filepath.Join(dir, intentLog)); err == nil {
		data, _ = io.ReadAll(f)
		f.Close()
	}
	var dirs []string
	for _, line := range strings.Split(string(data), "\n") {
		kind, path, ok := strings.Cut(line, " ")
		switch {
		case !ok:
		case kind == "S" && strings.HasPrefix(filepath.Base(path), "."):
			fs.RemoveAll(path)
		case kind == "D":
			dirs = append(dirs, path)
		}
	}
	removeEmpty(fs, dirs)
	fs.RemoveAll(dir)
}

// removeEmpty removes the directories that are empty, deepest first.
func removeEmpty(fs *fsutil.Tree, dirs []string) {
	dirs = append([]string(nil), dirs...)
	sort.Sort(sort.Reverse(sort.StringSlice(dirs)))
	for _, d := range dirs {
		fs.Remove(d) // fails, and keeps it, unless empty
	}
}

// Ops returns the staged operations, for the journal.
func (t *Txn) Ops() []*Op { return t.ops }

// Created returns the directories made while staging, for the journal.
func (t *Txn) Created() []string { return t.created }

// Resume rebuilds a transaction in the tree fs from a journal, to finish
// or undo it.
func Resume(fs *fsutil.Tree, dir string, ops []*Op, created []string) *Txn {
	return &Txn{fs: fs, dir: dir, ops: ops, created: created, dev: map[string]uint64{}, ready: map[string]bool{}, made: map[string]bool{}}
}

// stagePath returns where new content for target waits, beside it, and
// notes it in the intent log. It also learns target's file system, for
// Sync.
func (t *Txn) stagePath(target string) (string, error) {
	t.mu.Lock()
	t.n++
	n := t.n
	t.mu.Unlock()
	if _, err := t.sameDevice(filepath.Dir(target)); err != nil {
		return "", err
	}
	staged := filepath.Join(filepath.Dir(target), fmt.Sprintf(".%s.assemble-%s.%d", filepath.Base(target), t.id, n))
	if err := t.note('S', staged); err != nil {
		return "", err
	}
	return staged, nil
}

// sameDevice reports whether dir is on the file system of the
// transaction's own directory, where a backup can be a hard link.
func (t *Txn) sameDevice(dir string) (bool, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.dev[t.dir]; !ok {
		d, err := fsutil.Device(t.dir)
		if err != nil {
			return false, err
		}
		t.dev[t.dir] = d
	}
	// A directory this transaction made is on its parent's device.
	for t.made[dir] {
		dir = filepath.Dir(dir)
	}
	d, ok := t.dev[dir]
	if !ok {
		var err error
		if d, err = fsutil.Device(dir); err != nil {
			return false, err
		}
		t.dev[dir] = d
	}
	return d == t.dev[t.dir], nil
}

func (t *Txn) add(op *Op) {
	t.mu.Lock()
	t.ops = append(t.ops, op)
	t.mu.Unlock()
}
