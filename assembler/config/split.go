package config

import (
	"bytes"
	"runtime"
	"sort"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/assemble-build/assemble/internal/hugeheap"
)

// parallelMin is the size from which a file is parsed in pieces. Tests
// lower it, to cut small files.
var parallelMin = 4 << 10

// pieceSize is about the most a piece of a large file holds: HCL keeps
// every token of what it parses in one growing slice, so that small
// pieces are parsed at a steady rate however large the file, and touch
// less fresh memory (a page fault for every 4 KiB of it) than large
// ones. Small pieces also leave less for one processor alone at the end.
const pieceSize = 4 << 10

// From hugeMin bytes, a config's heap is asked for in huge pages: about
// hugePerByte bytes of heap for each byte of config, which is what parsing
// and evaluating it take. Below, a huge page costs more to clear than the
// page faults it saves.
const (
	hugeMin     = 64 << 10
	hugePerByte = 384
)

// parseHCL parses a config file. A large file is cut between top-level
// items into pieces, as many as there are processors and at most about
// pieceSize each, and the pieces are parsed at once: HCL parses at a few
// megabytes a second, and a config of a thousand parts is most of the
// time a one-change install takes. The pieces are parsed at their own
// offsets, so positions are those of the whole file. Should any piece not
// parse cleanly, or the pieces not fit together, the whole file is parsed
// again as one, so that what is reported is exactly what HCL says of it.
func parseHCL(p *hclparse.Parser, src []byte, name string) (*hcl.File, hcl.Diagnostics) {
	if len(src) >= hugeMin {
		hugeheap.Reserve(min(hugePerByte*len(src), 1<<30))
	}
	procs := runtime.GOMAXPROCS(0)
	if len(src) < parallelMin || procs < 2 {
		return p.ParseHCL(src, name)
	}
	cuts := cutPoints(src, max(procs, len(src)/pieceSize))
	if cuts == nil {
		return p.ParseHCL(src, name)
	}
	type piece struct {
		file  *hcl.File
		diags hcl.Diagnostics
	}
	pieces := make([]piece, len(cuts)-1)
	next := make(chan int, len(pieces))
	for i := range pieces {
		next <- i
	}
	close(next)
	var wg sync.WaitGroup
	for range min(procs, len(pieces)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				start := cuts[i]
				pos := hcl.Pos{Line: 1 + bytes.Count(src[:start], []byte("\n")), Column: 1, Byte: start}
				f, diags := hclsyntax.ParseConfig(src[start:cuts[i+1]], name, pos)
				pieces[i] = piece{f, diags}
			}
		}()
	}
	wg.Wait()
	body := &hclsyntax.Body{Attributes: hclsyntax.Attributes{}}
	for _, pc := range pieces {
		if len(pc.diags) > 0 || pc.file == nil {
			return p.ParseHCL(src, name)
		}
		b := pc.file.Body.(*hclsyntax.Body)
		for k, a := range b.Attributes {
			if _, dup := body.Attributes[k]; dup {
				return p.ParseHCL(src, name)
			}
			body.Attributes[k] = a
		}
		body.Blocks = append(body.Blocks, b.Blocks...)
	}
	last := pieces[len(pieces)-1].file.Body.(*hclsyntax.Body)
	body.SrcRange = hcl.Range{Filename: name, Start: hcl.InitialPos, End: last.SrcRange.End}
	body.EndRange = last.EndRange
	f := &hcl.File{Body: body, Bytes: src}
	p.AddFile(name, f)
	return f, nil
}

// cutPoints returns offsets that cut src into about n pieces at the
// starts of lines between top-level items, with 0 first and len(src)
// last, or nil when src is not clearly cut: strings, heredocs, comments
// and brackets are followed just far enough to know where top level is.
func cutPoints(src []byte, n int) []int {
	lines := topLevelLines(src)
	if len(lines) < n {
		return nil
	}
	cuts := []int{0}
	for k := 1; k < n; k++ {
		want := len(src) * k / n
		// The line nearest want, after the last cut; lines are sorted.
		i := sort.SearchInts(lines, want)
		if i > 0 && (i == len(lines) || want-lines[i-1] < lines[i]-want) {
			i--
		}
		for i < len(lines) && lines[i] <= cuts[len(cuts)-1] {
			i++
		}
		if i == len(lines) {
			return nil
		}
		cuts = append(cuts, lines[i])
	}
	return append(cuts, len(src))
}

// topLevelLines returns the offsets of the lines of src that start at
// top level: outside any bracket, string, heredoc or comment. It returns
// nil if src does not end at top level.
func topLevelLines(src []byte) []int {
	type frame struct {
		kind   byte // 'e' expression, 's' quoted string, 'h' heredoc
		depth  int  // open brackets, in an expression
		marker []byte
	}
	stack := []frame{{kind: 'e'}}
	var lines []int
	at := func(i int, s string) bool { return bytes.HasPrefix(src[i:], []byte(s)) }
	lineStart := true
	for i := 0; i < len(src); i++ {
		top := &stack[len(stack)-1]
		c := src[i]
		wasLineStart := lineStart
		lineStart = c == '\n'
		// Each case looks at c before anything longer: most bytes are
		// none of these, and this scan comes before any parsing starts.
		switch top.kind {
		case 'e':
			if wasLineStart && len(stack) == 1 && top.depth == 0 {
				lines = append(lines, i)
			}
			switch {
			case c == '#' || c == '/' && at(i, "//"):
				for i+1 < len(src) && src[i+1] != '\n' {
					i++
				}
			case c == '/' && at(i, "/*"):
				end := bytes.Index(src[i+2:], []byte("*/"))
				if end < 0 {
					return nil
				}
				i += 2 + end + 1
			case c == '"':
				stack = append(stack, frame{kind: 's'})
			case c == '<' && at(i, "<<"):
				j := i + 2
				if j < len(src) && src[j] == '-' {
					j++
				}
				k := j
				for k < len(src) && (isIdentByte(src[k])) {
					k++
				}
				if k > j && k < len(src) && (src[k] == '\n' || at(k, "\r\n")) {
					stack = append(stack, frame{kind: 'h', marker: src[j:k]})
					i = k
					if src[k] == '\r' {
						i++
					}
					lineStart = true
				}
			case c == '{' || c == '[' || c == '(':
				top.depth++
			case c == '}' || c == ']' || c == ')':
				if top.depth > 0 {
					top.depth--
				} else if len(stack) > 1 {
					stack = stack[:len(stack)-1] // the end of an interpolation
				} else {
					return nil
				}
			}
		case 's':
			switch {
			case c == '\\':
				i++
			case c == '"':
				stack = stack[:len(stack)-1]
			case c != '$' && c != '%':
				if c == '\n' {
					return nil // a string does not span lines
				}
			case at(i, "$${") || at(i, "%%{"):
				i += 2
			case at(i, "${") || at(i, "%{"):
				stack = append(stack, frame{kind: 'e'})
				i++
			}
		case 'h':
			if wasLineStart {
				end := bytes.IndexByte(src[i:], '\n')
				if end < 0 {
					end = len(src) - i
				}
				line := bytes.TrimSpace(src[i : i+end])
				if bytes.Equal(line, top.marker) {
					stack = stack[:len(stack)-1]
					i += end - 1
					continue
				}
			}
			switch {
			case c != '$' && c != '%':
			case at(i, "$${") || at(i, "%%{"):
				i += 2
			case at(i, "${") || at(i, "%{"):
				stack = append(stack, frame{kind: 'e'})
				i++
			}
		}
	}
	if len(stack) != 1 || stack[0].depth != 0 {
		return nil
	}
	return lines
}

func isIdentByte(c byte) bool {
	return c == '_' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
