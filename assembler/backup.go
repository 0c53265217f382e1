package assembler

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/assemble-build/assemble/assembler/apply"
	"github.com/assemble-build/assemble/assembler/archive"
	"github.com/assemble-build/assemble/assembler/config"
	"github.com/assemble-build/assemble/assembler/plan"
)

// BackupReport says what a backup holds.
type BackupReport struct {
	Instance string   `json:"instance"`
	Revision string   `json:"revision"`
	Files    int      `json:"files"`
	Dumps    []string `json:"dumps,omitempty"`
}

// Backup writes an archive of instance opts.Name to w (package
// archive): etc/ and var/, the state, the current revision's lock,
// record and manifest snapshot, and what each part with a backup step
// dumps (a database), after those steps ran. Never the built code: the
// lock rebuilds it. The instance is held while it is read, so that no
// install changes it meanwhile.
func Backup(ctx context.Context, opts *Options, w io.Writer) (*BackupReport, error) {
	var rep *BackupReport
	_, err := withInstance(ctx, opts, "backup", func(s *session) (*Report, error) {
		in := s.in
		rev := in.CurrentRevision()
		if rev == "" {
			return nil, fmt.Errorf("instance %s has no revision to back up", in.Name)
		}
		tmp, err := os.MkdirTemp(filepath.Join(in.Dir, "tmp"), "backup-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(tmp)
		r := &apply.Run{Instance: in, State: s.st, Recipes: opts.Recipes, Funcs: config.TemplateFuncs(), Progress: opts.Progress}
		dumps, live, err := apply.Backup(ctx, r, rev, tmp)
		if err != nil {
			return nil, fmt.Errorf("backing up instance %s: %w", in.Name, err)
		}
		aw, err := archive.NewWriter(w, archive.Manifest{Instance: in.Name, Dir: in.Dir, Revision: rev, Time: now(), Dumps: dumps})
		if err != nil {
			return nil, err
		}
		if err := s.archive(aw, rev, tmp, dumps, live); err != nil {
			return nil, fmt.Errorf("backing up instance %s: %w", in.Name, err)
		}
		if err := aw.Close(); err != nil {
			return nil, err
		}
		rep = &BackupReport{Instance: in.Name, Revision: rev, Files: len(aw.Manifest.Files), Dumps: dumps}
		return nil, nil
	})
	return rep, err
}

// archive adds what a backup holds, as restore expects it; live are
// paths it leaves out.
func (s *session) archive(aw *archive.Writer, rev, tmp string, dumps, live []string) error {
	in := s.in
	revDir := in.Revision(rev)
	trees := [][2]string{
		{"instance/etc", filepath.Join(in.Dir, "etc")},
		{"instance/var", filepath.Join(in.Dir, "var")},
		{"revision/manifest", filepath.Join(revDir, "manifest")},
	}
	for _, d := range dumps {
		trees = append(trees, [2]string{"dumps/" + d, filepath.Join(tmp, d)})
	}
	for _, t := range trees {
		if err := aw.AddTree(t[0], t[1], live...); err != nil {
			return err
		}
	}
	files := [][2]string{
		{"instance/state.json", in.StatePath()},
		{"revision/assemble.lock", filepath.Join(revDir, "assemble.lock")},
		{"revision/" + plan.RecordFile, filepath.Join(revDir, plan.RecordFile)},
	}
	for _, f := range files {
		if err := aw.Add(f[0], f[1]); err != nil {
			return err
		}
	}
	return nil
}
