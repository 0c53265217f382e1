package txn

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/assemble-build/assemble/assembler/fsutil"
)

func read(t *testing.T, path string) string {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		return "<missing>"
	}
	if fi.Mode()&os.ModeSymlink != 0 {
		l, _ := os.Readlink(path)
		return "-> " + l
	}
	if fi.IsDir() {
		entries, _ := os.ReadDir(path)
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		return "dir " + strings.Join(names, ",")
	}
	data, _ := os.ReadFile(path)
	return string(data)
}

func write(t *testing.T, path, content string) {
	t.Helper()
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// setup makes an instance with some files and stages changes to them.
func setup(t *testing.T) (dir string, tx *Txn) {
	dir = t.TempDir()
	write(t, filepath.Join(dir, "etc", "a.conf"), "old a")
	write(t, filepath.Join(dir, "etc", "gone.conf"), "old gone")
	write(t, filepath.Join(dir, "tree", "old.txt"), "old tree")
	tx, err := New(tree(t, dir), filepath.Join(dir, ".assemble", "staging", "1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.PutFile(filepath.Join(dir, "etc", "a.conf"), []byte("new a"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.PutFile(filepath.Join(dir, "etc", "sub", "b.conf"), []byte("new b"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := tx.PutSymlink("a.conf", filepath.Join(dir, "etc", "link")); err != nil {
		t.Fatal(err)
	}
	if err := tx.PutTree(filepath.Join(dir, "tree"), func(d string) error {
		return os.WriteFile(filepath.Join(d, "new.txt"), []byte("new tree"), 0o644)
	}); err != nil {
		t.Fatal(err)
	}
	tx.Remove(filepath.Join(dir, "etc", "gone.conf"), false)
	return dir, tx
}

var before = map[string]string{
	"etc/a.conf": "old a", "etc/sub/b.conf": "<missing>", "etc/link": "<missing>",
	"tree": "dir old.txt", "etc/gone.conf": "old gone", "etc/sub": "<missing>",
}

var after = map[string]string{
	"etc/a.conf": "new a", "etc/sub/b.conf": "new b", "etc/link": "-> a.conf",
	"tree": "dir new.txt", "etc/gone.conf": "<missing>",
}

func check(t *testing.T, dir string, want map[string]string) {
	t.Helper()
	for p, w := range want {
		if got := read(t, filepath.Join(dir, p)); got != w {
			t.Errorf("%s = %q, want %q", p, got, w)
		}
	}
}

func TestStagingChangesNothing(t *testing.T) {
	dir, tx := setup(t)
	if err := tx.Prepare(); err != nil {
		t.Fatal(err)
	}
	check(t, dir, map[string]string{"etc/a.conf": "old a", "etc/sub/b.conf": "<missing>", "etc/link": "<missing>", "tree": "dir old.txt", "etc/gone.conf": "old gone"})
}

func TestApplyFinish(t *testing.T) {
	dir, tx := setup(t)
	for _, step := range []func() error{tx.Prepare, tx.Sync, tx.Apply} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	check(t, dir, after)
	tx.Finish()
	check(t, dir, after)
	if fi, _ := os.Stat(filepath.Join(dir, "etc", "a.conf")); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode())
	}
	if _, err := os.Stat(filepath.Join(dir, ".assemble", "staging", "1")); !os.IsNotExist(err) {
		t.Error("staging directory left behind")
	}
}

func TestAbort(t *testing.T) {
	dir, tx := setup(t)
	if err := tx.Prepare(); err != nil {
		t.Fatal(err)
	}
	tx.Abort()
	check(t, dir, before)
}

func TestUndoAfterApply(t *testing.T) {
	dir, tx := setup(t)
	tx.Prepare()
	tx.Apply()
	if err := tx.Undo(); err != nil {
		t.Fatal(err)
	}
	check(t, dir, before)
}

// TestResumePartial undoes, and in another run finishes, a transaction
// applied only in part, as a crash leaves one, from its journal alone.
func TestResumePartial(t *testing.T) {
	for _, forward := range []bool{false, true} {
		dir, tx := setup(t)
		tx.Prepare()
		for _, op := range tx.Ops()[:2] {
			if err := tx.apply(op); err != nil {
				t.Fatal(err)
			}
		}
		again := Resume(tx.fs, tx.dir, tx.Ops(), tx.Created())
		if forward {
			if err := again.Apply(); err != nil {
				t.Fatal(err)
			}
			again.Finish()
			check(t, dir, after)
		} else {
			if err := again.Undo(); err != nil {
				t.Fatal(err)
			}
			check(t, dir, before)
		}
	}
}

func TestKeepAside(t *testing.T) {
	dir, tx := setup(t)
	saved := tx.KeepAside(filepath.Join(dir, "etc", "a.conf"))
	tx.Prepare()
	tx.Apply()
	tx.Finish()
	if got := read(t, saved); got != "old a" {
		t.Errorf("kept copy %s = %q", saved, got)
	}
	check(t, dir, after)
}

func TestReplaceDirectoryWithFile(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "etc", "x"), 0o755)
	tx, _ := New(tree(t, dir), filepath.Join(dir, "st"))
	tx.PutFile(filepath.Join(dir, "etc", "x"), []byte("x"), 0o644)
	if err := tx.Prepare(); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("Prepare = %v", err)
	}
}

// TestMkdir checks which directories Mkdir reports as made (they are
// removed again on undo), including when several goroutines make
// directories under one new parent at once: each is reported exactly once.
func TestMkdir(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "file"), "x")
	tests := []struct {
		name    string
		mkdir   []string
		made    []string
		wantErr string
	}{
		{"exists", []string{"."}, nil, ""},
		{"one", []string{"a"}, []string{"a"}, ""},
		{"parents", []string{"b/c/d"}, []string{"b", "b/c", "b/c/d"}, ""},
		{"siblings", []string{"e/1", "e/2", "e/3", "e/4", "e/5", "e/6", "e/7", "e/8"},
			[]string{"e", "e/1", "e/2", "e/3", "e/4", "e/5", "e/6", "e/7", "e/8"}, ""},
		{"through a file", []string{"file/x"}, nil, "not a directory"},
		{"is a file", []string{"file"}, nil, "not a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tx, err := New(tree(t, dir), filepath.Join(dir, ".st-"+strings.ReplaceAll(tt.name, " ", "-")))
			if err != nil {
				t.Fatal(err)
			}
			errs := make(chan error, len(tt.mkdir))
			for _, d := range tt.mkdir {
				go func() {
					_, err := tx.Mkdir(filepath.Join(dir, d), 0o755)
					errs <- err
				}()
			}
			for range tt.mkdir {
				if err := <-errs; err != nil && (tt.wantErr == "" || !strings.Contains(err.Error(), tt.wantErr)) {
					t.Errorf("Mkdir: %v, want %q", err, tt.wantErr)
				} else if err == nil && tt.wantErr != "" {
					t.Errorf("Mkdir succeeded, want %q", tt.wantErr)
				}
			}
			var made []string
			for _, d := range tx.Created() {
				rel, _ := filepath.Rel(dir, d)
				made = append(made, rel)
			}
			sort.Strings(made)
			if strings.Join(made, " ") != strings.Join(tt.made, " ") {
				t.Errorf("made %q, want %q", made, tt.made)
			}
			for _, d := range tt.made {
				if fi, err := os.Stat(filepath.Join(dir, d)); err != nil || !fi.IsDir() {
					t.Errorf("%s not made", d)
				}
			}
		})
	}
}

// TestUndoEachKind: whatever a transaction adds, replaces or removes,
// undoing it after applying leaves what was there as it was.
func TestUndoEachKind(t *testing.T) {
	tests := []struct {
		name  string
		stage func(dir string, tx *Txn)
	}{
		{"new files in new directories", func(dir string, tx *Txn) {
			tx.PutFile(filepath.Join(dir, "new", "a"), []byte("a"), 0o644)
			tx.PutSymlink("a", filepath.Join(dir, "new", "b", "link"))
		}},
		{"a new file beside an old one", func(dir string, tx *Txn) {
			tx.PutFile(filepath.Join(dir, "etc", "new.conf"), []byte("a"), 0o644)
		}},
		{"a replaced file", func(dir string, tx *Txn) {
			tx.PutFile(filepath.Join(dir, "etc", "old.conf"), []byte("a"), 0o644)
		}},
		{"a removed file", func(dir string, tx *Txn) {
			tx.Remove(filepath.Join(dir, "etc", "old.conf"), false)
		}},
		{"removing what is not there", func(dir string, tx *Txn) {
			tx.Remove(filepath.Join(dir, "etc", "never.conf"), false)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, filepath.Join(dir, "etc", "old.conf"), "old")
			tx, err := New(tree(t, dir), filepath.Join(dir, ".st"))
			if err != nil {
				t.Fatal(err)
			}
			tt.stage(dir, tx)
			if err := tx.Prepare(); err != nil {
				t.Fatal(err)
			}
			if err := tx.Apply(); err != nil {
				t.Fatal(err)
			}
			if err := tx.Undo(); err != nil {
				t.Fatal(err)
			}
			check(t, dir, map[string]string{"etc/old.conf": "old", "etc/new.conf": "<missing>", "new": "<missing>"})
		})
	}
}

// TestClean cleans up after a transaction killed before it had a journal,
// from its intent log alone: staged files go, directories it made go, and
// what was there before stays.
func TestClean(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "etc", "old.conf"), "old")
	tx, err := New(tree(t, dir), filepath.Join(dir, ".st", "0123abcd"))
	if err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{"etc/old.conf", "etc/new.conf", "parts/p1/file.txt", "parts/p2/deep/file.txt"} {
		if _, err := tx.PutFile(filepath.Join(dir, target), []byte("new"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.PutSymlink("x", filepath.Join(dir, "etc", "link")); err != nil {
		t.Fatal(err)
	}
	if got := read(t, filepath.Join(dir, "parts", "p1")); !strings.HasPrefix(got, "dir .file.txt.assemble-0123abcd.") {
		t.Fatalf("staged beside the target: parts/p1 = %q", got)
	}
	// Killed here: no Abort, no journal.
	Clean(tree(t, dir), filepath.Join(dir, ".st", "0123abcd"))
	check(t, dir, map[string]string{"etc": "dir old.conf", "etc/old.conf": "old", "parts": "<missing>", ".st": "dir "})
}

// tree opens dir as the tree a transaction works in.
func tree(t *testing.T, dir string) *fsutil.Tree {
	t.Helper()
	tr, err := fsutil.OpenTree(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr
}

// TestConfined checks that no symbolic link in the instance leads a
// staged write, a replacement or a removal out of it.
func TestConfined(t *testing.T) {
	dir, outside := t.TempDir(), t.TempDir()
	write(t, filepath.Join(outside, "victim"), "theirs")
	os.MkdirAll(filepath.Join(dir, "etc"), 0o755)
	os.Symlink(outside, filepath.Join(dir, "etc", "out"))
	os.Symlink(filepath.Join(outside, "victim"), filepath.Join(dir, "etc", "abs"))
	tx, err := New(tree(t, dir), filepath.Join(dir, ".st"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.PutFile(filepath.Join(dir, "etc", "out", "victim"), []byte("mine"), 0o644); err == nil {
		t.Error("a file staged through a link out of the instance")
	}
	if _, err := tx.PutFile(filepath.Join(dir, "etc", "out", "new", "file"), []byte("mine"), 0o644); err == nil {
		t.Error("a directory made through a link out of the instance")
	}
	tx.Remove(filepath.Join(dir, "etc", "out", "victim"), false)
	if err := tx.Prepare(); err == nil {
		if err := tx.Apply(); err == nil {
			t.Error("a removal through a link out of the instance applied")
		}
	}
	if got := read(t, filepath.Join(outside, "victim")); got != "theirs" {
		t.Errorf("the file outside reads %q", got)
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 1 {
		t.Errorf("outside holds %d entries", len(entries))
	}
}
