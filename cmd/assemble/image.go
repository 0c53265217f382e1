package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/assemble-build/assemble/assembler"
)

func newImage(g *globals) *cobra.Command {
	var io assembler.ImageOptions
	cmd := &cobra.Command{
		Use:   "image NAME --entrypoint PART|PROGRAM [--platform OS/ARCH...] [--layout DIR] [--tarball FILE] [--push REF] [--kubernetes FILE]",
		Short: "Make an OCI image of an instance's current revision",
		Long: `image makes an OCI image of the instance NAME's current revision, without a
container engine: its programs (bin/), its rendered etc/ and an empty
var/, declared a volume, at the paths they have on this host, so that
the paths its configuration names hold in a container too. The image
runs --entrypoint: a systemd.service part's exec_start, or a program of
bin/ (needless when there is one program and no service). It runs as the
instance's user (buildout.user), with /etc/passwd naming it. Labels name
the instance, the revision, the lock's sha256 and the manifest's commit.
Every time in it is 1970 and every entry sorted, so that the same
revision makes the same image digest on any host.

The image goes to any of: --layout DIR (an OCI image layout, added to),
--tarball FILE (what docker load takes, named --tag or
assemble/NAME:REVISION), --push REF (a registry; credentials from the
Docker config, as docker login leaves them). Its digest is printed.

--kubernetes FILE writes what runs the instance's systemd.service parts
on Kubernetes from the image (named by digest): a Deployment each,
running its exec_start as the instance's user, with a Service for the
ports the part lists (ports); etc/ as a ConfigMap (and a Secret, for the
files others may not read) mounted where it is here; var/ as a
PersistentVolumeClaim of --var-size. kubectl apply -f FILE applies it.

The image holds what go.build parts built for this host's platform, with
cgo off unless a part says cgo = true: such a program needs the C
library, which the image does not hold. --platform OS/ARCH builds the
revision's go.build parts again for that platform, from its lock, as
verify does; several --platform give an image index of them (for a
layout or a registry: a tarball holds one image).`,
		Args: exactArgs(1, "one instance name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if io.Layout == "" && io.Tarball == "" && io.Push == "" {
				return usageError{fmt.Errorf("image: say where the image goes: --layout DIR, --tarball FILE or --push REF")}
			}
			rep, err := assembler.Image(context.Background(), g.options(args[0]), io)
			g.done()
			if err != nil {
				return err
			}
			if g.json {
				return writeJSON(g.stdout, rep)
			}
			what := "image"
			if rep.Platforms > 1 {
				what = fmt.Sprintf("index of %d images", rep.Platforms)
			}
			fmt.Fprintf(g.stdout, "instance %s: revision %s: %s %s\n", rep.Instance, rep.Revision, what, rep.Digest)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&io.Entrypoint, "entrypoint", "", "what the image runs: a systemd.service `PART`, or a program of bin/")
	f.StringVar(&io.Layout, "layout", "", "add the image to the OCI image layout `DIR`")
	f.StringVar(&io.Tarball, "tarball", "", "write the image as a tarball docker load takes to `FILE`")
	f.StringVar(&io.Push, "push", "", "push the image to the registry `REF`, like registry.example.com/lab/server:1")
	f.StringVar(&io.Tag, "tag", "", "the image's name in the tarball (default assemble/NAME:REVISION)")
	f.StringVar(&io.Kubernetes, "kubernetes", "", "write to `FILE` the Kubernetes objects that run the instance's services from the image")
	f.StringVar(&io.VarSize, "var-size", "1Gi", "the storage var/ claims on Kubernetes")
	f.StringArrayVar(&io.Platforms, "platform", nil, "build for `OS/ARCH`, like linux/arm64 (repeatable: an image index; default this host's)")
	f.BoolVar(&g.json, "json", false, "print the report as JSON")
	return cmd
}
