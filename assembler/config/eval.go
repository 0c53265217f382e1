package config

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"

	"github.com/assemble-build/assemble/recipes/recipe"
)

// Manifest describes where the config files come from, as the manifest
// object shows it.
type Manifest struct {
	Dir    string // the manifest directory; the top file's directory by default
	Ref    string // set when the manifest is a git checkout
	Commit string
}

// EvalOptions say what the config is evaluated for.
type EvalOptions struct {
	// Instance is where the parts will be installed; when it is not known,
	// values that depend on it are unknown.
	Instance recipe.Instance
	Manifest Manifest
	// Vars are variable settings in increasing precedence: what the
	// instance remembers, then ASSEMBLE_VAR_ variables, then --var flags.
	Vars []VarSetting
	// Sets are option settings in increasing precedence: what the
	// instance remembers, then --set flags.
	Sets []OptionSetting
	// Recipes are the recipes parts may name.
	Recipes recipe.Registry
	// Defer, when it reports a recipe the registry lacks as one to come
	// (a recipe program not started yet), has its parts left out of this
	// evaluation without an error, and the recipe listed in
	// Result.Deferred.
	Defer func(name string) bool
	// Modules holds what version resolution found, by part name.
	Modules map[string]*recipe.Module
	// LookupEnv reads the environment for env(); os.LookupEnv when nil.
	LookupEnv func(string) (string, bool)
}

// VarSetting is one variable value given from outside the config, as
// text: a string variable takes it as it is, any other type parses it as
// an HCL expression.
type VarSetting struct {
	Name   string
	Value  string
	Source string // "--var", "ASSEMBLE_VAR_name", "instance"
}

// Settings are the evaluated attributes of the buildout block.
type Settings struct {
	Parts               []string
	AllowPickedVersions bool
	ShowPickedVersions  bool
	AllowLocal          bool
	GoEnv               map[string]string
	KeepRevisions       int
	// User and Group are the system account the instance runs as, ""
	// when it runs as whoever installs it.
	User, Group string
}

// Result is an evaluated config.
type Result struct {
	Config   *Config
	Settings Settings
	// Vars are the values of the variables, and where each came from
	// ("default" or a VarSetting's source).
	Vars       map[string]cty.Value
	VarSources map[string]string
	// SetSources says, for each option set from outside the config
	// (part.NAME.OPTION), where from ("--set", "instance").
	SetSources map[string]string
	// Pins maps module paths to pinned versions.
	Pins map[string]string
	// Parts are the parts to install, dependencies first.
	Parts []*Part
	// All holds every enabled part, selected or not, by name.
	All map[string]*Part
	// Deferred lists the recipes Defer held back, sorted.
	Deferred []string
	// Groups lists the parts each for_each made, by block name.
	Groups map[string][]string
	// Env records what env() read.
	Env map[string]string

	values map[*hcl.Attribute]cty.Value
}

// Part is an evaluated part.
type Part struct {
	recipe.Part
	Block  *Block
	Recipe recipe.Recipe
	// Outputs are what the recipe computed before install.
	Outputs map[string]cty.Value
	// Value is the part as part.NAME: its options and outputs.
	Value cty.Value
	// Refs are the references the part makes to other parts, in source
	// order; DependsOn the names they reach, sorted.
	Refs      []Ref
	DependsOn []string
	// Group is the part block with for_each that this part is an
	// instance of, "" for a part of its own.
	Group string
	each  cty.Value // each.key and each.value, for an instance
	// AllowOutside is set by allow_outside_instance.
	AllowOutside bool
	// Replace is set by replace: the part may replace files at its
	// targets that assemble did not write, keeping them aside.
	Replace bool
	Failed  bool
	enabled bool
	badRefs []string
}

// Ref is a reference from one part to another.
type Ref struct {
	From, To string
	Attr     string // the attribute of From that holds the reference
	Range    hcl.Range
	Text     string // the reference as written, e.g. part.server.bin
}

// Meta attributes every part accepts besides its recipe's options.
var metaAttrs = map[string]cty.Type{
	"recipe":                 cty.String,
	"depends_on":             cty.DynamicPseudoType,
	"for_each":               cty.DynamicPseudoType,
	"enabled":                cty.Bool,
	"allow_outside_instance": cty.Bool,
	"replace":                cty.Bool,
}

// Evaluate evaluates a loaded config. It reports every problem it finds,
// and returns a Result even when there are errors, so that annotate can
// show what is known.
func Evaluate(cfg *Config, opts EvalOptions) (*Result, hcl.Diagnostics) {
	e := &evaluator{shared: &shared{
		cfg:    cfg,
		opts:   opts,
		values: map[*hcl.Attribute]cty.Value{},
		vars:   map[*hcl.Attribute][]hcl.Traversal{},
		res: &Result{
			Config:     cfg,
			Vars:       map[string]cty.Value{},
			VarSources: map[string]string{},
			SetSources: map[string]string{},
			Groups:     map[string][]string{},
			Pins:       map[string]string{},
			All:        map[string]*Part{},
			Env:        map[string]string{},
		},
	}}
	e.res.values = e.values
	if e.opts.LookupEnv == nil {
		e.opts.LookupEnv = os.LookupEnv
	}
	if e.opts.Manifest.Dir == "" && cfg.Top != nil {
		e.opts.Manifest.Dir = cfg.Top.Dir
	}
	e.run()
	return e.res, e.diags
}

// evaluator evaluates one config. Parts are evaluated on several
// goroutines at once, each through a fork that collects its own
// diagnostics; what they share is guarded by mu.
type evaluator struct {
	*shared
	diags hcl.Diagnostics
}

type shared struct {
	cfg    *Config
	opts   EvalOptions
	funcs  map[string]function.Function
	root   *hcl.EvalContext
	res    *Result
	mu     sync.Mutex
	values map[*hcl.Attribute]cty.Value
	vars   map[*hcl.Attribute][]hcl.Traversal
	// sets holds the option settings from outside, by part and option.
	sets map[string]map[string]OptionSetting
}

// diag records diagnostics.
func (e *evaluator) diag(ds ...*hcl.Diagnostic) { e.diags = append(e.diags, ds...) }

// fork returns an evaluator that shares e's state but collects its own
// diagnostics, for one goroutine.
func (e *evaluator) fork() *evaluator { return &evaluator{shared: e.shared} }

// join adds the diagnostics of forks, in the order given.
func (e *evaluator) join(forks []*evaluator) {
	for _, f := range forks {
		e.diag(f.diags...)
	}
}

// each calls f for 0 to n-1, at once on as many goroutines as there are
// processors, each with a fork of e, then joins the forks' diagnostics in
// the order of i, so that they come out as they would one by one.
func (e *evaluator) each(n int, f func(e *evaluator, i int)) {
	forks := make([]*evaluator, n)
	workers := min(runtime.GOMAXPROCS(0), n)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				forks[i] = e.fork()
				f(forks[i], i)
			}
		}()
	}
	wg.Wait()
	e.join(forks)
}

// traversals returns the variables an attribute's expression refers to.
// Walking an expression is much of the cost of evaluating a large config,
// so each is walked once.
func (e *evaluator) traversals(a *hcl.Attribute) []hcl.Traversal {
	e.mu.Lock()
	trs, ok := e.vars[a]
	e.mu.Unlock()
	if ok {
		return trs
	}
	trs = a.Expr.Variables()
	e.mu.Lock()
	e.vars[a] = trs
	e.mu.Unlock()
	return trs
}

func (e *evaluator) value(a *hcl.Attribute) (cty.Value, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	v, ok := e.values[a]
	return v, ok
}

func (e *evaluator) setValue(a *hcl.Attribute, v cty.Value) {
	e.mu.Lock()
	e.values[a] = v
	e.mu.Unlock()
}

func (e *evaluator) run() {
	e.funcs = map[string]function.Function{"env": envFunc(e.opts.LookupEnv, &e.mu, e.res.Env)}
	for n, f := range stdFuncs {
		e.funcs[n] = f
	}
	e.evalVariables()
	e.root = &hcl.EvalContext{
		Functions: e.funcs,
		Variables: map[string]cty.Value{
			"var":      cty.ObjectVal(e.res.Vars),
			"instance": instanceValue(e.opts.Instance),
			"manifest": manifestValue(e.opts.Manifest),
		},
	}
	e.evalSettings()
	// The instance's account is known only now: parts see it as
	// instance.user and instance.group.
	e.opts.Instance.User, e.opts.Instance.Group = e.res.Settings.User, e.res.Settings.Group
	e.root.Variables["instance"] = instanceValue(e.opts.Instance)
	e.evalPins()
	e.indexSets()
	e.evalParts()
}

func instanceValue(in recipe.Instance) cty.Value {
	attrs := map[string]cty.Value{}
	for k, v := range in.Paths() {
		if in.Known {
			attrs[k] = cty.StringVal(v)
		} else {
			attrs[k] = cty.UnknownVal(cty.String)
		}
	}
	attrs["user"], attrs["group"] = cty.StringVal(in.User), cty.StringVal(in.Group)
	return cty.ObjectVal(attrs)
}

func manifestValue(m Manifest) cty.Value {
	attrs := map[string]cty.Value{"dir": cty.StringVal(m.Dir)}
	if m.Commit != "" {
		attrs["ref"] = cty.StringVal(m.Ref)
		attrs["commit"] = cty.StringVal(m.Commit)
	}
	return cty.ObjectVal(attrs)
}

// evalDef evaluates one attribute definition, where base is the block as
// it stood before the definition's layer, and converts the result to ty.
// Each definition is evaluated at most once.
func (e *evaluator) evalDef(def *Def, ty cty.Type, scope *hcl.EvalContext, defaultOf func(name string, l *Layer) (cty.Value, bool), typeOf func(string) cty.Type) cty.Value {
	if v, ok := e.value(def.Attr); ok {
		return v
	}
	// Mark the definition while it is being evaluated, so that a base
	// reference back to it cannot recurse.
	e.setValue(def.Attr, cty.DynamicVal)
	ctx := scope
	if base, ok := e.baseRefs(def); ok {
		attrs := map[string]cty.Value{}
		names := base
		if names == nil {
			names = def.Block.AttrNames()
		}
		for _, n := range names {
			if prev := def.Block.Def(n, def.Layer.index); prev != nil {
				attrs[n] = e.evalDef(prev, typeOf(n), scope, defaultOf, typeOf)
			} else if v, ok := defaultOf(n, def.Layer); ok {
				attrs[n] = v
			} else {
				attrs[n] = cty.DynamicVal
				if base != nil {
					e.noBase(def, n)
				}
			}
		}
		ctx = scope.NewChild()
		ctx.Variables = map[string]cty.Value{"base": cty.ObjectVal(attrs)}
	}
	v, diags := def.Attr.Expr.Value(ctx)
	e.diag(diags...)
	if diags.HasErrors() {
		v = cty.UnknownVal(ty)
	}
	if ty != cty.DynamicPseudoType {
		cv, err := convertValue(v, ty)
		if err != nil {
			e.diag(&hcl.Diagnostic{
				Severity:    hcl.DiagError,
				Summary:     fmt.Sprintf("Invalid value for %s", def.Attr.Name),
				Detail:      fmt.Sprintf("%s must be %s: %s.", def.Attr.Name, friendlyType(ty), err),
				Subject:     def.Attr.Expr.Range().Ptr(),
				Expression:  def.Attr.Expr,
				EvalContext: ctx,
			})
			cv = cty.UnknownVal(ty)
		}
		v = cv
	}
	e.setValue(def.Attr, v)
	return v
}

// baseRefs returns the names of the base attributes def's expression
// reads, or nil names with ok when it reads base as a whole.
func (e *evaluator) baseRefs(def *Def) (names []string, ok bool) {
	whole := false
	for _, tr := range e.traversals(def.Attr) {
		if tr.RootName() != "base" {
			continue
		}
		ok = true
		if len(tr) > 1 {
			if a, isAttr := tr[1].(hcl.TraverseAttr); isAttr {
				names = appendUnique(names, a.Name)
				continue
			}
		}
		whole = true
	}
	if whole {
		return nil, ok
	}
	return names, ok
}

func (e *evaluator) noBase(def *Def, name string) {
	for _, tr := range e.traversals(def.Attr) {
		if tr.RootName() != "base" || len(tr) < 2 {
			continue
		}
		if a, ok := tr[1].(hcl.TraverseAttr); ok && a.Name == name {
			what := fmt.Sprintf("part %q", def.Block.Name)
			if def.Block.Type == "buildout" {
				what = "the buildout block"
			} else if def.Block.Type == "variable" {
				what = fmt.Sprintf("variable %q", def.Block.Name)
			}
			e.diag(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "No inherited value",
				Detail:   fmt.Sprintf("base.%s has no value: no file applied before %s sets %s in %s, and it has no default.", name, def.Layer.File.Name, name, what),
				Subject:  tr.SourceRange().Ptr(),
			})
			return
		}
	}
}

// convertValue is convert.Convert with a fast path for the common case of
// a tuple of same-typed elements becoming a list, which cty converts in
// time quadratic in its length (concat(base.parts, ["x"]) is such a tuple).
func convertValue(v cty.Value, ty cty.Type) (cty.Value, error) {
	if ty.IsListType() && v.Type().IsTupleType() && v.IsWhollyKnown() && !v.IsNull() {
		ety := ty.ElementType()
		elems := v.AsValueSlice()
		same := len(elems) > 0
		for _, e := range elems {
			if !e.Type().Equals(ety) {
				same = false
				break
			}
		}
		if same {
			return cty.ListVal(elems), nil
		}
	}
	return convert.Convert(v, ty)
}

func friendlyType(ty cty.Type) string {
	switch {
	case ty == cty.String:
		return "a string"
	case ty == cty.Number:
		return "a number"
	case ty == cty.Bool:
		return "true or false"
	case ty.IsListType():
		return "a list of " + strings.TrimPrefix(friendlyType(ty.ElementType()), "a ") + "s"
	case ty.IsMapType():
		return "a map of " + strings.TrimPrefix(friendlyType(ty.ElementType()), "a ") + "s"
	}
	return ty.FriendlyName()
}

func didYouMean(given string, names []string) string {
	if s := suggest(given, names); s != "" {
		return fmt.Sprintf(" Did you mean %q?", s)
	}
	return ""
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
