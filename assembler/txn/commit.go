package txn

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/assemble-build/assemble/assembler/fsutil"
)

// Prepare keeps a hard link to every file a put replaces, so that Undo
// can put it back, and names where removed and replaced directories go.
// It changes nothing the instance shows.
func (t *Txn) Prepare() error {
	for i, op := range t.ops {
		if op.Kind == "track" {
			continue // a program's, not staged
		}
		if t.made[filepath.Dir(op.Target)] {
			// In a directory this transaction made: new.
			op.Backup, op.Keep = "", false
			continue
		}
		fi, err := t.fs.Lstat(op.Target)
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
			} else if !same || t.fs.Inside(op.Target) != t.fs.Inside(t.dir) {
				op.Backup = filepath.Join(filepath.Dir(op.Target), fmt.Sprintf(".%s.assemble-old-%d", filepath.Base(op.Target), i))
			}
		}
		if op.Kind == "put" && !op.Tree && !fi.IsDir() {
			if err := t.fs.Link(op.Target, op.Backup); err != nil {
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
		if d, err := fsutil.Device(dir); err == nil {
			devs[d] = dir
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
		if err := t.apply(op); err != nil {
			return err
		}
	}
	return nil
}

func (t *Txn) apply(op *Op) error {
	switch op.Kind {
	case "put":
		if op.Backup != "" && !op.Linked {
			if _, err := t.fs.Lstat(op.Staged); os.IsNotExist(err) {
				return nil // already applied
			}
			if err := t.moveAside(op.Target, op.Backup); err != nil {
				return err
			}
		}
		// A directory the target was has been moved aside, or refused
		// by Prepare: os.Rename's check for one is not needed.
		if err := t.fs.Rename(op.Staged, op.Target); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				if _, serr := t.fs.Lstat(op.Staged); os.IsNotExist(serr) {
					return nil // already applied
				}
			}
			return fmt.Errorf("installing %s: %w", op.Target, err)
		}
	case "remove":
		if op.Backup == "" {
			return nil // did not exist
		}
		if err := t.moveAside(op.Target, op.Backup); err != nil {
			return err
		}
	}
	return nil
}

// moveAside renames target to backup, unless that is done already.
func (t *Txn) moveAside(target, backup string) error {
	if _, err := t.fs.Lstat(backup); err == nil {
		return nil
	}
	if err := t.fs.Rename(target, backup); err != nil && !os.IsNotExist(err) {
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
			if _, err := t.fs.Lstat(op.Staged); err == nil {
				// Never applied: the target is as it was.
				t.fs.RemoveAll(op.Staged)
				if op.Linked {
					t.fs.Remove(op.Backup)
				}
				continue
			}
			if op.Backup == "" {
				if err := t.fs.RemoveAll(op.Target); err != nil {
					errs = append(errs, err)
				}
				continue
			}
			if op.Tree {
				t.fs.RemoveAll(op.Target)
			}
			if _, err := t.fs.Lstat(op.Backup); err == nil {
				if err := t.fs.Rename(op.Backup, op.Target); err != nil {
					errs = append(errs, err)
				}
			}
		case "track":
			if !op.Existed {
				t.fs.RemoveAll(op.Target)
			}
		case "remove":
			if op.Backup == "" {
				continue
			}
			if _, err := t.fs.Lstat(op.Backup); err == nil {
				if err := t.fs.Rename(op.Backup, op.Target); err != nil {
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
			t.fs.RemoveAll(op.Staged)
		}
		if op.Kind == "track" && !op.Existed {
			t.fs.RemoveAll(op.Target)
		}
		if op.Linked {
			t.fs.Remove(op.Backup)
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
			t.fs.RemoveAll(op.Backup)
		}
	}
	t.removeDir()
}

// removeCreated removes the directories staging made, deepest first,
// where they are empty.
func (t *Txn) removeCreated() { removeEmpty(t.fs, t.created) }

// removeDir closes the intent log and removes the transaction's directory.
func (t *Txn) removeDir() {
	if t.intent != nil {
		t.intent.Close()
		t.intent = nil
	}
	t.fs.RemoveAll(t.dir)
}
