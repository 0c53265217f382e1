package assembler

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/assemble-build/assemble/assembler/account"
	"github.com/assemble-build/assemble/assembler/apply"
	"github.com/assemble-build/assemble/assembler/config"
	"github.com/assemble-build/assemble/assembler/fsutil"
	"github.com/assemble-build/assemble/assembler/instance"
)

// RemoveOptions say what Remove may delete besides the instance.
type RemoveOptions struct {
	// DeleteCheckouts deletes developer checkouts in code/local.
	DeleteCheckouts bool
	// DeleteUser deletes the instance's system user, unless another
	// instance under the root runs as it.
	DeleteUser bool
}

// Remove runs the deactivation steps of an instance's parts (services
// stopped), uninstalls them (keeping files their users edited) and
// deletes the instance. Developer checkouts in code/local are
// never deleted silently: with checkouts there, Remove refuses unless
// ro.DeleteCheckouts is set. A checkout that is a symlink is only
// unlinked. The instance's user stays unless ro.DeleteUser.
func Remove(ctx context.Context, opts *Options, ro RemoveOptions) ([]string, error) {
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
		if len(real) > 0 && !ro.DeleteCheckouts {
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
		if ro.DeleteUser && s.st.User != "" {
			if w := deleteUser(ctx, s); w != "" {
				warnings = append(warnings, w)
			}
		}
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

// deleteUser deletes the removed instance's user, unless another
// instance runs as it; what it could not do is a warning, since the
// instance is gone already.
func deleteUser(ctx context.Context, s *session) string {
	if !slices.Contains(s.st.CreatedUsers, s.st.User) {
		return fmt.Sprintf("left user %s in place: assemble did not create it", s.st.User)
	}
	names, err := instance.List(s.in.Root)
	if err != nil {
		return fmt.Sprintf("left user %s in place: %v", s.st.User, err)
	}
	for _, name := range names {
		other, err := instance.Open(s.in.Root, name)
		if err != nil || name == s.in.Name {
			continue
		}
		if st, err := other.LoadState(); err == nil && st.User == s.st.User {
			return fmt.Sprintf("left user %s in place: instance %s runs as it too", s.st.User, name)
		}
	}
	if err := account.Delete(ctx, s.st.User); err != nil {
		return fmt.Sprintf("left user %s in place: %v", s.st.User, err)
	}
	s.opts.Progress.Say("deleted system user %s", s.st.User)
	return ""
}
