//go:build unix

package account

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
)

// Check reports whether the current user may act for the account: root
// may act for any, anyone else only for itself and its groups.
func Check(userName, group string) error {
	if os.Geteuid() == 0 {
		return nil
	}
	me, err := user.Current()
	if err != nil {
		return err
	}
	return check(userName, group, me.Username, inGroup)
}

func check(userName, group, me string, inGroup func(string) (bool, error)) error {
	if me != userName {
		return notPermitted(userName, me)
	}
	if group == "" || group == userName {
		return nil
	}
	ok, err := inGroup(group)
	if err != nil {
		return fmt.Errorf("group %s: %w", group, err)
	}
	if !ok {
		return fmt.Errorf("%w: the instance runs as group %q, which %s is not in", ErrNotPermitted, group, me)
	}
	return nil
}

// inGroup reports whether the current process is in group.
func inGroup(group string) (bool, error) {
	g, err := user.LookupGroup(group)
	if err != nil {
		return false, err
	}
	gid, _ := strconv.Atoi(g.Gid)
	mine, _ := os.Getgroups()
	return gid == os.Getegid() || slices.Contains(mine, gid), nil
}

// Ensure returns the account, made first when it is missing and assemble
// runs as root: a system user whose home is the instance directory dir
// and who cannot log in, in a group of its own or in group.
func Ensure(ctx context.Context, userName, group, dir string) (*Account, error) {
	if err := Check(userName, group); err != nil {
		return nil, err
	}
	a := &Account{User: userName, Group: group}
	if a.Group == "" {
		a.Group = userName
	}
	if _, err := user.Lookup(userName); errors.As(err, new(user.UnknownUserError)) && os.Geteuid() == 0 {
		if err := create(ctx, a, dir); err != nil {
			return nil, fmt.Errorf("user %s: %w", userName, err)
		}
		a.Created = true
	}
	return a, a.lookup()
}

// Lookup returns the account as it is, made or not.
func Lookup(userName, group string) (*Account, error) {
	a := &Account{User: userName, Group: group}
	if a.Group == "" {
		a.Group = userName
	}
	return a, a.lookup()
}

func (a *Account) lookup() error {
	u, err := user.Lookup(a.User)
	if err != nil {
		return fmt.Errorf("user %s: %w", a.User, err)
	}
	g, err := user.LookupGroup(a.Group)
	if err != nil {
		return fmt.Errorf("group %s: %w", a.Group, err)
	}
	a.UID, _ = strconv.Atoi(u.Uid)
	a.GID, _ = strconv.Atoi(g.Gid)
	if a.UID == 0 {
		return fmt.Errorf("user %s is root: an instance's user is one of its own, without root's powers", a.User)
	}
	return nil
}

// create makes the user, and its group when that is set apart and
// missing.
func create(ctx context.Context, a *Account, dir string) error {
	args := []string{"--system", "--home-dir", dir, "--no-create-home", "--shell", nologin(),
		"--comment", "assemble instance " + filepath.Base(dir)}
	if a.Group == a.User {
		args = append(args, "--user-group")
	} else {
		if _, err := user.LookupGroup(a.Group); errors.As(err, new(user.UnknownGroupError)) {
			if err := run(ctx, "groupadd", "--system", a.Group); err != nil {
				return err
			}
		}
		args = append(args, "--gid", a.Group)
	}
	return run(ctx, "useradd", append(args, a.User)...)
}

func nologin() string {
	for _, sh := range []string{"/usr/sbin/nologin", "/sbin/nologin"} {
		if _, err := os.Stat(sh); err == nil {
			return sh
		}
	}
	return "/bin/false"
}

func run(ctx context.Context, name string, args ...string) error {
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w: %s", name, err, bytes.TrimSpace(out.Bytes()))
	}
	return nil
}

// Delete removes the user; userdel removes its own group with it when
// nothing else is in it.
func Delete(ctx context.Context, userName string) error {
	if _, err := user.Lookup(userName); errors.As(err, new(user.UnknownUserError)) {
		return nil
	}
	return run(ctx, "userdel", userName)
}

// Give hands the account what o says it owns: Own as its own, made if
// missing, Shared as root's with group read access, and no access for
// others. Only root changes owners; anyone else runs as the account
// already. The account owns what it is given, and may swap a directory
// for a symbolic link while root walks it: each walk goes through a
// handle on its top directory (os.Root), which no link leads out of,
// and changes links themselves, never what they point to.
func (a *Account) Give(o Owned) error {
	if os.Geteuid() != 0 {
		return nil
	}
	for _, dir := range o.Own {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		if err := walk(dir, func(r *os.Root, path string, fi fs.FileInfo) error {
			return chown(r, path, fi, a.UID, a.GID)
		}); err != nil {
			return err
		}
	}
	for _, dir := range o.Shared {
		if err := walk(dir, func(r *os.Root, path string, fi fs.FileInfo) error {
			if err := chown(r, path, fi, 0, a.GID); err != nil {
				return err
			}
			return groupRead(r, path, fi, path == ".")
		}); err != nil {
			return err
		}
	}
	return nil
}

// walk calls fn for every file under dir, dir included (as "."), through
// a handle on dir; a missing dir has nothing to give.
func walk(dir string, fn func(*os.Root, string, fs.FileInfo) error) error {
	r, err := os.OpenRoot(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer r.Close()
	return fs.WalkDir(r.FS(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := r.Lstat(path)
		if err != nil {
			return err
		}
		return fn(r, path, fi)
	})
}

func chown(r *os.Root, path string, fi fs.FileInfo, uid, gid int) error {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) == uid && int(st.Gid) == gid {
		return nil
	}
	return r.Lchown(path, uid, gid)
}

// groupRead gives the group what the owner may read (and enter), takes
// everything from others at the top, and leaves the rest as it was.
func groupRead(r *os.Root, path string, fi fs.FileInfo, top bool) error {
	if fi.Mode()&fs.ModeSymlink != 0 {
		return nil
	}
	mode := fi.Mode().Perm()
	want := mode | (mode&0o500)>>3
	if top {
		want &^= 0o007
	}
	if want == mode {
		return nil
	}
	return r.Chmod(path, want|fi.Mode()&(fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky))
}
