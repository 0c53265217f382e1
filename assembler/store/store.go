// Package store keeps build outputs under the digest of everything they
// were built from, shared by all the instances of a root: a second
// instance, or a revision that changes something else, links the same
// files instead of building them again.
//
// An entry is read-only once built, and carries the hash of its content
// (in .sum), which is checked each time it is used: nothing cached is
// trusted because it is there.
package store

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/assemble-build/assemble/assembler/fsutil"
)

// Store is a directory of entries, each a directory named by its key.
type Store struct{ Dir string }

var keyRE = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// Get returns the entry for key, calling build to fill a new one when
// there is none. An entry appears whole or not at all: it is built in a
// temporary directory and renamed into place.
func (s *Store) Get(key string, build func(dir string) error) (string, error) {
	if !keyRE.MatchString(key) {
		return "", fmt.Errorf("invalid store key %q", key)
	}
	dir := filepath.Join(s.Dir, key)
	if _, err := os.Stat(dir); err == nil {
		if err := Check(dir); err != nil {
			return "", err
		}
		now := time.Now()
		_ = os.Chtimes(dir, now, now) // gc goes by when an entry was last used
		return dir, nil
	}
	tmp, err := s.Build(key, build)
	if err != nil {
		return "", err
	}
	if err := os.Rename(tmp, dir); err != nil {
		s.Discard(tmp)
		if _, serr := os.Stat(dir); serr == nil {
			return dir, nil // another instance built it meanwhile
		}
		return "", err
	}
	return dir, nil
}

// Lookup returns the entry for key, checked against its seal, if there is
// one.
func (s *Store) Lookup(key string) (string, bool) {
	if !keyRE.MatchString(key) {
		return "", false
	}
	dir := filepath.Join(s.Dir, key)
	if _, err := os.Stat(dir); err != nil || Check(dir) != nil {
		return "", false
	}
	return dir, true
}

// Build builds an entry for key in a temporary directory of the store,
// sealed and on disk, and returns the directory, which Get or Replace
// puts in place, or Discard removes.
func (s *Store) Build(key string, build func(dir string) error) (string, error) {
	if !keyRE.MatchString(key) {
		return "", fmt.Errorf("invalid store key %q", key)
	}
	if err := os.MkdirAll(s.Dir, 0o755); err != nil {
		return "", err
	}
	// The builder's pid in the name tells Clean whose it is.
	tmp, err := os.MkdirTemp(s.Dir, fmt.Sprintf(".tmp-%s.%d.", key, os.Getpid()))
	if err != nil {
		return "", err
	}
	if err := build(tmp); err != nil {
		s.Discard(tmp)
		return "", err
	}
	if err := seal(tmp); err != nil {
		s.Discard(tmp)
		return "", err
	}
	// Entries are reused by key for as long as they exist: one must be on
	// disk before it appears, or a crash could leave one of empty files.
	if err := fsutil.SyncFS(tmp); err != nil {
		s.Discard(tmp)
		return "", err
	}
	return tmp, nil
}

// Replace puts the entry Build made in tmp in place of the entry for
// key, which is corrupt: the revisions that link the old one's files
// must be linked to the new one's.
func (s *Store) Replace(key, tmp string) (string, error) {
	dir := filepath.Join(s.Dir, key)
	old := filepath.Join(s.Dir, fmt.Sprintf(".tmp-%s-old.%d.%d", key, os.Getpid(), time.Now().UnixNano()))
	if err := os.Rename(dir, old); err != nil && !os.IsNotExist(err) {
		return "", err
	}
	if err := os.Rename(tmp, dir); err != nil {
		os.Rename(old, dir)
		return "", err
	}
	s.Discard(old)
	return dir, nil
}

// Discard removes a directory Build made, or a whole entry.
func (s *Store) Discard(dir string) {
	makeWritable(dir)
	os.RemoveAll(dir)
}

// Link makes dst a hard link to src, or a copy where a link cannot be
// made (another file system).
func Link(src, dst string) error {
	if err := os.Link(src, dst); err == nil {
		return nil
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, fi.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// Prune removes the entries not named in keep that have not been used for
// at least age, and returns their keys. The age keeps it from removing an
// entry an install elsewhere has just built and not yet recorded.
func (s *Store) Prune(keep map[string]bool, age time.Duration) ([]string, error) {
	entries, err := os.ReadDir(s.Dir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, e := range entries {
		if keep[e.Name()] {
			continue
		}
		fi, err := e.Info()
		if err != nil || time.Since(fi.ModTime()) < age {
			continue
		}
		p := filepath.Join(s.Dir, e.Name())
		makeWritable(p)
		if err := os.RemoveAll(p); err != nil {
			return removed, err
		}
		removed = append(removed, e.Name())
	}
	return removed, nil
}

// Clean removes what builds killed before they ended left in the store:
// the temporary directories of processes that are gone. Those of a build
// under way, in any instance of the root, stay.
func (s *Store) Clean() {
	entries, _ := os.ReadDir(s.Dir)
	for _, e := range entries {
		name, ok := strings.CutPrefix(e.Name(), ".tmp-")
		if !ok {
			continue
		}
		fields := strings.Split(name, ".")
		if len(fields) < 3 {
			continue
		}
		if pid, err := strconv.Atoi(fields[len(fields)-2]); err == nil && !alive(pid) {
			s.Discard(filepath.Join(s.Dir, e.Name()))
		}
	}
}

func makeWritable(dir string) {
	_ = filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.IsDir() {
			_ = os.Chmod(p, 0o755)
		}
		return nil
	})
}
