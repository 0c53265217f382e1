package hugeheap

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"unsafe"
)

// TestReserve checks that what the heap gives after Reserve is memory
// the kernel was asked to back with huge pages.
func TestReserve(t *testing.T) {
	if mode, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled"); err != nil || bytes.Contains(mode, []byte("[never]")) {
		t.Skip("no transparent huge pages here")
	}
	before := make([]byte, 16<<20)
	if flags := vmFlags(t, uintptr(unsafe.Pointer(&before[0]))); strings.Contains(flags, " hg") {
		t.Fatalf("memory asked for huge pages before Reserve: %q", flags)
	}
	Reserve(64 << 20)
	after := make([]byte, 16<<20)
	if flags := vmFlags(t, uintptr(unsafe.Pointer(&after[0]))); !strings.Contains(flags, " hg") {
		t.Errorf("heap after Reserve not asked for huge pages: VmFlags%s", flags)
	}
	runtime.KeepAlive(before) // lest after take its place
}

// vmFlags returns the VmFlags of the mapping holding addr.
func vmFlags(t *testing.T, addr uintptr) string {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	in := false
	for sc.Scan() {
		line := sc.Text()
		var lo, hi uintptr
		if n, _ := fmt.Sscanf(line, "%x-%x ", &lo, &hi); n == 2 {
			in = lo <= addr && addr < hi
		} else if in && strings.HasPrefix(line, "VmFlags:") {
			return strings.TrimPrefix(line, "VmFlags:")
		}
	}
	t.Fatalf("no mapping holds %#x", addr)
	return ""
}
