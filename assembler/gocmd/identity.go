package gocmd

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
)

// identityEnv are the variables besides the settings that decide what
// go env says: where it finds the go env file, the defaults of the
// directories it derives from home (GOPATH, GOCACHE, GOMODCACHE), and
// PATH, where it looks for a C compiler to default CGO_ENABLED.
var identityEnv = []string{"GOENV", "GOFLAGS", "GOTOOLCHAIN", "HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "AppData", "LocalAppData", "home", "PATH"}

// identity names the go command PATH finds and everything go env reads
// to report the user's settings: the command (its path, size and time),
// its GOROOT's VERSION and go.env, the user's go env file, and the
// environment variables of the settings. What go env said can be kept
// under this name and used again, without running it, until one of them
// changes.
func identity() (string, error) {
	path, err := exec.LookPath("go")
	if err != nil {
		return "", err
	}
	if path, err = filepath.Abs(path); err != nil {
		return "", err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "go identity v1\n%s %d %d\n", path, fi.Size(), fi.ModTime().UnixNano())
	goroot := os.Getenv("GOROOT")
	if goroot == "" {
		if real, err := filepath.EvalSymlinks(path); err == nil {
			goroot = filepath.Dir(filepath.Dir(real))
		}
	}
	files := []string{filepath.Join(goroot, "VERSION"), filepath.Join(goroot, "go.env")}
	if env := os.Getenv("GOENV"); env != "off" {
		if env == "" {
			if dir, err := os.UserConfigDir(); err == nil {
				env = filepath.Join(dir, "go", "env")
			}
		}
		files = append(files, env)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		fmt.Fprintf(h, "file %s %x %v\n", f, sha256.Sum256(data), err == nil)
	}
	keys := append(slices.Clone(userKeys), identityEnv...)
	slices.Sort(keys)
	for _, k := range keys {
		v, ok := os.LookupEnv(k)
		fmt.Fprintf(h, "env %s=%q %v\n", k, v, ok)
	}
	return hex.EncodeToString(h.Sum(nil))[:32], nil
}
