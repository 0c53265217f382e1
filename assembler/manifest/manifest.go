// Package manifest finds the directory a config is read from: a local
// directory, or a commit of a git repository, fetched into a cache under
// the root and exported by commit, like LAVA's manifest branches.
package manifest

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Manifest is a resolved manifest.
type Manifest struct {
	Spec   string // as given: a directory, or URL#ref
	Dir    string // the directory config files are read from
	Git    bool
	URL    string
	Ref    string
	Commit string
}

// IsGit reports whether spec names a git repository rather than a local
// directory: an existing directory is used as it is (even a git work
// tree); a URL, an scp-like address, a path ending in .git, or anything
// with a #ref names a repository.
func IsGit(spec string) bool {
	if fi, err := os.Stat(spec); err == nil && fi.IsDir() && !strings.HasSuffix(spec, ".git") {
		return false
	}
	return strings.Contains(spec, "://") || strings.Contains(spec, "#") ||
		strings.HasSuffix(spec, ".git") || strings.HasPrefix(spec, "git@")
}

// Open resolves spec. A git manifest is fetched into cache (unless
// offline, when the commit fetched last for the ref is used) and its
// commit exported into a directory of its own.
func Open(ctx context.Context, spec, cache string, offline bool) (*Manifest, error) {
	if !IsGit(spec) {
		abs, err := filepath.Abs(spec)
		if err != nil {
			return nil, err
		}
		if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("manifest %s: not a directory", spec)
		}
		return &Manifest{Spec: abs, Dir: abs}, nil
	}
	url, ref, _ := strings.Cut(spec, "#")
	if ref == "" {
		ref = "HEAD"
	}
	if fi, err := os.Stat(url); err == nil && fi.IsDir() {
		if abs, err := filepath.Abs(url); err == nil {
			url = abs
		}
	}
	m := &Manifest{Spec: url + "#" + ref, Git: true, URL: url, Ref: ref}
	sum := sha256.Sum256([]byte(url))
	repo := filepath.Join(cache, hex.EncodeToString(sum[:8])+".git")
	if _, err := os.Stat(repo); err != nil {
		if offline {
			return nil, fmt.Errorf("manifest %s: never fetched, and working offline forbids fetching it", url)
		}
		if _, err := git(ctx, "", "init", "-q", "--bare", repo); err != nil {
			return nil, err
		}
	}
	local := "refs/assemble/" + strings.TrimPrefix(ref, "refs/")
	if !offline {
		// Fetch the ref as given (a branch, a tag, HEAD) and every branch
		// and tag, so that a commit hash resolves too.
		_, err := git(ctx, repo, "fetch", "-q", "--force", "--no-tags", url, "+"+ref+":"+local, "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*")
		if err != nil {
			if _, err2 := git(ctx, repo, "fetch", "-q", "--force", "--no-tags", url, "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"); err2 != nil {
				return nil, fmt.Errorf("manifest %s: %v", url, err2)
			}
		}
	}
	var commit string
	for _, name := range []string{local, ref} {
		out, err := git(ctx, repo, "rev-parse", "--verify", "-q", name+"^{commit}")
		if err == nil {
			commit = strings.TrimSpace(out)
			break
		}
	}
	if commit == "" {
		return nil, fmt.Errorf("manifest %s: no ref or commit %q", url, ref)
	}
	m.Commit = commit
	m.Dir = filepath.Join(cache, "trees", commit)
	if _, err := os.Stat(m.Dir); err == nil {
		return m, nil
	}
	if err := export(ctx, repo, commit, m.Dir); err != nil {
		return nil, fmt.Errorf("manifest %s@%s: %v", url, commit, err)
	}
	return m, nil
}

// export writes the tree of commit into dir, whole or not at all.
func export(ctx context.Context, repo, commit, dir string) error {
	cmd := exec.CommandContext(ctx, "git", "-C", repo, "archive", "--format=tar", commit)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), ".tree-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	tr := tar.NewReader(out)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		p := filepath.Join(tmp, filepath.FromSlash(hdr.Name))
		if !strings.HasPrefix(p, tmp+string(filepath.Separator)) {
			continue
		}
		switch hdr.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(p, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, os.FileMode(hdr.Mode).Perm())
			if err != nil {
				return err
			}
			if _, err := io.Copy(f, tr); err != nil {
				f.Close()
				return err
			}
			if err := f.Close(); err != nil {
				return err
			}
		case tar.TypeSymlink:
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			if err := os.Symlink(hdr.Linkname, p); err != nil {
				return err
			}
		}
	}
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("git archive: %v: %s", err, stderr.String())
	}
	return os.Rename(tmp, dir)
}

func git(ctx context.Context, dir string, args ...string) (string, error) {
	if dir != "" {
		args = append([]string{"-C", dir}, args...)
	}
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}
