package config

import (
	"bytes"
	"runtime"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// pieceSize is about how much of a large file each piece holds. HCL keeps
// every token of what it parses in one slice that grows by a quarter at a
// time: a 120 KB file makes about 20 MB of fresh memory, a page fault per
// 4 KB, which pieces of this size keep small. Tests lower it.
var pieceSize = 4 << 10

// parseHCL parses a config file. A large file is parsed in pieces, on
// every processor, cut at lines that begin with a letter, where a
// formatted config starts its top-level blocks and attributes. HCL itself
// checks the cuts: a piece that parses without a diagnostic ends with
// every bracket, string, heredoc and comment closed, so the next piece
// starts at top level and parses alone as it would in the whole. If any
// piece does not, or two pieces set one attribute, the file is parsed
// again as one, and what is reported is what HCL says of the whole.
func parseHCL(p *hclparse.Parser, src []byte, name string) (*hcl.File, hcl.Diagnostics) {
	cuts := cutPoints(src, pieceSize)
	if len(cuts) < 3 {
		return p.ParseHCL(src, name)
	}
	files := parsePieces(src, name, cuts)
	body := &hclsyntax.Body{Attributes: hclsyntax.Attributes{}}
	nav := make(pieceNav, len(files))
	for i, f := range files {
		if f == nil {
			return p.ParseHCL(src, name)
		}
		b := f.Body.(*hclsyntax.Body)
		for k, a := range b.Attributes {
			if _, dup := body.Attributes[k]; dup {
				return p.ParseHCL(src, name)
			}
			body.Attributes[k] = a
		}
		body.Blocks = append(body.Blocks, b.Blocks...)
		nav[i] = f.Nav
	}
	first, last := files[0].Body.(*hclsyntax.Body), files[len(files)-1].Body.(*hclsyntax.Body)
	body.SrcRange = hcl.Range{Filename: name, Start: first.SrcRange.Start, End: last.SrcRange.End}
	body.EndRange = last.EndRange
	f := &hcl.File{Body: body, Bytes: src, Nav: nav}
	p.AddFile(name, f)
	return f, nil
}

// parsePieces parses src[cuts[i]:cuts[i+1]] for each i, at its place in
// the file, and returns nil for a piece that had any diagnostic.
func parsePieces(src []byte, name string, cuts []int) []*hcl.File {
	files := make([]*hcl.File, len(cuts)-1)
	workers := min(runtime.GOMAXPROCS(0), len(files))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(files); i += workers {
				start := cuts[i]
				pos := hcl.Pos{Line: 1 + bytes.Count(src[:start], []byte("\n")), Column: 1, Byte: start}
				if f, diags := hclsyntax.ParseConfig(src[start:cuts[i+1]], name, pos); len(diags) == 0 {
					files[i] = f
				}
			}
		}()
	}
	wg.Wait()
	return files
}

// cutPoints returns 0, then the first start of a line that begins with a
// letter at least size bytes after the last cut, and so on, then
// len(src).
func cutPoints(src []byte, size int) []int {
	cuts := []int{0}
	for next := size; next < len(src); {
		i := bytes.IndexByte(src[next:], '\n')
		if i < 0 {
			break
		}
		at := next + i + 1
		if at < len(src) && isLetter(src[at]) {
			cuts = append(cuts, at)
			next = at + size
		} else {
			next = at
		}
	}
	return append(cuts, len(src))
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// pieceNav finds the context of a place in a file parsed in pieces (for
// a diagnostic's "in part ..."), in the piece that holds it.
type pieceNav []any

func (n pieceNav) ContextString(offset int) string {
	for _, nav := range n {
		if cs, ok := nav.(interface{ ContextString(int) string }); ok {
			if s := cs.ContextString(offset); s != "" {
				return s
			}
		}
	}
	return ""
}
