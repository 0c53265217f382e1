package config

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// TestParsePieces checks that a file parsed in pieces gives what HCL
// gives for the whole: the same nodes at the same places, or, where a cut
// falls inside something, the whole file's own parse and diagnostics.
func TestParsePieces(t *testing.T) {
	defer func(n int) { pieceSize = n }(pieceSize)
	pieceSize = 64
	var parts strings.Builder
	for i := range 40 {
		fmt.Fprintf(&parts, "part \"p%d\" {\n  recipe = \"file\"\n  target = \"${instance.etc}/p%d\"\n  content = \"%d\"\n}\n\n", i, i, i)
	}
	many := parts.String()
	for _, tt := range []struct {
		name, src string
		pieces    bool // whether it is parsed in pieces
	}{
		{"parts", many, true},
		{"attributes", "extends = [\"a.hcl\"]\nversions = {\n  a = \"v1\"\n}\n" + many, true},
		{"heredoc", "part \"h\" {\n  content = <<EOT\n" + strings.Repeat("line that starts with a letter\n", 10) + "EOT\n}\n" + many, false},
		{"comment", "/*\n" + strings.Repeat("commented out = true\n", 10) + "*/\n" + many, false},
		{"brackets", "parts = [\n" + strings.Repeat("\"a\",\nb,\n", 20) + "]\n" + many, false},
		{"redefined", "x = 1\n" + many + "x = 2\n", false},
		{"broken", many + "part \"bad\" {\n  = 1\n}\n" + many, false},
		{"small", "part \"a\" {\n  recipe = \"file\"\n}\n", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src := []byte(tt.src)
			whole, wdiags := hclparse.NewParser().ParseHCL(src, "main.hcl")
			got, gdiags := parseHCL(hclparse.NewParser(), src, "main.hcl")
			if g, w := gdiags.Error(), wdiags.Error(); g != w {
				t.Fatalf("diagnostics %q, want %q", g, w)
			}
			if whole == nil || got == nil {
				return
			}
			if g, w := nodes(t, got), nodes(t, whole); g != w {
				gl, wl := strings.Split(g, "\n"), strings.Split(w, "\n")
				for i := range min(len(gl), len(wl)) {
					if gl[i] != wl[i] {
						t.Fatalf("node %d is %s, want %s", i, gl[i], wl[i])
					}
				}
				t.Fatalf("%d nodes, want %d", len(gl), len(wl))
			}
			if _, pieced := got.Nav.(pieceNav); pieced != tt.pieces {
				t.Errorf("parsed in pieces: %v, want %v", pieced, tt.pieces)
			}
			if _, ok := got.Nav.(pieceNav); ok && len(many) > 0 {
				b := got.Body.(*hclsyntax.Body).Blocks[3]
				if cs := got.Nav.(pieceNav).ContextString(b.Body.Attributes["recipe"].SrcRange.Start.Byte); cs != `part "p3"` && tt.name == "parts" {
					t.Errorf("context of part p3's recipe = %q", cs)
				}
			}
		})
	}
}

// nodes lists every node of f's body with its type and place, sorted:
// attributes are a map, walked in any order.
func nodes(t *testing.T, f *hcl.File) string {
	var lines []string
	hclsyntax.VisitAll(f.Body.(*hclsyntax.Body), func(n hclsyntax.Node) hcl.Diagnostics {
		switch n.(type) {
		case hclsyntax.Attributes, hclsyntax.Blocks:
			return nil // collections, whose range is any member's
		}
		r := n.Range()
		lines = append(lines, fmt.Sprintf("%08d-%08d %T %d:%d-%d:%d", r.Start.Byte, r.End.Byte, n, r.Start.Line, r.Start.Column, r.End.Line, r.End.Column))
		return nil
	})
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// FuzzParsePieces checks, on any input, that parsing in pieces gives
// what parsing the whole gives: the diagnostics, or the same nodes.
func FuzzParsePieces(f *testing.F) {
	f.Add("a = 1\nb = 2\npart \"x\" {\n  c = <<EOT\nd = 3\nEOT\n}\ne = [\nf,\n]\n")
	f.Add("/*\nx = 1\n*/\ny = \"${z}\"\nz {\n}\n")
	f.Fuzz(func(t *testing.T, src string) {
		defer func(n int) { pieceSize = n }(pieceSize)
		pieceSize = 8
		whole, wdiags := hclparse.NewParser().ParseHCL([]byte(src), "f.hcl")
		got, gdiags := parseHCL(hclparse.NewParser(), []byte(src), "f.hcl")
		if g, w := gdiags.Error(), wdiags.Error(); g != w {
			t.Fatalf("diagnostics %q, want %q", g, w)
		}
		if whole != nil && got != nil && !wdiags.HasErrors() {
			if g, w := nodes(t, got), nodes(t, whole); g != w {
				t.Fatalf("nodes:\n%s\nwant\n%s", g, w)
			}
		}
	})
}
