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

	"github.com/assemble-build/assemble/assembler/fsutil"
)

// Mkdir makes dir and its parents now, recording those it made so that
// Abort and Undo can remove them again.
func (t *Txn) Mkdir(dir string, perm fs.FileMode) ([]string, error) {
	t.mu.Lock()
	ready := t.ready[dir]
	t.mu.Unlock()
	if ready {
		return nil, nil
	}
	made, err := mkdirs(t.fs, dir, perm, nil)
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

// errNotDir says a path that should be a directory is something else.
var errNotDir = errors.New("not a directory")

// mkdirs makes dir and its missing parents and appends those it made,
// parents first, to made. It tries mkdir first, which in the common case
// (the parent exists) is the only system call; of several goroutines
// making the same directory, only the one that made it reports it.
func mkdirs(tree *fsutil.Tree, dir string, perm fs.FileMode, made []string) ([]string, error) {
	err := tree.Mkdir(dir, perm)
	switch {
	case err == nil:
		return append(made, dir), nil
	case errors.Is(err, fs.ErrExist):
		if fi, serr := tree.Stat(dir); serr != nil || !fi.IsDir() {
			return made, &fs.PathError{Op: "mkdir", Path: dir, Err: errNotDir}
		}
		return made, nil
	case errors.Is(err, fs.ErrNotExist) && filepath.Dir(dir) != dir:
		if made, err = mkdirs(tree, filepath.Dir(dir), perm, made); err != nil {
			return made, err
		}
		return mkdirs(tree, dir, perm, made)
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

// put stages a file that write fills, and returns the hash of what it
// wrote.
func (t *Txn) put(target string, perm fs.FileMode, write func(io.Writer) error) (string, error) {
	if _, err := t.Mkdir(filepath.Dir(target), 0o755); err != nil {
		return "", err
	}
	staged, err := t.stagePath(target)
	if err != nil {
		return "", err
	}
	f, err := t.fs.Create(staged, perm)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	err = write(io.MultiWriter(f, h))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.fs.Remove(staged)
		return "", fmt.Errorf("writing %s: %w", target, err)
	}
	t.add(&Op{Kind: "put", Target: target, Staged: staged})
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
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
	if err := t.fs.Symlink(link, staged); err != nil {
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
	if err := t.fs.Mkdir(staged, 0o755); err != nil {
		return err
	}
	if err := fill(staged); err != nil {
		t.fs.RemoveAll(staged)
		return err
	}
	t.add(&Op{Kind: "put", Target: target, Staged: staged, Tree: true})
	return nil
}

// Track records target as one a program makes, not the transaction:
// undoing or aborting the transaction removes it unless it existed.
func (t *Txn) Track(target string, existed bool) {
	t.add(&Op{Kind: "track", Target: target, Existed: existed})
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
		if _, err := t.fs.Lstat(name); os.IsNotExist(err) {
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
