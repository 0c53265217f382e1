package fsutil

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "f.txt")
	for _, content := range []string{"first", "second, longer"} {
		if err := WriteFile(name, []byte(content), 0o640); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(name)
		if err != nil || string(got) != content {
			t.Fatalf("read %q, %v; want %q", got, err, content)
		}
	}
	fi, _ := os.Stat(name)
	if fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v", fi.Mode())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
}

func TestWriteFileError(t *testing.T) {
	name := filepath.Join(t.TempDir(), "missing", "f.txt")
	if err := WriteFile(name, []byte("x"), 0o644); err == nil {
		t.Error("writing into a missing directory succeeded")
	}
}

func TestSync(t *testing.T) {
	dir := t.TempDir()
	if err := SyncDir(dir); err != nil {
		t.Errorf("SyncDir: %v", err)
	}
	if err := SyncFS(dir); err != nil {
		t.Errorf("SyncFS: %v", err)
	}
	if err := SyncFS(filepath.Join(dir, "missing")); err == nil {
		t.Error("SyncFS of a missing path succeeded")
	}
}

func TestDevice(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	a, err := Device(dir)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := Device(sub); err != nil || b != a {
		t.Errorf("Device(sub) = %d, %v; want %d, the device of its parent", b, err, a)
	}
	if _, err := Device(filepath.Join(dir, "missing")); err == nil {
		t.Error("Device of a missing path succeeded")
	}
}

func TestCreate(t *testing.T) {
	dir := t.TempDir()
	for _, perm := range []os.FileMode{0o644, 0o600, 0o666, 0o755, 0o777} {
		name := filepath.Join(dir, perm.String())
		f, err := Create(name, perm)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString("x")
		f.Close()
		fi, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		if runtime.GOOS != "windows" && fi.Mode().Perm() != perm {
			t.Errorf("mode %v, want %v whatever the umask", fi.Mode().Perm(), perm)
		}
		if _, err := Create(name, perm); !errors.Is(err, fs.ErrExist) {
			t.Errorf("Create over a file: %v, want it refused", err)
		}
	}
}
