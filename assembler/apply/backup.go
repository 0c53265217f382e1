package apply

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/assemble-build/assemble/assembler/plan"
	"github.com/assemble-build/assemble/recipes/recipe"
)

// Backup runs the backup steps of revision rev's parts, in order, each
// into dir/PART, and returns the parts that wrote something there, and
// the paths a backup leaves out (recipe.LiveData).
func Backup(ctx context.Context, r *Run, rev, dir string) (dumped, live []string, err error) {
	err = r.eachPart(rev, func(p *plan.Part) error {
		b, ok := p.Recipe.(recipe.Backer)
		if !ok {
			return nil
		}
		if l, ok := p.Recipe.(recipe.LiveData); ok {
			live = append(live, l.LiveData(p.Part)...)
		}
		out := filepath.Join(dir, p.Part.FileName())
		if err := os.Mkdir(out, 0o700); err != nil {
			return err
		}
		if err := b.Backup(ctx, p.Part, r.host(p, nil, r.Instance.Revision(rev), "backup"), out); err != nil {
			return err
		}
		if entries, _ := os.ReadDir(out); len(entries) > 0 {
			dumped = append(dumped, p.Part.FileName())
		}
		return nil
	})
	return dumped, live, err
}

// Restore has each part of revision rev that loads data back, and has
// some in dir/PART, load it, in order, and returns those parts.
func Restore(ctx context.Context, r *Run, rev, dir string) ([]string, error) {
	var loaded []string
	err := r.eachPart(rev, func(p *plan.Part) error {
		rs, ok := p.Recipe.(recipe.Restorer)
		data := filepath.Join(dir, p.Part.FileName())
		if _, err := os.Stat(data); !ok || err != nil {
			return nil
		}
		if err := rs.Restore(ctx, p.Part, r.host(p, nil, r.Instance.Revision(rev), "restore"), data); err != nil {
			return err
		}
		loaded = append(loaded, p.Part.Name)
		return nil
	})
	return loaded, err
}

// eachPart opens the run and calls f for each part of revision rev, in
// order, until one fails.
func (r *Run) eachPart(rev string, f func(*plan.Part) error) error {
	done, err := r.open()
	if err != nil {
		return err
	}
	defer done()
	parts, err := r.revisionParts(rev)
	if err != nil {
		return fmt.Errorf("revision %s: %w", rev, err)
	}
	for _, p := range parts {
		if err := f(p); err != nil {
			return err
		}
	}
	return nil
}
