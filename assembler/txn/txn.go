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
package txn

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/assemble-build/assemble/assembler/fsutil"
)

// Op is one staged change.
type Op struct {
	Kind   string `json:"kind"` // put or remove
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
}

// Txn is a set of staged changes.
type Txn struct {
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
	made  map[string]bool
	umask fs.FileMode
}

// New starts a transaction whose own files go in dir, which it creates;
// dir's name should be unique, as it names the staged files.
func New(dir string) (*Txn, error) {
	if err := os.MkdirAll(filepath.Join(dir, "old"), 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, intentLog), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return &Txn{dir: dir, id: filepath.Base(dir), intent: f, dev: map[string]uint64{}, ready: map[string]bool{}, made: map[string]bool{}, umask: umask()}, nil
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
// in the instance: the staged files and, where empty, the directories its
// intent log names, then the transaction's directory.
func Clean(dir string) {
	data, _ := os.ReadFile(filepath.Join(dir, intentLog))
	var dirs []string
	for _, line := range strings.Split(string(data), "\n") {
		kind, path, ok := strings.Cut(line, " ")
		switch {
		case !ok:
		case kind == "S" && strings.HasPrefix(filepath.Base(path), "."):
			os.RemoveAll(path)
		case kind == "D":
			dirs = append(dirs, path)
		}
	}
	removeEmpty(dirs)
	os.RemoveAll(dir)
}

// removeEmpty removes the directories that are empty, deepest first.
func removeEmpty(dirs []string) {
	dirs = append([]string(nil), dirs...)
	sort.Sort(sort.Reverse(sort.StringSlice(dirs)))
	for _, d := range dirs {
		os.Remove(d) // fails, and keeps it, unless empty
	}
}

// umask reads the process's umask, which can only be read by setting it.
func umask() fs.FileMode {
	m := unix.Umask(0o022)
	unix.Umask(m)
	return fs.FileMode(m)
}

// Ops returns the staged operations, for the journal.
func (t *Txn) Ops() []*Op { return t.ops }

// Created returns the directories made while staging, for the journal.
func (t *Txn) Created() []string { return t.created }

// Resume rebuilds a transaction from a journal, to finish or undo it.
func Resume(dir string, ops []*Op, created []string) *Txn {
	return &Txn{dir: dir, ops: ops, created: created, dev: map[string]uint64{}, ready: map[string]bool{}, made: map[string]bool{}, umask: umask()}
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

func (t *Txn) sameDevice(dir string) (bool, error) {
	dev := func(p string) (uint64, error) {
		var st unix.Stat_t
		if err := unix.Stat(p, &st); err != nil {
			return 0, err
		}
		return uint64(st.Dev), nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.dev[t.dir]; !ok {
		d, err := dev(t.dir)
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
		if d, err = dev(dir); err != nil {
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

// Mkdir makes dir and its parents now, recording those it made so that
// Abort and Undo can remove them again.
func (t *Txn) Mkdir(dir string, perm fs.FileMode) ([]string, error) {
	t.mu.Lock()
	ready := t.ready[dir]
	t.mu.Unlock()
	if ready {
		return nil, nil
	}
	made, err := mkdirs(dir, perm, nil)
	if err == nil {
		err = t.note('D', made...)
	}
	if err != nil {
		t.mu.Lock()
		t.created = append(t.created, made...) // for Abort to remove
		t.mu.Unlock()
		return nil, err
	}
	t.mu.Lock()
	t.created = append(t.created, made...)
	for _, d := range made {
		t.made[d] = true
	}
	t.ready[dir] = true
	t.mu.Unlock()
	return made, nil
}

// mkdirs makes dir and its missing parents and appends those it made,
// parents first, to made. It tries mkdir first, which in the common case
// (the parent exists) is the only system call; of several goroutines
// making the same directory, only the one that made it reports it.
func mkdirs(dir string, perm fs.FileMode, made []string) ([]string, error) {
	err := os.Mkdir(dir, perm)
	switch {
	case err == nil:
		return append(made, dir), nil
	case errors.Is(err, fs.ErrExist):
		if fi, serr := os.Stat(dir); serr != nil || !fi.IsDir() {
			return made, &fs.PathError{Op: "mkdir", Path: dir, Err: unix.ENOTDIR}
		}
		return made, nil
	case errors.Is(err, fs.ErrNotExist) && filepath.Dir(dir) != dir:
		if made, err = mkdirs(filepath.Dir(dir), perm, made); err != nil {
			return made, err
		}
		return mkdirs(dir, perm, made)
	}
	return made, err
}

// PutFile stages a file holding data. It returns the content's hash.
func (t *Txn) PutFile(target string, data []byte, perm fs.FileMode) (string, error) {
	return t.put(target, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// PutCopy stages a copy of the file src. It returns the content's hash.
func (t *Txn) PutCopy(src, target string, perm fs.FileMode) (string, error) {
	return t.put(target, perm, func(w io.Writer) error {
		f, err := os.Open(src)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(w, f)
		return err
	})
}

func (t *Txn) put(target string, perm fs.FileMode, write func(io.Writer) error) (string, error) {
	if _, err := t.Mkdir(filepath.Dir(target), 0o755); err != nil {
		return "", err
	}
	staged, err := t.stagePath(target)
	if err != nil {
		return "", err
	}
	// A bare descriptor: os.OpenFile would also set the file up for the
	// poller, four system calls that a regular file has no use for and a
	// thousand parts would pay a thousand times.
	fd, err := unix.Open(staged, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC, uint32(perm.Perm()))
	if err != nil {
		return "", &fs.PathError{Op: "open", Path: staged, Err: err}
	}
	h := sha256.New()
	err = write(io.MultiWriter(fdWriter(fd), h))
	if cerr := unix.Close(fd); err == nil && cerr != nil {
		err = &fs.PathError{Op: "close", Path: staged, Err: cerr}
	}
	if err == nil && perm&t.umask != 0 {
		err = os.Chmod(staged, perm) // exactly perm, whatever the umask
	}
	if err != nil {
		os.Remove(staged)
		return "", fmt.Errorf("writing %s: %w", target, err)
	}
	t.add(&Op{Kind: "put", Target: target, Staged: staged})
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

// fdWriter writes to a file descriptor.
type fdWriter int

func (w fdWriter) Write(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		m, err := unix.Write(int(w), p[n:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return n, err
		}
		n += m
	}
	return n, nil
}

// PutSymlink stages a symbolic link at target pointing to link.
func (t *Txn) PutSymlink(link, target string) error {
	if _, err := t.Mkdir(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	staged, err := t.stagePath(target)
	if err != nil {
		return err
	}
	if err := os.Symlink(link, staged); err != nil {
		return fmt.Errorf("linking %s: %w", target, err)
	}
	t.add(&Op{Kind: "put", Target: target, Staged: staged})
	return nil
}

// PutTree stages a directory tree that fill writes into an empty
// directory.
func (t *Txn) PutTree(target string, fill func(dir string) error) error {
	if _, err := t.Mkdir(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	staged, err := t.stagePath(target)
	if err != nil {
		return err
	}
	if err := os.Mkdir(staged, 0o755); err != nil {
		return err
	}
	if err := fill(staged); err != nil {
		os.RemoveAll(staged)
		return err
	}
	t.add(&Op{Kind: "put", Target: target, Staged: staged, Tree: true})
	return nil
}

// Remove stages the removal of target; tree removes a whole directory.
func (t *Txn) Remove(target string, tree bool) {
	t.add(&Op{Kind: "remove", Target: target, Tree: tree})
}

// KeepAside marks that the file target, which a put replaces, is to be
// kept beside the new one (a file its user edited) and returns the name
// it will have.
func (t *Txn) KeepAside(target string) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	name := target + ".assemble-saved"
	for i := 1; ; i++ {
		if _, err := os.Lstat(name); os.IsNotExist(err) {
			break
		}
		name = fmt.Sprintf("%s.assemble-saved-%d", target, i)
	}
	for _, op := range t.ops {
		if op.Kind == "put" && op.Target == target {
			op.Keep, op.Backup = true, name
		}
	}
	return name
}

// Prepare keeps a hard link to every file a put replaces, so that Undo
// can put it back, and names where removed and replaced directories go.
// It changes nothing the instance shows.
func (t *Txn) Prepare() error {
	for i, op := range t.ops {
		if t.made[filepath.Dir(op.Target)] {
			// In a directory this transaction made: new.
			op.Backup, op.Keep = "", false
			continue
		}
		fi, err := os.Lstat(op.Target)
		if os.IsNotExist(err) {
			op.Backup, op.Keep = "", false
			continue
		}
		if err != nil {
			return err
		}
		if op.Backup == "" {
			op.Backup = filepath.Join(t.dir, "old", fmt.Sprint(i))
			if same, err := t.sameDevice(filepath.Dir(op.Target)); err != nil {
				return err
			} else if !same {
				op.Backup = filepath.Join(filepath.Dir(op.Target), fmt.Sprintf(".%s.assemble-old-%d", filepath.Base(op.Target), i))
			}
		}
		if op.Kind == "put" && !op.Tree && !fi.IsDir() {
			if err := os.Link(op.Target, op.Backup); err != nil {
				return fmt.Errorf("keeping %s: %w", op.Target, err)
			}
			op.Linked = true
		} else if op.Kind == "put" && fi.IsDir() && !op.Tree {
			return fmt.Errorf("%s is a directory; a part cannot replace it with a file", op.Target)
		}
	}
	return nil
}

// Sync makes everything staged durable: one syncfs of each file system
// the transaction wrote to, its own directory's and its targets', which
// costs far less than syncing a thousand files one by one. A transaction
// resumed from its journal learns its targets' file systems here, and its
// directory may be gone (a run cut short after Finish): the nearest
// directory above it that exists stands for it.
func (t *Txn) Sync() error {
	devs := map[uint64]string{}
	add := func(dir string) {
		var st unix.Stat_t
		if unix.Stat(dir, &st) == nil {
			devs[uint64(st.Dev)] = dir
		}
	}
	t.mu.Lock()
	for d, dev := range t.dev {
		devs[dev] = d
	}
	t.mu.Unlock()
	if len(devs) == 0 {
		for _, op := range t.ops {
			add(filepath.Dir(op.Target))
		}
	}
	own := t.dir
	for !exists(own) && filepath.Dir(own) != own {
		own = filepath.Dir(own)
	}
	add(own)
	for _, d := range devs {
		if err := fsutil.SyncFS(d); err != nil {
			return err
		}
	}
	return nil
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

// Apply moves every staged change into place. It is idempotent, so that
// a run that crashed while applying can apply again.
func (t *Txn) Apply() error {
	for _, op := range t.ops {
		if err := apply(op); err != nil {
			return err
		}
	}
	return nil
}

func apply(op *Op) error {
	switch op.Kind {
	case "put":
		if op.Backup != "" && !op.Linked {
			if _, err := os.Lstat(op.Staged); os.IsNotExist(err) {
				return nil // already applied
			}
			if err := moveAside(op.Target, op.Backup); err != nil {
				return err
			}
		}
		// Not os.Rename, which stats the target first to refuse a
		// directory: Prepare has refused that already, and a target
		// directory that a tree replaces has been moved aside.
		if err := unix.Rename(op.Staged, op.Target); err != nil {
			if err == unix.ENOENT {
				if _, serr := os.Lstat(op.Staged); os.IsNotExist(serr) {
					return nil // already applied
				}
			}
			return fmt.Errorf("installing %s: %w", op.Target, err)
		}
	case "remove":
		if op.Backup == "" {
			return nil // did not exist
		}
		if err := moveAside(op.Target, op.Backup); err != nil {
			return err
		}
	}
	return nil
}

// moveAside renames target to backup, unless that is done already.
func moveAside(target, backup string) error {
	if _, err := os.Lstat(backup); err == nil {
		return nil
	}
	if err := os.Rename(target, backup); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("moving %s aside: %w", target, err)
	}
	return nil
}

// Undo puts back what Apply changed, and removes what staging made. It
// can undo a transaction applied in part, as a crash leaves it.
func (t *Txn) Undo() error {
	var errs []error
	for i := len(t.ops) - 1; i >= 0; i-- {
		op := t.ops[i]
		switch op.Kind {
		case "put":
			if _, err := os.Lstat(op.Staged); err == nil {
				// Never applied: the target is as it was.
				os.RemoveAll(op.Staged)
				if op.Linked {
					os.Remove(op.Backup)
				}
				continue
			}
			if op.Backup == "" {
				if err := os.RemoveAll(op.Target); err != nil {
					errs = append(errs, err)
				}
				continue
			}
			if op.Tree {
				os.RemoveAll(op.Target)
			}
			if _, err := os.Lstat(op.Backup); err == nil {
				if err := os.Rename(op.Backup, op.Target); err != nil {
					errs = append(errs, err)
				}
			}
		case "remove":
			if op.Backup == "" {
				continue
			}
			if _, err := os.Lstat(op.Backup); err == nil {
				if err := os.Rename(op.Backup, op.Target); err != nil {
					errs = append(errs, err)
				}
			}
		}
	}
	t.removeCreated()
	t.removeDir()
	return errors.Join(errs...)
}

// Abort throws away a transaction that was never applied.
func (t *Txn) Abort() {
	for _, op := range t.ops {
		if op.Staged != "" {
			os.RemoveAll(op.Staged)
		}
		if op.Linked {
			os.Remove(op.Backup)
		}
	}
	t.removeCreated()
	t.removeDir()
}

// Finish removes the backups of a transaction that succeeded, all but
// those kept for their users.
func (t *Txn) Finish() {
	for _, op := range t.ops {
		if op.Backup != "" && !op.Keep {
			os.RemoveAll(op.Backup)
		}
	}
	t.removeDir()
}

// removeCreated removes the directories staging made, deepest first,
// where they are empty.
func (t *Txn) removeCreated() { removeEmpty(t.created) }

// removeDir closes the intent log and removes the transaction's directory.
func (t *Txn) removeDir() {
	if t.intent != nil {
		t.intent.Close()
		t.intent = nil
	}
	os.RemoveAll(t.dir)
}
