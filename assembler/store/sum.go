package store

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/mod/sumdb/dirhash"
)

// sumFile holds an entry's hash, in the entry.
const sumFile = ".sum"

// hashEntry returns the h1: hash of the files of the entry in dir, by the
// go command's rule for module trees, but for the sum itself.
func hashEntry(dir string) (string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel != sumFile {
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	sort.Strings(files)
	return dirhash.Hash1(files, func(name string) (io.ReadCloser, error) {
		return os.Open(filepath.Join(dir, filepath.FromSlash(name)))
	})
}

// seal records a new entry's hash and makes it read-only.
func seal(dir string) error {
	sum, err := hashEntry(dir)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, sumFile), []byte(sum+"\n"), 0o444); err != nil {
		return err
	}
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.Type()&fs.ModeSymlink != 0 {
			return err
		}
		if d.IsDir() {
			return os.Chmod(p, 0o555)
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		return os.Chmod(p, fi.Mode().Perm()&0o555) // read-only, executable where it was
	})
}

// Check reports whether the entry in dir holds what it held when it was
// built; a *CheckError says how it differs.
func Check(dir string) error {
	want, err := Sum(dir)
	if err != nil {
		return fmt.Errorf("store entry %s has no hash to check it by (%v): remove it, and it is built again", dir, err)
	}
	got, err := hashEntry(dir)
	if err != nil {
		return fmt.Errorf("checking store entry %s: %w", dir, err)
	}
	if got != want {
		return &CheckError{Dir: dir, Got: got, Want: want}
	}
	return nil
}

// CheckError is a store entry that changed after it was built.
type CheckError struct {
	Dir, Got, Want string
}

func (e *CheckError) Error() string {
	return fmt.Sprintf("store entry %s has %s, not the %s it was built with: it was changed after it was built, and so was every revision that links its files. Run assemble verify --repair on those instances, or remove the entry, and it is built again", e.Dir, e.Got, e.Want)
}

// Sum returns the hash an entry was sealed with.
func Sum(dir string) (string, error) {
	data, err := os.ReadFile(filepath.Join(dir, sumFile))
	return strings.TrimSpace(string(data)), err
}
