// Package overlay finds developer checkouts in an instance's code/local
// directory. Each directory there (or symlink to one) whose go.mod names
// a module replaces that module in every build of the instance; the
// directory's name does not matter.
package overlay

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/sumdb/dirhash"
	modzip "golang.org/x/mod/zip"
)

// Overlay is one developer checkout.
type Overlay struct {
	Module string // the module path its go.mod declares
	Name   string // its name under code/local
	Dir    string // its path: code/local/NAME under the instance
	// Hash is the h1: hash of the files a module zip of it would hold,
	// so that an edit anywhere in the module changes it.
	Hash string
	// Imports names its go.mod and what each of its directories' Go files
	// import: what the versions picked and the modules each build reads
	// depend on. An edit that changes neither keeps them.
	Imports string
}

// Scan returns the overlays in dir, sorted by module path. A missing dir
// has none. Entries that are not directories, or have no go.mod, are
// skipped and reported in skipped; a go.mod that cannot be read, or two
// checkouts of one module, is an error.
func Scan(dir string) (ovs []Overlay, skipped []string, err error) {
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	byModule := map[string]string{}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		path := filepath.Join(dir, name)
		fi, err := os.Stat(path) // follows a symlink to a checkout
		if err != nil || !fi.IsDir() {
			skipped = append(skipped, fmt.Sprintf("%s: not a directory", path))
			continue
		}
		gomod := filepath.Join(path, "go.mod")
		data, err := os.ReadFile(gomod)
		if os.IsNotExist(err) {
			skipped = append(skipped, fmt.Sprintf("%s: no go.mod", path))
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		mf, err := modfile.ParseLax(gomod, data, nil)
		if err != nil {
			return nil, nil, fmt.Errorf("overlay %s: %v", path, err)
		}
		if mf.Module == nil {
			return nil, nil, fmt.Errorf("overlay %s: go.mod has no module line", path)
		}
		mod := mf.Module.Mod.Path
		if other, ok := byModule[mod]; ok {
			return nil, nil, fmt.Errorf("two overlays of %s: %s and %s; keep one", mod, other, path)
		}
		byModule[mod] = path
		files, err := moduleFiles(path)
		if err != nil {
			return nil, nil, fmt.Errorf("overlay %s: %v", path, err)
		}
		h, err := hashFiles(path, files)
		if err != nil {
			return nil, nil, fmt.Errorf("overlay %s: %v", path, err)
		}
		ovs = append(ovs, Overlay{Module: mod, Name: name, Dir: path, Hash: h, Imports: imports(path, data, files)})
	}
	sort.Slice(ovs, func(i, j int) bool { return ovs[i].Module < ovs[j].Module })
	return ovs, skipped, nil
}

// Hash returns the h1: hash of the files in dir that a module zip would
// hold: not .git, not vendor/, not nested modules.
func Hash(dir string) (string, error) {
	files, err := moduleFiles(dir)
	if err != nil {
		return "", err
	}
	return hashFiles(dir, files)
}

// moduleFiles lists the files in dir that a module zip would hold,
// relative to dir, slash-separated, sorted.
func moduleFiles(dir string) ([]string, error) {
	checked, err := modzip.CheckDir(dir)
	if err != nil && len(checked.Valid) == 0 {
		return nil, err
	}
	// CheckDir names files by their path on disk; the hash wants them
	// relative to the module root, as a zip holds them.
	files := make([]string, 0, len(checked.Valid))
	for _, f := range checked.Valid {
		rel, err := filepath.Rel(dir, f)
		if err != nil {
			return nil, err
		}
		files = append(files, filepath.ToSlash(rel))
	}
	sort.Strings(files)
	return files, nil
}

func hashFiles(dir string, files []string) (string, error) {
	return dirhash.Hash1(files, func(name string) (io.ReadCloser, error) {
		return os.Open(filepath.Join(dir, filepath.FromSlash(name)))
	})
}

// VCS returns the git commit a checkout is at and whether it has changes
// not committed. A checkout that is not a git work tree has neither.
func VCS(ctx context.Context, dir string) (commit string, dirty bool) {
	if !inGitTree(dir) {
		return "", false // without starting git, which costs more than an install of a few parts
	}
	out, err := exec.CommandContext(ctx, "git", "-C", dir, "rev-parse", "HEAD").Output()
	if err != nil {
		return "", false
	}
	commit = strings.TrimSpace(string(out))
	st, err := exec.CommandContext(ctx, "git", "-C", dir, "status", "--porcelain").Output()
	return commit, err == nil && len(strings.TrimSpace(string(st))) > 0
}

// inGitTree reports whether dir or a directory above it has a .git.
func inGitTree(dir string) bool {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return true
	}
	for d := abs; ; d = filepath.Dir(d) {
		if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
			return true
		}
		if filepath.Dir(d) == d {
			return false
		}
	}
}
