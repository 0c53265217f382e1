package assembler

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"

	"github.com/assemble-build/assemble/assembler/apply"
	"github.com/assemble-build/assemble/assembler/fsutil"
	"github.com/assemble-build/assemble/assembler/gocmd"
	"github.com/assemble-build/assemble/assembler/lock"
	"github.com/assemble-build/assemble/assembler/resolve"
)

// MirrorReport says what Mirror did.
type MirrorReport struct {
	Dir     string `json:"dir"`
	Modules int    `json:"modules"` // module versions the lock needs
	Added   int    `json:"added"`   // of those, new to the mirror
}

// MirrorLock is the lock a mirror keeps beside its modules: install
// --mirror checks every module against it.
const MirrorLock = "assemble.lock"

// Mirror writes into dir, in the GOPROXY layout (the go command takes
// it as GOPROXY=file://dir), every module version the build needs: each
// module of its go.sum, with its .info, .mod and .zip, fetched by go mod
// download. What dir holds already stays; a version is added to each
// module's list. The lock of what was mirrored is written beside, and
// merged with one already there. With opts.Name, the modules are those
// of the instance's current revision; else those the config resolves.
func Mirror(ctx context.Context, opts *Options, dir string) (*MirrorReport, error) {
	sum, env, err := mirrorInputs(ctx, opts)
	if err != nil {
		return nil, err
	}
	mods := sumModules(sum)
	if len(mods) == 0 {
		return nil, fmt.Errorf("mirror: nothing to mirror: no part builds a module")
	}
	tmp, err := os.MkdirTemp("", "assemble-mirror-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	out, err := env.Run(ctx, tmp, append([]string{"mod", "download", "-json"}, mods...)...)
	if err != nil && len(out) == 0 {
		return nil, fmt.Errorf("mirror: go mod download: %w", err)
	}
	rep := &MirrorReport{Dir: dir, Modules: len(mods)}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var m struct{ Path, Version, Info, GoMod, Zip, Error string }
		if err := dec.Decode(&m); err != nil {
			break
		}
		if m.Error != "" {
			return nil, fmt.Errorf("mirror: %s@%s: %s", m.Path, m.Version, m.Error)
		}
		added, err := addToMirror(dir, m.Path, m.Version, m.Info, m.GoMod, m.Zip)
		if err != nil {
			return nil, fmt.Errorf("mirror: %s@%s: %w", m.Path, m.Version, err)
		}
		if added {
			rep.Added++
		}
	}
	if err := mergeLock(filepath.Join(dir, MirrorLock), sum); err != nil {
		return nil, err
	}
	return rep, nil
}

// mirrorInputs returns the go.sum and the go environment of what the
// instance's revision, or the config, builds.
func mirrorInputs(ctx context.Context, opts *Options) ([]byte, *gocmd.Env, error) {
	if opts.Name == "" {
		ev, err := Versions(ctx, opts)
		if err != nil {
			return nil, nil, err
		}
		ev.Close()
		if ev.Env == nil {
			return nil, nil, fmt.Errorf("mirror: nothing to mirror: no part builds a module")
		}
		return ev.Versions.GoSum, ev.Env, nil
	}
	s, err := look(opts)
	if err != nil {
		return nil, nil, err
	}
	rev := s.in.CurrentRevision()
	if !s.in.Exists() || rev == "" {
		return nil, nil, noInstance(s.in)
	}
	revDir := s.in.Revision(rev)
	data, err := os.ReadFile(filepath.Join(revDir, apply.ResolutionFile))
	if err != nil {
		return nil, nil, fmt.Errorf("mirror: instance %s: %w", s.in.Name, err)
	}
	res, err := resolve.Read(data)
	if err != nil {
		return nil, nil, fmt.Errorf("mirror: instance %s: %w", s.in.Name, err)
	}
	env, err := (&verifier{s: s, dir: revDir}).goEnv(ctx)
	return res.GoSum, env, err
}

// mergeLock adds the hashes of a go.sum to the mirror's lock, which
// lists every version the mirror holds, each with its hashes.
func mergeLock(path string, sum []byte) error {
	l := &lock.Lock{}
	if _, err := os.Stat(path); err == nil {
		if l, err = readLockFile(path); err != nil {
			return fmt.Errorf("mirror: %w", err)
		}
	}
	sc := bufio.NewScanner(bytes.NewReader(sum))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 3 {
			continue
		}
		version, isMod := strings.CutSuffix(f[1], "/go.mod")
		m := l.Version(f[0], version)
		if m == nil {
			l.Modules = append(l.Modules, lock.Module{Path: f[0], Version: version})
			m = &l.Modules[len(l.Modules)-1]
		}
		if isMod {
			m.GoMod = f[2]
		} else {
			m.Hash = f[2]
		}
	}
	slices.SortFunc(l.Modules, func(a, b lock.Module) int {
		if a.Path != b.Path {
			return strings.Compare(a.Path, b.Path)
		}
		return semver.Compare(a.Version, b.Version)
	})
	return fsutil.WriteFile(path, l.Marshal(), 0o644)
}

// sumModules lists the module versions of a go.sum, as path@version.
func sumModules(sum []byte) []string {
	seen := map[string]bool{}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(sum))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 3 {
			continue
		}
		mv := f[0] + "@" + strings.TrimSuffix(f[1], "/go.mod")
		if !seen[mv] {
			seen[mv] = true
			out = append(out, mv)
		}
	}
	slices.Sort(out)
	return out
}

// addToMirror copies one module version's files into the mirror, and
// adds the version to the module's list. It reports whether the
// version was new there.
func addToMirror(dir, path, version, info, gomod, zip string) (bool, error) {
	esc, err := module.EscapePath(path)
	if err != nil {
		return false, err
	}
	ev, err := module.EscapeVersion(version)
	if err != nil {
		return false, err
	}
	vdir := filepath.Join(dir, filepath.FromSlash(esc), "@v")
	if err := os.MkdirAll(vdir, 0o755); err != nil {
		return false, err
	}
	_, statErr := os.Stat(filepath.Join(vdir, ev+".zip"))
	for src, ext := range map[string]string{info: ".info", gomod: ".mod", zip: ".zip"} {
		if src == "" {
			return false, fmt.Errorf("go mod download gave no %s file", ext)
		}
		data, err := os.ReadFile(src)
		if err != nil {
			return false, err
		}
		if err := fsutil.WriteFile(filepath.Join(vdir, ev+ext), data, 0o644); err != nil {
			return false, err
		}
	}
	return statErr != nil, addVersion(filepath.Join(vdir, "list"), version)
}

// addVersion adds version to a module's list, which stays sorted.
func addVersion(list, version string) error {
	data, err := os.ReadFile(list)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	versions := strings.Fields(string(data))
	if slices.Contains(versions, version) {
		return nil
	}
	versions = append(versions, version)
	semver.Sort(versions)
	return fsutil.WriteFile(list, []byte(strings.Join(versions, "\n")+"\n"), 0o644)
}

// mirrorCheck is the check of every module against the lock of the
// mirror at dir: the go command does not ask the checksum database for
// what a mirror serves, so assemble checks it instead.
func mirrorCheck(dir string) (resolve.Check, error) {
	path := filepath.Join(dir, MirrorLock)
	l, err := readLockFile(path)
	if err != nil {
		return resolve.Check{}, &UsageError{Err: fmt.Errorf("--mirror %s: %w", dir, err), Hint: "'assemble mirror DIR' writes a mirror, with its lock."}
	}
	return resolve.Check{Lock: l, Name: path}, nil
}
