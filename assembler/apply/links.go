package apply

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// links finds where a path in the instance leads when a directory on its
// way is a symbolic link. Directories found to be none are remembered: a
// thousand parts' targets share their first directories, and a check is
// a system call for each new one.
type links struct {
	plain sync.Map // directory → struct{}: a real directory
	once  sync.Once
	real  string // the instance directory, its own links followed
}

// dir returns where the instance directory is, with links followed.
func (l *links) dir(inst string) string {
	l.once.Do(func() {
		if r, err := filepath.EvalSymlinks(inst); err == nil {
			l.real = r
		} else {
			l.real = inst
		}
	})
	return l.real
}

// follow returns the first directory on the way from inst to path that
// is a symbolic link, and where path leads through it, with every link
// followed; or "" when there is none. The last element is not followed:
// a file is staged beside it and renamed over it, link or not.
func (l *links) follow(inst, path string) (link, to string) {
	rel, err := filepath.Rel(inst, path)
	if err != nil {
		return "", ""
	}
	elems := strings.Split(rel, string(filepath.Separator))
	dir := inst
	for i, e := range elems[:len(elems)-1] {
		dir = filepath.Join(dir, e)
		if _, ok := l.plain.Load(dir); ok {
			continue
		}
		fi, err := os.Lstat(dir)
		if err != nil {
			return "", "" // nothing further exists, and nothing is followed
		}
		if fi.Mode()&os.ModeSymlink == 0 {
			l.plain.Store(dir, struct{}{})
			continue
		}
		real, err := filepath.EvalSymlinks(dir)
		if err != nil {
			return dir, dir // a dangling link: the write would fail
		}
		return dir, filepath.Join(append([]string{real}, elems[i+1:]...)...)
	}
	return "", ""
}
