package archive

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/assemble-build/assemble/internal/testenv"
)

func TestRoundTrip(t *testing.T) {
	src := t.TempDir()
	testenv.WriteFiles(t, src, map[string]string{"etc/a.conf": "a = 1\n", "var/data/rows": "1\n2\n", "var/empty": ""})
	os.Mkdir(filepath.Join(src, "var", "dir"), 0o755)
	os.Symlink("data/rows", filepath.Join(src, "var", "link"))
	var buf bytes.Buffer
	w, err := NewWriter(&buf, Manifest{Instance: "dev", Revision: "r1", Time: time.Unix(0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"etc", "var", "missing"} {
		if err := w.AddTree("instance/"+d, filepath.Join(src, d)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	dst := t.TempDir()
	m, err := Extract(bytes.NewReader(buf.Bytes()), dst)
	if err != nil {
		t.Fatal(err)
	}
	if m.Instance != "dev" || m.Revision != "r1" || m.Format != 1 {
		t.Errorf("manifest = %+v", m)
	}
	for name, want := range map[string]string{"instance/etc/a.conf": "a = 1\n", "instance/var/data/rows": "1\n2\n", "instance/var/empty": ""} {
		got, err := os.ReadFile(filepath.Join(dst, name))
		if err != nil || string(got) != want {
			t.Errorf("%s = %q, %v; want %q", name, got, err, want)
		}
	}
	if target, _ := os.Readlink(filepath.Join(dst, "instance/var/link")); target != "data/rows" {
		t.Errorf("link = %q", target)
	}
}

// TestExtractRefuses checks that an archive that is not what its
// manifest says, or that would write outside the directory, is refused.
func TestExtractRefuses(t *testing.T) {
	tests := []struct {
		name    string
		entries []entry
		want    string
	}{
		{"no manifest", []entry{{name: "a", body: "x"}}, "has no backup.json"},
		{"changed file", []entry{{name: "a", body: "y"}, manifestOf(File{Path: "a", Kind: "file", Size: 1, SHA256: sha("x")})}, "a: not what the manifest says"},
		{"extra file", []entry{{name: "a", body: "x"}, manifestOf()}, "a: in the archive, not in the manifest"},
		{"missing file", []entry{manifestOf(File{Path: "a", Kind: "file", Size: 1, SHA256: sha("x")})}, "a: in the manifest, not in the archive"},
		{"escape", []entry{{name: "../evil", body: "x"}, manifestOf()}, "not a path inside the archive"},
		{"through a link", []entry{{name: "l", link: "/tmp"}, {name: "l/evil", body: "x"}, manifestOf()}, "archive entry l/evil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Extract(bytes.NewReader(build(t, tt.entries)), t.TempDir())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to say %q", err, tt.want)
			}
		})
	}
}

// FuzzExtract checks that no archive makes Extract write outside its
// directory or panic.
func FuzzExtract(f *testing.F) {
	f.Add(build(f, []entry{{name: "a", body: "x"}, manifestOf(File{Path: "a", Kind: "file", Size: 1, SHA256: sha("x")})}))
	f.Add(build(f, []entry{{name: "../a", body: "x"}}))
	f.Fuzz(func(t *testing.T, data []byte) {
		parent := t.TempDir()
		dir := filepath.Join(parent, "in")
		os.Mkdir(dir, 0o755)
		Extract(bytes.NewReader(data), dir)
		entries, _ := os.ReadDir(parent)
		if len(entries) != 1 {
			t.Fatalf("Extract wrote beside its directory: %v", entries)
		}
	})
}

type entry struct{ name, body, link string }

func manifestOf(files ...File) entry {
	var b strings.Builder
	b.WriteString(`{"format":1,"files":[`)
	for i, f := range files {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`{"path":"` + f.Path + `","kind":"` + f.Kind + `","size":1,"sha256":"` + f.SHA256 + `"}`)
	}
	b.WriteString("]}")
	return entry{name: ManifestName, body: b.String()}
}

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func build(t testing.TB, entries []entry) []byte {
	var buf bytes.Buffer
	zw, _ := zstd.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		hdr := &tar.Header{Name: e.name, Mode: 0o644, Size: int64(len(e.body)), Typeflag: tar.TypeReg}
		if e.link != "" {
			hdr = &tar.Header{Name: e.name, Linkname: e.link, Typeflag: tar.TypeSymlink}
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(e.body))
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}
