package config

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// shape describes a parsed body by what matters to the loader: every
// attribute and block with its range, recursively.
func shape(b *hclsyntax.Body) []string {
	var out []string
	for name, a := range b.Attributes {
		out = append(out, fmt.Sprintf("attr %s %v %s", name, a.SrcRange, a.Expr.Range()))
	}
	for _, blk := range b.Blocks {
		out = append(out, fmt.Sprintf("block %s %q %v", blk.Type, blk.Labels, blk.Range()))
		for _, s := range shape(blk.Body) {
			out = append(out, "  "+s)
		}
	}
	sort.Strings(out)
	return out
}

// checkSplit parses src whole and in pieces and reports any difference.
func checkSplit(t *testing.T, src []byte) {
	t.Helper()
	whole, wdiags := hclparse.NewParser().ParseHCL(src, "f.hcl")
	pieces, pdiags := parseHCL(hclparse.NewParser(), src, "f.hcl")
	if wdiags.HasErrors() != pdiags.HasErrors() || len(wdiags) != len(pdiags) {
		t.Fatalf("diagnostics differ:\nwhole: %v\npieces: %v", wdiags, pdiags)
	}
	if wdiags.HasErrors() {
		return
	}
	w, p := shape(whole.Body.(*hclsyntax.Body)), shape(pieces.Body.(*hclsyntax.Body))
	if !reflect.DeepEqual(w, p) {
		t.Fatalf("parsed in pieces, the file differs:\nwhole:  %v\npieces: %v", w, p)
	}
	// The merged body must decode like the whole one.
	ws, _ := whole.Body.Content(fileSchema)
	ps, _ := pieces.Body.Content(fileSchema)
	if len(ws.Blocks) != len(ps.Blocks) || len(ws.Attributes) != len(ps.Attributes) {
		t.Fatalf("decoded differently: %d/%d blocks, %d/%d attributes", len(ws.Blocks), len(ps.Blocks), len(ws.Attributes), len(ps.Attributes))
	}
}

// bigFile repeats items until the file is large enough to be cut.
func bigFile(items ...string) []byte {
	var b strings.Builder
	for b.Len() < 2*parallelMin {
		for _, it := range items {
			b.WriteString(it)
		}
	}
	return []byte(b.String())
}

func TestParseInPieces(t *testing.T) {
	tests := map[string][]byte{
		"parts":                          bigFile("part \"p\" {\n  recipe = \"file\"\n  target = \"x\"\n  content = \"${var.x}\\n\"\n}\n\n"),
		"heredoc that looks like blocks": bigFile("x = <<EOT\npart \"a\" {\n}\nEOT\n", "y = <<-EOT\n  }\n  part \"b\" {\n  EOT\n"),
		"strings with braces and quotes": bigFile("a = \"}{ \\\" ${ \"}\" } $${x} %%{y}\"\n", "b = \"%{ if true }{%{ endif }\"\n"),
		"comments":                       bigFile("# part \"x\" {\n", "// }\n", "/* part \"y\" {\n}\n*/\n", "c = 1\n"),
		"multi-line brackets":            bigFile("list = [\n  \"a\",\n  {\n    k = \"}\"\n  },\n]\n", "f = concat(\n  [1],\n  [2]\n)\n"),
		"crlf":                           bigFile("part \"q\" {\r\n  recipe = \"file\"\r\n}\r\n"),
		"broken at the end":              append(bigFile("a = 1\n"), []byte("part \"x\" {\n")...),
	}
	for name, src := range tests {
		t.Run(name, func(t *testing.T) {
			// Each case repeats an attribute name: make names unique.
			src := uniqueNames(src)
			if cutPoints(src, 2) == nil && name != "broken at the end" {
				t.Fatalf("not cut")
			}
			checkSplit(t, src)
		})
	}
	t.Run("many pieces", func(t *testing.T) {
		var b strings.Builder
		for i := 0; b.Len() < 6*pieceSize; i++ {
			fmt.Fprintf(&b, "part \"p%d\" {\n  recipe  = \"file\"\n  target  = \"x%d\"\n  content = <<EOT\n}\nEOT\n}\n\n", i, i)
		}
		src := []byte(b.String())
		if n := len(cutPoints(src, len(src)/pieceSize)) - 1; n < 6 {
			t.Fatalf("cut into %d pieces, want 6 or more", n)
		}
		checkSplit(t, src)
	})
	for _, f := range []string{"../../configs/buildout.hcl", "../../configs/buildout-production.hcl"} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		checkSplit(t, bigFile(string(data)))
	}
}

// uniqueNames renames top-level attributes a, b, c… to a1, a2… so that a
// repeated item does not redefine one.
func uniqueNames(src []byte) []byte {
	lines := strings.SplitAfter(string(src), "\n")
	n := 0
	for i, l := range lines {
		if len(l) > 1 && l[0] >= 'a' && l[0] <= 'z' && strings.Contains(l, " = ") && !strings.HasPrefix(l, "part") {
			n++
			j := strings.Index(l, " ")
			lines[i] = fmt.Sprintf("%s%d%s", l[:j], n, l[j:])
		}
	}
	return []byte(strings.Join(lines, ""))
}

// FuzzParseInPieces checks that a file parsed in pieces is the file parsed
// whole, whatever it holds.
func FuzzParseInPieces(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/errors/*/main.hcl")
	for _, s := range seeds {
		if data, err := os.ReadFile(s); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("x = <<EOT\n}\nEOT\n"))
	// Cut even small files, so that the fuzzer can try many.
	defer func(m int) { parallelMin = m }(parallelMin)
	parallelMin = 16
	f.Fuzz(func(t *testing.T, data []byte) {
		checkSplit(t, append([]byte("pad = 1\n"), data...))
	})
}

func TestCutPoints(t *testing.T) {
	src := []byte("a = 1\nb = [\n  1,\n]\nc = 3\nd = 4\n")
	// Top-level lines start at 0, 6, 19 and 25.
	tests := []struct {
		n    int
		want []int
	}{
		{1, []int{0, len(src)}},
		{2, []int{0, 19, len(src)}},
		{3, []int{0, 6, 19, len(src)}},
		{4, []int{0, 6, 19, 25, len(src)}},
		{5, nil}, // more pieces than lines
	}
	for _, tt := range tests {
		if got := cutPoints(src, tt.n); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("cutPoints(%d) = %v, want %v", tt.n, got, tt.want)
		}
	}
	if got := cutPoints([]byte("a = [\n1\n"), 2); got != nil {
		t.Errorf("unclosed bracket: cutPoints = %v, want nil", got)
	}
}
