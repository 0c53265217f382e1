package apply

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// childrenFile lists the process groups of the programs a run has
// running, where nothing kills them if the run is killed (see
// recordChildren), for the next run to kill.
func (r *Run) childrenFile() string { return filepath.Join(r.Instance.Meta(), "children") }

// started records a program the run started until it ends, and returns
// what says it ended.
func (r *Run) started(pid int) (ended func()) {
	if !recordChildren {
		return func() {}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.children == nil {
		r.children = map[int]bool{}
	}
	r.children[pid] = true
	r.writeChildren()
	return func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		delete(r.children, pid)
		r.writeChildren()
	}
}

func (r *Run) writeChildren() {
	if len(r.children) == 0 {
		os.Remove(r.childrenFile())
		return
	}
	var b strings.Builder
	for pid := range r.children {
		fmt.Fprintln(&b, pid)
	}
	os.WriteFile(r.childrenFile(), []byte(b.String()), 0o644)
}

// killChildren kills what a killed run started and left running.
func (r *Run) killChildren() {
	data, err := os.ReadFile(r.childrenFile())
	if err != nil {
		return
	}
	for _, line := range strings.Fields(string(data)) {
		if pid, err := strconv.Atoi(line); err == nil && pid > 1 {
			killGroup(pid)
		}
	}
	os.Remove(r.childrenFile())
}
