package overlay

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestScan(t *testing.T) {
	root := t.TempDir()
	local := filepath.Join(root, "local")
	write(t, filepath.Join(local, "whatever", "go.mod"), "module example.com/lava/common\n\ngo 1.21\n")
	write(t, filepath.Join(local, "whatever", "common.go"), "package common\n")
	write(t, filepath.Join(local, "notes.txt"), "not a checkout")
	write(t, filepath.Join(local, "nomod", "x.go"), "package x\n")
	// A checkout elsewhere, linked in.
	write(t, filepath.Join(root, "src", "server", "go.mod"), "module example.com/lava/server\n")
	if err := os.Symlink(filepath.Join(root, "src", "server"), filepath.Join(local, "srv")); err != nil {
		t.Fatal(err)
	}
	ovs, skipped, err := Scan(local)
	if err != nil {
		t.Fatal(err)
	}
	if len(ovs) != 2 || ovs[0].Module != "example.com/lava/common" || ovs[0].Name != "whatever" || ovs[1].Module != "example.com/lava/server" || ovs[1].Name != "srv" {
		t.Fatalf("overlays = %+v", ovs)
	}
	if len(skipped) != 2 {
		t.Errorf("skipped = %q, want notes.txt and nomod", skipped)
	}

	// The hash follows the content, not .git or the directory's name.
	h := ovs[0].Hash
	write(t, filepath.Join(local, "whatever", ".git", "HEAD"), "ref: refs/heads/main\n")
	if h2, _ := Hash(filepath.Join(local, "whatever")); h2 != h {
		t.Error(".git changed the hash")
	}
	write(t, filepath.Join(local, "whatever", "common.go"), "package common // edited\n")
	if h2, _ := Hash(filepath.Join(local, "whatever")); h2 == h {
		t.Error("an edit did not change the hash")
	}
}

func TestScanErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"two checkouts of one module", map[string]string{"a/go.mod": "module example.com/m\n", "b/go.mod": "module example.com/m\n"}, "two overlays of example.com/m"},
		{"no module line", map[string]string{"a/go.mod": "go 1.21\n"}, "no module line"},
		{"bad go.mod", map[string]string{"a/go.mod": "module example.com/m\nrequire (\n"}, "go.mod"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			local := t.TempDir()
			for name, content := range tt.files {
				write(t, filepath.Join(local, name), content)
			}
			_, _, err := Scan(local)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Scan error = %v, want %q", err, tt.want)
			}
		})
	}
	if ovs, _, err := Scan(filepath.Join(t.TempDir(), "missing")); err != nil || ovs != nil {
		t.Errorf("Scan of a missing dir = %v, %v", ovs, err)
	}
}

func TestVCS(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	dir := t.TempDir()
	write(t, filepath.Join(dir, "go.mod"), "module example.com/m\n")
	git := func(args ...string) {
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@t"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	if c, _ := VCS(context.Background(), dir); c != "" {
		t.Errorf("commit %q outside a repository", c)
	}
	git("init", "-q")
	git("add", ".")
	git("commit", "-qm", "x")
	c, dirty := VCS(context.Background(), dir)
	if len(c) != 40 || dirty {
		t.Errorf("VCS = %q, %v; want a commit, clean", c, dirty)
	}
	write(t, filepath.Join(dir, "go.mod"), "module example.com/m\n\ngo 1.21\n")
	if _, dirty := VCS(context.Background(), dir); !dirty {
		t.Error("an edit is not dirty")
	}
}
