// Package image makes an OCI image of an instance's revision, with
// go-containerregistry, without a container engine: one layer holding
// the revision's programs, the instance's rendered etc/ and the
// activate script, at the paths they have on the host (so that the
// absolute paths the configuration names hold inside), and a config
// that runs one program as the instance's user with var/ as a volume.
// Every entry and time is fixed, so the same revision gives the same
// digest wherever it is made.
package image

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// epoch is every time in an image: none of the host's.
var epoch = time.Unix(0, 0).UTC()

// Spec is what goes into an image.
type Spec struct {
	Instance string // its name
	Dir      string // the instance directory, where it lives in the image too
	Bin      string // the instance's bin directory, where programs are in the image
	BinFrom  string // where they are read from: Bin, or a build for another platform
	Etc      string // the instance's etc directory
	Var      string // declared a volume
	// Entrypoint is the command the image runs.
	Entrypoint []string
	// User and UID, GID are the account it runs as; "" for root.
	User     string
	UID, GID int
	Labels   map[string]string
	OS, Arch string
}

// Build makes the image.
func Build(s *Spec) (v1.Image, error) {
	// The files are read now, once: the image may be written after
	// the directory they came from is gone (a build for another
	// platform), and more than once.
	data, err := files(s)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	})
	if err != nil {
		return nil, err
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		return nil, err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = s.OS, s.Arch
	cfg.Created = v1.Time{Time: epoch}
	cfg.Config.Entrypoint = s.Entrypoint
	cfg.Config.WorkingDir = s.Dir
	cfg.Config.Env = []string{
		"PATH=" + s.Bin + ":/usr/local/bin:/usr/bin:/bin",
		"ASSEMBLE_INSTANCE=" + s.Instance,
		"ASSEMBLE_INSTANCE_DIR=" + s.Dir,
	}
	cfg.Config.Volumes = map[string]struct{}{s.Var: {}}
	cfg.Config.Labels = s.Labels
	if s.User != "" {
		cfg.Config.User = fmt.Sprintf("%d:%d", s.UID, s.GID)
	}
	img, err = mutate.ConfigFile(img, cfg)
	if err != nil {
		return nil, err
	}
	return mutate.CreatedAt(img, v1.Time{Time: epoch})
}

// entry is one file of the layer.
type entry struct {
	name   string // without the leading /
	mode   int64
	dir    bool
	link   string
	data   []byte
	source string // a file to read
	uid    int
	gid    int
}

// files is the layer's tar: the directories down to the instance, its
// bin/ with the revision's programs (links followed), etc/, an empty
// var/ owned by the account, and /etc/passwd and /etc/group naming the
// account, sorted by name.
func files(s *Spec) ([]byte, error) {
	var es []entry
	dirs := map[string]bool{}
	addDir := func(p string, uid, gid int) {
		for q := p; q != "." && q != "/" && q != ""; q = path.Dir(q) {
			if !dirs[q] {
				dirs[q] = true
				es = append(es, entry{name: q, mode: 0o755, dir: true})
			}
		}
		for i := range es {
			if es[i].name == p {
				es[i].uid, es[i].gid = uid, gid
			}
		}
	}
	rel := func(p string) string { return strings.TrimPrefix(filepath.ToSlash(p), "/") }
	addDir(rel(s.Bin), 0, 0)
	from := s.BinFrom
	if from == "" {
		from = s.Bin
	}
	bins, err := os.ReadDir(from)
	if err != nil {
		return nil, err
	}
	for _, b := range bins {
		es = append(es, entry{name: rel(filepath.Join(s.Bin, b.Name())), mode: 0o755, source: filepath.Join(from, b.Name())})
	}
	if err := addTree(&es, addDir, rel, s.Etc, s.GID); err != nil {
		return nil, err
	}
	addDir(rel(s.Var), s.UID, s.GID)
	if s.User != "" {
		addDir("etc", 0, 0)
		es = append(es,
			entry{name: "etc/passwd", mode: 0o644, data: []byte(fmt.Sprintf("root:x:0:0:root:/root:/sbin/nologin\n%s:x:%d:%d:assemble instance %s:%s:/sbin/nologin\n", s.User, s.UID, s.GID, s.Instance, s.Dir))},
			entry{name: "etc/group", mode: 0o644, data: []byte(fmt.Sprintf("root:x:0:\n%s:x:%d:\n", s.User, s.GID))})
	}
	sort.Slice(es, func(i, j int) bool { return es[i].name < es[j].name })
	return writeTar(es)
}

// addTree adds the tree at dir (etc/), readable by the account's group.
func addTree(es *[]entry, addDir func(string, int, int), rel func(string) string, dir string, gid int) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) && p == dir {
				return nil
			}
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			addDir(rel(p), 0, gid)
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			*es = append(*es, entry{name: rel(p), mode: 0o777, link: target, gid: gid})
		case d.Type().IsRegular():
			*es = append(*es, entry{name: rel(p), mode: int64(info.Mode().Perm()), source: p, gid: gid})
		}
		return nil
	})
}

func writeTar(es []entry) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range es {
		hdr := &tar.Header{Name: e.name, Mode: e.mode, ModTime: epoch, Uid: e.uid, Gid: e.gid, Format: tar.FormatPAX}
		data := e.data
		switch {
		case e.dir:
			hdr.Typeflag, hdr.Name = tar.TypeDir, e.name+"/"
		case e.link != "":
			hdr.Typeflag, hdr.Linkname = tar.TypeSymlink, e.link
		default:
			if e.source != "" {
				var err error
				if data, err = os.ReadFile(e.source); err != nil {
					return nil, err
				}
			}
			hdr.Typeflag, hdr.Size = tar.TypeReg, int64(len(data))
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write(data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
