package apply

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/assemble-build/assemble/recipes/recipe"
)

// Backup runs the backup steps of revision rev's parts, in order, each
// into dir/PART, and returns the parts that wrote something there.
func Backup(ctx context.Context, r *Run, rev, dir string) ([]string, error) {
	done, err := r.open()
	if err != nil {
		return nil, err
	}
	defer done()
	parts, err := r.revisionParts(rev)
	if err != nil {
		return nil, fmt.Errorf("revision %s: %w", rev, err)
	}
	var dumped []string
	for _, p := range parts {
		b, ok := p.Recipe.(recipe.Backer)
		if !ok {
			continue
		}
		out := filepath.Join(dir, p.Part.Name)
		if err := os.Mkdir(out, 0o700); err != nil {
			return nil, err
		}
		if err := b.Backup(ctx, p.Part, r.host(p, nil, r.Instance.Revision(rev), "backup"), out); err != nil {
			return nil, err
		}
		if entries, _ := os.ReadDir(out); len(entries) > 0 {
			dumped = append(dumped, p.Part.Name)
		}
	}
	return dumped, nil
}

// Restore has each part of revision rev that loads data back, and has
// some in dir/PART, load it, in order, and returns those parts.
func Restore(ctx context.Context, r *Run, rev, dir string) ([]string, error) {
	done, err := r.open()
	if err != nil {
		return nil, err
	}
	defer done()
	parts, err := r.revisionParts(rev)
	if err != nil {
		return nil, fmt.Errorf("revision %s: %w", rev, err)
	}
	var loaded []string
	for _, p := range parts {
		rs, ok := p.Recipe.(recipe.Restorer)
		data := filepath.Join(dir, p.Part.Name)
		if _, err := os.Stat(data); !ok || err != nil {
			continue
		}
		if err := rs.Restore(ctx, p.Part, r.host(p, nil, r.Instance.Revision(rev), "restore"), data); err != nil {
			return loaded, err
		}
		loaded = append(loaded, p.Part.Name)
	}
	return loaded, nil
}
