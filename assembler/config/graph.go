package config

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// order returns the enabled parts so that each comes after every part it
// refers to: the parts of buildout.parts in their order, each preceded by
// what it needs, then the remaining parts in declaration order. A cycle
// is reported once, with every reference that closes it.
func (e *evaluator) order(parts []*Part, byName map[string]*Part) []*Part {
	const (
		white = iota
		grey
		black
	)
	color := make(map[*Part]int, len(parts))
	type frame struct {
		p   *Part
		via *Ref // the reference that led here
	}
	var stack []frame
	var out []*Part
	reported := map[string]bool{}
	var visit func(p *Part, via *Ref)
	visit = func(p *Part, via *Ref) {
		color[p] = grey
		stack = append(stack, frame{p, via})
		for i := range p.Refs {
			r := &p.Refs[i]
			t := byName[r.To]
			if t == nil || !t.enabled {
				continue
			}
			switch color[t] {
			case white:
				visit(t, r)
			case grey:
				start := len(stack) - 1
				for stack[start].p != t {
					start--
				}
				var refs []*Ref
				var names []string
				for _, f := range stack[start+1:] {
					refs = append(refs, f.via)
				}
				refs = append(refs, r)
				for _, f := range stack[start:] {
					names = append(names, f.p.Name)
				}
				key := strings.Join(sortedCopy(names), "\x00")
				if reported[key] {
					continue
				}
				reported[key] = true
				e.diag(cycleDiag(names, refs))
			}
		}
		stack = stack[:len(stack)-1]
		color[p] = black
		out = append(out, p)
	}
	for _, n := range e.res.Settings.Parts {
		if p := byName[n]; p != nil && p.enabled && color[p] == white {
			visit(p, nil)
		}
	}
	for _, p := range parts {
		if p.enabled && color[p] == white {
			visit(p, nil)
		}
	}
	return out
}

func cycleDiag(names []string, refs []*Ref) *hcl.Diagnostic {
	var lines []string
	for _, r := range refs {
		lines = append(lines, fmt.Sprintf("  %s: part %q refers to %s (in %s)", rangeLine(r.Range), r.From, r.Text, r.Attr))
	}
	chain := append(append([]string(nil), names...), names[0])
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Reference cycle",
		Detail: fmt.Sprintf("The parts refer to each other in a circle, so none can be installed first: %s.\n%s",
			strings.Join(chain, " → "), strings.Join(lines, "\n")),
		Subject: refs[0].Range.Ptr(),
	}
}

// Edge is one edge of the part graph: From needs To.
type Edge struct {
	From, To string
	Attrs    []string // the attributes that make the reference, sorted
}

// Graph returns the edges between the enabled parts, sorted.
func (r *Result) Graph() []Edge {
	var edges []Edge
	for _, name := range sortedKeys(r.All) {
		p := r.All[name]
		attrs := map[string]map[string]bool{}
		for _, ref := range p.Refs {
			if attrs[ref.To] == nil {
				attrs[ref.To] = map[string]bool{}
			}
			attrs[ref.To][ref.Attr] = true
		}
		for _, to := range sortedKeys(attrs) {
			edges = append(edges, Edge{From: name, To: to, Attrs: sortedKeys(attrs[to])})
		}
	}
	sort.SliceStable(edges, func(i, j int) bool {
		if edges[i].From != edges[j].From {
			return edges[i].From < edges[j].From
		}
		return edges[i].To < edges[j].To
	})
	return edges
}
