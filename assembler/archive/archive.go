// Package archive writes the backup archive of an instance: a tar
// stream compressed with zstd, whose last entry, backup.json, lists
// every other entry with its sha256, so that a restore can check what it
// reads before it uses any of it.
package archive

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"time"

	"github.com/klauspost/compress/zstd"
)

// ManifestName is the archive's last entry.
const ManifestName = "backup.json"

// Manifest says what an archive holds.
type Manifest struct {
	Format   int       `json:"format"` // 1
	Instance string    `json:"instance"`
	Dir      string    `json:"dir"`
	Revision string    `json:"revision"`
	Time     time.Time `json:"time"`
	// Files are the entries, in the order written.
	Files []File `json:"files"`
	// Dumps names the parts whose data is under dumps/PART/.
	Dumps []string `json:"dumps,omitempty"`
}

// File is one entry of the archive.
type File struct {
	Path   string      `json:"path"`
	Kind   string      `json:"kind"` // file, dir, symlink
	Mode   fs.FileMode `json:"mode"`
	Size   int64       `json:"size,omitempty"`
	SHA256 string      `json:"sha256,omitempty"` // of a file's content
	Target string      `json:"target,omitempty"` // of a symlink
}

// Writer writes an archive.
type Writer struct {
	zw       *zstd.Encoder
	tw       *tar.Writer
	Manifest Manifest
}

// NewWriter starts an archive on w.
func NewWriter(w io.Writer, m Manifest) (*Writer, error) {
	zw, err := zstd.NewWriter(w)
	if err != nil {
		return nil, err
	}
	m.Format = 1
	return &Writer{zw: zw, tw: tar.NewWriter(zw), Manifest: m}, nil
}

// AddTree adds the tree at dir as name/…, in sorted order. Sockets and
// other special files are left out: they are remade by what made them.
// So are the paths in skip, and what is under them.
func (w *Writer) AddTree(name, dir string, skip ...string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) && p == dir {
				return nil
			}
			return err
		}
		if slices.Contains(skip, p) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		return w.Add(path.Join(name, filepath.ToSlash(rel)), p)
	})
}

// Add adds the file, directory or symlink at file as name.
func (w *Writer) Add(name, file string) error {
	fi, err := os.Lstat(file)
	if err != nil {
		return err
	}
	hdr := &tar.Header{Name: name, Mode: int64(fi.Mode().Perm()), ModTime: fi.ModTime().UTC().Truncate(time.Second), Format: tar.FormatPAX}
	f := File{Path: name, Mode: fi.Mode().Perm()}
	switch {
	case fi.Mode().IsRegular():
		hdr.Typeflag, hdr.Size, f.Kind, f.Size = tar.TypeReg, fi.Size(), "file", fi.Size()
	case fi.IsDir():
		hdr.Typeflag, hdr.Name, f.Kind = tar.TypeDir, name+"/", "dir"
	case fi.Mode()&fs.ModeSymlink != 0:
		target, err := os.Readlink(file)
		if err != nil {
			return err
		}
		hdr.Typeflag, hdr.Linkname, f.Kind, f.Target = tar.TypeSymlink, target, "symlink", target
	default:
		return nil
	}
	if err := w.tw.WriteHeader(hdr); err != nil {
		return err
	}
	if f.Kind == "file" {
		sum, err := copyFile(w.tw, file, fi.Size())
		if err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		f.SHA256 = sum
	}
	w.Manifest.Files = append(w.Manifest.Files, f)
	return nil
}

// copyFile copies size bytes of file to w and returns their sha256. A
// file that changes size while it is read fails the backup: what it
// holds would not be what was meant.
func copyFile(w io.Writer, file string, size int64) (string, error) {
	r, err := os.Open(file)
	if err != nil {
		return "", err
	}
	defer r.Close()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(w, h), io.LimitReader(r, size))
	if err == nil && n != size {
		err = fmt.Errorf("changed while it was read (%d bytes of %d)", n, size)
	}
	return hex.EncodeToString(h.Sum(nil)), err
}

// Close writes the manifest and ends the archive.
func (w *Writer) Close() error {
	sort.Strings(w.Manifest.Dumps)
	data, err := json.MarshalIndent(w.Manifest, "", "  ")
	if err != nil {
		return err
	}
	data = append(data, '\n')
	hdr := &tar.Header{Name: ManifestName, Mode: 0o644, Size: int64(len(data)), ModTime: w.Manifest.Time.UTC().Truncate(time.Second), Typeflag: tar.TypeReg, Format: tar.FormatPAX}
	if err := w.tw.WriteHeader(hdr); err != nil {
		return err
	}
	if _, err := w.tw.Write(data); err != nil {
		return err
	}
	if err := w.tw.Close(); err != nil {
		return err
	}
	return w.zw.Close()
}
