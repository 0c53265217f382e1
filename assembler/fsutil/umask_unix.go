//go:build unix

package fsutil

import (
	"io/fs"
	"sync"
	"syscall"
)

// umask returns the process's umask, which can only be read by setting
// it, once.
var umask = sync.OnceValue(func() fs.FileMode {
	m := syscall.Umask(0o022)
	syscall.Umask(m)
	return fs.FileMode(m)
})
