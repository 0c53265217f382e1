// Package programs gives an install the recipes of Go modules: a part
// that says recipe = "MODULE//NAME" uses recipe NAME of the program
// built from MODULE's root package. The module is a module of the
// instance's build list like those parts build (pinned by versions,
// hashed into the lock, overlaid from code/current/local); the program
// is built once into the root's store, and run with package
// recipes/plugin while the command lasts.
package programs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"

	"github.com/assemble-build/assemble/assembler/config"
	"github.com/assemble-build/assemble/assembler/gocmd"
	"github.com/assemble-build/assemble/assembler/resolve"
	"github.com/assemble-build/assemble/assembler/store"
	"github.com/assemble-build/assemble/recipes/plugin"
	"github.com/assemble-build/assemble/recipes/recipe"
)

// File is the file of a revision that names the recipe programs its
// parts use, by module: the revision's record is read with them.
const File = "programs.json"

// sep parts a recipe's module from its name.
const sep = "//"

// Named reports whether name is a recipe of a module, MODULE//NAME.
func Named(name string) bool {
	mod, rec, ok := strings.Cut(name, sep)
	return ok && rec != "" && module.CheckPath(mod) == nil
}

func split(name string) (mod, rec string) {
	mod, rec, _ = strings.Cut(name, sep)
	return mod, rec
}

// Part names the build of the program of module mod among the parts'
// builds.
func Part(mod string) string { return "recipe " + mod }

// Wants are the modules of the recipes named, for resolution: each
// program is its module's root package.
func Wants(names []string) []resolve.Want {
	seen := map[string]bool{}
	var out []resolve.Want
	for _, n := range names {
		mod, _ := split(n)
		if !seen[mod] {
			seen[mod] = true
			out = append(out, resolve.Want{Part: Part(mod), Module: mod, Packages: []string{mod}})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Module < out[j].Module })
	return out
}

// Set is the recipes of the programs started for a command, with the
// built-in ones, and what Close stops.
type Set struct {
	Recipes  recipe.Registry
	Programs map[string]string // recipe name → the program, in the store
	running  []*plugin.Program
}

// Close stops the programs.
func (s *Set) Close() {
	if s == nil {
		return
	}
	for _, p := range s.running {
		p.Close()
	}
}

// Start builds (or finds in the store st) and starts the program of each
// recipe named, built as resolution says (mods, by Part), in a
// directory under code, and returns base with their recipes added.
func Start(ctx context.Context, names []string, mods map[string]*recipe.Module, base recipe.Registry, st *store.Store, code string, env *gocmd.Env, logs io.Writer) (*Set, error) {
	s := &Set{Recipes: recipe.Registry{}, Programs: map[string]string{}}
	for k, v := range base {
		s.Recipes[k] = v
	}
	started := map[string]*plugin.Program{}
	for _, name := range names {
		mod, rec := split(name)
		prog, ok := started[mod]
		if !ok {
			m := mods[Part(mod)]
			if m == nil {
				s.Close()
				return nil, fmt.Errorf("recipe %s: module %s is not resolved", name, mod)
			}
			path, err := build(ctx, m, st, code, env)
			if err != nil {
				s.Close()
				return nil, fmt.Errorf("recipe %s: building %s: %w", name, mod, err)
			}
			if prog, err = open(ctx, path, logs); err != nil {
				s.Close()
				return nil, fmt.Errorf("recipe %s: %w", name, err)
			}
			started[mod] = prog
			s.running = append(s.running, prog)
			s.Programs[mod] = path
		}
		r := prog.Recipe(rec, name)
		if r == nil {
			s.Close()
			return nil, fmt.Errorf("%w: recipe %s: the program of %s serves no recipe %q; it serves %s", config.ErrConfig, name, mod, rec, served(prog))
		}
		s.Recipes[name] = r
	}
	return s, nil
}

func open(ctx context.Context, path string, logs io.Writer) (*plugin.Program, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	return plugin.Open(ctx, path, sum[:], logs)
}

func served(p *plugin.Program) string {
	var names []string
	for _, r := range p.Recipes() {
		names = append(names, r.Spec().Name)
	}
	return strings.Join(names, ", ")
}

// build builds the program of module m into the store, once: the entry
// is named by what the build reads (m.Key). It builds in a directory of
// its own, with the overlays' paths made absolute (they are relative
// to a part's build directory in a revision, which there is none of
// yet), so that nothing is written into the instance.
func build(ctx context.Context, m *recipe.Module, st *store.Store, code string, env *gocmd.Env) (string, error) {
	gomod, err := absoluteOverlays(m.GoMod, code)
	if err != nil {
		return "", err
	}
	dir, err := st.Get("recipe-"+m.Key, func(out string) error {
		work, err := os.MkdirTemp("", "assemble-recipe-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(work)
		if err := os.WriteFile(filepath.Join(work, "go.mod"), gomod, 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(work, "go.sum"), m.GoSum, 0o644); err != nil {
			return err
		}
		_, err = env.Run(ctx, work, "build", "-trimpath", "-o", filepath.Join(out, "program"), m.Path)
		return err
	})
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "program"), nil
}

// absoluteOverlays rewrites the replacements of overlaid modules, which
// are relative to code/REVISION/build/PART, to absolute paths under
// code/local.
func absoluteOverlays(gomod []byte, code string) ([]byte, error) {
	f, err := modfile.Parse("go.mod", gomod, nil)
	if err != nil {
		return nil, err
	}
	for _, r := range f.Replace {
		if rest, ok := strings.CutPrefix(r.New.Path, "../../local/"); ok && code != "" {
			if err := f.AddReplace(r.Old.Path, r.Old.Version, filepath.Join(code, "local", rest), ""); err != nil {
				return nil, err
			}
		}
	}
	return f.Format()
}

// Entries returns the store entries of the programs the revision in dir
// ran.
func Entries(dir string) []string {
	progs, _ := readPrograms(dir)
	var out []string
	for _, path := range progs {
		out = append(out, filepath.Dir(path))
	}
	return out
}

func readPrograms(dir string) (map[string]string, error) {
	data, err := os.ReadFile(filepath.Join(dir, File))
	if err != nil {
		return nil, err
	}
	var progs map[string]string
	if err := json.Unmarshal(data, &progs); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, File), err)
	}
	return progs, nil
}

// opened are the programs started to read revisions' records, by path,
// which serve until CloseAll.
var opened struct {
	sync.Mutex
	progs map[string]*plugin.Program
}

// FromRevision returns recipe name, MODULE//NAME, as the revision in dir
// ran it: its program, from the store, started once for the command.
func FromRevision(dir, name string) (recipe.Recipe, error) {
	progs, err := readPrograms(dir)
	if err != nil {
		return nil, fmt.Errorf("recipe %s: %w", name, err)
	}
	mod, rec := split(name)
	path := progs[mod]
	if path == "" {
		return nil, fmt.Errorf("recipe %s: %s names no program of %s", name, filepath.Join(dir, File), mod)
	}
	opened.Lock()
	defer opened.Unlock()
	prog := opened.progs[path]
	if prog == nil {
		if err := store.Check(filepath.Dir(path)); err != nil {
			return nil, fmt.Errorf("recipe %s: %w", name, err)
		}
		if prog, err = open(context.Background(), path, io.Discard); err != nil {
			return nil, fmt.Errorf("recipe %s: %w", name, err)
		}
		if opened.progs == nil {
			opened.progs = map[string]*plugin.Program{}
		}
		opened.progs[path] = prog
	}
	r := prog.Recipe(rec, name)
	if r == nil {
		return nil, fmt.Errorf("recipe %s: the program of %s serves no recipe %q", name, mod, rec)
	}
	return r, nil
}

// CloseAll stops the programs FromRevision started.
func CloseAll() {
	opened.Lock()
	defer opened.Unlock()
	for _, p := range opened.progs {
		p.Close()
	}
	opened.progs = nil
}

// Logs is a writer that says each line a program writes through Say.
type Logs struct {
	Say  func(format string, args ...any)
	mu   sync.Mutex // go-plugin writes from a goroutine an output
	part []byte
}

func (l *Logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.part = append(l.part, p...)
	for {
		i := bytes.IndexByte(l.part, '\n')
		if i < 0 {
			return len(p), nil
		}
		if line := logLine(l.part[:i]); line != "" && l.Say != nil {
			l.Say("%s", line)
		}
		l.part = l.part[i+1:]
	}
}

// logLine is what a line a program wrote is worth saying: go-plugin's
// own lines are JSON, and only their warnings and errors are.
func logLine(b []byte) string {
	line := strings.TrimSpace(string(b))
	if !strings.HasPrefix(line, `{"@level"`) {
		return line
	}
	var m struct {
		Level   string `json:"@level"`
		Message string `json:"@message"`
	}
	if json.Unmarshal([]byte(line), &m) != nil {
		return line
	}
	if m.Level != "warn" && m.Level != "error" {
		return ""
	}
	return m.Message
}
