package archive

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"

	"github.com/klauspost/compress/zstd"
)

// Extract unpacks the archive r into the empty directory dir, through
// os.Root so that no entry lands outside it, and checks every entry
// against the manifest: one that is missing, extra, or not what the
// manifest says fails it. It returns the manifest.
func Extract(r io.Reader, dir string) (*Manifest, error) {
	zr, err := zstd.NewReader(r)
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	got := map[string]File{}
	var manifest []byte
	tr := tar.NewReader(zr)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading the archive: %w", err)
		}
		if hdr.Name == ManifestName {
			if manifest, err = io.ReadAll(io.LimitReader(tr, 64<<20)); err != nil {
				return nil, err
			}
			continue
		}
		f, err := extract(root, hdr, tr)
		if err != nil {
			return nil, fmt.Errorf("archive entry %s: %w", hdr.Name, err)
		}
		got[f.Path] = f
	}
	if manifest == nil {
		return nil, errors.New("the archive has no " + ManifestName + ": it is not a backup, or it was cut short")
	}
	var m Manifest
	if err := json.Unmarshal(manifest, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", ManifestName, err)
	}
	return &m, check(&m, got)
}

// extract writes one entry under root.
func extract(root *os.Root, hdr *tar.Header, r io.Reader) (File, error) {
	name := strings.TrimSuffix(hdr.Name, "/")
	if !fs.ValidPath(name) || name != path.Clean(name) {
		return File{}, errors.New("not a path inside the archive")
	}
	f := File{Path: name, Mode: fs.FileMode(hdr.Mode).Perm()}
	if dir := path.Dir(name); dir != "." {
		if err := root.MkdirAll(dir, 0o700); err != nil {
			return f, err
		}
	}
	switch hdr.Typeflag {
	case tar.TypeDir:
		f.Kind = "dir"
		return f, root.MkdirAll(name, 0o700)
	case tar.TypeSymlink:
		f.Kind, f.Target = "symlink", hdr.Linkname
		return f, root.Symlink(hdr.Linkname, name)
	case tar.TypeReg:
		f.Kind, f.Size = "file", hdr.Size
		out, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return f, err
		}
		h := sha256.New()
		_, err = io.Copy(io.MultiWriter(out, h), r)
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		f.SHA256 = hex.EncodeToString(h.Sum(nil))
		return f, err
	}
	return f, fmt.Errorf("unexpected kind of entry (%c)", hdr.Typeflag)
}

// check compares what was extracted with the manifest. (Modes are the
// manifest's to give, by whoever restores: files come out 0600.)
func check(m *Manifest, got map[string]File) error {
	var errs []error
	for _, want := range m.Files {
		f, ok := got[want.Path]
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("%s: in the manifest, not in the archive", want.Path))
		case f.Kind != want.Kind || f.SHA256 != want.SHA256 || f.Target != want.Target || f.Size != want.Size:
			errs = append(errs, fmt.Errorf("%s: not what the manifest says (sha256 %s, want %s)", want.Path, f.SHA256, want.SHA256))
		}
		delete(got, want.Path)
	}
	for p := range got {
		errs = append(errs, fmt.Errorf("%s: in the archive, not in the manifest", p))
	}
	return errors.Join(errs...)
}
