//go:build !unix

package fsutil

import "os"

// syncFS does nothing. Windows flushes a whole volume only for an
// administrator (FlushFileBuffers on the volume's handle), and syncing
// each file instead is what SyncFS exists to avoid. Until the system
// writes its cache out, a power cut may lose what a run wrote; a killed
// process loses nothing, as its writes are in the system's cache.
func syncFS(*os.File) error { return nil }
