package recipes

import (
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"

	"github.com/zclconf/go-cty/cty"
)

// Download fetches a file by URL, checks it against a required sha256,
// keeps it in a cache shared by every instance of the root, and optionally
// extracts it.
type Download struct{}

var downloadSpec = &Spec{
	Name: "download",
	Doc:  "Downloads a file checked against its sha256, through a shared cache; can extract archives.",
	Options: []Option{
		{Name: "url", Type: cty.String, Required: true, Doc: "http, https or file URL"},
		{Name: "sha256", Type: cty.String, Required: true, Doc: "expected sha256 of the download, hex"},
		{Name: "target", Type: cty.String, Path: TargetPath, Doc: "file (or directory, with extract) to write; default parts/NAME/FILE in the instance"},
		{Name: "extract", Type: cty.Bool, Default: cty.False, Doc: "extract a .tar, .tar.gz, .tgz or .zip archive into target"},
		{Name: "strip_components", Type: cty.Number, Default: cty.Zero, Doc: "leading path elements to drop when extracting"},
		{Name: "mode", Type: cty.String, Default: cty.StringVal("0644"), Doc: "mode of the downloaded file, octal (not used with extract)"},
	},
	Outputs: []Output{
		{Name: "path", Type: cty.String, Doc: "the file, or the directory extracted into"},
		{Name: "sha256", Type: cty.String, Doc: "the checked sha256"},
	},
}

func (Download) Spec() *Spec { return downloadSpec }

func (Download) Check(p *Part) []Problem {
	var probs []Problem
	if s := p.String("sha256"); s != "" {
		if b, err := hex.DecodeString(s); err != nil || len(b) != 32 {
			probs = append(probs, Problem{Option: "sha256", Summary: "Invalid sha256", Detail: fmt.Sprintf("%q is not 64 hexadecimal digits.", s)})
		}
	}
	if s := p.String("url"); s != "" {
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "file") {
			probs = append(probs, Problem{Option: "url", Summary: "Invalid URL", Detail: fmt.Sprintf("%q is not an http, https or file URL.", s)})
		}
	}
	if v := p.Options["strip_components"]; v != cty.NilVal && v.IsKnown() && !v.IsNull() {
		if n, acc := v.AsBigFloat().Int64(); acc != 0 || n < 0 {
			probs = append(probs, Problem{Option: "strip_components", Summary: "Invalid strip_components", Detail: "strip_components is a whole number, 0 or more."})
		}
	}
	return append(probs, checkMode(p, "mode")...)
}

// DefaultTarget is where a download goes when the part sets no target.
func (Download) DefaultTarget(p *Part) cty.Value {
	name := "download"
	if u, err := url.Parse(p.String("url")); err == nil {
		if i := strings.LastIndex(u.Path, "/"); i >= 0 && i+1 < len(u.Path) {
			name = u.Path[i+1:]
		}
	}
	return p.Instance.Path(p.Instance.Dir, "parts", p.Name, name)
}

func (d Download) Outputs(p *Part) (map[string]cty.Value, error) {
	target := p.Options["target"]
	if target == cty.NilVal || target.IsNull() {
		target = d.DefaultTarget(p)
	}
	return map[string]cty.Value{"path": target, "sha256": p.Options["sha256"]}, nil
}
