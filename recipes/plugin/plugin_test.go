package plugin

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"

	"github.com/assemble-build/assemble/recipes/recipe"
)

// sample builds the sample recipe program once for the tests.
var sample = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "plugin-test-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "sample")
	out, err := exec.Command("go", "build", "-o", bin, "./internal/sample").CombinedOutput()
	if err != nil {
		return "", &buildError{out}
	}
	return bin, nil
})

type buildError struct{ out []byte }

func (e *buildError) Error() string { return "go build: " + string(e.out) }

func open(t *testing.T) (*Program, string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the sample program is built for Unix paths")
	}
	bin, err := sample()
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	prog, err := Open(context.Background(), bin, fileSum(t, bin), &logs)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(prog.Close)
	return prog, bin
}

func fileSum(t *testing.T, path string) []byte {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return sum[:]
}

func part(r recipe.Recipe, opts map[string]cty.Value) *recipe.Part {
	p := &recipe.Part{Name: "hi", Recipe: r.Spec().Name, Options: map[string]cty.Value{}, Instance: recipe.NewInstance("dev", "/srv/dev")}
	for _, o := range r.Spec().Options {
		p.Options[o.Name] = o.Default
		if o.Default == cty.NilVal {
			p.Options[o.Name] = cty.NullVal(o.Type)
		}
	}
	for k, v := range opts {
		p.Options[k] = v
	}
	return p
}

func TestProgram(t *testing.T) {
	prog, _ := open(t)
	rs := prog.Recipes()
	if len(rs) != 1 {
		t.Fatalf("%d recipes, want 1", len(rs))
	}
	r := rs[0]
	spec := r.Spec()
	if spec.Name != "sample.greeting" || spec.Option("name") == nil || !spec.Option("name").Required ||
		spec.Option("target").Path != recipe.TargetPath || !spec.Option("times").Default.RawEquals(cty.NumberIntVal(1)) ||
		spec.Output("path") == nil || spec.Output("path").Type != cty.String {
		t.Fatalf("spec came back as %+v", spec)
	}

	if probs := r.Check(part(r, map[string]cty.Value{"name": cty.StringVal("nobody")})); len(probs) != 1 || probs[0].Option != "name" {
		t.Errorf("Check = %v, want one problem with name", probs)
	}
	out, err := r.Outputs(part(r, map[string]cty.Value{"target": cty.UnknownVal(cty.String)}))
	if err != nil || out["path"].IsKnown() {
		t.Errorf("Outputs of an unknown target = %v, %v; want an unknown path", out, err)
	}

	h := &fakeHost{files: map[string]string{}}
	p := part(r, map[string]cty.Value{"name": cty.StringVal("lab"), "times": cty.NumberIntVal(2), "target": cty.StringVal("/srv/dev/etc/hi")})
	if err := r.Install(context.Background(), p, h); err != nil {
		t.Fatal(err)
	}
	if got := h.files["/srv/dev/etc/hi"]; got != "hello lab\nhello lab\n" {
		t.Errorf("the program wrote %q", got)
	}
	if got := h.files["/srv/dev/etc/tree/leaf"]; got != "leaf\n" {
		t.Errorf("the staged tree holds %q", got)
	}
	if len(h.progress) != 1 || h.progress[0] != "greeting lab" {
		t.Errorf("progress %q", h.progress)
	}
	if err := r.(recipe.Activator).Activate(context.Background(), p, h); err != nil || len(h.ran) != 1 {
		t.Errorf("Activate: %v, ran %q", err, h.ran)
	}
	// A step the recipe lacks does nothing.
	if err := r.(recipe.Deactivator).Deactivate(context.Background(), p, h); err != nil {
		t.Errorf("Deactivate: %v", err)
	}
	if r.(recipe.Updater).Updates(p) {
		t.Error("Updates is true for a recipe without an update step")
	}
}

func TestProgramFails(t *testing.T) {
	prog, bin := open(t)
	r := prog.Recipes()[0]
	err := r.Install(context.Background(), part(r, map[string]cty.Value{"name": cty.StringVal("x"), "crash": cty.True, "target": cty.StringVal("/srv/dev/x")}), &fakeHost{})
	if err == nil || !strings.Contains(err.Error(), "exited") {
		t.Errorf("a crash gave %v, want an error saying the program exited", err)
	}

	// A call the program does not know is a protocol error, said so.
	prog, _ = open(t)
	err = prog.invoke(context.Background(), QuickTimeout, &call{Method: "check", Recipe: "nosuch", Part: &wirePart{Name: "x"}}, nil)
	if err == nil || !strings.Contains(err.Error(), "protocol violated") || !strings.Contains(err.Error(), `no recipe "nosuch"`) {
		t.Errorf("a call for a recipe the program lacks: %v", err)
	}

	prog, _ = open(t)
	r = prog.Recipes()[0]
	old := QuickTimeout
	QuickTimeout = 500 * time.Millisecond
	defer func() { QuickTimeout = old }()
	_, err = r.Outputs(part(r, map[string]cty.Value{"name": cty.StringVal("x"), "hang": cty.True}))
	if err == nil || !strings.Contains(err.Error(), "no answer to outputs") {
		t.Errorf("a hang gave %v, want a timeout", err)
	}

	if _, err := Open(context.Background(), bin, make([]byte, 32), &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "checksum") {
		t.Errorf("a program whose sum differs: %v, want refused", err)
	}

	out, err := exec.Command(bin).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "serves assemble recipes (sample.greeting)") {
		t.Errorf("run by hand: %v: %s", err, out)
	}
}

// fakeHost records what a step asks of it.
type fakeHost struct {
	mu       sync.Mutex
	files    map[string]string
	progress []string
	ran      [][]string
}

func (h *fakeHost) WriteFile(path string, data []byte, mode fs.FileMode) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.files[path] = string(data)
	return nil
}

func (h *fakeHost) StageDir(path string, fill func(dir string) error) error {
	dir, err := os.MkdirTemp("", "stage-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := fill(dir); err != nil {
		return err
	}
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		h.WriteFile(filepath.Join(path, rel), data, 0o644)
		return err
	})
}

func (h *fakeHost) Run(ctx context.Context, argv []string, dir string, env map[string]string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.ran = append(h.ran, argv)
	return nil
}

func (h *fakeHost) Progress(format string, a ...any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.progress = append(h.progress, strings.TrimSpace(strings.ReplaceAll(format, "%s", "")+joinAny(a)))
}

func joinAny(a []any) string {
	var s []string
	for _, x := range a {
		s = append(s, x.(string))
	}
	return strings.Join(s, " ")
}

func (h *fakeHost) CopyFile(src, path string, mode fs.FileMode) error { return nil }
func (h *fakeHost) Symlink(target, path string) error                 { return nil }
func (h *fakeHost) Mkdir(path string, mode fs.FileMode) error         { return nil }
func (h *fakeHost) Track(path string) error                           { return nil }
func (h *fakeHost) Revision() string                                  { return "/srv/dev/code/r1" }
func (h *fakeHost) Bin(name, file string) error                       { return nil }
func (h *fakeHost) Store(key string, build func(string) error) (string, error) {
	return "", nil
}
func (h *fakeHost) Stored(key string) (string, bool) { return "", false }
func (h *fakeHost) Cache(name string) string         { return "" }
func (h *fakeHost) Offline() bool                    { return true }
func (h *fakeHost) Go(ctx context.Context, dir string, env map[string]string, args ...string) error {
	return nil
}
func (h *fakeHost) RunAsUser(ctx context.Context, argv []string, dir string, env map[string]string) error {
	return h.Run(ctx, argv, dir, env)
}
func (h *fakeHost) Functions() map[string]function.Function { return nil }
func (h *fakeHost) Changed() bool                           { return true }
