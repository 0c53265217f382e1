// Package fsutil writes files so that a crash never leaves one half
// written: data goes to a temporary file in the same directory, is synced
// to disk, and is renamed over the target; the directory is synced so
// that the rename itself survives.
//
// go-internal's renameio does the first half of this, but it is
// deprecated (staticcheck refuses it), leaves files at mode 0600, and
// does not sync the directory; its successor, google/renameio, does not
// build on Windows. What is here is those few lines, for every system.
package fsutil

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
)

// WriteFile writes data to name atomically with mode perm.
func WriteFile(name string, data []byte, perm os.FileMode) error {
	tmp, err := WriteTemp(name, data, perm)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, name); err != nil {
		os.Remove(tmp)
		return err
	}
	return SyncDir(filepath.Dir(name))
}

// WriteStream writes what write writes to name atomically with mode
// perm: name appears, synced, only once write has succeeded.
func WriteStream(name string, perm os.FileMode, write func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // once renamed, there is none
	err = f.Chmod(perm)
	if err == nil {
		err = write(f)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Rename(f.Name(), name); err != nil {
		return err
	}
	return SyncDir(filepath.Dir(name))
}

// WriteFileUnsynced writes data to name as WriteFile does, but syncs
// neither the file nor the directory: it is for files that a sync of the
// whole file system, which must follow, puts on disk. Until then, a crash
// may leave name holding anything, or nothing.
func WriteFileUnsynced(name string, data []byte, perm os.FileMode) error {
	tmp, err := writeTemp(name, data, perm, false)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, name); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// WriteTemp writes data, synced, to a new temporary file beside name
// and returns its path, for the caller to rename into place.
func WriteTemp(name string, data []byte, perm os.FileMode) (string, error) {
	return writeTemp(name, data, perm, true)
}

func writeTemp(name string, data []byte, perm os.FileMode, sync bool) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".tmp-*")
	if err != nil {
		return "", err
	}
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err := f.Write(data); err != nil {
		return "", fmt.Errorf("writing %s: %w", name, err)
	}
	if err := f.Chmod(perm); err != nil {
		return "", err
	}
	if sync {
		if err := f.Sync(); err != nil {
			return "", fmt.Errorf("writing %s: %w", name, err)
		}
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("writing %s: %w", name, err)
	}
	ok = true
	return f.Name(), nil
}

// SyncDir syncs a directory, so that entries created or renamed in it
// are on disk. On Windows it does nothing: FlushFileBuffers refuses a
// directory's handle, which cannot be opened for writing, and NTFS
// journals the changes to a directory itself.
func SyncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// SyncFS flushes the file system holding path to disk. On Linux it is
// one system call, syncfs(2), which costs far less than syncing a
// thousand files one by one; other systems do what they can (see
// syncFS).
func SyncFS(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := syncFS(f); err != nil {
		return fmt.Errorf("syncing %s: %w", path, err)
	}
	return nil
}

// Device returns a number that tells the file system holding path from
// the others: two paths with the same number are on one file system, so
// that a file can be renamed or hard-linked from one to the other.
func Device(path string) (uint64, error) {
	return device(path)
}
