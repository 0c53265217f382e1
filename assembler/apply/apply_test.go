package apply

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/assemble-build/assemble/assembler/instance"
	"github.com/assemble-build/assemble/assembler/plan"
	"github.com/assemble-build/assemble/recipes/recipe"
)

// parts makes a unit of each group of names: "a", or "a b" for two
// installed together.
func parts(deps map[string][]string, groups ...string) [][]*plan.Part {
	var out [][]*plan.Part
	for _, g := range groups {
		var u []*plan.Part
		for _, n := range strings.Fields(g) {
			u = append(u, &plan.Part{Part: &recipe.Part{Name: n}, Deps: deps[n]})
		}
		out = append(out, u)
	}
	return out
}

// TestSchedule checks that a part runs only once the parts it refers to
// have, that no more run at once than asked, and that the first error
// stops the parts not started.
func TestSchedule(t *testing.T) {
	deps := map[string][]string{"c": {"a", "b"}, "d": {"c"}, "e": {"outside"}}
	for _, tt := range []struct {
		name    string
		units   []string
		workers int
		fail    string
		ran     []string // sorted; nil to skip the check
		err     bool
	}{
		{"all", []string{"a", "b", "c", "d", "e"}, 4, "", []string{"a", "b", "c", "d", "e"}, false},
		{"one at a time", []string{"a", "b", "c", "d", "e"}, 1, "", []string{"a", "b", "c", "d", "e"}, false},
		{"a failure stops what depends on it", []string{"a", "b", "c", "d", "e"}, 1, "c", []string{"a", "b", "c", "e"}, true},
		{"together", []string{"a b", "c", "d e"}, 4, "", []string{"a", "b", "c", "d", "e"}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			var ran []string
			var running atomic.Int32
			most := 0
			done := map[string]bool{}
			err := schedule(context.Background(), parts(deps, tt.units...), tt.workers, func(ctx context.Context, u []*plan.Part) error {
				n := int(running.Add(1))
				defer running.Add(-1)
				mu.Lock()
				defer mu.Unlock()
				most = max(most, n)
				var err error
				for _, p := range u {
					for _, d := range p.Deps {
						if d != "outside" && !done[d] {
							t.Errorf("%s ran before %s", p.Part.Name, d)
						}
					}
					ran = append(ran, p.Part.Name)
					done[p.Part.Name] = true
					if p.Part.Name == tt.fail {
						err = errors.New("boom")
					}
				}
				return err
			})
			if (err != nil) != tt.err {
				t.Errorf("err = %v", err)
			}
			slices.Sort(ran)
			if tt.fail == "" && !slices.Equal(ran, tt.ran) {
				t.Errorf("ran %v, want %v", ran, tt.ran)
			}
			if slices.Contains(ran, "d") && tt.fail != "" {
				t.Errorf("d ran after c failed: %v", ran)
			}
			if most > tt.workers {
				t.Errorf("%d ran at once, more than %d", most, tt.workers)
			}
		})
	}
}

func TestEdited(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	os.WriteFile(file, []byte("mine"), 0o644)
	link := filepath.Join(dir, "l")
	os.Symlink("target", link)
	sum := plan.FileHash(file)
	for _, tt := range []struct {
		name string
		x    instance.Path
		want bool
	}{
		{"file as written", instance.Path{Path: file, Kind: "file", Hash: sum}, false},
		{"file edited", instance.Path{Path: file, Kind: "file", Hash: "sha256:other"}, true},
		{"tracked without a hash", instance.Path{Path: file, Kind: "tracked"}, false},
		{"file gone", instance.Path{Path: filepath.Join(dir, "gone"), Kind: "file", Hash: sum}, false},
		{"link as made", instance.Path{Path: link, Kind: "symlink", Hash: "target"}, false},
		{"link changed", instance.Path{Path: link, Kind: "symlink", Hash: "elsewhere"}, true},
		{"directory", instance.Path{Path: dir, Kind: "dir"}, false},
	} {
		if got := Edited(tt.x); got != tt.want {
			t.Errorf("%s: Edited = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestOwnDir(t *testing.T) {
	in, _ := instance.Open("/srv", "i")
	for dir, want := range map[string]bool{
		in.Dir: true, filepath.Join(in.Dir, "etc"): true, filepath.Join(in.Dir, "var"): true, filepath.Join(in.Dir, ".assemble"): true,
		filepath.Join(in.Dir, "etc", "app"): false, filepath.Join(in.Dir, "parts"): false,
	} {
		if ownDir(in, dir) != want {
			t.Errorf("ownDir(%s) = %v", dir, !want)
		}
	}
}
