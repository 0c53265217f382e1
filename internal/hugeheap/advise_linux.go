package hugeheap

import (
	"bytes"
	"os"

	"golang.org/x/sys/unix"
)

// advise asks for huge pages for b, which is fresh and untouched: a
// large allocation from memory the runtime has just mapped is not
// written until it is used. It reports false where the kernel gives no
// transparent huge pages.
func advise(b []byte) bool {
	mode, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	if err != nil || bytes.Contains(mode, []byte("[never]")) {
		return false
	}
	return unix.Madvise(b, unix.MADV_HUGEPAGE) == nil
}
