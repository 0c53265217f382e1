package apply

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/assemble-build/assemble/assembler/instance"
	"github.com/assemble-build/assemble/assembler/plan"
	"github.com/assemble-build/assemble/assembler/txn"
	"github.com/assemble-build/assemble/recipes/recipe"
)

// staging is a run before its commit: the transaction that stages its
// files, and the revision it builds.
type staging struct {
	r     *Run
	id    string
	tx    *txn.Txn
	dir   string // the revision being built: code/.staging-REV, or the revision itself when built already
	build bool
	next  string // where the state after the run waits

	mu    sync.Mutex
	paths map[string][]instance.Path // what each part made
	n     atomic.Int32
	total int
}

// stage installs the parts that change, into the staged revision and
// staged files, and writes the rest of a new revision.
func (r *Run) stage(ctx context.Context) (*staging, error) {
	rev := r.Plan.Revision
	s := &staging{r: r, id: newID(), build: !r.Plan.Built, dir: r.Instance.Revision(rev),
		next: r.Instance.StatePath() + ".next", paths: map[string][]instance.Path{}}
	if s.build {
		s.dir = filepath.Join(r.Instance.Code(), ".staging-"+rev)
		r.fs.RemoveAll(s.dir)
		if err := os.MkdirAll(filepath.Join(s.dir, "bin"), 0o755); err != nil {
			return s, err
		}
		if err := os.Symlink(filepath.Join("..", "local"), filepath.Join(s.dir, "local")); err != nil {
			return s, err
		}
	}
	tx, err := txn.New(r.fs, filepath.Join(r.Instance.Staging(), s.id))
	if err != nil {
		return s, err
	}
	s.tx = tx
	if err := s.runParts(ctx); err != nil {
		return s, err
	}
	if s.build {
		if err := s.writeRevision(); err != nil {
			return s, fmt.Errorf("writing revision %s: %w", rev, err)
		}
	}
	return s, nil
}

// abort throws away what the run staged.
func (s *staging) abort() {
	if s.tx != nil {
		s.tx.Abort()
	}
	s.r.fs.Remove(s.next)
	s.r.fs.Remove(s.r.Instance.Staging()) // when empty
	if s.build {
		s.r.fs.RemoveAll(s.dir)
	}
}

// runParts installs the parts that change, and runs the update steps of
// kept parts, each once the parts it refers to are done, independent
// ones at the same time; parts whose recipe can install several at once
// are (see units).
func (s *staging) runParts(ctx context.Context) error {
	var work []*plan.Part
	for _, p := range s.r.Plan.Parts {
		if s.r.Plan.Runs(p) || s.r.Plan.Updates(p) {
			work = append(work, p)
			if p.Action != plan.Keep {
				s.total++
			}
		}
	}
	together := func(p *plan.Part) bool { return p.Action != plan.Keep && !s.r.Plan.Updates(p) }
	return schedule(ctx, units(work, together), max(4, runtime.NumCPU()), s.runUnit)
}

func (s *staging) runUnit(ctx context.Context, unit []*plan.Part) error {
	if p := unit[0]; s.r.Plan.Updates(p) {
		h := s.r.host(p, nil, s.dir, "update")
		return p.Recipe.(recipe.Updater).Update(ctx, p.Part, h)
	}
	hosts := make([]*host, len(unit))
	for i, p := range unit {
		h := s.r.host(p, s.tx, s.dir, "install")
		if p.Action != plan.Keep {
			h.step = fmt.Sprintf("[%d/%d]", s.n.Add(1), s.total)
			if p.Action == plan.Reinstall {
				h.Progress("reinstalling: %s", p.Reason)
			} else {
				h.Progress("installing")
			}
		}
		hosts[i] = h
	}
	if err := install(ctx, unit, hosts); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, p := range unit {
		hosts[i].hashTracked()
		s.paths[p.Part.Name] = hosts[i].paths
	}
	return nil
}

// schedule calls do for each unit of parts once do has returned for every
// part its parts refer to, on at most workers goroutines at a time. The
// first error stops it from starting more, and is returned once those
// running are done.
func schedule(ctx context.Context, units [][]*plan.Part, workers int, do func(context.Context, []*plan.Part) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	waiting, dependents := graph(units)
	type result struct {
		i   int
		err error
	}
	ready := make(chan int, len(units))
	done := make(chan result)
	var wg sync.WaitGroup
	for range min(workers, len(units)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range ready {
				if err := ctx.Err(); err != nil {
					done <- result{i, err} // stopped: not started
					continue
				}
				done <- result{i, do(ctx, units[i])}
			}
		}()
	}
	running := 0
	for i := range units {
		if waiting[i] == 0 {
			ready <- i
			running++
		}
	}
	var first error
	for ; running > 0; running-- {
		res := <-done
		if res.err != nil && first == nil {
			first = res.err
			cancel()
		}
		if first != nil {
			continue
		}
		for _, k := range dependents[res.i] {
			if waiting[k]--; waiting[k] == 0 {
				ready <- k
				running++
			}
		}
	}
	close(ready)
	wg.Wait()
	return first
}

// graph returns, for each unit, how many units it waits for, and which
// units wait for it.
func graph(units [][]*plan.Part) (waiting []int, dependents [][]int) {
	index := map[string]int{}
	for i, u := range units {
		for _, p := range u {
			index[p.Part.Name] = i
		}
	}
	waiting = make([]int, len(units))
	dependents = make([][]int, len(units))
	for i, u := range units {
		seen := map[int]bool{}
		for _, p := range u {
			for _, d := range p.Deps {
				if j, ok := index[d]; ok && j != i && !seen[j] {
					seen[j] = true
					waiting[i]++
					dependents[j] = append(dependents[j], i)
				}
			}
		}
	}
	return waiting, dependents
}

// nextState is the state after the run: what the caller remembers, and
// what each part is and made (paths, for the parts that installed).
func (r *Run) nextState(paths map[string][]instance.Path) *instance.State {
	st := *r.Next
	st.Revision = r.Plan.Revision
	st.Parts = nil
	for _, p := range r.Plan.Parts {
		ps := instance.PartState{Name: p.Part.Name, Recipe: p.Part.Recipe, Digest: p.Digest, Options: plan.EncodeHashes(p.Hashes)}
		if p.Action == plan.Keep && p.Old != nil {
			ps.Paths = p.Old.Paths
		} else {
			ps.Paths = paths[p.Part.Name]
		}
		if u, ok := p.Recipe.(recipe.Updater); ok {
			ps.Update = u.Updates(p.Part)
		}
		st.Parts = append(st.Parts, ps)
	}
	return &st
}

func newID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// now is the time runs record, to the second.
func now() time.Time { return time.Now().UTC().Truncate(time.Second) }
