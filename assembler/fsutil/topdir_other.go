//go:build !linux

package fsutil

// MarkTopDir does nothing here: the hint is for Linux's ext file systems.
func MarkTopDir(dir string) {}
