package assembler

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/assemble-build/assemble/assembler/apply"
	"github.com/assemble-build/assemble/assembler/archive"
	"github.com/assemble-build/assemble/assembler/config"
	"github.com/assemble-build/assemble/assembler/fsutil"
	"github.com/assemble-build/assemble/assembler/instance"
)

// RestoreReport says what a restore did.
type RestoreReport struct {
	Instance string `json:"instance"`
	From     string `json:"from"`     // the instance backed up
	Revision string `json:"revision"` // the revision restored
	Files    int    `json:"files"`    // of etc/ and var/, besides those the parts wrote
	// Dumps are the parts whose data was loaded back.
	Dumps []string `json:"dumps,omitempty"`
	// Replaced is the backup of the instance the restore replaced.
	Replaced string `json:"replaced,omitempty"`
}

// Restore recreates an instance from a backup archive (see Backup), as
// opts.Name, or the name it was backed up under when that is empty:
//
//  1. the archive is unpacked and checked against its manifest;
//  2. an instance of that name is refused, unless force: then it is
//     backed up under the root's backups/ and removed;
//  3. the instance is installed from the archive's manifest snapshot,
//     with the versions of its lock and, under the same name, its
//     variables; activation waits;
//  4. etc/ and var/ are put back, but for the files the parts wrote;
//  5. the parts with data (a database) load it back;
//  6. the activation steps run: services start on the restored data.
//
// Under another name the instance has its own variables' defaults, so
// its own database name, ports and units.
func Restore(ctx context.Context, opts *Options, file string, force bool) (*RestoreReport, error) {
	if err := os.MkdirAll(opts.Root, 0o755); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(opts.Root, ".restore-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	m, st, err := unpack(file, tmp)
	if err != nil {
		return nil, err
	}
	if opts.Name == "" {
		opts.Name = m.Instance
	}
	rep := &RestoreReport{Instance: opts.Name, From: m.Instance, Revision: m.Revision}
	if rep.Replaced, err = replace(ctx, opts, force); err != nil {
		return rep, err
	}
	if rep.Files, err = installFrom(ctx, opts, tmp, m, st); err != nil {
		// The restore made the instance: one that has not got as far as a
		// revision goes again, so that the restore can be tried again.
		if in, oerr := instance.Open(opts.Root, opts.Name); oerr == nil && in.CurrentRevision() == "" {
			makeWritable(in.Dir)
			os.RemoveAll(in.Dir)
		}
		return rep, err
	}
	if rep.Dumps, err = loadDumps(ctx, opts, tmp); err != nil {
		return rep, fmt.Errorf("instance %s is installed, but loading its data failed: %w", opts.Name, err)
	}
	if err := activateAll(ctx, opts); err != nil {
		return rep, fmt.Errorf("instance %s is restored, but its activation failed: %w", opts.Name, err)
	}
	return rep, nil
}

// unpack extracts and checks the archive, and reads the state it holds.
func unpack(file, dir string) (*archive.Manifest, *instance.State, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, nil, &UsageError{Err: err}
	}
	defer f.Close()
	m, err := archive.Extract(f, dir)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", file, err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "instance", "state.json"))
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", file, err)
	}
	var st instance.State
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, nil, fmt.Errorf("%s: instance/state.json: %w", file, err)
	}
	return m, &st, nil
}

// replace makes way for the restored instance: an instance of its name
// is refused without force, and with it backed up, then removed. It
// returns the backup's path.
func replace(ctx context.Context, opts *Options, force bool) (string, error) {
	in, err := instance.Open(opts.Root, opts.Name)
	if err != nil {
		return "", &UsageError{Err: err}
	}
	if !in.Exists() {
		return "", nil
	}
	if !force {
		return "", &UsageError{Err: fmt.Errorf("instance %s exists", opts.Name), Hint: "restore --force replaces it, after backing it up under " + filepath.Join(opts.Root, "backups")}
	}
	dir := filepath.Join(opts.Root, "backups")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	path := filepath.Join(dir, fmt.Sprintf("%s-%s.tar.zst", opts.Name, now().UTC().Format("20060102T150405Z")))
	err = fsutil.WriteStream(path, 0o600, func(w io.Writer) error {
		_, err := Backup(ctx, opts, w)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("backing up instance %s before replacing it: %w", opts.Name, err)
	}
	if _, err := Remove(ctx, opts, RemoveOptions{}); err != nil {
		return path, err
	}
	return path, nil
}

// installFrom installs the instance from the archive's manifest
// snapshot, kept in the instance's .assemble/manifest for the installs
// that follow, with the versions of the archive's lock, and puts back
// its etc/ and var/. Under the same name, the files its parts wrote go
// back first, so that the install finds them as it writes them (a
// database's password with them); those edited since go back after it,
// as they were. Under another name, the install writes its own. It
// returns how many files it put back.
func installFrom(ctx context.Context, opts *Options, tmp string, m *archive.Manifest, st *instance.State) (int, error) {
	in, err := instance.Open(opts.Root, opts.Name)
	if err != nil {
		return 0, &UsageError{Err: err}
	}
	if err := in.Create(); err != nil {
		return 0, err
	}
	manifest := filepath.Join(in.Meta(), "manifest")
	if err := os.Rename(filepath.Join(tmp, "revision", "manifest"), manifest); err != nil {
		return 0, err
	}
	same := opts.Name == m.Instance
	parts, trees := partFiles(st, tmp, m.Dir)
	// Put back where they were, the files parts wrote are what the
	// install writes; elsewhere (another root, another host) they would
	// differ, and the install writes its own.
	if same && m.Dir == in.Dir {
		pick := func(rel string, f archive.File) bool {
			return !inTree(rel, trees) && (f.Kind == "dir" || f.Kind == "file" && parts[rel])
		}
		if _, err := putFiles(in.Dir, tmp, m, pick); err != nil {
			return 0, err
		}
	}
	iopts := *opts
	iopts.Flags.Manifest = ""
	iopts.Flags.Config = filepath.Join(manifest, filepath.Base(st.Config))
	iopts.KeepLock = filepath.Join(tmp, "revision", "assemble.lock")
	iopts.NoActivate = true
	if same {
		var vars []string
		for _, v := range st.Vars {
			vars = append(vars, v.Name+"="+v.Value)
		}
		iopts.Flags.Vars = append(vars, opts.Flags.Vars...)
	}
	if _, err := Install(ctx, &iopts); err != nil {
		return 0, err
	}
	n, err := putFiles(in.Dir, tmp, m, func(rel string, f archive.File) bool {
		as, made := parts[rel]
		return !made || same && !as
	})
	if err != nil {
		return n, fmt.Errorf("instance %s is installed, but putting back its files failed: %w", opts.Name, err)
	}
	return n, nil
}

// activateAll runs the activation steps of the instance's revision.
func activateAll(ctx context.Context, opts *Options) error {
	_, err := withInstance(ctx, opts, "restore", func(s *session) (*Report, error) {
		acct, err := s.account(ctx, s.st.User, s.st.Group, nil)
		if err != nil {
			return nil, err
		}
		r := &apply.Run{Instance: s.in, State: s.st, Recipes: opts.Recipes, Funcs: config.TemplateFuncs(), Progress: opts.Progress, Account: acct}
		return nil, apply.Activate(ctx, r)
	})
	return err
}
