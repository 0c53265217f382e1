package resolve

import (
	"errors"
	"io/fs"
	"net/url"
	"path/filepath"
	"sort"
	"strings"

	"github.com/agext/levenshtein"
	"golang.org/x/mod/module"

	"github.com/assemble-build/assemble/assembler/gocmd"
)

// ownLines keeps, of the go command's output about several modules, the
// lines about module path: a command that fails for three modules says
// so for each, and each module's error should say only its own.
func ownLines(err error, path string) error {
	var ge *gocmd.Error
	if !errors.As(err, &ge) {
		return err
	}
	var own []string
	for _, line := range strings.Split(ge.Stderr, "\n") {
		if strings.Contains(line, "module "+path+":") || strings.Contains(line, path+"@") {
			own = append(own, line)
		}
	}
	if len(own) == 0 {
		return err
	}
	return &gocmd.Error{Err: ge.Err, Stderr: strings.Join(own, "\n")}
}

// unknown adds to an unknown module's error the parts that ask for it,
// and a module the proxy or the module cache knows by a near name.
func (r *resolver) unknown(rt *root, err error) error {
	var e *Error
	if !errors.As(err, &e) || !strings.Contains(e.Msg, "unknown module or version") {
		return err
	}
	msg := e.Msg
	for _, w := range rt.wants {
		msg += "\n\tasked for by part " + w.Part
		if w.At != "" {
			msg += " (" + w.At + ")"
		}
	}
	if s := nearest(rt.path, r.knownModules()); s != "" {
		msg += "\n\tDid you mean " + s + "?"
	}
	return &Error{Msg: msg}
}

// knownModules lists the modules of the file:// proxies in GOPROXY and
// of the module cache's download directory, which keeps what the
// proxies served before.
func (r *resolver) knownModules() []string {
	var dirs []string
	for _, p := range strings.FieldsFunc(r.env.Get("GOPROXY"), func(c rune) bool { return c == ',' || c == '|' }) {
		if u, err := url.Parse(p); err == nil && u.Scheme == "file" {
			dirs = append(dirs, filepath.FromSlash(u.Path))
		}
	}
	if c := r.env.Get("GOMODCACHE"); c != "" {
		dirs = append(dirs, filepath.Join(c, "cache", "download"))
	}
	seen := map[string]bool{}
	for _, dir := range dirs {
		n := 0
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if n++; err != nil || n > 20000 {
				return filepath.SkipAll
			}
			if d.IsDir() && d.Name() == "@v" {
				rel, _ := filepath.Rel(dir, filepath.Dir(p))
				if path, err := module.UnescapePath(filepath.ToSlash(rel)); err == nil {
					seen[path] = true
				}
				return filepath.SkipDir
			}
			return nil
		})
	}
	var out []string
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// nearest returns the name nearest to given within a few edits, or "".
func nearest(given string, names []string) string {
	best, bestDist := "", 4
	for _, n := range names {
		if d := levenshtein.Distance(given, n, nil); d > 0 && d < bestDist {
			best, bestDist = n, d
		}
	}
	return best
}
