package verify

import (
	"debug/buildinfo"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/assemble-build/assemble/assembler/instance"
	"github.com/assemble-build/assemble/assembler/lock"
	"github.com/assemble-build/assemble/assembler/resolve"
)

func write(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func kinds(fs []Finding) string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Kind+" "+f.What+" "+filepath.Base(f.Path))
	}
	return strings.Join(out, "; ")
}

func TestTree(t *testing.T) {
	rebuilt := map[string]string{"bin/tool": "binary", "build/p/go.mod": "module x\n", "local/skipped": "x"}
	for _, tc := range []struct {
		name      string
		installed map[string]string
		want      string
	}{
		{"same", map[string]string{"bin/tool": "binary", "build/p/go.mod": "module x\n"}, ""},
		{"binary changed", map[string]string{"bin/tool": "binarY", "build/p/go.mod": "module x\n"}, "corrupt binary tool"},
		{"longer", map[string]string{"bin/tool": "binary!", "build/p/go.mod": "module x\n"}, "corrupt binary tool"},
		{"missing", map[string]string{"bin/tool": "binary"}, "missing build go.mod"},
		{"extra files are not compared", map[string]string{"bin/tool": "binary", "build/p/go.mod": "module x\n", "bin/activate": "x"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in, rb := t.TempDir(), t.TempDir()
			write(t, in, tc.installed)
			write(t, rb, rebuilt)
			found, n, err := Tree(in, rb, "local")
			if err != nil {
				t.Fatal(err)
			}
			if got := kinds(found); got != tc.want || n != 2 {
				t.Errorf("Tree = %q, %d files; want %q, 2", got, n, tc.want)
			}
		})
	}
	in, rb := t.TempDir(), t.TempDir()
	write(t, in, map[string]string{"bin/tool": "abcdef"})
	write(t, rb, map[string]string{"bin/tool": "abcXef"})
	found, _, _ := Tree(in, rb)
	if len(found) != 1 || !strings.Contains(found[0].Detail, "from byte 3 on") {
		t.Errorf("Tree = %v; want the first differing byte, 3", found)
	}
}

func TestFiles(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{"a": "a", "b": "b"})
	st := &instance.State{Parts: []instance.PartState{{Name: "p", Paths: []instance.Path{
		{Path: filepath.Join(dir, "a"), Kind: "file"},
		{Path: filepath.Join(dir, "b"), Kind: "file"},
		{Path: filepath.Join(dir, "gone"), Kind: "file"},
	}}}}
	edited := func(x instance.Path) bool { return filepath.Base(x.Path) == "b" }
	found, n := Files(st, edited)
	if got := kinds(found); got != "edited file b; missing file gone" || n != 3 {
		t.Errorf("Files = %q, %d; want b edited, gone missing, of 3", got, n)
	}
}

func TestManifest(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{"buildout.hcl": "parts = []\n", "t/x.tmpl": "changed"})
	l := &lock.Lock{Manifest: &lock.Manifest{Files: map[string]string{
		"buildout.hcl": sha256Of([]byte("parts = []\n")),
		"t/x.tmpl":     sha256Of([]byte("original")),
		"gone.hcl":     sha256Of(nil),
		"../outside":   sha256Of(nil),
	}}}
	found, n := Manifest(dir, l)
	if got := kinds(found); got != "missing manifest gone.hcl; corrupt manifest x.tmpl" || n != 3 {
		t.Errorf("Manifest = %q, %d; want gone.hcl missing, x.tmpl corrupt, of 3", got, n)
	}
}

func TestResolution(t *testing.T) {
	l := &lock.Lock{Modules: []lock.Module{{Path: "a.example", Version: "v1.0.0", Hash: "h1:A=", GoMod: "h1:Amod="}}}
	for _, tc := range []struct {
		name, mods, sum, want string
	}{
		{"same", `[{"Path":"a.example","Version":"v1.0.0","Sum":"h1:A=","GoModSum":"h1:Amod="}]`,
			"a.example v1.0.0 h1:A=\na.example v1.0.0/go.mod h1:Amod=\nold.example v0.1.0/go.mod h1:O=\n", ""},
		{"hash", `[{"Path":"a.example","Version":"v1.0.0","Sum":"h1:B=","GoModSum":"h1:Amod="}]`, "", "corrupt resolution"},
		{"version", `[{"Path":"a.example","Version":"v1.0.1","Sum":"h1:A=","GoModSum":"h1:Amod="}]`, "", "corrupt resolution"},
		{"go.sum", `[]`, "a.example v1.0.0/go.mod h1:Evil=\n", "corrupt resolution"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := `{"key":"k","modules":` + tc.mods + `,"go_sum":` + quote(tc.sum) + `}`
			v, err := resolve.Read([]byte(data))
			if err != nil {
				t.Fatal(err)
			}
			if got := kinds(Resolution(v, l, "/r/resolution.json")); strings.TrimSuffix(got, " resolution.json") != tc.want {
				t.Errorf("Resolution = %q; want %q", got, tc.want)
			}
		})
	}
}

func quote(s string) string {
	return `"` + strings.ReplaceAll(s, "\n", `\n`) + `"`
}

// TestBuildInfo checks the assemble command, built, against a lock made
// from its build information, then against locks that differ from it.
func TestBuildInfo(t *testing.T) {
	exe := filepath.Join(t.TempDir(), "assemble")
	if out, err := exec.Command("go", "build", "-o", exe, "../../cmd/assemble").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	info, err := buildinfo.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	good := func() *lock.Lock {
		l := &lock.Lock{Go: info.GoVersion}
		for _, d := range append(info.Deps, &info.Main) {
			if d.Replace == nil {
				l.Modules = append(l.Modules, lock.Module{Path: d.Path, Version: d.Version, Hash: d.Sum})
			}
		}
		return l
	}
	for _, tc := range []struct {
		name   string
		change func(l *lock.Lock)
		want   bool
	}{
		{"same", func(*lock.Lock) {}, false},
		{"toolchain", func(l *lock.Lock) { l.Go = "go1.0" }, true},
		{"hash", func(l *lock.Lock) { l.Modules[0].Hash = "h1:other=" }, true},
		{"version", func(l *lock.Lock) { l.Modules[0].Version = "v0.0.1" }, true},
		{"not in lock", func(l *lock.Lock) { l.Modules = l.Modules[1:] }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := good()
			tc.change(l)
			found := BuildInfo(exe, l)
			if (len(found) > 0) != tc.want {
				t.Errorf("BuildInfo = %v; want differences: %v", found, tc.want)
			}
		})
	}
	if found := BuildInfo(filepath.Join(t.TempDir(), "none"), good()); len(found) != 1 || found[0].Kind != "corrupt" {
		t.Errorf("BuildInfo of no binary = %v; want it corrupt", found)
	}
}
