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
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

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
}

// ImageReport says what Image made.
type ImageReport struct {
	Instance string `json:"instance"`
	Revision string `json:"revision"`
	Digest   string `json:"digest"`
}

// Image makes an OCI image of the instance's current revision (package
// image) and writes it where io says.
func Image(ctx context.Context, opts *Options, io ImageOptions) (*ImageReport, error) {
	s, err := look(opts)
	if err != nil {
		return nil, err
	}
	rev := s.in.CurrentRevision()
	if !s.in.Exists() || rev == "" {
		return nil, noInstance(s.in)
	}
	spec, err := s.imageSpec(rev, io.Entrypoint)
	if err != nil {
		return nil, err
	}
	img, err := image.Build(spec)
	if err != nil {
		return nil, fmt.Errorf("image of instance %s: %w", s.in.Name, err)
	}
	digest, err := img.Digest()
	if err != nil {
		return nil, err
	}
	tag := cmp.Or(io.Tag, "assemble/"+s.in.Name+":"+rev)
	if err := writeImage(ctx, img, io, tag); err != nil {
		return nil, err
	}
	if io.Kubernetes != "" {
		ref := cmp.Or(io.Push, tag) + "@" + digest.String()
		if err := s.writeKubernetes(spec, rev, ref, io); err != nil {
			return nil, err
		}
	}
	return &ImageReport{Instance: s.in.Name, Revision: rev, Digest: digest.String()}, nil
}

// imageSpec describes the image of revision rev.
func (s *session) imageSpec(rev, entry string) (*image.Spec, error) {
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
	if spec.Entrypoint, err = s.entrypoint(revDir, in, entry); err != nil {
		return nil, err
	}
	return spec, nil
}

// entrypoint is what the image runs: a systemd.service part's exec_start,
// or a program of bin/.
func (s *session) entrypoint(revDir string, in recipe.Instance, entry string) ([]string, error) {
	bins, _ := os.ReadDir(in.Bin)
	var names, services []string
	for _, b := range bins {
		names = append(names, b.Name())
	}
	rec, err := plan.ReadRecord(revDir, s.opts.Recipes, in)
	if err != nil {
		return nil, err
	}
	for _, p := range rec.Parts {
		if argv := p.Part.Strings("exec_start"); p.Part.Recipe == "systemd.service" && len(argv) > 0 {
			services = append(services, p.Part.Name)
			if p.Part.Name == entry {
				return argv, nil
			}
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
		s.in.Name, entry, strings.Join(services, ", "), strings.Join(names, ", ")), Hint: "--entrypoint names what the image runs: a systemd.service part, or a program of the instance's bin/."}
}

// writeImage writes img to an OCI layout, a tarball and a registry, as
// io asks.
func writeImage(ctx context.Context, img v1.Image, io ImageOptions, tag string) error {
	if io.Layout != "" {
		p, err := layout.FromPath(io.Layout)
		if err != nil {
			if p, err = layout.Write(io.Layout, empty.Index); err != nil {
				return fmt.Errorf("--layout %s: %w", io.Layout, err)
			}
		}
		if err := p.AppendImage(img, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": tag})); err != nil {
			return fmt.Errorf("--layout %s: %w", io.Layout, err)
		}
	}
	if io.Tarball != "" {
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
		if err := remote.Write(ref, img, remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain)); err != nil {
			return fmt.Errorf("--push %s: %w", io.Push, err)
		}
	}
	return nil
}

// writeKubernetes writes the objects that run the revision's service
// parts on Kubernetes, from the image ref (by digest).
func (s *session) writeKubernetes(spec *image.Spec, rev, ref string, io ImageOptions) error {
	rec, err := plan.ReadRecord(s.in.Revision(rev), s.opts.Recipes, recipe.NewInstance(s.in.Name, s.in.Dir))
	if err != nil {
		return err
	}
	var services []image.Service
	for _, p := range rec.Parts {
		argv := p.Part.Strings("exec_start")
		if p.Part.Recipe != "systemd.service" || len(argv) == 0 {
			continue
		}
		svc := image.Service{Part: p.Part.Name, Argv: argv}
		if v := p.Part.Options["ports"]; v.IsKnown() && !v.IsNull() && v.CanIterateElements() {
			for it := v.ElementIterator(); it.Next(); {
				_, n := it.Element()
				port, _ := n.AsBigFloat().Int64()
				svc.Ports = append(svc.Ports, int(port))
			}
		}
		services = append(services, svc)
	}
	data, err := image.Kubernetes(spec, ref, services, cmp.Or(io.VarSize, "1Gi"))
	if err != nil {
		return &UsageError{Err: fmt.Errorf("--kubernetes: %w", err)}
	}
	return fsutil.WriteFile(io.Kubernetes, data, 0o644)
}
