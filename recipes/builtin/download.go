package builtin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
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
		{Name: "max_size", Type: cty.Number, Default: cty.NumberIntVal(1 << 30), Doc: "the most bytes extracting may write (1 GiB): an archive that would write more is refused"},
		{Name: "max_files", Type: cty.Number, Default: cty.NumberIntVal(100000), Doc: "the most files and directories extracting may make"},
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
	for _, o := range []struct {
		name string
		min  int64
	}{{"strip_components", 0}, {"max_size", 1}, {"max_files", 1}} {
		if v := p.Options[o.name]; v != cty.NilVal && v.IsKnown() && !v.IsNull() {
			if n, acc := v.AsBigFloat().Int64(); acc != 0 || n < o.min {
				probs = append(probs, recipe.Problem{Option: o.name, Summary: "Invalid " + o.name, Detail: fmt.Sprintf("%s is a whole number, %d or more.", o.name, o.min)})
			}
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
	if got, err := fileSHA256(cached); err == nil && got != sum {
		// Not trusted because it is cached: anyone who can write the
		// cache could have changed it since it was fetched and checked.
		return fmt.Errorf("part %s: the cached download of %s (%s) has sha256 %s, not %s: it was changed after it was fetched. Remove it to fetch it again", p.Name, rawURL, cached, got, sum)
	} else if err != nil {
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
	lim := limits{strip: int(strip)}
	lim.bytes, _ = p.Options["max_size"].AsBigFloat().Int64()
	lim.files, _ = p.Options["max_files"].AsBigFloat().Int64()
	return h.StageDir(target.AsString(), func(dir string) error {
		if err := extract(cached, rawURL, dir, &lim); err != nil {
			return fmt.Errorf("part %s: extracting %s: %w", p.Name, rawURL, err)
		}
		return nil
	})
}

// Verify re-hashes the part's download in the cache; repair fetches it
// again. One that is not cached is fetched, and checked, when next used.
func (Download) Verify(ctx context.Context, p *recipe.Part, h recipe.Host, repair bool) ([]recipe.Finding, error) {
	sum := strings.ToLower(p.String("sha256"))
	cached := h.Cache(sum)
	got, err := fileSHA256(cached)
	if err != nil || got == sum {
		return nil, nil
	}
	f := recipe.Finding{Path: cached, Detail: fmt.Sprintf("the cached download of %s has sha256 %s, not %s", p.String("url"), got, sum)}
	if repair {
		u, _ := url.Parse(p.String("url"))
		if h.Offline() && u.Scheme != "file" {
			return []recipe.Finding{f}, fmt.Errorf("part %s: working offline forbids fetching %s again", p.Name, u)
		}
		h.Progress("downloading %s", u)
		if err := fetch(ctx, u, sum, cached); err != nil {
			return []recipe.Finding{f}, fmt.Errorf("part %s: %w", p.Name, err)
		}
		f.Repaired = true
	}
	return []recipe.Finding{f}, nil
}

// fileSHA256 returns the sha256 of a file's content, hex.
func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
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
