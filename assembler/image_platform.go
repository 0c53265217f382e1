package assembler

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/assemble-build/assemble/assembler/apply"
	"github.com/assemble-build/assemble/assembler/store"
)

// platform is a GOOS/GOARCH pair, as --platform names it.
type platform struct{ OS, Arch string }

// parsePlatforms reads --platform values; none is this host's.
func parsePlatforms(vals []string) ([]platform, error) {
	if len(vals) == 0 {
		return []platform{{runtime.GOOS, runtime.GOARCH}}, nil
	}
	var out []platform
	for _, v := range vals {
		os, arch, ok := strings.Cut(v, "/")
		if !ok || os == "" || arch == "" || strings.Contains(arch, "/") {
			return nil, &UsageError{Err: fmt.Errorf("--platform %s: want OS/ARCH, like linux/arm64", v)}
		}
		out = append(out, platform{os, arch})
	}
	return out, nil
}

// crossBin builds the revision's programs again for platform pl, as
// verify rebuilds them, into a directory beside the revisions, and
// returns its bin/ and what removes it. The programs of a part that
// builds no module (the activate script, say) are copied.
func (s *session) crossBin(ctx context.Context, rev string, pl platform) (string, func(), error) {
	v := &verifier{s: s, dir: s.in.Revision(rev), out: &Verification{}, target: map[string]string{"GOOS": pl.OS, "GOARCH": pl.Arch}}
	if err := v.load(ctx); err != nil {
		return "", nil, err
	}
	dir, err := os.MkdirTemp(s.in.Code(), ".image-")
	if err != nil {
		return "", nil, err
	}
	done := func() { os.RemoveAll(dir) }
	if v.res == nil {
		done()
		return "", nil, fmt.Errorf("--platform %s/%s: the revision builds no Go program to build again", pl.OS, pl.Arch)
	}
	rb, err := apply.Rebuild(ctx, v.ar, dir)
	if err != nil {
		done()
		return "", nil, err
	}
	cleanup := func() {
		for _, tmp := range rb.Entries {
			v.ar.Store.Discard(tmp)
		}
		done()
	}
	for part, err := range rb.Failed {
		cleanup()
		return "", nil, fmt.Errorf("--platform %s/%s: part %s: %w", pl.OS, pl.Arch, part, err)
	}
	bin := filepath.Join(dir, "bin")
	entries, _ := os.ReadDir(filepath.Join(s.in.Dir, "bin"))
	for _, e := range entries {
		dst := filepath.Join(bin, e.Name())
		if _, err := os.Lstat(dst); os.IsNotExist(err) {
			if err := store.Link(filepath.Join(s.in.Dir, "bin", e.Name()), dst); err != nil {
				cleanup()
				return "", nil, err
			}
		}
	}
	return bin, cleanup, nil
}
