package fsutil

import (
	"os"

	"golang.org/x/sys/unix"
)

// topDirFlag is FS_TOPDIR_FL of linux/fs.h, chattr's T attribute.
const topDirFlag = 0x00020000

// MarkTopDir marks dir as the top of directory hierarchies (chattr +T),
// which ext2, ext3 and ext4 take as a hint to place each directory made
// in it in a block group of its own, as they do the directories of /.
// Other file systems refuse or ignore it, and so does MarkTopDir: it is
// a hint. An ext4 file system without a journal makes new files slowly
// for a minute or more after many were deleted beside them (it skips the
// inodes freed recently); directories spread over block groups escape
// that, and lose nothing of their own locality.
func MarkTopDir(dir string) {
	f, err := os.Open(dir)
	if err != nil {
		return
	}
	defer f.Close()
	fd := int(f.Fd())
	flags, err := unix.IoctlGetUint32(fd, unix.FS_IOC_GETFLAGS)
	if err != nil || flags&topDirFlag != 0 {
		return
	}
	_ = unix.IoctlSetPointerInt(fd, unix.FS_IOC_SETFLAGS, int(flags|topDirFlag))
}
