package fsutil

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

func TestMarkTopDir(t *testing.T) {
	flags := func(dir string) uint32 {
		f, err := os.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		fl, err := unix.IoctlGetUint32(int(f.Fd()), unix.FS_IOC_GETFLAGS)
		if err != nil {
			t.Skipf("%s takes no flags: %v", dir, err)
		}
		return fl
	}
	// Whether this file system keeps the flag at all, set by hand.
	probe := t.TempDir()
	if f, err := os.Open(probe); err == nil {
		unix.IoctlSetPointerInt(int(f.Fd()), unix.FS_IOC_SETFLAGS, int(flags(probe)|topDirFlag))
		f.Close()
	}
	if flags(probe)&topDirFlag == 0 {
		t.Skipf("the file system of %s keeps no T attribute", probe)
	}

	dir := t.TempDir()
	before := flags(dir)
	MarkTopDir(dir)
	after := flags(dir)
	if after != before|topDirFlag {
		t.Errorf("flags %#x after MarkTopDir, want %#x", after, before|topDirFlag)
	}
	MarkTopDir(dir) // again: nothing changes, nothing fails
	MarkTopDir(filepath.Join(dir, "missing"))
	if got := flags(dir); got != after {
		t.Errorf("flags %#x after marking again, want %#x", got, after)
	}
}
