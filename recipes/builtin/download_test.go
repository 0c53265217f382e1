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
	}{
		{"tar.gz with strip", "a.tar.gz", []entry{{name: "top/", dir: true}, {name: "top/a.txt", body: "a"}, {name: "top/sub/b.txt", body: "b"}}, 1,
			map[string]string{"a.txt": "a", "sub/b.txt": "b"}, ""},
		{"zip", "a.zip", []entry{{name: "x/y.txt", body: "y"}}, 0, map[string]string{"x/y.txt": "y"}, ""},
		{"tar escaping with ..", "a.tgz", []entry{{name: "../evil.txt", body: "e"}}, 0, nil, "leaves the archive"},
		{"zip escaping with ..", "a.zip", []entry{{name: "ok/../../evil.txt", body: "e"}}, 0, nil, "leaves the archive"},
		{"absolute path", "a.tar.gz", []entry{{name: "/etc/evil", body: "e"}}, 0, nil, "leaves the archive"},
		{"link out of the archive", "a.tar.gz", []entry{{name: "l", link: "/etc/passwd"}}, 0, nil, "leaves the archive"},
		{"unknown type", "a.rar", nil, 0, nil, "unknown archive type"},
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
			err := extract(file, "https://example.com/"+tt.archive, out, tt.strip)
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
