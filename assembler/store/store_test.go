package store

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestGet(t *testing.T) {
	s := &Store{Dir: filepath.Join(t.TempDir(), "store")}
	builds := 0
	build := func(dir string) error {
		builds++
		return os.WriteFile(filepath.Join(dir, "out"), []byte("x"), 0o755)
	}
	d1, err := s.Get("go.build-abc", build)
	if err != nil {
		t.Fatal(err)
	}
	d2, err := s.Get("go.build-abc", build)
	if err != nil || d1 != d2 || builds != 1 {
		t.Fatalf("second Get = %s, %v after %d builds; want the same entry, built once", d2, err, builds)
	}
	if _, err := s.Get("go.build-bad", func(string) error { return errors.New("boom") }); err == nil {
		t.Fatal("a failed build gave an entry")
	}
	if _, err := os.Stat(filepath.Join(s.Dir, "go.build-bad")); !os.IsNotExist(err) {
		t.Error("a failed build left an entry")
	}
	if _, err := s.Get("../escape", build); err == nil {
		t.Error("a key with a path in it was accepted")
	}

	dst := filepath.Join(t.TempDir(), "linked")
	if err := Link(filepath.Join(d1, "out"), dst); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(dst); string(data) != "x" {
		t.Errorf("linked file holds %q", data)
	}
}

func TestPrune(t *testing.T) {
	s := &Store{Dir: t.TempDir()}
	for _, k := range []string{"used", "old", "new"} {
		s.Get(k, func(string) error { return nil })
	}
	old := time.Now().Add(-48 * time.Hour)
	os.Chtimes(filepath.Join(s.Dir, "old"), old, old)
	os.Chtimes(filepath.Join(s.Dir, "used"), old, old)
	removed, err := s.Prune(map[string]bool{"used": true}, 24*time.Hour)
	if err != nil || len(removed) != 1 || removed[0] != "old" {
		t.Errorf("Prune removed %v, %v; want only the old unused entry", removed, err)
	}
}

// TestClean checks that Clean removes what a dead builder left, and
// keeps what a live one is building.
func TestClean(t *testing.T) {
	s := &Store{Dir: t.TempDir()}
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("no true to run:", err)
	}
	dead := filepath.Join(s.Dir, fmt.Sprintf(".tmp-k.%d.1", cmd.Process.Pid))
	live := filepath.Join(s.Dir, fmt.Sprintf(".tmp-k.%d.2", os.Getpid()))
	entry := filepath.Join(s.Dir, "k")
	for _, d := range []string{dead, live, entry} {
		os.MkdirAll(filepath.Join(d, "sub"), 0o555)
	}
	s.Clean()
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Errorf("a dead builder's directory is left: %v", err)
	}
	for _, d := range []string{live, entry} {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("%s: %v", d, err)
		}
	}
}

// TestSealed checks that an entry is read-only once built, and that one
// changed afterwards is refused, naming it.
func TestSealed(t *testing.T) {
	s := &Store{Dir: t.TempDir()}
	defer makeWritable(s.Dir)
	dir, err := s.Get("k", func(d string) error { return os.WriteFile(filepath.Join(d, "bin"), []byte("binary"), 0o755) })
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(filepath.Join(dir, "bin"))
	if fi.Mode().Perm() != 0o555 {
		t.Errorf("mode %v, want read-only", fi.Mode().Perm())
	}
	if _, err := s.Get("k", nil); err != nil {
		t.Fatalf("reused as built: %v", err)
	}
	os.Chmod(filepath.Join(dir, "bin"), 0o755)
	f, _ := os.OpenFile(filepath.Join(dir, "bin"), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("!")
	f.Close()
	if _, err := s.Get("k", nil); err == nil || !strings.Contains(err.Error(), "was changed after it was built") {
		t.Errorf("a changed entry: %v", err)
	}
}
