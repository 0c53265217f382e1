package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/assemble-build/assemble/recipes/recipe"
)

// hostServer serves a step's host to the program running the step.
type hostServer struct {
	h recipe.Host
}

func (s *hostServer) handle(ctx context.Context, c *call) (any, error) {
	var f fileArgs
	var r runArgs
	switch c.Method {
	case "run", "go":
		if err := json.Unmarshal(c.Args, &r); err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrProtocol, c.Method, err)
		}
	case "revision", "offline", "changed":
	case "progress":
		var msg string
		json.Unmarshal(c.Args, &msg)
		s.h.Progress("%s", msg)
		return nil, nil
	default:
		if err := json.Unmarshal(c.Args, &f); err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrProtocol, c.Method, err)
		}
	}
	h := s.h
	switch c.Method {
	case "write_file":
		return nil, h.WriteFile(f.Path, f.Data, f.Mode)
	case "copy_file":
		return nil, h.CopyFile(f.From, f.Path, f.Mode)
	case "symlink":
		return nil, h.Symlink(f.Target, f.Path)
	case "mkdir":
		return nil, h.Mkdir(f.Path, f.Mode)
	case "stage_dir":
		return nil, h.StageDir(f.Path, func(dir string) error { return copyTree(dir, f.From) })
	case "track":
		return nil, h.Track(f.Path)
	case "bin":
		return nil, h.Bin(f.Path, f.From)
	case "store":
		return h.Store(f.Path, func(dir string) error { return copyTree(dir, f.From) })
	case "stored":
		dir, ok := h.Stored(f.Path)
		return map[string]any{"dir": dir, "ok": ok}, nil
	case "cache":
		return h.Cache(f.Path), nil
	case "revision":
		return h.Revision(), nil
	case "offline":
		return h.Offline(), nil
	case "changed":
		return h.Changed(), nil
	case "go":
		return nil, h.Go(ctx, r.Dir, r.Env, r.Argv...)
	case "run":
		if r.User {
			return nil, h.RunAsUser(ctx, r.Argv, r.Dir, r.Env)
		}
		return nil, h.Run(ctx, r.Argv, r.Dir, r.Env)
	}
	return nil, fmt.Errorf("%w: the host has no method %q", ErrProtocol, c.Method)
}

// copyTree copies the tree the program made at src into dst, files with
// their modes (a 0600 secret stays 0600), links as links. The program
// runs as assemble does, so what it names it could read itself.
func copyTree(dst, src string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		to := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.MkdirAll(to, info.Mode().Perm()|0o700)
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(target, to)
		case d.Type().IsRegular():
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			if err := os.WriteFile(to, data, info.Mode().Perm()); err != nil {
				return err
			}
			return os.Chmod(to, info.Mode().Perm())
		}
		return fmt.Errorf("%s: not a file, directory or link", path)
	})
}
