package assembler

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/assemble-build/assemble/assembler/apply"
	"github.com/assemble-build/assemble/assembler/config"
	"github.com/assemble-build/assemble/assembler/fsutil"
)

// Remove runs the deactivation steps of an instance's parts (services
// stopped), uninstalls them (keeping files their users edited) and
// deletes the instance. Developer checkouts in code/local are
// never deleted silently: with checkouts there, Remove refuses unless
// deleteCheckouts is set. A checkout that is a symlink is only unlinked.
func Remove(ctx context.Context, opts *Options, deleteCheckouts bool) ([]string, error) {
	var warnings []string
	_, err := withInstance(ctx, opts, "remove", func(s *session) (*Report, error) {
		in := s.in
		entries, _ := os.ReadDir(in.Local())
		var real []string
		for _, e := range entries {
			if e.Type()&os.ModeSymlink == 0 {
				real = append(real, filepath.Join(in.Local(), e.Name()))
			}
		}
		if len(real) > 0 && !deleteCheckouts {
			return nil, &UsageError{Err: fmt.Errorf("instance %s has developer checkouts: %s; move them out, or pass --delete-checkouts", in.Name, strings.Join(real, ", "))}
		}
		// Services stop before their files go.
		r := &apply.Run{Instance: in, State: s.st, Recipes: opts.Recipes, Funcs: config.TemplateFuncs(), Progress: opts.Progress}
		if err := apply.Deactivate(ctx, r); err != nil {
			return nil, err
		}
		warnings = s.takeBack()
		for _, e := range entries {
			if e.Type()&os.ModeSymlink != 0 {
				os.Remove(filepath.Join(in.Local(), e.Name()))
			}
		}
		// What cannot be undone (data dropped) goes last, from the
		// revision's record, read before the instance goes.
		parts, err := apply.Retiring(r)
		if err != nil {
			return nil, err
		}
		makeWritable(in.Dir)
		if err := os.RemoveAll(in.Dir); err != nil {
			return nil, err
		}
		apply.Retire(ctx, r, parts)
		warnings = append(warnings, r.Warnings...)
		return nil, nil
	})
	return warnings, err
}

// takeBack removes what parts wrote outside the instance, newest first,
// unless a user edited it since.
func (s *session) takeBack() []string {
	var warnings []string
	for i := len(s.st.Parts) - 1; i >= 0; i-- {
		p := &s.st.Parts[i]
		for j := len(p.Paths) - 1; j >= 0; j-- {
			x := p.Paths[j]
			switch {
			case fsutil.Within(s.in.Dir, x.Path):
			case apply.Edited(x):
				warnings = append(warnings, fmt.Sprintf("left %s in place: it was edited after assemble wrote it", x.Path))
			case x.Kind == "dir":
				os.Remove(x.Path)
			default:
				os.RemoveAll(x.Path)
			}
		}
	}
	return warnings
}

func makeWritable(dir string) {
	_ = filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.IsDir() && fi.Mode()&os.ModeSymlink == 0 {
			_ = os.Chmod(p, 0o755)
		}
		return nil
	})
}
