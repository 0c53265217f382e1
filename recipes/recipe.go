// Package recipes holds the recipes that install parts, and the contract
// between a recipe and the engine that runs it.
//
// A recipe declares its options and outputs in a Spec, so that the config
// loader can reject an unknown or missing option at its line, and computes
// its outputs from evaluated options before anything is installed, so that
// other parts can reference them. Recipes see only this contract: the
// engine's internals are hidden behind the Host interface.
package recipes

import (
	"context"
	"io/fs"
	"path"
	"path/filepath"
	"strings"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// PathKind says how a relative path in an option is made absolute.
type PathKind int

const (
	// NotPath options are taken as they are written.
	NotPath PathKind = iota
	// SourcePath options name something the manifest provides; a relative
	// path is resolved against the directory of the config file that set it.
	SourcePath
	// TargetPath options name something the part writes; a relative path
	// is resolved against the instance directory, and the result must lie
	// inside the instance unless the part sets allow_outside_instance.
	TargetPath
)

// Option is one attribute a recipe accepts in a part block. A path option
// may be a string or a list of strings; each element is resolved.
type Option struct {
	Name     string
	Type     cty.Type // cty.DynamicPseudoType accepts any value
	Required bool
	Default  cty.Value // cty.NilVal means null
	Path     PathKind
	Doc      string
}

// Output is a value a recipe computes for other parts to reference as
// part.NAME.OUTPUT.
type Output struct {
	Name string
	Type cty.Type
	Doc  string
}

// Spec describes a recipe: its name, options and outputs.
type Spec struct {
	Name    string
	Doc     string
	Options []Option
	Outputs []Output
}

// Option returns the option called name, or nil.
func (s *Spec) Option(name string) *Option {
	for i := range s.Options {
		if s.Options[i].Name == name {
			return &s.Options[i]
		}
	}
	return nil
}

// Output returns the output called name, or nil.
func (s *Spec) Output(name string) *Output {
	for i := range s.Outputs {
		if s.Outputs[i].Name == name {
			return &s.Outputs[i]
		}
	}
	return nil
}

// Instance is where a part is installed. Known is false when no instance
// is chosen (annotate, graph): path outputs are then unknown values.
type Instance struct {
	Known bool
	Name  string
	Dir   string
	Etc   string
	Var   string
	Run   string
	Tmp   string
	Bin   string
}

// Paths returns the instance directories by the names the config
// language gives them (instance.etc and so on).
func (in Instance) Paths() map[string]string {
	return map[string]string{
		"name": in.Name, "dir": in.Dir, "etc": in.Etc, "var": in.Var,
		"run": in.Run, "tmp": in.Tmp, "bin": in.Bin,
	}
}

// NewInstance lays out the directories of the instance at dir.
func NewInstance(name, dir string) Instance {
	return Instance{
		Known: true,
		Name:  name,
		Dir:   dir,
		Etc:   filepath.Join(dir, "etc"),
		Var:   filepath.Join(dir, "var"),
		Run:   filepath.Join(dir, "run"),
		Tmp:   filepath.Join(dir, "tmp"),
		Bin:   filepath.Join(dir, "bin"),
	}
}

// Path returns elem joined under the instance's bin, etc… directory as a
// cty string, or an unknown string when the instance is not known.
func (in Instance) Path(dir string, elem ...string) cty.Value {
	if !in.Known {
		return cty.UnknownVal(cty.String)
	}
	return cty.StringVal(filepath.Join(append([]string{dir}, elem...)...))
}

// GoModule is what version resolution found for the module a go.build part
// builds. It is nil until versions are resolved.
type GoModule struct {
	Path    string
	Version string // the version built, or "(devel)" for an overlay
	Sum     string // h1: hash of the module zip; empty for an overlay
	Dir     string // source directory: module cache or overlay checkout
	Overlay string // overlay directory under code/local, if any

	// For install: the go.mod and go.sum the part is built in, and a key
	// that names everything the build depends on, so that equal keys make
	// equal binaries.
	GoMod, GoSum []byte
	BuildKey     string
}

// Part is a part as its recipe sees it.
type Part struct {
	Name   string
	Recipe string
	// Options holds every option of the recipe's spec, evaluated and
	// converted to the option's type, with defaults applied and paths made
	// absolute. Values may be unknown when the instance is not known.
	Options  map[string]cty.Value
	Instance Instance
	// Go is set for go.build parts once versions are resolved.
	Go *GoModule
}

// String returns the string option name, or "" when it is null or unknown.
func (p *Part) String(name string) string {
	v := p.Options[name]
	if v == cty.NilVal || v.IsNull() || !v.IsKnown() || v.Type() != cty.String {
		return ""
	}
	return v.AsString()
}

// Strings returns a list-of-strings option, skipping unknown elements.
func (p *Part) Strings(name string) []string {
	v := p.Options[name]
	if v == cty.NilVal || v.IsNull() || !v.IsWhollyKnown() || !v.CanIterateElements() {
		return nil
	}
	var out []string
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if e.Type() == cty.String {
			out = append(out, e.AsString())
		}
	}
	return out
}

// StringMap returns a map-of-strings option.
func (p *Part) StringMap(name string) map[string]string {
	v := p.Options[name]
	if v == cty.NilVal || v.IsNull() || !v.IsWhollyKnown() || !v.CanIterateElements() {
		return nil
	}
	out := map[string]string{}
	for it := v.ElementIterator(); it.Next(); {
		k, e := it.Element()
		if e.Type() == cty.String {
			out[k.AsString()] = e.AsString()
		}
	}
	return out
}

// Bool returns a bool option, false when null or unknown.
func (p *Part) Bool(name string) bool {
	v := p.Options[name]
	if v == cty.NilVal || v.IsNull() || !v.IsKnown() || v.Type() != cty.Bool {
		return false
	}
	return v.True()
}

// Known reports whether option name has a wholly known value.
func (p *Part) Known(name string) bool {
	v := p.Options[name]
	return v == cty.NilVal || v.IsWhollyKnown()
}

// Problem is a mistake in a part's options that the option types alone do
// not catch. Option names the option at fault, or is empty for the part.
type Problem struct {
	Option  string
	Summary string
	Detail  string
}

// Recipe installs one kind of part.
type Recipe interface {
	Spec() *Spec
	// Check reports mistakes in the combination of options.
	Check(p *Part) []Problem
	// Outputs computes the values other parts may reference, before
	// anything is installed. Outputs that depend on unknown options or an
	// unknown instance are unknown values.
	Outputs(p *Part) (map[string]cty.Value, error)
	// Install installs the part through h. It may be called again for a
	// part whose options changed; what it made before has been removed.
	Install(ctx context.Context, p *Part, h Host) error
}

// Phased recipes run steps at other points of a part's life than install.
type Phased interface {
	// Update runs when upgrade keeps the part.
	Update(ctx context.Context, p *Part, h Host) error
	// Activate runs after the instance has switched to a new revision.
	Activate(ctx context.Context, p *Part, h Host) error
}

// Host is what the engine offers a recipe while it installs a part.
// Every change goes through it: files, links and directories are staged,
// and replace what they replace only once every part has installed, and
// every path is recorded, so that an uninstall removes exactly what the
// part made and nothing else.
type Host interface {
	// WriteFile stages a file with content data.
	WriteFile(path string, data []byte, mode fs.FileMode) error
	// CopyFile stages a copy of the file src.
	CopyFile(src, path string, mode fs.FileMode) error
	// Symlink stages a symbolic link at path pointing to target.
	Symlink(target, path string) error
	// Mkdir makes a directory and its parents.
	Mkdir(path string, mode fs.FileMode) error
	// StageDir stages a directory tree that fill writes into the empty
	// directory it is given; it replaces path as a whole.
	StageDir(path string, fill func(dir string) error) error
	// Track records a path that a program the part ran has made.
	Track(path string) error

	// Revision is the directory of the revision being built. Files that
	// belong to the revision, not the instance, go there.
	Revision() string
	// Bin puts file into the revision's bin directory as name.
	Bin(name, file string) error
	// Store returns the directory of the content-addressed store entry
	// key, shared by every instance of the root, calling build to fill a
	// new one in the directory it is given when it does not exist yet.
	Store(key string, build func(dir string) error) (string, error)
	// Cache returns the path of a file in the download cache shared by
	// every instance of the root.
	Cache(name string) string
	// Offline reports whether the network must not be used.
	Offline() bool

	// Go runs the go command in dir with the instance's go environment
	// and env added to it.
	Go(ctx context.Context, dir string, env map[string]string, args ...string) error
	// Run runs a program (argv[0] is looked up in PATH, with the
	// instance's bin first) in dir with env added to the environment.
	Run(ctx context.Context, argv []string, dir string, env map[string]string) error
	// Functions are the functions a template may call.
	Functions() map[string]function.Function
	// Progress says what the part is doing now, such as "building
	// ./cmd/lava-server".
	Progress(format string, args ...any)
}

// BinaryName returns the name go build gives the binary of the package
// at import path pkg, by the go command's own rule: the last element, or
// the one before it when that is a major version (example.com/tool/v2
// builds "tool").
func BinaryName(pkg string) string {
	_, elem := path.Split(pkg)
	if elem != pkg && isVersionElement(elem) {
		_, elem = path.Split(path.Dir(pkg))
	}
	return elem
}

// isVersionElement reports whether s is a major version element: v
// followed by a number of 2 or more.
func isVersionElement(s string) bool {
	if len(s) < 2 || s[0] != 'v' || s[1] == '0' || s[1] == '1' && len(s) == 2 {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// PackagePath makes a go.build package pattern ("./cmd/x", ".", or a full
// import path) into an import path within module mod.
func PackagePath(mod, pkg string) string {
	switch {
	case pkg == ".":
		return mod
	case strings.HasPrefix(pkg, "./"):
		return mod + "/" + strings.TrimPrefix(path.Clean(pkg), "./")
	}
	return pkg
}
