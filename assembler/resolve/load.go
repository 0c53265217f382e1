package resolve

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/assemble-build/assemble/assembler/lock"
)

// load loads the parts' packages in the wrapper module, which selects the
// rest of the build list, and makes the Result from what it selected.
func (r *resolver) load(ctx context.Context) (*Result, error) {
	goVersion, err := r.env.Version(ctx)
	if err != nil {
		return nil, err
	}
	res := &Result{GoVersion: goVersion, Parts: map[string]*Part{}, byPath: map[string]*Module{}, pins: r.req.Pins}
	if len(r.roots) == 0 {
		return res, nil
	}
	gomodVersion := strings.TrimPrefix(goVersion, "go")
	if i := strings.IndexAny(gomodVersion, " -"); i >= 0 {
		gomodVersion = gomodVersion[:i]
	}
	if err := os.WriteFile(filepath.Join(r.dir, "go.sum"), r.seedGoSum(), 0o644); err != nil {
		return nil, err
	}
	forced := map[string]string{}
	var pkgs map[string]*listed
	for round := 0; ; round++ {
		if err := os.WriteFile(filepath.Join(r.dir, "go.mod"), r.wrapperGoMod(gomodVersion, forced), 0o644); err != nil {
			return nil, err
		}
		pkgs, err = r.listPackages(ctx)
		if err != nil {
			return nil, err
		}
		// A pin below what some module requires loses to minimal version
		// selection; force it with a replace, as buildout forces its pins.
		again := false
		for _, p := range pkgs {
			if m := p.Module; m != nil && !m.Main && m.Replace == nil {
				if pin, ok := r.req.Pins[m.Path]; ok && m.Version != pin.Version && forced[m.Path] == "" {
					forced[m.Path] = pin.Version
					res.Warnings = append(res.Warnings, fmt.Sprintf("%s: pinned to %s (%s), below the %s the build requires; building with the pin", m.Path, pin.Version, pin.At, m.Version))
					again = true
				}
			}
		}
		if !again || round > 0 {
			break
		}
	}
	sums, err := readGoSum(filepath.Join(r.dir, "go.sum"))
	if err != nil {
		return nil, err
	}
	res.GoSum, _ = os.ReadFile(filepath.Join(r.dir, "go.sum"))

	rootByPath := map[string]*root{}
	for _, rt := range r.roots {
		rootByPath[rt.path] = rt
	}
	r.buildList(res, pkgs, sums, rootByPath)

	if err := r.checkRoots(res, rootByPath); err != nil {
		return nil, err
	}
	if err := r.parts(res, pkgs); err != nil {
		return nil, err
	}
	if err := r.requiredBy(ctx, res); err != nil {
		return nil, err
	}
	if err := r.checkLocks(res); err != nil {
		return nil, err
	}
	return res, nil
}

// listed is a package as go list -deps -json shows it.
type listed struct {
	ImportPath string
	Standard   bool
	Deps       []string
	Module     *listedModule
	Error      *struct{ Err string }
	DepsErrors []*struct{ Err string }
}

type listedModule struct {
	Path      string
	Version   string
	Replace   *listedModule
	Dir       string
	GoMod     string
	GoVersion string
	Main      bool
}

// listPackages loads every part's packages in the wrapper, once for each
// distinct build configuration (tags, GOOS, cgo…), and returns them by
// import path and configuration.
func (r *resolver) listPackages(ctx context.Context) (map[string]*listed, error) {
	type config struct {
		env  map[string]string
		tags []string
		pkgs []string
	}
	configs := map[string]*config{}
	var keys []string
	for _, w := range r.req.Wants {
		env := map[string]string{"CGO_ENABLED": "0"}
		if w.CGO {
			env["CGO_ENABLED"] = "1"
		}
		for k, v := range w.Env {
			env[k] = v
		}
		key := fmt.Sprint(env, w.Tags)
		c := configs[key]
		if c == nil {
			c = &config{env: env, tags: w.Tags}
			configs[key] = c
			keys = append(keys, key)
		}
		c.pkgs = append(c.pkgs, w.Packages...)
	}
	sort.Strings(keys)
	all := map[string]*listed{}
	for _, key := range keys {
		c := configs[key]
		args := []string{"list", "-e", "-deps", "-json=ImportPath,Standard,Deps,Module,Error,DepsErrors"}
		if len(c.tags) > 0 {
			args = append(args, "-tags="+strings.Join(c.tags, ","))
		}
		args = append(args, c.pkgs...)
		out, err := r.env.With(c.env).Run(ctx, r.dir, args...)
		if err != nil {
			return nil, r.goError(strings.Join(c.pkgs, " "), err)
		}
		dec := json.NewDecoder(bytes.NewReader(out))
		for {
			p := new(listed)
			if err := dec.Decode(p); err != nil {
				if err.Error() == "EOF" {
					break
				}
				return nil, errorf("reading go list output: %v", err)
			}
			all[key+"\x00"+p.ImportPath] = p
		}
	}
	return all, nil
}

// buildList fills res with the modules that provide the packages loaded,
// each with its hashes from sums and the reason for its version.
func (r *resolver) buildList(res *Result, pkgs map[string]*listed, sums map[string]string, rootByPath map[string]*root) {
	for _, p := range pkgs {
		lm := p.Module
		if lm == nil || lm.Main || p.Standard || res.byPath[lm.Path] != nil {
			continue
		}
		m := &Module{Path: lm.Path, Version: lm.Version, Required: lm.Version, Dir: lm.Dir, GoVersion: lm.GoVersion}
		if rep := lm.Replace; rep != nil {
			m.Dir, m.GoVersion = rep.Dir, rep.GoVersion
			if rep.Version != "" {
				m.Version, m.Forced = rep.Version, true
			} else if o := r.overlays[lm.Path]; o != nil {
				m.Overlay = o
				m.Version = "(devel)" // as the go command says of a directory
			}
		}
		if m.Overlay == nil {
			m.Sum = sums[lm.Path+" "+m.Version]
			m.GoModSum = sums[lm.Path+" "+m.Version+"/go.mod"]
		}
		switch rt := rootByPath[m.Path]; {
		case m.Overlay != nil:
			m.Why = Reason{Kind: "overlay", Detail: m.Overlay.Dir}
		case rt != nil && rt.version == m.Version:
			m.Why = rt.why
		case r.req.Pins[m.Path].Version == m.Version:
			m.Why = Reason{Kind: "pin", Detail: r.req.Pins[m.Path].At}
		default:
			m.Why = Reason{Kind: "dependency"}
		}
		if rt := rootByPath[m.Path]; rt != nil {
			var cs []string
			for _, w := range rt.wants {
				m.Parts = append(m.Parts, w.Part)
				if w.Constraint != "" {
					cs = append(cs, w.Constraint)
				}
			}
			m.Constraint = strings.Join(cs, ", ")
		}
		res.byPath[m.Path] = m
		res.Modules = append(res.Modules, m)
	}
	sort.Slice(res.Modules, func(i, j int) bool { return res.Modules[i].Path < res.Modules[j].Path })
}

// checkRoots reports a part's module whose selected version left its
// constraint because another module requires a newer one.
func (r *resolver) checkRoots(res *Result, roots map[string]*root) error {
	var errs []error
	for _, rt := range roots {
		m := res.byPath[rt.path]
		if m == nil || m.Overlay != nil || m.Version == rt.version || m.Forced {
			continue
		}
		cons, _ := rt.constraints()
		for i, c := range cons {
			if c != nil && !satisfies(c, m.Version) {
				errs = append(errs, errorf("%s: part %s's constraint %s (%s) allows %s, but the build needs %s, which another module requires", rt.path, rt.wants[i].Part, rt.wants[i].Constraint, rt.wants[i].At, rt.version, m.Version))
			}
		}
		m.Why = Reason{Kind: "dependency", Detail: fmt.Sprintf("raised from %s by a requirement", rt.version)}
	}
	return joinErrors(errs)
}

// parts works out, for each part, the modules its packages come from.
func (r *resolver) parts(res *Result, pkgs map[string]*listed) error {
	byPath := map[string][]*listed{}
	for _, p := range pkgs {
		byPath[p.ImportPath] = append(byPath[p.ImportPath], p)
	}
	var errs []error
	for _, w := range r.req.Wants {
		pr := &Part{Name: w.Part, Module: res.byPath[w.Module]}
		reach, compiled := map[string]bool{}, map[string]bool{}
		for _, pkg := range w.Packages {
			ps := byPath[pkg]
			if len(ps) == 0 {
				errs = append(errs, errorf("part %s: package %s was not loaded", w.Part, pkg))
				continue
			}
			p := ps[0]
			if p.Error != nil {
				errs = append(errs, r.packageError(res, w, pkg, p.Error.Err))
				continue
			}
			for _, e := range p.DepsErrors {
				errs = append(errs, errorf("part %s: %s: %s", w.Part, pkg, e.Err))
			}
			if p.Module != nil && !p.Module.Main {
				reach[p.Module.Path] = true
			}
			compiled[pkg] = true
			for _, d := range p.Deps {
				compiled[d] = true
				for _, dp := range byPath[d] {
					if dp.Module != nil && !dp.Module.Main && !dp.Standard {
						reach[dp.Module.Path] = true
					}
				}
			}
		}
		pr.Reaches, pr.Packages = sortedKeys(reach), sortedKeys(compiled)
		if pr.Module == nil && len(errs) == 0 {
			errs = append(errs, errorf("part %s: no package of %s was built", w.Part, w.Module))
			continue
		}
		if pr.Module != nil {
			gm, err := readGoModFile(pr.Module)
			if err != nil {
				errs = append(errs, errorf("part %s: %v", w.Part, err))
			}
			if gm != nil {
				if gm.Go != nil {
					pr.GoLine = gm.Go.Version
				}
				for _, g := range gm.Godebug {
					pr.Godebug = append(pr.Godebug, [2]string{g.Key, g.Value})
				}
			}
		}
		res.Parts[w.Part] = pr
	}
	return joinErrors(errs)
}

// packageError explains why a part's package could not be loaded.
func (r *resolver) packageError(res *Result, w Want, pkg, msg string) error {
	msg = strings.TrimPrefix(msg, "go: ")
	version := ""
	for _, rt := range r.roots {
		if rt.path == w.Module {
			version = fmt.Sprintf("%s@%s (%s)", rt.path, rt.version, rt.why)
		}
	}
	switch {
	case strings.Contains(msg, "does not contain package") || strings.Contains(msg, "no required module provides package"):
		return errorf("part %s: package %s is not in %s", w.Part, pkg, version)
	case notFound.MatchString(msg) && strings.Contains(msg, w.Module+"@"):
		return errorf("part %s: %s: no such version on GOPROXY=%s:\n\t%s", w.Part, version, r.env.Get("GOPROXY"), msg)
	}
	return errorf("part %s: %s", w.Part, r.goError(pkg, errors.New(msg)).Error())
}

// requiredBy finds, from the module graph, which modules require each
// dependency at the version selected.
func (r *resolver) requiredBy(ctx context.Context, res *Result) error {
	out, err := r.env.Run(ctx, r.dir, "mod", "graph")
	if err != nil {
		return r.goError("module graph", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		from, to, ok := strings.Cut(sc.Text(), " ")
		if !ok || !strings.Contains(from, "@") {
			continue // the wrapper module itself
		}
		path, version, _ := strings.Cut(to, "@")
		if m := res.byPath[path]; m != nil && m.Required == version {
			m.RequiredBy = append(m.RequiredBy, from)
		}
	}
	for _, m := range res.Modules {
		sort.Strings(m.RequiredBy)
		if m.Why.Kind == "dependency" && m.Why.Detail == "" && len(m.RequiredBy) > 0 {
			m.Why.Detail = "required by " + strings.Join(m.RequiredBy, ", ")
		}
	}
	return nil
}

// checkLocks reports, for every lock at once, each module built at a
// version the lock holds but with other hashes; an overlay has none.
func (r *resolver) checkLocks(res *Result) error { return CheckLocks(r.req.Checks, res) }

// CheckLocks checks a result against the locks it must match, as
// resolution does: a result kept from before is trusted no more than
// the go command's answer.
func CheckLocks(checks []Check, res *Result) error {
	var errs []error
	for _, c := range checks {
		var mods []lock.Module
		for _, m := range res.Modules {
			if m.Overlay == nil {
				mods = append(mods, lock.Module{Path: m.Path, Version: m.Version, Hash: m.Sum, GoMod: m.GoModSum})
			}
		}
		errs = append(errs, c.Lock.Check(mods, c.Name)...)
	}
	return joinErrors(errs)
}
