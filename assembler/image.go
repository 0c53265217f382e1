package assembler

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/assemble-build/assemble/assembler/account"
	"github.com/assemble-build/assemble/assembler/fsutil"
	"github.com/assemble-build/assemble/assembler/image"
	"github.com/assemble-build/assemble/assembler/plan"
	"github.com/assemble-build/assemble/recipes/recipe"
)

// ImageOptions say what image to make of an instance, and where to put
// it: any of an OCI layout directory, a tarball docker load takes, a
// registry.
type ImageOptions struct {
	// Entrypoint is a systemd.service part, whose exec_start the image
	// runs, or a program of the revision's bin/.
	Entrypoint string
	Layout     string
	Tarball    string
	Push       string
	// Tag names the image in the tarball; assemble/NAME:REVISION when "".
	Tag string
	// Kubernetes is a file to write the objects that run the instance's
	// services on Kubernetes to, with the image; VarSize is the size
	// its var/ claims.
	Kubernetes string
	VarSize    string
	// Platforms are OS/ARCH pairs, like linux/arm64; none is this host's.
	Platforms []string
}

// ImageReport says what Image made.
type ImageReport struct {
	Instance string `json:"instance"`
	Revision string `json:"revision"`
	Digest   string `json:"digest"`
	// Platforms is how many images the digest names: one, or an index.
	Platforms int `json:"platforms"`
}

// Image makes an OCI image of the instance's current revision (package
// image), one for each platform asked for (an image index of them, for
// several), and writes it where io says. It holds the instance, since
// building for another platform writes beside its revisions.
func Image(ctx context.Context, opts *Options, io ImageOptions) (*ImageReport, error) {
	pls, err := parsePlatforms(io.Platforms)
	if err != nil {
		return nil, err
	}
	if len(pls) > 1 && io.Tarball != "" {
		return nil, &UsageError{Err: fmt.Errorf("--tarball holds one image, and %d platforms are asked for", len(pls)), Hint: "Write several platforms to --layout or --push."}
	}
	var rep *ImageReport
	_, err = withInstance(ctx, opts, "image", func(s *session) (*Report, error) {
		rev := s.in.CurrentRevision()
		if rev == "" {
			return nil, noInstance(s.in)
		}
		services, err := s.services(rev)
		if err != nil {
			return nil, err
		}
		spec, err := s.imageSpec(rev, io.Entrypoint, services)
		if err != nil {
			return nil, err
		}
		var imgs []v1.Image
		for _, pl := range pls {
			img, err := s.platformImage(ctx, rev, *spec, pl)
			if err != nil {
				return nil, err
			}
			imgs = append(imgs, img)
		}
		art, digest, err := artifact(imgs, pls)
		if err != nil {
			return nil, err
		}
		tag := cmp.Or(io.Tag, "assemble/"+s.in.Name+":"+rev)
		if err := writeImage(ctx, art, io, tag); err != nil {
			return nil, err
		}
		if io.Kubernetes != "" {
			if err := writeKubernetes(spec, cmp.Or(io.Push, tag)+"@"+digest, services, io); err != nil {
				return nil, err
			}
		}
		rep = &ImageReport{Instance: s.in.Name, Revision: rev, Digest: digest, Platforms: len(pls)}
		return nil, nil
	})
	return rep, err
}

// platformImage is the image for platform pl: the programs of the
// revision, or built again for pl.
func (s *session) platformImage(ctx context.Context, rev string, spec image.Spec, pl platform) (v1.Image, error) {
	spec.OS, spec.Arch = pl.OS, pl.Arch
	if pl.OS != runtime.GOOS || pl.Arch != runtime.GOARCH {
		s.opts.Progress.Say("building the programs for %s/%s", pl.OS, pl.Arch)
		bin, done, err := s.crossBin(ctx, rev, pl)
		if err != nil {
			return nil, err
		}
		defer done()
		spec.BinFrom = bin
	}
	img, err := image.Build(&spec)
	if err != nil {
		return nil, fmt.Errorf("image of instance %s for %s/%s: %w", s.in.Name, pl.OS, pl.Arch, err)
	}
	return img, nil
}

// artifact is the one image, or an index of the images of several
// platforms, and its digest.
func artifact(imgs []v1.Image, pls []platform) (any, string, error) {
	if len(imgs) == 1 {
		d, err := imgs[0].Digest()
		return imgs[0], d.String(), err
	}
	var adds []mutate.IndexAddendum
	for i, img := range imgs {
		adds = append(adds, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: pls[i].OS, Architecture: pls[i].Arch}}})
	}
	idx := mutate.IndexMediaType(mutate.AppendManifests(empty.Index, adds...), types.OCIImageIndex)
	d, err := idx.Digest()
	return idx, d.String(), err
}

// imageSpec describes the image of revision rev.
func (s *session) imageSpec(rev, entry string, services []image.Service) (*image.Spec, error) {
	in := recipe.NewInstance(s.in.Name, s.in.Dir)
	revDir := s.in.Revision(rev)
	lockData, err := os.ReadFile(filepath.Join(revDir, "assemble.lock"))
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(lockData)
	spec := &image.Spec{Instance: in.Name, Dir: in.Dir, Bin: in.Bin, Etc: in.Etc, Var: in.Var, OS: runtime.GOOS, Arch: runtime.GOARCH,
		Labels: map[string]string{
			"org.opencontainers.image.title": "assemble instance " + in.Name,
			"dev.assemble.instance":          in.Name,
			"dev.assemble.revision":          rev,
			"dev.assemble.lock.sha256":       hex.EncodeToString(sum[:]),
		}}
	if l, err := readLock(revDir); err == nil && l.Manifest != nil && l.Manifest.Commit != "" {
		spec.Labels["org.opencontainers.image.revision"] = l.Manifest.Commit
	}
	if s.st.User != "" {
		a, err := account.Lookup(s.st.User, s.st.Group)
		if err != nil {
			return nil, fmt.Errorf("image of instance %s: %w", s.in.Name, err)
		}
		spec.User, spec.UID, spec.GID = a.User, a.UID, a.GID
	}
	if spec.Entrypoint, err = s.entrypoint(in, entry, services); err != nil {
		return nil, err
	}
	return spec, nil
}

// services are the parts of revision rev that run a program for as long
// as the instance runs (recipe.Servicer).
func (s *session) services(rev string) ([]image.Service, error) {
	rec, err := plan.ReadRecord(s.in.Revision(rev), s.opts.Recipes, recipe.NewInstance(s.in.Name, s.in.Dir))
	if err != nil {
		return nil, err
	}
	var out []image.Service
	for _, p := range rec.Parts {
		if sv, ok := p.Recipe.(recipe.Servicer); ok {
			if argv, ports := sv.Service(p.Part); len(argv) > 0 {
				out = append(out, image.Service{Part: p.Part.Name, Argv: argv, Ports: ports})
			}
		}
	}
	return out, nil
}

// entrypoint is what the image runs: a service part's command, or a
// program of bin/.
func (s *session) entrypoint(in recipe.Instance, entry string, services []image.Service) ([]string, error) {
	var names, parts []string
	bins, _ := os.ReadDir(in.Bin)
	for _, b := range bins {
		names = append(names, b.Name())
	}
	for _, svc := range services {
		parts = append(parts, svc.Part)
		if svc.Part == entry {
			return svc.Argv, nil
		}
	}
	for _, n := range names {
		if n == entry {
			return []string{filepath.Join(in.Bin, n)}, nil
		}
	}
	if entry == "" && len(names) == 1 && len(services) == 0 {
		return []string{filepath.Join(in.Bin, names[0])}, nil
	}
	return nil, &UsageError{Err: fmt.Errorf("image of instance %s: --entrypoint %q is no service part (%s) or program (%s)",
		s.in.Name, entry, strings.Join(parts, ", "), strings.Join(names, ", ")), Hint: "--entrypoint names what the image runs: a service part, or a program of the instance's bin/."}
}

// writeImage writes art (an image or an index) to an OCI layout, a
// tarball and a registry, as io asks.
func writeImage(ctx context.Context, art any, io ImageOptions, tag string) error {
	img, isImage := art.(v1.Image)
	idx, _ := art.(v1.ImageIndex)
	if io.Layout != "" {
		p, err := layout.FromPath(io.Layout)
		if err != nil {
			if p, err = layout.Write(io.Layout, empty.Index); err != nil {
				return fmt.Errorf("--layout %s: %w", io.Layout, err)
			}
		}
		ann := layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": tag})
		if isImage {
			err = p.AppendImage(img, ann)
		} else {
			err = p.AppendIndex(idx, ann)
		}
		if err != nil {
			return fmt.Errorf("--layout %s: %w", io.Layout, err)
		}
	}
	if io.Tarball != "" && isImage {
		ref, err := name.NewTag(tag)
		if err != nil {
			return &UsageError{Err: fmt.Errorf("--tag %s: %w", tag, err)}
		}
		if err := tarball.WriteToFile(io.Tarball, ref, img); err != nil {
			return fmt.Errorf("--tarball %s: %w", io.Tarball, err)
		}
	}
	if io.Push != "" {
		ref, err := name.ParseReference(io.Push)
		if err != nil {
			return &UsageError{Err: fmt.Errorf("--push %s: %w", io.Push, err)}
		}
		opts := []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain)}
		if isImage {
			err = remote.Write(ref, img, opts...)
		} else {
			err = remote.WriteIndex(ref, idx, opts...)
		}
		if err != nil {
			return fmt.Errorf("--push %s: %w", io.Push, err)
		}
	}
	return nil
}

// writeKubernetes writes the objects that run the service parts on
// Kubernetes, from the image ref (by digest).
func writeKubernetes(spec *image.Spec, ref string, services []image.Service, io ImageOptions) error {
	data, err := image.Kubernetes(spec, ref, services, cmp.Or(io.VarSize, "1Gi"))
	if err != nil {
		return &UsageError{Err: fmt.Errorf("--kubernetes: %w", err)}
	}
	return fsutil.WriteFile(io.Kubernetes, data, 0o644)
}
