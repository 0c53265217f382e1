package modproxy

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

var update = flag.Bool("update", false, "rebuild testdata/proxy from testdata/mod")

// TestProxyUpToDate checks that the committed proxy in testdata/proxy is
// exactly what the module sources in testdata/mod build. Run
// go test ./internal/modproxy -update (make proxy) after editing them.
func TestProxyUpToDate(t *testing.T) {
	src, dst := "../../testdata/mod", "../../testdata/proxy"
	if *update {
		if err := Build(src, dst); err != nil {
			t.Fatal(err)
		}
	}
	want, err := Files(src)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]byte{}
	err = filepath.Walk(dst, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dst, p)
		got[filepath.ToSlash(rel)], err = os.ReadFile(p)
		return err
	})
	if err != nil {
		t.Fatalf("%v (run make proxy)", err)
	}
	var names []string
	for n := range want {
		names = append(names, n)
	}
	for n := range got {
		if _, ok := want[n]; !ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		if !bytes.Equal(want[n], got[n]) {
			t.Errorf("testdata/proxy/%s is out of date with testdata/mod; run make proxy", n)
		}
	}
}

// TestFilesDeterministic checks that building twice gives the same bytes.
func TestFilesDeterministic(t *testing.T) {
	a, err := Files("../../testdata/mod")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Files("../../testdata/mod")
	for n := range a {
		if !bytes.Equal(a[n], b[n]) {
			t.Errorf("%s differs between two builds", n)
		}
	}
}
