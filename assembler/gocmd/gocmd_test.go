package gocmd

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNewEnv(t *testing.T) {
	environ := []string{"PATH=/bin", "HOME=/home/u", "GOFLAGS=-mod=vendor", "GOWORK=/w/go.work", "GOPROXY=https://env", "CGO_ENABLED=1", "LANG=C"}
	user := map[string]string{"GOPROXY": "https://user", "GOPRIVATE": "corp.example", "GOFLAGS": "-mod=vendor", "GOMOD": "/dev/null", "GOVERSION": "go1.26.8", "GOMODCACHE": "/cache"}
	goEnv := map[string]string{"GOPROXY": "file:///proxy", "GONOSUMDB": "example.com"}
	e := NewEnv(environ, user, goEnv)
	want := map[string]string{
		"PATH": "/bin", "HOME": "/home/u", "LANG": "C",
		"GOPROXY":     "file:///proxy", // the manifest wins over the user
		"GOPRIVATE":   "corp.example",  // the user's file settings are kept
		"GONOSUMDB":   "example.com",
		"GOFLAGS":     "-mod=mod", // controlled, whatever the user says
		"GOWORK":      "off",
		"GOTOOLCHAIN": "local",
		"GOENV":       "off",
		"GOMODCACHE":  "/cache",
		"GOMOD":       "", // derived: not passed on
		"GOVERSION":   "",
		"CGO_ENABLED": "", // not in the user's go env here: dropped with the process's Go settings
	}
	for k, v := range want {
		if got := e.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	off := e.Offline()
	if got := off.Get("GOPROXY"); got != "file:///cache/cache/download" {
		t.Errorf("offline GOPROXY = %q", got)
	}
	if e.Get("GOPROXY") != "file:///proxy" {
		t.Error("Offline changed the original environment")
	}
}

// TestRunIgnoresUserGoEnvFile checks that a go env file cannot change
// GOFLAGS or GOWORK behind assemble's back.
func TestRunIgnoresUserGoEnvFile(t *testing.T) {
	dir := t.TempDir()
	envFile := filepath.Join(dir, "goenv")
	if err := os.WriteFile(envFile, []byte("GOFLAGS=-mod=vendor\nGOPROXY=off\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	e := NewEnv(append(os.Environ(), "GOENV="+envFile), map[string]string{"GOPROXY": "file:///p"}, nil)
	out, err := e.Run(context.Background(), dir, "env", "GOFLAGS", "GOPROXY", "GOWORK", "GOTOOLCHAIN")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Fields(string(out)), []string{"-mod=mod", "file:///p", "off", "local"}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("go env says %q, want %q", got, want)
	}
}
