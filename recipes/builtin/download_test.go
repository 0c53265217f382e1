package builtin

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type entry struct {
	name, body, link string
	dir              bool
}

func writeTarGz(t *testing.T, path string, entries []entry) {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: 0o644, Size: int64(len(e.body)), Typeflag: tar.TypeReg}
		switch {
		case e.dir:
			h.Typeflag, h.Size, h.Mode = tar.TypeDir, 0, 0o755
		case e.link != "":
			h.Typeflag, h.Size, h.Linkname = tar.TypeSymlink, 0, e.link
		}
		tw.WriteHeader(h)
		tw.Write([]byte(e.body))
	}
	tw.Close()
	gz.Close()
	os.WriteFile(path, buf.Bytes(), 0o644)
}

func writeZip(t *testing.T, path string, entries []entry) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, _ := zw.Create(e.name)
		w.Write([]byte(e.body))
	}
	zw.Close()
	os.WriteFile(path, buf.Bytes(), 0o644)
}

func TestExtract(t *testing.T) {
	tests := []struct {
		name    string
		archive string
		entries []entry
		strip   int
		want    map[string]string
		err     string
		bytes   int64 // max_size; 0 for 1 MiB
		files   int64 // max_files; 0 for 100
	}{
		{"tar.gz with strip", "a.tar.gz", []entry{{name: "top/", dir: true}, {name: "top/a.txt", body: "a"}, {name: "top/sub/b.txt", body: "b"}}, 1,
			map[string]string{"a.txt": "a", "sub/b.txt": "b"}, "", 0, 0},
		{"zip", "a.zip", []entry{{name: "x/y.txt", body: "y"}}, 0, map[string]string{"x/y.txt": "y"}, "", 0, 0},
		{"tar escaping with ..", "a.tgz", []entry{{name: "../evil.txt", body: "e"}}, 0, nil, "leaves the archive", 0, 0},
		{"zip escaping with ..", "a.zip", []entry{{name: "ok/../../evil.txt", body: "e"}}, 0, nil, "leaves the archive", 0, 0},
		{"absolute path", "a.tar.gz", []entry{{name: "/etc/evil", body: "e"}}, 0, nil, "leaves the archive", 0, 0},
		{"link out of the archive", "a.tar.gz", []entry{{name: "l", link: "/etc/passwd"}}, 0, nil, "leaves the archive", 0, 0},
		{"unknown type", "a.rar", nil, 0, nil, "unknown archive type", 0, 0},
		{"zip larger than max_size", "a.zip", []entry{{name: "zeros", body: strings.Repeat("0", 5000)}}, 0, nil, "more than max_size bytes", 4096, 0},
		{"tar larger than max_size", "a.tgz", []entry{{name: "a", body: strings.Repeat("0", 3000)}, {name: "b", body: strings.Repeat("0", 3000)}}, 0, nil, "more than max_size bytes", 4096, 0},
		{"more files than max_files", "a.tgz", []entry{{name: "a", body: "a"}, {name: "d/", dir: true}, {name: "d/b", body: "b"}}, 0, nil, "more files than max_files", 0, 2},
		{"exactly the limits", "a.zip", []entry{{name: "a", body: "1234"}, {name: "b", body: "5678"}}, 0, map[string]string{"a": "1234", "b": "5678"}, "", 8, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(dir, "archive")
			if strings.HasSuffix(tt.archive, ".zip") {
				writeZip(t, file, tt.entries)
			} else {
				writeTarGz(t, file, tt.entries)
			}
			out := filepath.Join(dir, "out")
			os.Mkdir(out, 0o755)
			lim := &limits{strip: tt.strip, bytes: 1 << 20, files: 100}
			if tt.bytes > 0 {
				lim.bytes = tt.bytes
			}
			if tt.files > 0 {
				lim.files = tt.files
			}
			err := extract(file, "https://example.com/"+tt.archive, out, lim)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("extract = %v, want %q", err, tt.err)
				}
				if _, err := os.Stat(filepath.Join(dir, "evil.txt")); err == nil {
					t.Error("an entry was written outside the target")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for name, body := range tt.want {
				if data, err := os.ReadFile(filepath.Join(out, name)); err != nil || string(data) != body {
					t.Errorf("%s = %q, %v", name, data, err)
				}
			}
		})
	}
}

// FuzzExtract extracts any bytes, as a tar.gz and as a zip: nothing may
// land outside the directory extracted into, or pass the limits.
func FuzzExtract(f *testing.F) {
	dir := f.TempDir()
	for _, name := range []string{"seed.tgz", "seed.zip"} {
		file := filepath.Join(dir, name)
		entries := []entry{{name: "top/", dir: true}, {name: "top/a.txt", body: "a"}, {name: "top/l", link: "a.txt"}}
		if strings.HasSuffix(name, ".zip") {
			writeZip(nil, file, entries)
		} else {
			writeTarGz(nil, file, entries)
		}
		data, _ := os.ReadFile(file)
		f.Add(data, strings.HasSuffix(name, ".zip"))
	}
	f.Fuzz(func(t *testing.T, data []byte, isZip bool) {
		dir := t.TempDir()
		file := filepath.Join(dir, "archive")
		os.WriteFile(file, data, 0o644)
		out := filepath.Join(dir, "out")
		os.Mkdir(out, 0o755)
		name := "x.tgz"
		if isZip {
			name = "x.zip"
		}
		lim := &limits{bytes: 1 << 16, files: 64}
		extract(file, name, out, lim)
		entries, _ := os.ReadDir(dir)
		if len(entries) != 2 {
			t.Fatalf("extracting wrote beside the directory: %d entries", len(entries))
		}
		var total int64
		var count int
		filepath.Walk(out, func(p string, fi os.FileInfo, err error) error {
			if err == nil && p != out {
				count++
				if fi.Mode().IsRegular() {
					total += fi.Size()
				}
			}
			return nil
		})
		if total > 1<<16+1 {
			t.Fatalf("%d bytes written, more than the limit", total)
		}
	})
}
