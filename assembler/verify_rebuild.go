package assembler

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"

	"github.com/assemble-build/assemble/assembler/apply"
	"github.com/assemble-build/assemble/assembler/store"
	"github.com/assemble-build/assemble/assembler/verify"
)

// rebuild checks the modules the revision's builds read, builds them
// again into a directory of their own, and compares: the store entries,
// the revision's files, the binaries' build information.
func (v *verifier) rebuild(ctx context.Context) error {
	// The rebuild is a revision beside the others, where the go.mod of an
	// overlaid build reaches code/local as it does from them.
	dir, err := os.MkdirTemp(v.s.in.Code(), ".verify-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	v.checkModules(ctx, dir)
	if ok, err := v.sameToolchain(ctx); !ok || err != nil {
		return err
	}
	if v.o.CleanCache {
		v.ar.Go = v.env.With(map[string]string{"GOCACHE": filepath.Join(dir, ".gocache")})
	}
	rb, err := apply.Rebuild(ctx, v.ar, dir)
	if err != nil {
		return err
	}
	defer func() {
		for _, tmp := range rb.Entries {
			v.ar.Store.Discard(tmp)
		}
	}()
	for _, part := range slices.Sorted(maps.Keys(rb.Failed)) {
		err := rb.Failed[part]
		why := "it could not be built again: " + err.Error()
		if isModuleError(err) {
			why = "it was not built again: it reads a module that differs from the lock"
		}
		v.add(verify.Finding{Kind: "unverified", What: "binary", Path: "part " + part, Detail: why})
	}
	v.checkStore(rb.Entries)
	return v.compare(dir)
}

// sameToolchain reports whether the go command is the one the revision
// was built with: another builds other bytes.
func (v *verifier) sameToolchain(ctx context.Context) (bool, error) {
	have, err := v.env.Version(ctx)
	if err != nil {
		return false, err
	}
	if v.lock.Go != "" && have != v.lock.Go {
		v.add(verify.Finding{Kind: "unverified", What: "toolchain", Path: "go",
			Detail: fmt.Sprintf("the revision was built with %s, and the go command is %s, which builds other bytes: its binaries were not rebuilt to compare", v.lock.Go, have)})
		return false, nil
	}
	return true, nil
}

// checkModules checks each module the builds read against the lock's
// hash, and with repair has the go command download one that differs
// again.
func (v *verifier) checkModules(ctx context.Context, tmp string) {
	seen := map[string]bool{}
	var all []verify.Source
	for _, srcs := range v.ar.Sources {
		for _, s := range srcs {
			if !seen[s.Path+"@"+s.Version] {
				seen[s.Path+"@"+s.Version] = true
				all = append(all, s)
			}
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Path < all[j].Path })
	v.out.Checked.Modules = len(all)
	for _, s := range all {
		err := verify.Module(s)
		if err == nil {
			continue
		}
		f := verify.Finding{Kind: "corrupt", What: "module", Path: s.Dir, Detail: err.Error()}
		if me, ok := err.(*verify.ModuleError); ok {
			f.Detail = fmt.Sprintf("%s@%s has %s, the lock says %s", s.Path, s.Version, me.Got, s.Sum)
		}
		if v.o.Repair {
			if err := verify.RepairModule(ctx, v.env, s, tmp); err != nil {
				f.Detail += "; downloading it again failed: " + err.Error()
			} else {
				f.Repaired = true
			}
		}
		v.add(f)
	}
}

// checkStore checks each store entry the revision uses against its seal
// and its rebuild, and with repair puts the rebuild in its place.
func (v *verifier) checkStore(rebuilt map[string]string) {
	for _, pp := range v.ar.Plan.Parts {
		key := pp.StoreKey
		if key == "" || !pp.Recipe.Spec().InRevision {
			continue
		}
		v.out.Checked.Store++
		dir := filepath.Join(v.ar.Store.Dir, key)
		f := verify.Finding{Kind: "corrupt", What: "store", Path: dir}
		_, err := os.Stat(dir)
		switch {
		case os.IsNotExist(err):
			f.Kind, f.Detail = "missing", fmt.Sprintf("part %s's binaries were built there", pp.Part.Name)
		case err != nil:
			f.Kind, f.Detail = "unverified", err.Error()
		default:
			err := store.Check(dir)
			var ce *store.CheckError
			if errors.As(err, &ce) {
				f.Detail = fmt.Sprintf("it has %s, and was sealed as %s: changed after it was built, with every revision that links its files", ce.Got, ce.Want)
			} else if err != nil {
				f.Detail = err.Error()
			} else if sum, again := sums(dir, rebuilt[key]); again != "" && sum != again {
				f.Detail = fmt.Sprintf("it is sealed as %s, and its rebuild from the lock has %s", sum, again)
			} else {
				continue
			}
		}
		if tmp, ok := rebuilt[key]; ok && v.o.Repair && f.Kind != "unverified" {
			if _, err := v.ar.Store.Replace(key, tmp); err != nil {
				f.Detail += "; putting its rebuild in place failed: " + err.Error()
			} else {
				delete(rebuilt, key)
				f.Repaired = true
			}
		}
		v.add(f)
	}
}

// sums returns the seals of an entry and of its rebuild, if any.
func sums(dir, rebuilt string) (string, string) {
	sum, _ := store.Sum(dir)
	if rebuilt == "" {
		return sum, ""
	}
	again, _ := store.Sum(rebuilt)
	return sum, again
}

// compare compares the revision's files with their rebuild in dir, and
// the binaries' build information with the lock; with repair, a file
// that differs is replaced by its rebuild.
func (v *verifier) compare(dir string) error {
	found, n, err := verify.Tree(v.dir, dir, "local", ".gocache")
	if err != nil {
		return err
	}
	v.out.Checked.Rebuilt = n
	for i := range found {
		f := &found[i]
		if v.o.Repair && (f.Kind == "corrupt" || f.Kind == "missing") {
			rel, _ := filepath.Rel(v.dir, f.Path)
			if err := replaceFile(filepath.Join(dir, rel), f.Path); err != nil {
				f.Detail += "; replacing it failed: " + err.Error()
			} else {
				f.Repaired = true
			}
		}
	}
	v.add(found...)
	bins, _ := os.ReadDir(filepath.Join(dir, "bin"))
	for _, b := range bins {
		path := filepath.Join(v.dir, "bin", b.Name())
		if _, err := os.Stat(path); err == nil {
			v.out.Checked.Binaries++
			v.add(verify.BuildInfo(path, v.lock)...)
		}
	}
	return nil
}

// replaceFile puts the rebuilt file at path, linked where it can be: a
// binary's rebuild is a file of the store entry now in place.
func replaceFile(rebuilt, path string) error {
	if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return store.Link(rebuilt, path)
}
