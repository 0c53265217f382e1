package apply

import (
	"bytes"
	"strings"
	"testing"

	"github.com/assemble-build/assemble/assembler/plan"
	"github.com/assemble-build/assemble/assembler/progress"
	"github.com/assemble-build/assemble/recipes/recipe"
)

func TestBuildEvents(t *testing.T) {
	tests := []struct {
		name   string
		group  []string
		stdout string // what go build -v -json writes, in pieces of 7 bytes
		ok     bool
		lines  []string // the progress lines
		out    string   // what goes on to the log
	}{
		{
			name: "packages compiled, then the end",
			stdout: `{"ImportPath":"fmt","Action":"build-output","Output":"fmt\n"}
{"ImportPath":"example.com/a","Action":"build-output","Output":"example.com/a\n"}
`,
			ok: true,
			lines: []string{"[1/2] a: compiling fmt (1 of 3 packages)", "[1/2] a: compiling example.com/a (2 of 3 packages)",
				"[1/2] a: compiled 2 of 3 packages, the others from the cache"},
		},
		{
			name:  "a group's build names its parts",
			group: []string{"a", "b"},
			stdout: `{"ImportPath":"fmt","Action":"build-output","Output":"fmt\n"}
`,
			ok:    true,
			lines: []string{"a, b: compiling fmt (1 of 3 packages)", "a, b: compiled 1 of 3 packages, the others from the cache"},
		},
		{
			name: "compiler errors go on to the log; a failed build claims no cache",
			stdout: `{"ImportPath":"example.com/a","Action":"build-output","Output":"# example.com/a\n"}
{"ImportPath":"example.com/a","Action":"build-output","Output":"./a.go:3:1: syntax error\n"}
{"ImportPath":"example.com/a","Action":"build-fail"}
`,
			lines: []string{"[1/2] a: compiled 0 of 3 packages"},
			out:   "# example.com/a\n./a.go:3:1: syntax error\n",
		},
		{
			name:   "what is not an event goes on as it is",
			stdout: "go: downloading example.com/a v1.0.0\n",
			ok:     true,
			lines:  []string{"[1/2] a: compiled 0 of 3 packages, the others from the cache"},
			out:    "go: downloading example.com/a v1.0.0\n",
		},
		{
			name:   "a last line without its newline is not lost",
			stdout: "go: killed",
			lines:  []string{"[1/2] a: compiled 0 of 3 packages"},
			out:    "go: killed",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var lines []string
			h := &host{p: &plan.Part{Part: &recipe.Part{Name: "a"}}, phase: "install", step: "[1/2]", group: tt.group, pkgs: 3,
				report: func(e progress.Event) { lines = append(lines, e.Line) }}
			var out bytes.Buffer
			ev := h.newEvents()
			w := ev.wrap(&out)
			for s := tt.stdout; s != ""; {
				n := min(7, len(s))
				w.Write([]byte(s[:n]))
				s = s[n:]
			}
			ev.done(tt.ok)
			if got, want := strings.Join(lines, "\n"), strings.Join(tt.lines, "\n"); got != want {
				t.Errorf("progress:\n%s\nwant:\n%s", got, want)
			}
			if out.String() != tt.out {
				t.Errorf("output %q, want %q", out.String(), tt.out)
			}
		})
	}
}
