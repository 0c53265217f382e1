//go:build !unix

package fsutil

import "io/fs"

// umask is nothing where there is none: a file gets the mode asked for.
func umask() fs.FileMode { return 0 }
