package builtin

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/zclconf/go-cty/cty"

	"github.com/assemble-build/assemble/recipes/recipe"
)

// Download fetches a file by URL, checks it against a required sha256,
// keeps it in a cache shared by every instance of the root, and optionally
// extracts it.
type Download struct{}

var downloadSpec = &recipe.Spec{
	Name: "download",
	Doc:  "Downloads a file checked against its sha256, through a shared cache; can extract archives.",
	Options: []recipe.Option{
		{Name: "url", Type: cty.String, Required: true, Doc: "http, https or file URL"},
		{Name: "sha256", Type: cty.String, Required: true, Doc: "expected sha256 of the download, hex"},
		{Name: "target", Type: cty.String, Path: recipe.TargetPath, Doc: "file (or directory, with extract) to write; default parts/NAME/FILE in the instance"},
		{Name: "extract", Type: cty.Bool, Default: cty.False, Doc: "extract a .tar, .tar.gz, .tgz or .zip archive into target"},
		{Name: "strip_components", Type: cty.Number, Default: cty.Zero, Doc: "leading path elements to drop when extracting"},
		{Name: "mode", Type: cty.String, Default: cty.StringVal("0644"), Doc: "mode of the downloaded file, octal (not used with extract)"},
	},
	Outputs: []recipe.Output{
		{Name: "path", Type: cty.String, Doc: "the file, or the directory extracted into"},
		{Name: "sha256", Type: cty.String, Doc: "the checked sha256"},
	},
}

func (Download) Spec() *recipe.Spec { return downloadSpec }

func (Download) Check(p *recipe.Part) []recipe.Problem {
	var probs []recipe.Problem
	if s := p.String("sha256"); s != "" {
		if b, err := hex.DecodeString(s); err != nil || len(b) != 32 {
			probs = append(probs, recipe.Problem{Option: "sha256", Summary: "Invalid sha256", Detail: fmt.Sprintf("%q is not 64 hexadecimal digits.", s)})
		}
	}
	if s := p.String("url"); s != "" {
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "file") {
			probs = append(probs, recipe.Problem{Option: "url", Summary: "Invalid URL", Detail: fmt.Sprintf("%q is not an http, https or file URL.", s)})
		}
	}
	if v := p.Options["strip_components"]; v != cty.NilVal && v.IsKnown() && !v.IsNull() {
		if n, acc := v.AsBigFloat().Int64(); acc != 0 || n < 0 {
			probs = append(probs, recipe.Problem{Option: "strip_components", Summary: "Invalid strip_components", Detail: "strip_components is a whole number, 0 or more."})
		}
	}
	return append(probs, checkMode(p, "mode")...)
}

// DefaultTarget is where a download goes when the part sets no target.
func (Download) DefaultTarget(p *recipe.Part) cty.Value {
	name := "download"
	if u, err := url.Parse(p.String("url")); err == nil {
		if i := strings.LastIndex(u.Path, "/"); i >= 0 && i+1 < len(u.Path) {
			name = u.Path[i+1:]
		}
	}
	return p.Instance.Path(p.Instance.Dir, "parts", p.Name, name)
}

func (d Download) Outputs(p *recipe.Part) (map[string]cty.Value, error) {
	target := p.Options["target"]
	if target == cty.NilVal || target.IsNull() {
		target = d.DefaultTarget(p)
	}
	return map[string]cty.Value{"path": target, "sha256": p.Options["sha256"]}, nil
}

// Install fetches the file into the shared cache unless it is there,
// checking its sha256, then stages a copy, or the extracted tree, at the
// target.
func (d Download) Install(ctx context.Context, p *recipe.Part, h recipe.Host) error {
	rawURL := p.String("url")
	sum := strings.ToLower(p.String("sha256"))
	cached := h.Cache(sum)
	if _, err := os.Stat(cached); err != nil {
		u, _ := url.Parse(rawURL)
		if h.Offline() && u.Scheme != "file" {
			return fmt.Errorf("part %s: %s is not in the download cache, and working offline forbids fetching it", p.Name, rawURL)
		}
		h.Progress("downloading %s", rawURL)
		if err := fetch(ctx, u, sum, cached); err != nil {
			return fmt.Errorf("part %s: %w", p.Name, err)
		}
	}
	target := p.Options["target"]
	if target == cty.NilVal || target.IsNull() {
		target = d.DefaultTarget(p)
	}
	if !p.Bool("extract") {
		mode, _ := ParseMode(p.String("mode"))
		return h.CopyFile(cached, target.AsString(), fs.FileMode(mode))
	}
	strip, _ := p.Options["strip_components"].AsBigFloat().Int64()
	return h.StageDir(target.AsString(), func(dir string) error {
		if err := extract(cached, rawURL, dir, int(strip)); err != nil {
			return fmt.Errorf("part %s: extracting %s: %w", p.Name, rawURL, err)
		}
		return nil
	})
}

// fetch downloads u into the file at dst, which it writes only when the
// content has the expected sha256.
func fetch(ctx context.Context, u *url.URL, sum, dst string) error {
	var body io.ReadCloser
	switch u.Scheme {
	case "file":
		f, err := os.Open(u.Path)
		if err != nil {
			return err
		}
		body = f
	default:
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			resp.Body.Close()
			return fmt.Errorf("fetching %s: %s", u, resp.Status)
		}
		body = resp.Body
	}
	defer body.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".download-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(tmp, h), body); err != nil {
		tmp.Close()
		return fmt.Errorf("fetching %s: %w", u, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != sum {
		tmp.Close()
		return fmt.Errorf("%s: sha256 mismatch: the part expects %s, the download is %s", u, sum, got)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), dst)
}

// extract unpacks the archive file (named like name) into dir, dropping
// strip leading path elements. Entries that would land outside dir are
// refused.
func extract(file, name, dir string, strip int) error {
	place := func(entry string) (string, bool, error) {
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
	lower := strings.ToLower(name)
	switch {
	case strings.HasSuffix(lower, ".zip"):
		zr, err := zip.OpenReader(file)
		if err != nil {
			return err
		}
		defer zr.Close()
		for _, f := range zr.File {
			dst, ok, err := place(f.Name)
			if err != nil || !ok {
				if err != nil {
					return err
				}
				continue
			}
			if f.FileInfo().IsDir() {
				if err := os.MkdirAll(dst, 0o755); err != nil {
					return err
				}
				continue
			}
			if !f.Mode().IsRegular() {
				return fmt.Errorf("%s: only files and directories can be extracted", f.Name)
			}
			rc, err := f.Open()
			if err != nil {
				return err
			}
			err = writeEntry(dst, rc, f.Mode().Perm())
			rc.Close()
			if err != nil {
				return err
			}
		}
		return nil
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
		tr := tar.NewReader(r)
		for {
			hdr, err := tr.Next()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			dst, ok, err := place(hdr.Name)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			switch hdr.Typeflag {
			case tar.TypeDir:
				if err := os.MkdirAll(dst, 0o755); err != nil {
					return err
				}
			case tar.TypeReg:
				if err := writeEntry(dst, tr, fs.FileMode(hdr.Mode).Perm()); err != nil {
					return err
				}
			case tar.TypeSymlink:
				target := filepath.Join(filepath.Dir(dst), filepath.FromSlash(hdr.Linkname))
				if filepath.IsAbs(hdr.Linkname) || !strings.HasPrefix(target, dir+string(filepath.Separator)) {
					return fmt.Errorf("%s: link to %s leaves the archive", hdr.Name, hdr.Linkname)
				}
				if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
					return err
				}
				if err := os.Symlink(hdr.Linkname, dst); err != nil {
					return err
				}
			default:
				return fmt.Errorf("%s: only files, directories and links can be extracted", hdr.Name)
			}
		}
	}
	return fmt.Errorf("unknown archive type; the URL must end in .tar, .tar.gz, .tgz or .zip")
}

func writeEntry(dst string, r io.Reader, perm fs.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm|0o200)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
