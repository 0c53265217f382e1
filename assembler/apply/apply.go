// Package apply carries out a plan on an instance's disk: it installs the
// parts that change into a staged revision and staged files, commits them
// all together under a journal, switches the instance to the revision,
// activates it, and records the run. A run cut short at any point is
// finished or undone by the next (Recover): the instance is always on a
// complete revision with the files to match.
package apply

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/zclconf/go-cty/cty/function"

	"github.com/assemble-build/assemble/assembler/account"
	"github.com/assemble-build/assemble/assembler/fsutil"
	"github.com/assemble-build/assemble/assembler/gocmd"
	"github.com/assemble-build/assemble/assembler/instance"
	"github.com/assemble-build/assemble/assembler/plan"
	"github.com/assemble-build/assemble/assembler/progress"
	"github.com/assemble-build/assemble/assembler/store"
	"github.com/assemble-build/assemble/recipes/recipe"
)

// ErrBuild marks a part that failed to install, or an install that could
// not be completed; the instance is as it was.
var ErrBuild = errors.New("install failed")

// Run is one application of a plan to an instance, with everything it
// needs given: apply reaches nothing of its caller's.
type Run struct {
	Instance *instance.Instance
	State    *instance.State // what the instance has installed
	Plan     *plan.Plan
	// Recipes are for the parts of another revision, which undo activates.
	Recipes recipe.Registry
	Store   *store.Store
	// Next is the state to record once the plan is applied; apply adds
	// the parts and what they made.
	Next *instance.State
	// Contents is what a new revision holds besides what parts install;
	// unused when the plan's revision is built already.
	Contents *Contents
	// Event is the history line to add; apply fills in the run's ID, time,
	// revisions and what it did to the parts.
	Event *instance.Event

	Go *gocmd.Env // the go command's environment, when parts build modules
	// Sources are the modules each part's build reads, by part: they are
	// checked against their hashes before the go command builds from them.
	Sources map[string][]Source
	Offline bool
	Funcs   map[string]function.Function // for templates
	// Progress receives what the run is doing; nil discards it.
	Progress progress.Func
	// NoActivate leaves the activation steps to Activate.
	NoActivate bool
	// Account is the system account the instance runs as, nil for none:
	// it is given its directories before the activation steps run.
	Account *account.Account

	// Warnings collects what the run has to say that is not an error.
	Warnings []string

	mu       sync.Mutex
	log      *os.File
	fs       *fsutil.Tree // the instance, through which every change is made
	links    links
	targets  sync.Map // path → the part that writes it
	written  map[string]bool
	once     sync.Once
	children map[int]bool // the programs running, where they are recorded
	verified sync.Map     // module@version → *checked
}

// checked is a check made once a run.
type checked struct {
	once sync.Once
	err  error
}

// Contents is what a new revision holds besides what its parts install.
type Contents struct {
	// Top is the directory of the top config; Files are the files the
	// config read, copied into the revision's manifest snapshot.
	Top   string
	Files []string
	// Lock, Resolution and GoEnv are written as they are.
	Lock       []byte
	Resolution []byte
	GoEnv      []byte
	// Programs is programs.json: the recipe programs the parts use.
	Programs []byte
}

// Apply carries out the plan: it installs what changed into a staged
// revision and staged files, then commits them all together.
func Apply(ctx context.Context, r *Run) error {
	done, err := r.open()
	if err != nil {
		return err
	}
	defer done()
	r.Store.Clean()
	if err := r.give(); err != nil {
		return err
	}
	s, err := r.stage(ctx)
	if err != nil {
		s.abort()
		return fmt.Errorf("%w: %w", ErrBuild, err)
	}
	j, err := s.prepare(ctx)
	if err != nil {
		s.abort()
		return fmt.Errorf("%w: %w", ErrBuild, err)
	}
	return r.commit(ctx, j, s.tx)
}

// Update runs the update steps of an instance that is up to date: the
// plan keeps every part, and nothing is staged or committed. The state is
// written again only if what it records changed (the fingerprint of the
// inputs, say), so that a no-op writes nothing.
func Update(ctx context.Context, r *Run) error {
	defer r.closeLog()
	for _, p := range r.Plan.Parts {
		if !r.Plan.Updates(p) {
			continue
		}
		if err := r.openLog(); err != nil { // only now: a run with nothing to run keeps the last one's
			return err
		}
		h := r.host(p, nil, r.Instance.Revision(r.Plan.Revision), "update")
		if err := p.Recipe.(recipe.Updater).Update(ctx, p.Part, h); err != nil {
			return fmt.Errorf("%w: %w", ErrBuild, err)
		}
	}
	st := r.nextState(nil)
	st.Time = r.State.Time
	if next := st.Marshal(); !bytes.Equal(next, r.State.Marshal()) {
		return r.Instance.SaveState(st)
	}
	return nil
}

// open opens the instance's tree, and the run's log, and returns what
// closes them.
func (r *Run) open() (func(), error) {
	fs, err := fsutil.OpenTree(r.Instance.Dir)
	if err != nil {
		return nil, err
	}
	if err := r.openLog(); err != nil {
		fs.Close()
		return nil, err
	}
	r.fs = fs
	return func() {
		r.closeLog()
		fs.Close()
	}, nil
}

// wrote reports whether path is one assemble wrote for a part installed.
func (r *Run) wrote(path string) bool {
	r.once.Do(func() {
		r.written = map[string]bool{}
		for _, p := range r.State.Parts {
			for _, x := range p.Paths {
				r.written[x.Path] = true
			}
		}
	})
	return r.written[path]
}

// say sends a progress line.
func (r *Run) say(format string, args ...any) { r.Progress.Say(format, args...) }

func (r *Run) warn(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Warnings = append(r.Warnings, fmt.Sprintf(format, args...))
}

// openLog starts .assemble/last-run.log, which holds the output of every
// program the run starts.
func (r *Run) openLog() error {
	if r.log != nil {
		return nil
	}
	// A run that applies a plan starts the log afresh; the steps run
	// without one (backup, restore, remove) add to it.
	mode := os.O_WRONLY | os.O_CREATE | os.O_APPEND
	if r.Plan != nil {
		mode = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(filepath.Join(r.Instance.Meta(), "last-run.log"), mode, 0o644)
	if err != nil {
		return err
	}
	r.log = f
	return nil
}

func (r *Run) closeLog() {
	if r.log != nil {
		r.log.Close()
		r.log = nil
	}
}

// Write appends to the run's log.
func (r *Run) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.log == nil {
		return len(p), nil
	}
	return r.log.Write(p)
}

// failpoint kills the process at a named point when ASSEMBLE_FAILPOINT
// names it. It exists for the tests that show a kill at any point leaves
// the instance on a complete revision.
func failpoint(name string) {
	if os.Getenv("ASSEMBLE_FAILPOINT") == name {
		if p, err := os.FindProcess(os.Getpid()); err == nil {
			_ = p.Kill()
		}
		time.Sleep(time.Minute)
	}
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}
