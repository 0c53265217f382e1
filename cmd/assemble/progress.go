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
func bars(w io.Writer) (progress.Func, func()) {
	// Lines written above the bars reach w when the bars are drawn next;
	// drawing them ourselves lets stop draw them once more before the
	// end, so that no last line is lost.
	rc := make(chan any)
	p := mpb.New(mpb.WithOutput(w), mpb.WithWidth(30), mpb.WithManualRefresh(rc))
	tick := time.NewTicker(redraw)
	ticking := make(chan struct{})
	go func() {
		for {
			select {
			case t := <-tick.C:
				rc <- t
			case <-ticking:
				return
			}
		}
	}()
	var mu sync.Mutex
	running := map[string]*buildBar{}
	show := func(e progress.Event) {
		mu.Lock()
		defer mu.Unlock()
		b := e.Build
		if b == nil {
			above(p, w, e.Line)
			return
		}
		bb := running[e.Label]
		if bb == nil && !b.Done {
			bb = newBuildBar(p, e.Label, b.Packages)
			running[e.Label] = bb
		}
		if bb != nil {
			bb.update(b)
		}
		if b.Done {
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
		rc <- time.Now()
		p.Wait()
	}
	return show, stop
}

// above writes a line above the bars, or straight to w once they can no
// longer be drawn (mpb gives up on a terminal that will not say its size).
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

func newBuildBar(p *mpb.Progress, label string, total int) *buildBar {
	bb := &buildBar{}
	bb.bar = p.AddBar(int64(max(total, 1)),
		mpb.PrependDecorators(decor.Name(label+" "), decor.CountersNoUnit("%d/%d packages")),
		mpb.AppendDecorators(decor.Any(func(decor.Statistics) string {
			bb.mu.Lock()
			defer bb.mu.Unlock()
			return bb.pkg
		})),
		mpb.BarRemoveOnComplete())
	return bb
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
