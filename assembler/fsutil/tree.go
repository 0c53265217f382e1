package fsutil

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Tree does file operations on absolute paths. Those beneath its
// directory go through an os.Root opened on it, so that no symbolic link,
// "..", or absolute link target leads them out of the tree, whatever a
// config or a user put there; those elsewhere are done as they are,
// where a caller has decided a path outside is allowed.
type Tree struct {
	Dir  string
	root *os.Root
}

// OpenTree opens the tree at dir, which must exist.
func OpenTree(dir string) (*Tree, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	r, err := os.OpenRoot(abs)
	if err != nil {
		return nil, err
	}
	return &Tree{Dir: abs, root: r}, nil
}

// Close releases the tree's directory.
func (t *Tree) Close() error { return t.root.Close() }

// Inside reports whether path is beneath the tree's directory, as written.
func (t *Tree) Inside(path string) bool { return Within(t.Dir, path) }

// rel returns path relative to the tree, and whether it is inside it.
func (t *Tree) rel(path string) (string, bool) {
	rel, err := filepath.Rel(t.Dir, path)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return "", false
	}
	return rel, true
}

// Within reports whether path is dir or beneath it, as written.
func Within(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

func (t *Tree) Mkdir(path string, perm fs.FileMode) error {
	if rel, ok := t.rel(path); ok {
		return t.root.Mkdir(rel, perm)
	}
	return os.Mkdir(path, perm)
}

func (t *Tree) Stat(path string) (fs.FileInfo, error) {
	if rel, ok := t.rel(path); ok {
		return t.root.Stat(rel)
	}
	return os.Stat(path)
}

func (t *Tree) Lstat(path string) (fs.FileInfo, error) {
	if rel, ok := t.rel(path); ok {
		return t.root.Lstat(rel)
	}
	return os.Lstat(path)
}

func (t *Tree) Readlink(path string) (string, error) {
	if rel, ok := t.rel(path); ok {
		return t.root.Readlink(rel)
	}
	return os.Readlink(path)
}

// Create makes a new file, which must not exist, with mode perm exactly,
// for writing. Outside the tree it is fsutil.Create.
func (t *Tree) Create(path string, perm fs.FileMode) (*os.File, error) {
	rel, ok := t.rel(path)
	if !ok {
		return Create(path, perm)
	}
	f, err := t.root.OpenFile(rel, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm.Perm())
	if err != nil {
		return nil, err
	}
	if perm.Perm()&umask() != 0 {
		if err := f.Chmod(perm.Perm()); err != nil {
			f.Close()
			t.root.Remove(rel)
			return nil, err
		}
	}
	return f, nil
}

func (t *Tree) Symlink(target, path string) error {
	if rel, ok := t.rel(path); ok {
		return t.root.Symlink(target, rel)
	}
	return os.Symlink(target, path)
}

// Link makes new a hard link to old; both are in the tree, or neither.
func (t *Tree) Link(old, new string) error {
	ro, okOld := t.rel(old)
	rn, okNew := t.rel(new)
	switch {
	case okOld && okNew:
		return t.root.Link(ro, rn)
	case !okOld && !okNew:
		return os.Link(old, new)
	}
	return &os.LinkError{Op: "link", Old: old, New: new, Err: errAcross}
}

// Rename renames old to new, replacing new; both are in the tree, or
// neither. It does not look at new first, as os.Rename does to refuse a
// directory, outside the tree (see fsutil.Rename).
func (t *Tree) Rename(old, new string) error {
	ro, okOld := t.rel(old)
	rn, okNew := t.rel(new)
	switch {
	case okOld && okNew:
		return t.root.Rename(ro, rn)
	case !okOld && !okNew:
		return Rename(old, new)
	}
	return &os.LinkError{Op: "rename", Old: old, New: new, Err: errAcross}
}

func (t *Tree) Remove(path string) error {
	if rel, ok := t.rel(path); ok {
		return t.root.Remove(rel)
	}
	return os.Remove(path)
}

func (t *Tree) RemoveAll(path string) error {
	if rel, ok := t.rel(path); ok {
		if rel == "." {
			return fmt.Errorf("removing %s: it is the whole tree", path)
		}
		return t.root.RemoveAll(rel)
	}
	return os.RemoveAll(path)
}

// Open opens a file for reading.
func (t *Tree) Open(path string) (*os.File, error) {
	if rel, ok := t.rel(path); ok {
		return t.root.Open(rel)
	}
	return os.Open(path)
}

var errAcross = errors.New("one path is in the instance and the other is not")
