package verify

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb/dirhash"

	"github.com/assemble-build/assemble/assembler/gocmd"
	"github.com/assemble-build/assemble/assembler/lock"
	"github.com/assemble-build/assemble/assembler/resolve"
)

// Source is a module a build reads from the module cache, with the hash
// the lock gives it.
type Source struct {
	Path, Version string
	Sum           string // h1:
	Dir           string // in the module cache
}

// Module checks that s is in the module cache as it was downloaded, by
// the go command's own rule (go mod verify): the go command checks a
// module against go.sum when it fetches it, not when it builds from the
// cache, where anyone who can write could have changed it since. One
// that is not in the cache passes: the go command checks what it fetches.
func Module(s Source) error {
	if _, err := os.Stat(s.Dir); err != nil {
		return nil
	}
	got, err := dirhash.HashDir(s.Dir, s.Path+"@"+s.Version, dirhash.Hash1)
	if err != nil {
		return fmt.Errorf("checking %s@%s in the module cache: %w", s.Path, s.Version, err)
	}
	if got != s.Sum {
		return &ModuleError{Source: s, Got: got}
	}
	return nil
}

// ModuleError is a module whose files in the cache do not have the hash
// the lock gives it.
type ModuleError struct {
	Source
	Got string
}

func (e *ModuleError) Error() string {
	return fmt.Sprintf("module %s@%s in the module cache (%s) has %s, where the lock says %s: it was changed after it was downloaded. Run assemble verify --repair, or remove it (go clean -modcache removes them all), and install again",
		e.Path, e.Version, e.Dir, e.Got, e.Sum)
}

// RepairModule removes s from the module cache, with the zip it was
// extracted from, and has the go command download it again, then checks
// it again.
func RepairModule(ctx context.Context, env *gocmd.Env, s Source, tmp string) error {
	esc, err := module.EscapePath(s.Path)
	if err != nil {
		return err
	}
	ver, err := module.EscapeVersion(s.Version)
	if err != nil {
		return err
	}
	// The module cache is read-only, as the go command makes it.
	_ = filepath.WalkDir(s.Dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			_ = os.Chmod(p, 0o755)
		}
		return nil
	})
	if err := os.RemoveAll(s.Dir); err != nil {
		return err
	}
	dl := filepath.Join(env.Get("GOMODCACHE"), "cache", "download", esc, "@v", ver)
	for _, ext := range []string{".zip", ".ziphash"} {
		if err := os.Remove(dl + ext); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	if _, err := env.Run(ctx, tmp, "mod", "download", s.Path+"@"+s.Version); err != nil {
		return err
	}
	if _, err := os.Stat(s.Dir); err != nil {
		return fmt.Errorf("go mod download did not put %s@%s at %s", s.Path, s.Version, s.Dir)
	}
	return Module(s)
}

// Resolution checks what a revision's resolution says of each module,
// and the go.sum its builds were given, against the lock.
func Resolution(v *resolve.Result, l *lock.Lock, path string) []Finding {
	want := map[string]lock.Module{}
	for _, m := range l.Modules {
		want[m.Path+"@"+m.Version] = m
	}
	var out []Finding
	bad := func(format string, args ...any) {
		out = append(out, Finding{Kind: "corrupt", What: "resolution", Path: path, Detail: fmt.Sprintf(format, args...)})
	}
	for _, m := range v.Modules {
		if m.Overlay != nil {
			continue
		}
		lm, ok := want[m.Path+"@"+m.Version]
		switch {
		case !ok:
			bad("it has %s@%s, which the lock does not", m.Path, m.Version)
		case m.Sum != lm.Hash || m.GoModSum != lm.GoMod:
			bad("it gives %s@%s the hashes %s and %s, the lock %s and %s", m.Path, m.Version, m.Sum, m.GoModSum, lm.Hash, lm.GoMod)
		}
	}
	sc := bufio.NewScanner(bytes.NewReader(v.GoSum))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 3 {
			continue
		}
		ver, isMod := strings.CutSuffix(f[1], "/go.mod")
		lm, ok := want[f[0]+"@"+ver]
		// go.sum also has the go.mod hashes of versions that minimal
		// version selection read and did not pick, which the lock leaves out.
		switch {
		case !ok:
		case isMod && f[2] != lm.GoMod, !isMod && f[2] != lm.Hash:
			bad("its go.sum gives %s %s the hash %s, which the lock does not", f[0], f[1], f[2])
		}
	}
	return out
}
