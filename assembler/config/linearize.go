package config

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// linearize orders top and the files it extends so that every file is
// applied exactly once, every file after the files it extends, and of two
// files extended by the same list, the left one first (so the right one
// wins). It is the C3 linearization Python uses for base classes, read
// backwards: the C3 order of a file lists it before its parents, taking
// its parents right to left.
func linearize(top *File) ([]*File, hcl.Diagnostics) {
	if diags := findCycles(top); diags.HasErrors() {
		return []*File{top}, diags
	}
	var diags hcl.Diagnostics
	memo := map[*File][]*File{}
	var c3 func(f *File) []*File
	c3 = func(f *File) []*File {
		if l, ok := memo[f]; ok {
			return l
		}
		parents := f.parentFiles()
		var seqs [][]*File
		for i := len(parents) - 1; i >= 0; i-- {
			seqs = append(seqs, append([]*File(nil), c3(parents[i])...))
		}
		rev := make([]*File, 0, len(parents))
		for i := len(parents) - 1; i >= 0; i-- {
			rev = append(rev, parents[i])
		}
		seqs = append(seqs, rev)
		out := []*File{f}
		for {
			var live [][]*File
			for _, s := range seqs {
				if len(s) > 0 {
					live = append(live, s)
				}
			}
			seqs = live
			if len(seqs) == 0 {
				break
			}
			var next *File
			for _, s := range seqs {
				if !inTails(s[0], seqs) {
					next = s[0]
					break
				}
			}
			if next == nil {
				var heads []string
				for _, s := range seqs {
					heads = appendUnique(heads, s[0].Name)
				}
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError, Summary: "Inconsistent extends order",
					Detail: fmt.Sprintf("The files %s extends order %s in contradicting ways: one extends list puts one first, another the other. "+
						"No order applies every file once with parents before children and left before right; make the extends lists agree.",
						f.Name, strings.Join(heads, " and ")),
					Subject: f.extendsRange(),
				})
				// Fall back to a usable order so later checks still run.
				for _, s := range seqs {
					for _, g := range s {
						if !containsFile(out, g) {
							out = append(out, g)
						}
					}
				}
				break
			}
			out = append(out, next)
			for i, s := range seqs {
				if s[0] == next {
					seqs[i] = s[1:]
				}
			}
		}
		memo[f] = out
		return out
	}
	l := c3(top)
	order := make([]*File, len(l))
	for i, f := range l {
		order[len(l)-1-i] = f
	}
	return order, diags
}

func (f *File) parentFiles() []*File {
	var ps []*File
	for _, e := range f.extends {
		if e.file != nil {
			ps = append(ps, e.file)
		}
	}
	return ps
}

func (f *File) extendsRange() *hcl.Range {
	if len(f.extends) == 0 {
		return nil
	}
	r := hcl.RangeBetween(f.extends[0].rng, f.extends[len(f.extends)-1].rng)
	return &r
}

func inTails(f *File, seqs [][]*File) bool {
	for _, s := range seqs {
		for _, g := range s[1:] {
			if g == f {
				return true
			}
		}
	}
	return false
}

func containsFile(fs []*File, f *File) bool {
	for _, g := range fs {
		if g == f {
			return true
		}
	}
	return false
}

func appendUnique(ss []string, s string) []string {
	for _, x := range ss {
		if x == s {
			return ss
		}
	}
	return append(ss, s)
}

// findCycles reports every extends cycle reachable from top, each once,
// naming the chain of files with the line of each extends entry.
func findCycles(top *File) hcl.Diagnostics {
	var diags hcl.Diagnostics
	const (
		white = iota
		grey
		black
	)
	color := map[*File]int{}
	type step struct {
		f   *File
		via *extend
	}
	var stack []step
	reported := map[string]bool{}
	var visit func(f *File)
	visit = func(f *File) {
		color[f] = grey
		for i := range f.extends {
			e := &f.extends[i]
			if e.file == nil {
				continue
			}
			switch color[e.file] {
			case white:
				stack = append(stack, step{f, e})
				visit(e.file)
				stack = stack[:len(stack)-1]
			case grey:
				// The cycle runs from e.file down the stack to f, then back.
				chain := append(append([]step(nil), stack...), step{f, e})
				start := 0
				for j, s := range chain {
					if s.f == e.file {
						start = j
						break
					}
				}
				chain = chain[start:]
				var names, lines []string
				for _, s := range chain {
					names = append(names, s.f.Name)
					lines = append(lines, fmt.Sprintf("  %s extends %s", rangeLine(s.via.rng), s.via.name))
				}
				key := strings.Join(sortedCopy(names), "\x00")
				if reported[key] {
					continue
				}
				reported[key] = true
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError, Summary: "Extends cycle",
					Detail: fmt.Sprintf("The files extend each other in a circle: %s → %s.\n%s",
						strings.Join(names, " → "), e.file.Name, strings.Join(lines, "\n")),
					Subject: e.rng.Ptr(),
				})
			}
		}
		color[f] = black
	}
	visit(top)
	return diags
}

func sortedCopy(ss []string) []string {
	out := slices.Clone(ss)
	slices.Sort(out)
	return out
}
