// Package plan decides what an install does to each part, and why. It
// names each part by a digest of its recipe, its evaluated options and
// the files they read, compares that with what the instance has
// installed, and names the revision by its inputs. It reads the disk and
// changes nothing: applying a plan is package apply's work.
package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/assemble-build/assemble/assembler/config"
	"github.com/assemble-build/assemble/assembler/instance"
	"github.com/assemble-build/assemble/recipes/recipe"
)

// Action is what an install does to a part.
type Action string

const (
	// Keep leaves the part as it is installed. A part that installs into
	// the revision installs into a new revision all the same.
	Keep Action = "keep"
	// Install installs a part the instance does not have.
	Install Action = "install"
	// Reinstall uninstalls the part and installs it again: its options or
	// inputs changed, or something it made is missing.
	Reinstall Action = "reinstall"
	// Reuse takes a changed part that installs into the revision from a
	// revision that exists already, as it was built there.
	Reuse Action = "reuse"
	// Remove uninstalls a part that is no longer in the config.
	Remove Action = "remove"
)

// Part is a part in a plan.
type Part struct {
	Part    *recipe.Part
	Recipe  recipe.Recipe
	Deps    []string // the parts it refers to, installed first
	Outside bool     // allow_outside_instance
	Replace bool     // replace: files assemble did not write may be replaced
	// Digest names the part's recipe, options and inputs; Hashes holds a
	// short hash of each option, to tell which changed.
	Digest string
	Hashes map[string]string
	// StoreKey names the outputs of a part of a recipe.ModuleRecipe.
	StoreKey string
	Action   Action
	Reason   string
	// Old is the part as installed, nil for a new part.
	Old *instance.PartState
}

// Plan is what an install does to an instance.
type Plan struct {
	Revision string
	Parts    []*Part               // in install order
	Gone     []*instance.PartState // parts to remove, in removal order
	// Built says the revision exists already, complete: parts that install
	// into the revision are not run again.
	Built bool
	// User and Group are the account the instance runs as, "" for none.
	User, Group string
}

// New plans the install of the evaluated config res into in, which holds
// what st records.
func New(in *instance.Instance, st *instance.State, res *config.Result) *Plan {
	p := &Plan{Parts: make([]*Part, len(res.Parts)), User: res.Settings.User, Group: res.Settings.Group}
	each(len(res.Parts), func(i int) {
		cp := res.Parts[i]
		rp := cp.Part
		pp := &Part{Part: &rp, Recipe: cp.Recipe, Deps: cp.DependsOn, Outside: cp.AllowOutside, Replace: cp.Replace}
		if mr, ok := cp.Recipe.(recipe.ModuleRecipe); ok {
			pp.StoreKey = mr.StoreKey(pp.Part)
		}
		pp.Digest, pp.Hashes = digest(pp)
		p.Parts[i] = pp
	})
	p.Revision = revisionID(in.Dir, p.Parts, res.Config.Files)
	p.compare(in, st)
	return p
}

// FromRecord plans going back to a revision, whose parts rec holds.
func FromRecord(in *instance.Instance, st *instance.State, rec *Record) *Plan {
	p := &Plan{Revision: rec.Revision, Parts: rec.Parts, User: rec.User, Group: rec.Group}
	p.compare(in, st)
	return p
}

// digest names a part's recipe, options and inputs. A source file counts
// by its content, so that moving a manifest does not reinstall, and
// editing a template does.
func digest(p *Part) (string, map[string]string) {
	spec := p.Recipe.Spec()
	hashes := make(map[string]string, len(spec.Options))
	h := sha256.New()
	fmt.Fprintf(h, "part v1\n%s\noutside=%v\n", spec.Name, p.Outside)
	if v, ok := p.Recipe.(recipe.Versioned); ok {
		fmt.Fprintf(h, "recipe version=%s\n", v.RecipeVersion())
	}
	if p.Replace {
		fmt.Fprintf(h, "replace\n")
	}
	// What a part makes belongs to the instance's account, and its
	// services run as it: another account is another part. An instance
	// without one keeps the digests it had before accounts existed.
	if in := p.Part.Instance; in.User != "" {
		fmt.Fprintf(h, "account=%s:%s\n", in.User, in.Group)
	}
	for _, o := range spec.Options {
		v := p.Part.Options[o.Name]
		if o.Path == recipe.SourcePath && v.IsKnown() && !v.IsNull() && v.Type() == cty.String {
			v = cty.StringVal(FileHash(v.AsString()))
		}
		js, _ := ctyjson.Marshal(v, v.Type())
		ty, _ := ctyjson.MarshalType(v.Type())
		sum := sha256.Sum256(append(append(ty, 0), js...))
		hashes[o.Name] = hex.EncodeToString(sum[:6])
		fmt.Fprintf(h, "%s=%s\n", o.Name, hashes[o.Name])
	}
	if p.StoreKey != "" {
		fmt.Fprintf(h, "store=%s\n", p.StoreKey)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), hashes
}

// revisionID names a revision by its inputs: where the instance is,
// every part's digest, and every config file.
func revisionID(dir string, parts []*Part, files []*config.File) string {
	h := sha256.New()
	fmt.Fprintf(h, "revision v1\n%s\n", dir)
	for _, p := range parts {
		fmt.Fprintf(h, "%s %s %s\n", p.Part.Name, p.Part.Recipe, p.Digest)
	}
	for _, f := range files {
		fmt.Fprintf(h, "file %s %s\n", f.Abs, sha256Of(f.Src))
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// compare decides each part's action from what is installed.
func (p *Plan) compare(in *instance.Instance, st *instance.State) {
	_, err := os.Stat(filepath.Join(in.Revision(p.Revision), RecordFile))
	p.Built = err == nil
	want := map[string]bool{}
	for _, pp := range p.Parts {
		want[pp.Part.Name] = true
		pp.Old = st.Part(pp.Part.Name)
	}
	each(len(p.Parts), func(i int) { p.Parts[i].Action, p.Parts[i].Reason = p.action(p.Parts[i]) })
	for i := len(st.Parts) - 1; i >= 0; i-- {
		if old := &st.Parts[i]; !want[old.Name] {
			p.Gone = append(p.Gone, old)
		}
	}
}

func (p *Plan) action(pp *Part) (Action, string) {
	old := pp.Old
	act, why := Keep, ""
	switch {
	case old == nil:
		act, why = Install, "new part"
	case old.Recipe != pp.Part.Recipe:
		act, why = Reinstall, "recipe changed from "+old.Recipe
	case old.Digest != pp.Digest:
		act, why = Reinstall, changed(DecodeHashes(old.Options), pp.Hashes, pp.Part.Module != nil)
	default:
		if missing := firstMissing(old); missing != "" {
			act, why = Reinstall, missing+" is missing"
		}
	}
	if act != Keep && p.Built && pp.Recipe.Spec().InRevision {
		return Reuse, "built in revision " + p.Revision
	}
	return act, why
}

// changed says which options changed, or what else did.
func changed(old, now map[string]string, modules bool) string {
	var names []string
	for k, v := range now {
		if old[k] != v {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	switch {
	case len(names) > 0:
		return strings.Join(names, ", ") + " changed"
	case modules:
		return "its modules changed"
	}
	return "inputs changed"
}

// firstMissing returns the first path the part made that is gone, or "".
func firstMissing(ps *instance.PartState) string {
	for _, x := range ps.Paths {
		if _, err := os.Lstat(x.Path); err != nil {
			return x.Path
		}
	}
	return ""
}

// UpToDate reports whether applying the plan would change nothing: the
// instance is on the plan's revision and keeps every part.
func (p *Plan) UpToDate(in *instance.Instance, st *instance.State) bool {
	if p.Revision != st.Revision || p.Revision != in.CurrentRevision() || len(p.Gone) > 0 {
		return false
	}
	for _, pp := range p.Parts {
		if pp.Action != Keep && pp.Action != Reuse {
			return false
		}
	}
	return true
}

// Runs reports whether applying the plan runs the part's Install: a new
// or changed part, or a part that installs into a revision being built.
func (p *Plan) Runs(pp *Part) bool {
	switch pp.Action {
	case Install, Reinstall:
		return true
	case Keep:
		return !p.Built && pp.Recipe.Spec().InRevision
	}
	return false
}

// Updates reports whether applying the plan runs the part's update step:
// a kept part that has one, and whose Install does not run.
func (p *Plan) Updates(pp *Part) bool {
	u, ok := pp.Recipe.(recipe.Updater)
	return ok && pp.Action == Keep && !p.Runs(pp) && u.Updates(pp.Part)
}

// each calls f for every index below n, on as many goroutines as there
// are processors. Digests, the checks that what parts made is there, and
// the record are a part at a time, and for a thousand parts the time
// they take shows (docs/benchmarks.md).
func each(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				f(i)
			}
		}()
	}
	wg.Wait()
}

// EncodeHashes writes option hashes as "name=hash …", sorted, as the
// state and the revision's record keep them.
func EncodeHashes(m map[string]string) string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	for i, k := range names {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(k + "=" + m[k])
	}
	return b.String()
}

// DecodeHashes reads what EncodeHashes wrote.
func DecodeHashes(s string) map[string]string {
	m := map[string]string{}
	for _, f := range strings.Fields(s) {
		if k, v, ok := strings.Cut(f, "="); ok {
			m[k] = v
		}
	}
	return m
}

// FileHash returns the sha256 of a file's content, or "missing".
func FileHash(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return "missing"
	}
	return sha256Of(data)
}

func sha256Of(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}
