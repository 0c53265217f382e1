// Package hugeheap asks for the heap that a large config is parsed into
// to come in huge pages.
//
// Parsing and evaluating a config of a thousand parts touches about 40 MB
// of fresh heap. The kernel maps fresh memory a 4 KiB page at a time, on a
// page fault each; on the virtual machines assemble was measured on, the
// 8,400 faults of a one-change install of 1,000 parts were a third of its
// processor time. Where the kernel gives transparent huge pages to memory
// that asks for them (/sys/kernel/mm/transparent_hugepage/enabled set to
// madvise, the usual default, or always), a 2 MiB page is one fault.
//
// The Go runtime does not ask for huge pages for its heap, so Reserve
// grows the heap by a block, advises the kernel that the block is to be
// backed by huge pages, and has the garbage collector give the block back
// to the heap at once, where the allocations that follow find it. Where
// huge pages are not to be had, it costs the collection of a small heap
// and changes nothing else. It is worth it only for large configs: for
// small ones, zeroing whole huge pages costs more than it saves.
package hugeheap

import (
	"runtime"
	"sync"
)

var once sync.Once

// Reserve makes about the next n bytes the heap grows by come in huge
// pages where the kernel allows it. Only the first call in a process does
// anything.
func Reserve(n int) {
	once.Do(func() {
		if n <= 0 {
			return
		}
		b := make([]byte, n)
		if !advise(b) {
			return
		}
		b = nil
		runtime.GC()
	})
}
