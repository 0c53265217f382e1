package builtin

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// limits bound what extracting an archive may make: an archive is data
// from elsewhere, and a small one can unpack into anything (a zip bomb).
type limits struct {
	strip int   // leading path elements to drop
	bytes int64 // the most bytes to write, left
	files int64 // the most files and directories to make, left
}

var errTooBig = errors.New("the archive holds more than the part allows")

// entry counts one more file or directory.
func (l *limits) entry() error {
	if l.files--; l.files < 0 {
		return fmt.Errorf("%w: more files than max_files", errTooBig)
	}
	return nil
}

// extract unpacks the archive file (named like name) into dir. Entries
// that would land outside dir, and links that would point out of it, are
// refused.
func extract(file, name, dir string, lim *limits) error {
	lower := strings.ToLower(name)
	switch {
	case strings.HasSuffix(lower, ".zip"):
		return extractZip(file, dir, lim)
	case strings.HasSuffix(lower, ".tar.gz"), strings.HasSuffix(lower, ".tgz"), strings.HasSuffix(lower, ".tar"):
		f, err := os.Open(file)
		if err != nil {
			return err
		}
		defer f.Close()
		var r io.Reader = f
		if !strings.HasSuffix(lower, ".tar") {
			gz, err := gzip.NewReader(f)
			if err != nil {
				return err
			}
			defer gz.Close()
			r = gz
		}
		return extractTar(tar.NewReader(r), dir, lim)
	}
	return fmt.Errorf("unknown archive type; the URL must end in .tar, .tar.gz, .tgz or .zip")
}

// place returns where an archive's entry goes in dir, and false for an
// entry that stripping drops.
func place(entry, dir string, strip int) (string, bool, error) {
	if path.IsAbs(entry) {
		return "", false, fmt.Errorf("%q leaves the archive", entry)
	}
	for _, elem := range strings.Split(entry, "/") {
		if elem == ".." {
			return "", false, fmt.Errorf("%q leaves the archive", entry)
		}
	}
	elems := strings.Split(path.Clean(entry), "/")
	if len(elems) <= strip || path.Clean(entry) == "." {
		return "", false, nil
	}
	return filepath.Join(dir, filepath.FromSlash(path.Join(elems[strip:]...))), true, nil
}

func extractZip(file, dir string, lim *limits) error {
	zr, err := zip.OpenReader(file)
	if err != nil {
		return err
	}
	defer zr.Close()
	for _, f := range zr.File {
		dst, ok, err := place(f.Name, dir, lim.strip)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if err := lim.entry(); err != nil {
			return err
		}
		switch {
		case f.FileInfo().IsDir():
			err = os.MkdirAll(dst, 0o755)
		case f.Mode().IsRegular():
			var rc io.ReadCloser
			if rc, err = f.Open(); err == nil {
				err = lim.write(dst, rc, f.Mode().Perm())
				rc.Close()
			}
		default:
			err = fmt.Errorf("%s: only files and directories can be extracted", f.Name)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func extractTar(tr *tar.Reader, dir string, lim *limits) error {
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		dst, ok, err := place(hdr.Name, dir, lim.strip)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if err := lim.entry(); err != nil {
			return err
		}
		switch hdr.Typeflag {
		case tar.TypeDir:
			err = os.MkdirAll(dst, 0o755)
		case tar.TypeReg:
			err = lim.write(dst, tr, fs.FileMode(hdr.Mode).Perm())
		case tar.TypeSymlink:
			err = link(hdr, dst, dir)
		default:
			err = fmt.Errorf("%s: only files, directories and links can be extracted", hdr.Name)
		}
		if err != nil {
			return err
		}
	}
}

// link makes a symbolic link an archive holds, which must point within
// the directory extracted into.
func link(hdr *tar.Header, dst, dir string) error {
	target := filepath.Join(filepath.Dir(dst), filepath.FromSlash(hdr.Linkname))
	if filepath.IsAbs(hdr.Linkname) || !strings.HasPrefix(target, dir+string(filepath.Separator)) {
		return fmt.Errorf("%s: link to %s leaves the archive", hdr.Name, hdr.Linkname)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return os.Symlink(hdr.Linkname, dst)
}

// write writes a file of the archive, counting its bytes against the
// limit as they come, whatever size the archive claims.
func (l *limits) write(dst string, r io.Reader, perm fs.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm|0o200)
	if err != nil {
		return err
	}
	n, err := io.Copy(f, io.LimitReader(r, l.bytes+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if l.bytes -= n; err == nil && l.bytes < 0 {
		err = fmt.Errorf("%w: more than max_size bytes", errTooBig)
	}
	return err
}
