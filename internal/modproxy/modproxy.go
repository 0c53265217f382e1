// Package modproxy turns module sources written as txtar archives (the
// format of the go command's testdata/mod, which goproxytest also serves)
// into a module proxy directory that GOPROXY=file://DIR can use: for
// every version, its .info, .mod and .zip, and a list per module.
//
// The output is a pure function of the input, so the proxy in
// testdata/proxy can be committed and checked against its sources.
package modproxy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
	modzip "golang.org/x/mod/zip"
	"golang.org/x/tools/txtar"
)

// Build writes the proxy for every archive in srcDir into dstDir, which
// it replaces.
func Build(srcDir, dstDir string) error {
	files, err := Files(srcDir)
	if err != nil {
		return err
	}
	if err := os.RemoveAll(dstDir); err != nil {
		return err
	}
	for name, data := range files {
		p := filepath.Join(dstDir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Files returns the proxy's files, by slash-separated path, for the
// archives in srcDir.
func Files(srcDir string) (map[string][]byte, error) {
	entries, err := os.ReadDir(srcDir)
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	versions := map[string][]string{}
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".txtar")
		if !ok {
			continue
		}
		mv, err := parseName(name)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", e.Name(), err)
		}
		a, err := txtar.ParseFile(filepath.Join(srcDir, e.Name()))
		if err != nil {
			return nil, err
		}
		if err := addVersion(out, mv, a); err != nil {
			return nil, fmt.Errorf("%s: %v", e.Name(), err)
		}
		versions[mv.Path] = append(versions[mv.Path], mv.Version)
	}
	for mod, vs := range versions {
		semver.Sort(vs)
		enc, _ := module.EscapePath(mod)
		out[path.Join(enc, "@v", "list")] = []byte(strings.Join(vs, "\n") + "\n")
	}
	return out, nil
}

// parseName decodes an archive name: the module path with "/" written as
// "_", then "_" and the version.
func parseName(name string) (module.Version, error) {
	i := strings.LastIndex(name, "_v")
	if i < 0 {
		return module.Version{}, fmt.Errorf("name is not PATH_VERSION")
	}
	mv := module.Version{Path: strings.ReplaceAll(name[:i], "_", "/"), Version: name[i+1:]}
	return mv, module.Check(mv.Path, mv.Version)
}

func addVersion(out map[string][]byte, mv module.Version, a *txtar.Archive) error {
	var zfiles []modzip.File
	var info, mod []byte
	for _, f := range a.Files {
		switch f.Name {
		case ".info":
			info = f.Data
		case ".mod":
			mod = f.Data
		default:
			if f.Name == "go.mod" && mod == nil {
				mod = f.Data
			}
			zfiles = append(zfiles, memFile{name: f.Name, data: f.Data})
		}
	}
	if mod == nil {
		return fmt.Errorf("no go.mod")
	}
	if info == nil {
		info, _ = json.Marshal(struct{ Version, Time string }{mv.Version, time.Unix(0, 0).UTC().Format(time.RFC3339)})
		info = append(info, '\n')
	}
	sort.Slice(zfiles, func(i, j int) bool { return zfiles[i].Path() < zfiles[j].Path() })
	var zbuf bytes.Buffer
	if err := modzip.Create(&zbuf, mv, zfiles); err != nil {
		return err
	}
	enc, _ := module.EscapePath(mv.Path)
	ev, _ := module.EscapeVersion(mv.Version)
	base := path.Join(enc, "@v", ev)
	out[base+".info"] = info
	out[base+".mod"] = mod
	out[base+".zip"] = zbuf.Bytes()
	return nil
}

// memFile is a module file held in memory, as x/mod/zip wants it.
type memFile struct {
	name string
	data []byte
}

func (f memFile) Path() string                 { return f.name }
func (f memFile) Lstat() (fs.FileInfo, error)  { return memInfo(f), nil }
func (f memFile) Open() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(f.data)), nil }

type memInfo memFile

func (i memInfo) Name() string       { return path.Base(i.name) }
func (i memInfo) Size() int64        { return int64(len(i.data)) }
func (i memInfo) Mode() fs.FileMode  { return 0o644 }
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return false }
func (i memInfo) Sys() any           { return nil }
