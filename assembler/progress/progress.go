// Package progress is what a run says of what it is doing while it does
// it: a line for each step, and how far each go build has got. The
// command line decides how to show it: lines, bars on a terminal, JSON
// for tools, or nothing.
package progress

import (
	"fmt"
	"io"
	"sync"
)

// Event is one thing a run says.
type Event struct {
	// Line is what a person reads: "[3/12] server: building ./cmd/x".
	Line string `json:"line"`
	// Part is the part the event is about, if any, and Label how the
	// line names it: "[3/12] server", or the parts a build is for.
	Part  string `json:"part,omitempty"`
	Label string `json:"label,omitempty"`
	// Build is set while a go build runs: how far it has got.
	Build *Build `json:"build,omitempty"`
}

// Build is how far a go build has got.
type Build struct {
	// Compiled counts the packages the go command has built so far, of
	// Packages, all the packages the build needs; those it finds in its
	// cache it may not count, so a build can end below Packages.
	Compiled int    `json:"compiled"`
	Packages int    `json:"packages"`
	Package  string `json:"package,omitempty"` // the last one built
	Done     bool   `json:"done,omitempty"`    // the build ended
}

// Func receives events, from several goroutines at once; nil discards
// them.
type Func func(Event)

// Say sends a line.
func (f Func) Say(format string, args ...any) {
	if f != nil {
		f(Event{Line: fmt.Sprintf(format, args...)})
	}
}

// Lines returns a Func that writes each event's line to w.
func Lines(w io.Writer) Func {
	var mu sync.Mutex
	return func(e Event) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintln(w, e.Line)
	}
}
