package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/assemble-build/assemble/assembler/progress"
)

func TestPlainLines(t *testing.T) {
	build := func(n int, done bool) progress.Event {
		return progress.Event{Line: "x", Label: "a", Build: &progress.Build{Compiled: n, Packages: 9, Done: done}}
	}
	tests := []struct {
		name   string
		events []progress.Event
		want   int // lines written
	}{
		{"steps are all said", []progress.Event{{Line: "x"}, {Line: "x"}}, 2},
		{"a build's first package is said, the next not yet", []progress.Event{build(1, false), build(2, false)}, 1},
		{"a build said something: its end too", []progress.Event{build(1, false), build(2, true)}, 2},
		{"a build that said nothing ends quietly", []progress.Event{build(0, true)}, 0},
		{"builds apart are said apart", []progress.Event{build(1, false), {Line: "y", Label: "b", Build: &progress.Build{Compiled: 1}}}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			say := plainLines(&buf)
			for _, e := range tt.events {
				say(e)
			}
			if got := strings.Count(buf.String(), "\n"); got != tt.want {
				t.Errorf("wrote %d lines, want %d:\n%s", got, tt.want, buf.String())
			}
		})
	}
}

func TestBarsEnd(t *testing.T) {
	var buf bytes.Buffer
	say, stop := bars(&buf)
	say(progress.Event{Line: "[1/2] a: building ."})
	say(progress.Event{Line: "a: compiling p (1 of 3 packages)", Label: "a", Build: &progress.Build{Compiled: 1, Packages: 3, Package: "p"}})
	say(progress.Event{Line: "b: compiling q (1 of 3 packages)", Label: "b", Build: &progress.Build{Compiled: 1, Packages: 3, Package: "q"}})
	say(progress.Event{Line: "a: compiled 1 of 3 packages", Label: "a", Build: &progress.Build{Compiled: 1, Packages: 3, Done: true}})
	done := make(chan struct{})
	go func() { stop(); close(done) }() // b never ends: stop must not wait for it
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("stop did not return with a build still under way")
	}
	// Once the bars are down, lines go out plain, and a new build makes
	// no bar (mpb would panic).
	say(progress.Event{Line: "c: compiling r (1 of 3 packages)", Label: "c", Build: &progress.Build{Compiled: 1, Packages: 3, Package: "r"}})
	say(progress.Event{Line: "[2/2] c: done"})
	for _, want := range []string{"[1/2] a: building .", "a: compiled 1 of 3 packages", "c: compiling r (1 of 3 packages)", "[2/2] c: done"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, buf.String())
		}
	}
}
