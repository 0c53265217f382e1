package config

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/assemble-build/assemble/recipes/recipe"
)

// TestErrorFixtures loads every directory under testdata/errors from its
// main.hcl and checks the diagnostics against the markers in its files: a
// line holding "# ERROR: text" (or "// ERROR: text") expects an error
// whose subject starts on that line and whose summary or detail contains
// text. Every error must be marked, and every marker matched.
func TestErrorFixtures(t *testing.T) {
	dirs, err := filepath.Glob("testdata/errors/*")
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) == 0 {
		t.Fatal("no fixtures")
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			want := readMarkers(t, dir)
			if len(want) == 0 {
				t.Fatalf("%s has no ERROR markers", dir)
			}
			diags := loadAndEvaluate(filepath.Join(dir, "main.hcl"))
			var got []*hcl.Diagnostic
			for _, d := range diags {
				if d.Severity == hcl.DiagError {
					got = append(got, d)
				}
			}
			matched := make([]bool, len(got))
			for _, m := range want {
				found := false
				for i, d := range got {
					if matched[i] || d.Subject == nil {
						continue
					}
					if filepath.Base(d.Subject.Filename) == m.file && d.Subject.Start.Line == m.line &&
						(strings.Contains(d.Summary, m.text) || strings.Contains(d.Detail, m.text)) {
						matched[i], found = true, true
						break
					}
				}
				if !found {
					t.Errorf("%s:%d: no error matching %q", m.file, m.line, m.text)
				}
			}
			for i, d := range got {
				if !matched[i] {
					t.Errorf("unexpected error: %s", d.Error())
				}
			}
		})
	}
}

type marker struct {
	file string
	line int
	text string
}

var markerRE = regexp.MustCompile(`(?:#|//)\s*ERROR:\s*(.+?)\s*$`)

func readMarkers(t *testing.T, dir string) []marker {
	t.Helper()
	var out []marker
	err := filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || !strings.HasSuffix(path, ".hcl") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		for n := 1; sc.Scan(); n++ {
			if m := markerRE.FindStringSubmatch(sc.Text()); m != nil {
				out = append(out, marker{file: filepath.Base(path), line: n, text: m[1]})
			}
		}
		return sc.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(out, func(i, j int) bool {
		return fmt.Sprint(out[i].file, out[i].line) < fmt.Sprint(out[j].file, out[j].line)
	})
	return out
}

// loadAndEvaluate runs the whole front end on a file, for an instance at
// a fixed place, and returns every diagnostic.
func loadAndEvaluate(path string) hcl.Diagnostics {
	cfg, diags := Load(path)
	if cfg == nil || diags.HasErrors() {
		return diags
	}
	_, ediags := Evaluate(cfg, EvalOptions{
		Instance:  recipe.NewInstance("fixture", "/srv/assemble/instances/fixture"),
		Recipes:   testRecipes(),
		LookupEnv: func(string) (string, bool) { return "", false },
	})
	return append(diags, ediags...)
}
