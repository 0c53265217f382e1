// Command floor does only what any tool must do to install the peer
// harness's N trivial parts: make the instance directory, marked as
// assemble marks it (chattr +T), each part's directory and its file,
// four at a time as assemble does, then one syncfs so that they are on
// disk. bench/floor.sh times it beside assemble's first install, to
// show how much of that install is the file system's own work.
//
// Usage: floor N ROOT
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/assemble-build/assemble/assembler/fsutil"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: floor N ROOT")
		os.Exit(2)
	}
	n, err := strconv.Atoi(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(2)
	}
	dir := filepath.Join(os.Args[2], "instances", "bench")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
	// What assemble does to an instance it makes; any tool could.
	fsutil.MarkTopDir(dir)
	if err := os.Mkdir(filepath.Join(dir, "parts"), 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
	content := []byte("hello " + dir + "\n")
	var (
		wg   sync.WaitGroup
		sem  = make(chan struct{}, 4)
		once sync.Once
		fail error
	)
	for i := 0; i < n; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			pd := filepath.Join(dir, "parts", fmt.Sprintf("p%04d", i))
			err := os.Mkdir(pd, 0o755)
			if err == nil {
				err = os.WriteFile(filepath.Join(pd, "file.txt"), content, 0o644)
			}
			if err != nil {
				once.Do(func() { fail = err })
			}
		}()
	}
	wg.Wait()
	if fail != nil {
		fmt.Fprintln(os.Stderr, "floor:", fail)
		os.Exit(1)
	}
	if err := fsutil.SyncFS(dir); err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
}
