// Package gocmd runs the go command, which is assemble's engine for
// fetching, verifying and building modules, with an environment that is
// written out in full so that nothing implicit changes what it does.
package gocmd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/assemble-build/assemble/assembler/fsutil"
)

// Controlled are the variables assemble sets itself, whatever the user's
// environment or go env file says: a workspace or a flag like -mod=vendor
// would change what gets built, and a toolchain switch would make the
// build depend on the network.
var Controlled = map[string]string{
	"GOFLAGS":     "-mod=mod",
	"GOWORK":      "off",
	"GOTOOLCHAIN": "local",
	"GO111MODULE": "on",
	"GOENV":       "off",
}

// userKeys are the go settings read from go env, which knows them from
// the environment and the go env file alike. CGO_CFLAGS and the like are
// not among them: asking go env for them runs the C compiler, which costs
// more than a whole no-change install; they come from the environment.
var userKeys = []string{
	"AR", "CC", "CXX", "CGO_ENABLED", "GCCGO", "GOAMD64", "GOARCH", "GOARM", "GOARM64", "GO386",
	"GOAUTH", "GOBIN", "GOCACHE", "GOCACHEPROG", "GODEBUG", "GOEXPERIMENT", "GOFIPS140",
	"GOINSECURE", "GOMODCACHE", "GONOPROXY", "GONOSUMDB", "GOOS", "GOPATH", "GOPRIVATE",
	"GOPROXY", "GOROOT", "GOSUMDB", "GOTMPDIR", "GOVCS", "GOVERSION",
}

// derived are go env keys the go command computes; they are not settings.
var derived = map[string]bool{"GOVERSION": true}

// Env is a complete environment for the go command.
type Env struct {
	vars map[string]string
	// goVersion is the go command's version, when go env reported it.
	goVersion string
}

// NewEnv makes the environment: the process environment without any Go
// settings, then the user's effective go settings (as go env reports
// them, from the environment and the go env file alike), then the
// manifest's go_env, then the controlled settings. GOENV=off keeps the go
// env file from adding anything behind this list's back.
func NewEnv(environ []string, user, goEnv map[string]string) *Env {
	e := &Env{vars: map[string]string{}, goVersion: user["GOVERSION"]}
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || isGoSetting(k) {
			continue
		}
		e.vars[k] = v
	}
	for _, k := range userKeys {
		if v, ok := user[k]; ok && !derived[k] {
			e.vars[k] = v
		}
	}
	for k, v := range goEnv {
		e.vars[k] = v
	}
	for k, v := range Controlled {
		e.vars[k] = v
	}
	return e
}

func isGoSetting(k string) bool {
	if _, ok := Controlled[k]; ok {
		return true
	}
	for _, u := range userKeys {
		if u == k {
			return true
		}
	}
	return strings.HasPrefix(k, "GO")
}

// Get returns a variable of the environment.
func (e *Env) Get(k string) string { return e.vars[k] }

// With returns a copy of the environment with more variables set.
func (e *Env) With(kv map[string]string) *Env {
	n := &Env{vars: make(map[string]string, len(e.vars)+len(kv)), goVersion: e.goVersion}
	for k, v := range e.vars {
		n.vars[k] = v
	}
	for k, v := range kv {
		n.vars[k] = v
	}
	return n
}

// Offline returns the environment for working from the module cache
// alone: the cache's download directory is itself a module proxy.
func (e *Env) Offline() *Env {
	cache := e.Get("GOMODCACHE")
	return e.With(map[string]string{
		"GOPROXY": "file://" + filepath.ToSlash(filepath.Join(cache, "cache", "download")),
		"GOSUMDB": "off",
	})
}

// List returns the environment as KEY=VALUE strings, sorted.
func (e *Env) List() []string {
	out := make([]string, 0, len(e.vars))
	for k, v := range e.vars {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

var userEnv struct {
	sync.Mutex
	m   map[string]string
	err error
}

// UserEnv returns the user's go settings as go env reports them. It runs
// go env at most once per process, and not at all when cache (a
// directory; "" for none) holds what it said for the same go command and
// settings (see identity): a no-op install then starts no process.
func UserEnv(ctx context.Context, cache string) (map[string]string, error) {
	userEnv.Lock()
	defer userEnv.Unlock()
	if userEnv.m != nil || userEnv.err != nil {
		return userEnv.m, userEnv.err
	}
	var file string
	if id, err := identity(); err == nil && cache != "" {
		file = filepath.Join(cache, "env-"+id+".json")
		if data, err := os.ReadFile(file); err == nil && json.Unmarshal(data, &userEnv.m) == nil && userEnv.m != nil {
			now := time.Now()
			_ = os.Chtimes(file, now, now) // gc goes by when it was last used
			return userEnv.m, nil
		}
	}
	userEnv.m, userEnv.err = goEnv(ctx)
	if userEnv.err == nil && file != "" {
		data, _ := json.Marshal(userEnv.m)
		if os.MkdirAll(cache, 0o755) == nil {
			_ = fsutil.WriteFileUnsynced(file, data, 0o644) // a cache: one lost is asked for again
		}
	}
	return userEnv.m, userEnv.err
}

func goEnv(ctx context.Context) (map[string]string, error) {
	cmd := exec.CommandContext(ctx, "go", append([]string{"env", "-json"}, userKeys...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go env: %v\n%s", err, stderr.Bytes())
	}
	var m map[string]string
	if err := json.Unmarshal(out, &m); err != nil {
		return nil, fmt.Errorf("go env: %v", err)
	}
	return m, nil
}

// Error is a go command that failed.
type Error struct {
	Args   []string
	Stderr string
	Err    error
}

func (e *Error) Error() string {
	msg := strings.TrimSpace(e.Stderr)
	if msg == "" {
		msg = e.Err.Error()
	}
	return fmt.Sprintf("go %s: %s", strings.Join(e.Args, " "), msg)
}

func (e *Error) Unwrap() error { return e.Err }

// Run runs go with args in dir and returns its standard output.
func (e *Env) Run(ctx context.Context, dir string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = e.List()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.Bytes(), &Error{Args: args, Stderr: stderr.String(), Err: err}
	}
	return stdout.Bytes(), nil
}

// Version returns the go command's version, such as "go1.26.8".
func (e *Env) Version(ctx context.Context) (string, error) {
	if e.goVersion != "" {
		return e.goVersion, nil
	}
	out, err := e.Run(ctx, os.TempDir(), "env", "GOVERSION")
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

// TargetKeys are the go settings that decide what a build makes for
// which machine, besides the modules and the toolchain.
var TargetKeys = []string{"GOOS", "GOARCH", "GOAMD64", "GOARM", "GOARM64", "GO386", "GOEXPERIMENT", "GOFIPS140", "CC"}

// Recorded returns what a revision keeps of the environment its parts
// were built in, to build them again alike: the manifest's go_env and
// the target settings. The rest of the user's settings, which may hold
// credentials (a GOPROXY URL with a password), are not kept.
func (e *Env) Recorded(goEnv map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range goEnv {
		out[k] = v
	}
	for _, k := range TargetKeys {
		if v := e.Get(k); v != "" {
			out[k] = v
		}
	}
	return out
}
