package config

import (
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/assemble-build/assemble/recipes/recipe"
)

// genConfig writes a config of n parts split over a base and a top file:
// file parts, a tenth of them referring to the part before, and a top file
// that overrides every hundredth part and extends the parts list.
func genConfig(n int) map[string][]byte {
	var base, top strings.Builder
	base.WriteString("variable \"greeting\" {\n  default = \"hello\"\n}\n\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&base, "part \"p%05d\" {\n  recipe  = \"file\"\n  target  = \"${instance.dir}/parts/p%05d/file.txt\"\n", i, i)
		if i%10 == 1 {
			fmt.Fprintf(&base, "  content = \"${var.greeting} ${part.p%05d.path}\\n\"\n}\n\n", i-1)
		} else {
			base.WriteString("  content = \"${var.greeting} ${instance.dir}\\n\"\n}\n\n")
		}
	}
	top.WriteString("extends = [\"base.hcl\"]\n\nbuildout {\n  parts = concat(base.parts, [])\n}\n\n")
	for i := 0; i < n; i += 100 {
		fmt.Fprintf(&top, "part \"p%05d\" {\n  mode = \"0600\"\n}\n\n", i)
	}
	return map[string][]byte{"/m/base.hcl": []byte(base.String()), "/m/top.hcl": []byte(top.String())}
}

// BenchmarkLoadEvaluate loads, merges and evaluates generated configs.
// Loading must grow linearly with the number of parts: 10,000 within 12
// times 1,000. It collects garbage as assemble does (cmd/assemble sets
// GOGC=400), so that it measures what an install pays.
func BenchmarkLoadEvaluate(b *testing.B) {
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	for _, n := range []int{100, 1000, 10000} {
		files := genConfig(n)
		b.Run(fmt.Sprintf("parts=%d", n), func(b *testing.B) {
			l := &Loader{ReadFile: func(name string) ([]byte, error) {
				if d, ok := files[name]; ok {
					return d, nil
				}
				return nil, os.ErrNotExist
			}}
			for b.Loop() {
				cfg, diags := l.Load("/m/top.hcl")
				if diags.HasErrors() {
					b.Fatal(diags)
				}
				res, diags := Evaluate(cfg, EvalOptions{Instance: recipe.NewInstance("bench", "/srv/bench"), Recipes: testRecipes()})
				if diags.HasErrors() {
					b.Fatal(diags)
				}
				if len(res.Parts) != n {
					b.Fatalf("%d parts, want %d", len(res.Parts), n)
				}
			}
		})
	}
}
