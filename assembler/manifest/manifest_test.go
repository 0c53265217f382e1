package manifest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestIsGit(t *testing.T) {
	dir := t.TempDir()
	tests := map[string]bool{
		dir:                            false,
		dir + "#main":                  true,
		"https://example.com/m.git":    true,
		"git@example.com:lab/manifest": true,
		"file:///srv/manifest#v1":      true,
		"/srv/manifest.git":            true,
	}
	for spec, want := range tests {
		if got := IsGit(spec); got != want {
			t.Errorf("IsGit(%q) = %v, want %v", spec, got, want)
		}
	}
}

func TestOpenGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	repo := t.TempDir()
	git := func(args ...string) string {
		cmd := exec.Command("git", append([]string{"-C", repo, "-c", "user.name=t", "-c", "user.email=t@t"}, args...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	git("init", "-q", "-b", "main")
	os.WriteFile(filepath.Join(repo, "buildout.hcl"), []byte("# one\n"), 0o644)
	git("add", ".")
	git("commit", "-qm", "one")
	git("tag", "v1")
	first := git("rev-parse", "HEAD")
	os.WriteFile(filepath.Join(repo, "buildout.hcl"), []byte("# two\n"), 0o644)
	git("commit", "-qam", "two")
	second := git("rev-parse", "HEAD")

	cache := t.TempDir()
	ctx := context.Background()
	for ref, want := range map[string]string{"main": second, "v1": first, first[:12]: first, "": second} {
		spec := "file://" + repo
		if ref != "" {
			spec += "#" + ref
		}
		m, err := Open(ctx, spec, cache, false)
		if err != nil {
			t.Fatalf("%s: %v", spec, err)
		}
		if m.Commit != want {
			t.Errorf("%s: commit %s, want %s", spec, m.Commit, want)
		}
		data, err := os.ReadFile(filepath.Join(m.Dir, "buildout.hcl"))
		wantText := "# two\n"
		if want == first {
			wantText = "# one\n"
		}
		if err != nil || string(data) != wantText {
			t.Errorf("%s: buildout.hcl = %q, %v", spec, data, err)
		}
	}
	// Offline, the last commit fetched for a ref is used.
	if m, err := Open(ctx, "file://"+repo+"#main", cache, true); err != nil || m.Commit != second {
		t.Errorf("offline: %+v, %v", m, err)
	}
	if _, err := Open(ctx, "file://"+repo+"#nope", cache, false); err == nil || !strings.Contains(err.Error(), `no ref or commit "nope"`) {
		t.Errorf("unknown ref: %v", err)
	}
	if _, err := Open(ctx, "file:///nowhere#main", t.TempDir(), true); err == nil || !strings.Contains(err.Error(), "never fetched") {
		t.Errorf("offline, never fetched: %v", err)
	}
	local, err := Open(ctx, repo, cache, false)
	if err != nil || local.Git || local.Dir != repo {
		t.Errorf("a local directory: %+v, %v", local, err)
	}
}
