package apply

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/assemble-build/assemble/assembler/plan"
	"github.com/assemble-build/assemble/assembler/progress"
)

// buildEvent is what go build -json writes for each piece of output
// ('go help buildjson').
type buildEvent struct {
	ImportPath string
	Action     string
	Output     string
}

// events reads the standard output of go build -v -json: a line that
// only names a package (-v) is progress; the rest of the output goes on
// to w as the go command would have printed it.
type events struct {
	h     *host
	w     io.Writer
	buf   []byte
	mu    sync.Mutex
	build progress.Build
}

func (h *host) newEvents() *events {
	e := &events{h: h}
	e.build.Packages = h.pkgs
	if e.build.Packages == 0 && h.p.Part.Module != nil {
		e.build.Packages = len(h.p.Part.Module.Packages)
	}
	return e
}

// wrap reads the standard output of go build on its way to w.
func (e *events) wrap(w io.Writer) io.Writer {
	e.w = w
	return e
}

// done says the build ended, and if it succeeded, that the packages it
// did not compile came from the cache.
func (e *events) done(ok bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.buf) > 0 { // a last line with no newline
		e.line(e.buf)
		e.buf = nil
	}
	b := e.build
	b.Done = true
	msg := fmt.Sprintf("compiled %d%s packages", b.Compiled, of(b.Packages))
	if ok && b.Compiled < b.Packages {
		msg += ", the others from the cache"
	}
	e.h.send(msg, &b)
}

func (e *events) Write(p []byte) (int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.buf = append(e.buf, p...)
	for {
		i := bytes.IndexByte(e.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		e.line(e.buf[:i+1])
		e.buf = e.buf[i+1:]
	}
}

func (e *events) line(l []byte) {
	var ev buildEvent
	if json.Unmarshal(l, &ev) != nil || ev.Action == "" {
		e.w.Write(l) // not an event: the go command's own error
		return
	}
	switch {
	case ev.Action == "build-output" && ev.Output == ev.ImportPath+"\n":
		e.build.Compiled++
		e.build.Package = ev.ImportPath
		b := e.build
		e.h.send(fmt.Sprintf("compiling %s (%d%s packages)", ev.ImportPath, b.Compiled, of(b.Packages)), &b)
	case ev.Action == "build-output":
		io.WriteString(e.w, ev.Output)
	}
}

// of says of how many packages, when that is known: a resolution saved
// by an older assemble does not say.
func of(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(" of %d", n)
}

// packages counts the packages a build for parts compiles: theirs and
// their dependencies, standard library included.
func packages(parts []*plan.Part) int {
	seen := map[string]bool{}
	for _, p := range parts {
		if m := p.Part.Module; m != nil {
			for _, pkg := range m.Packages {
				seen[pkg] = true
			}
		}
	}
	return len(seen)
}

// who names the parts a build is for.
func (h *host) who() string {
	if len(h.group) > 1 {
		return strings.Join(h.group, ", ")
	}
	return h.p.Part.Name
}
