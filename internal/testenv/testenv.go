// Package testenv sets up what tests need to run the go command offline:
// a module cache of their own, and the module proxy built from
// testdata/mod.
package testenv

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"

	"github.com/assemble-build/assemble/assembler/gocmd"
	"github.com/assemble-build/assemble/internal/modproxy"
)

// TB is the part of testing.TB the helpers that scripts use need.
type TB interface {
	Helper()
	Fatal(args ...any)
}

// RepoRoot returns the repository's root directory.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// ProxyDir returns the committed module proxy, testdata/proxy.
func ProxyDir() string { return filepath.Join(RepoRoot(), "testdata", "proxy") }

// ModCache returns a new, empty module cache that is removed after the
// test even though the go command makes its files read-only.
func ModCache(t testing.TB) string {
	dir := t.TempDir()
	t.Cleanup(func() { MakeWritable(dir) })
	return filepath.Join(dir, "mod")
}

// MakeWritable makes every directory under dir writable, so that it can
// be removed.
func MakeWritable(dir string) {
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			_ = os.Chmod(p, 0o755)
		}
		return nil
	})
}

// GoEnv returns a go command environment that fetches from the test
// proxy into cache and never touches the network. The build cache is the
// user's, which is safe to share and keeps tests fast.
func GoEnv(t testing.TB, cache string) *gocmd.Env {
	t.Helper()
	user, err := gocmd.UserEnv(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	return gocmd.NewEnv(os.Environ(), user, map[string]string{
		"GOPROXY":    "file://" + filepath.ToSlash(ProxyDir()),
		"GOSUMDB":    "off",
		"GOMODCACHE": cache,
		"GOPRIVATE":  "",
		"GONOSUMDB":  "",
		"GONOPROXY":  "",
	})
}

// CopyProxy copies the test proxy to a new directory, for tests that
// change it.
func CopyProxy(t testing.TB) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "proxy")
	if err := modproxy.Build(filepath.Join(RepoRoot(), "testdata", "mod"), dst); err != nil {
		t.Fatal(err)
	}
	return dst
}

// Republish replaces the zip of path@version in proxy with other files,
// as a tampered or re-tagged proxy would.
func Republish(t TB, proxy, path, version string, files map[string]string) {
	t.Helper()
	var zfiles []modzip.File
	for name, content := range files {
		zfiles = append(zfiles, memFile{name, []byte(content)})
	}
	var buf bytes.Buffer
	if err := modzip.Create(&buf, module.Version{Path: path, Version: version}, zfiles); err != nil {
		t.Fatal(err)
	}
	enc, _ := module.EscapePath(path)
	if err := os.WriteFile(filepath.Join(proxy, filepath.FromSlash(enc), "@v", version+".zip"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// WriteFiles writes files (slash-separated names) under dir.
func WriteFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// NeedProgram returns the path of program, which a test needs. Where it
// is missing the test is skipped, saying which Debian package has it; in
// CI (CI=true) the test fails instead, as CI must run every test.
func NeedProgram(t testing.TB, program, debianPackage string) string {
	t.Helper()
	path, err := exec.LookPath(program)
	if err == nil {
		return path
	}
	missing(t, fmt.Sprintf("%s not found: install it with apt-get install %s", program, debianPackage))
	return ""
}

// missing skips a test that needs what is missing, saying so; in CI
// (CI=true) it fails the test instead.
func missing(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}
