package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/assemble-build/assemble/assembler/progress"
)

// buildEvery is how often plain output says how far a build has got.
const buildEvery = 2 * time.Second

// progress returns how the command shows what a run is doing, and what
// to call once the run is over: nothing with --quiet, a JSON object a
// line for tools (asJSON), bars on a terminal, plain lines elsewhere.
func (g *globals) progress(asJSON bool) (progress.Func, func()) {
	switch {
	case g.quiet:
		return nil, func() {}
	case asJSON:
		return jsonEvents(g.stderr), func() {}
	}
	if f, ok := g.stderr.(*os.File); ok && isTerminal(f) {
		return bars(f)
	}
	return plainLines(g.stderr), func() {}
}

// jsonEvents writes each event as a line of JSON.
func jsonEvents(w io.Writer) progress.Func {
	var mu sync.Mutex
	enc := json.NewEncoder(w)
	return func(e progress.Event) {
		mu.Lock()
		defer mu.Unlock()
		enc.Encode(e)
	}
}

// plainLines writes each line, but of a build only one every buildEvery,
// and how it ended if it said anything before.
func plainLines(w io.Writer) progress.Func {
	var mu sync.Mutex
	said := map[string]time.Time{} // build → when it was last shown
	return func(e progress.Event) {
		mu.Lock()
		defer mu.Unlock()
		if b := e.Build; b != nil {
			last, shown := said[e.Label]
			switch {
			case b.Done && !shown:
				return
			case b.Done:
				delete(said, e.Label)
			case shown && time.Since(last) < buildEvery:
				return
			default:
				said[e.Label] = time.Now()
			}
		}
		fmt.Fprintln(w, e.Line)
	}
}

// redraw is how often bars are drawn again.
const redraw = 150 * time.Millisecond

// bars shows a bar for each build under way, and the other lines above.
// Should mpb give up (a terminal that will not say its size, one closed
// under it), the rest goes out as plain lines.
func bars(w io.Writer) (progress.Func, func()) {
	// Lines written above the bars reach w when the bars are drawn next;
	// drawing them ourselves lets stop draw them once more before the
	// end, so that no last line is lost.
	rc, down := make(chan any), make(chan any)
	p := mpb.New(mpb.WithOutput(w), mpb.WithWidth(30), mpb.WithManualRefresh(rc), mpb.WithShutdownNotifier(down))
	tick := time.NewTicker(redraw)
	ticking := make(chan any)
	go redrawEvery(tick, rc, ticking, down)
	var mu sync.Mutex
	running := map[string]*buildBar{}
	plain := plainLines(w)
	show := func(e progress.Event) {
		mu.Lock()
		defer mu.Unlock()
		if isClosed(down) {
			plain(e)
			return
		}
		b := e.Build
		bb := running[e.Label]
		if b != nil && bb == nil && !b.Done {
			var err error
			if bb, err = newBuildBar(p, e.Label, b.Packages); err != nil {
				plain(e)
				return
			}
			running[e.Label] = bb
		}
		if bb != nil {
			bb.update(b)
		}
		if b == nil || b.Done {
			delete(running, e.Label)
			above(p, w, e.Line)
		}
	}
	stop := func() {
		tick.Stop()
		close(ticking)
		mu.Lock()
		for _, bb := range running {
			bb.bar.Abort(true)
		}
		mu.Unlock()
		select {
		case rc <- time.Now():
		case <-down:
		}
		p.Wait()
	}
	return show, stop
}

// redrawEvery has the bars drawn at every tick, until ticking is closed
// or mpb is down.
func redrawEvery(tick *time.Ticker, rc chan<- any, ticking, down <-chan any) {
	for {
		select {
		case t := <-tick.C:
			select {
			case rc <- t:
			case <-down:
				return
			}
		case <-ticking:
			return
		case <-down:
			return
		}
	}
}

func isClosed(c <-chan any) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// above writes a line above the bars, or straight to w once they can no
// longer be drawn.
func above(p *mpb.Progress, w io.Writer, line string) {
	if _, err := fmt.Fprintln(p, line); err != nil {
		fmt.Fprintln(w, line)
	}
}

// buildBar is the bar of one build, and the package it last built.
type buildBar struct {
	bar *mpb.Bar
	mu  sync.Mutex
	pkg string
}

func newBuildBar(p *mpb.Progress, label string, total int) (*buildBar, error) {
	bb := &buildBar{}
	var err error
	bb.bar, err = p.Add(int64(max(total, 1)), mpb.BarStyle().Build(),
		mpb.PrependDecorators(decor.Name(label+" "), decor.CountersNoUnit("%d/%d packages")),
		mpb.AppendDecorators(decor.Any(func(decor.Statistics) string {
			bb.mu.Lock()
			defer bb.mu.Unlock()
			return bb.pkg
		})),
		mpb.BarRemoveOnComplete())
	return bb, err
}

func (bb *buildBar) update(b *progress.Build) {
	bb.mu.Lock()
	bb.pkg = b.Package
	bb.mu.Unlock()
	if b.Done {
		bb.bar.SetTotal(-1, true) // complete, at however many it compiled
		return
	}
	bb.bar.SetCurrent(int64(b.Compiled))
}
