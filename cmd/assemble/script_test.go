package main

import (
	"archive/tar"
	"bytes"
	"debug/elf"
	"io"
	"log"
	"net/http/httptest"

	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"os"
	"os/exec"
	"path/filepath"
	"sigs.k8s.io/yaml"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"

	"github.com/assemble-build/assemble/assembler/archive"
	"github.com/assemble-build/assemble/assembler/instance"
	"github.com/assemble-build/assemble/internal/testenv"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"assemble": func() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
	})
}

// TestScript runs the command-line tests in testdata/script, the way the
// go command tests itself. Each script sees $REPO, the repository root,
// for the bundled configs.
func TestScript(t *testing.T) {
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("go", "env", "GOCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	gocache := strings.TrimSpace(string(out))
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join(repo, "testdata", "script"),
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("REPO", repo)
			// Modules come from the committed proxy into a cache of the
			// script's own; builds share the user's build cache.
			env.Setenv("GOPROXY", "file://"+filepath.ToSlash(filepath.Join(repo, "testdata", "proxy")))
			env.Setenv("GOSUMDB", "off")
			env.Setenv("GOMODCACHE", filepath.Join(env.WorkDir, ".modcache"))
			env.Setenv("GOCACHE", gocache)
			env.Setenv("GOTOOLCHAIN", "local")
			env.Setenv("ASSEMBLE_ROOT", filepath.Join(env.WorkDir, "root"))
			return nil
		},
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "mounts":
				// Mounting a small file system, in a namespace of the
				// test's own, lets a test fill a disk for real.
				err := exec.Command("unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt").Run()
				return err == nil, nil
			case "postgres":
				// In CI a missing server fails the script instead.
				return testenv.PostgresInstalled() || os.Getenv("CI") == "true", nil
			case "root":
				// Root makes the system users buildout.user asks for. In
				// CI, which runs as root, a missing useradd fails instead.
				_, err := exec.LookPath("useradd")
				return os.Geteuid() == 0 && (err == nil || os.Getenv("CI") == "true"), nil
			case "systemd":
				// systemd manages this system (sd_booted).
				_, err := os.Stat("/run/systemd/system")
				return err == nil, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits":      cmdExits,
			"tamper":     cmdTamper,
			"checkout":   cmdCheckout,
			"hold":       cmdHold,
			"release":    cmdRelease,
			"targz":      cmdTargz,
			"sha256env":  cmdSha256Env,
			"flipbyte":   cmdFlipByte,
			"postgres":   cmdPostgres,
			"unpack":     cmdUnpack,
			"userdel":    cmdUserdel,
			"sharedroot": cmdSharedRoot,
			"selfproxy":  cmdSelfProxy,
			"registry":   cmdRegistry,
			"pullimage":  cmdPullImage,
			"kubecheck":  cmdKubeCheck,
			"pullindex":  cmdPullIndex,
		},
	})
}

// cmdExits runs a program and checks its exit status:
//
//	exits 3 assemble annotate -c bad.hcl
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits STATUS program [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: bad status %q", args[0])
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("exits: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited with status %d, want %d", args[1], got, want)
	}
}

// cmdTamper re-publishes a module version in a proxy directory with
// different content, as a compromised proxy would:
//
//	tamper $WORK/proxy example.com/lava/common v1.1.0
func cmdTamper(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: tamper PROXYDIR MODULE VERSION")
	}
	testenv.Republish(scriptTB{ts}, ts.MkAbs(args[0]), args[1], args[2], map[string]string{
		"go.mod":  "module " + args[1] + "\n\ngo 1.21\n",
		"evil.go": "package common\n\nconst Release = \"evil\"\n\nfunc Describe() string { return Release }\n",
	})
}

// cmdFlipByte changes one byte of a file, read-only or not, as a disk
// error or an intruder would:
//
//	flipbyte FILE OFFSET
func cmdFlipByte(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: flipbyte FILE OFFSET")
	}
	path := ts.MkAbs(args[0])
	off, err := strconv.ParseInt(args[1], 10, 64)
	ts.Check(err)
	fi, err := os.Stat(path)
	ts.Check(err)
	ts.Check(os.Chmod(path, fi.Mode()|0o200))
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	ts.Check(err)
	defer f.Close()
	b := make([]byte, 1)
	_, err = f.ReadAt(b, off)
	ts.Check(err)
	b[0] ^= 0xff
	_, err = f.WriteAt(b, off)
	ts.Check(err)
	ts.Check(os.Chmod(path, fi.Mode()))
}

// scriptTB lets test helpers fail a script.
type scriptTB struct{ *testscript.TestScript }

func (s scriptTB) Helper()                      {}
func (s scriptTB) Fatal(args ...any)            { s.Fatalf("%s", fmt.Sprint(args...)) }
func (s scriptTB) Fatalf(f string, args ...any) { s.TestScript.Fatalf(f, args...) }

// cmdCheckout extracts a module version from the test proxy into a
// directory, as a developer's clone of it would be:
//
//	checkout example.com/lava/common@v1.2.0 $ASSEMBLE_ROOT/instances/dev/code/local/whatever
func cmdCheckout(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: checkout MODULE@VERSION DIR")
	}
	path, version, ok := strings.Cut(args[0], "@")
	if !ok {
		ts.Fatalf("checkout: want MODULE@VERSION")
	}
	enc, err := module.EscapePath(path)
	ts.Check(err)
	zipfile := filepath.Join(testenv.ProxyDir(), filepath.FromSlash(enc), "@v", version+".zip")
	ts.Check(modzip.Unzip(ts.MkAbs(args[1]), module.Version{Path: path, Version: version}, zipfile))
	// Unzip makes files read-only, as in the module cache; a checkout
	// is for editing.
	ts.Check(filepath.Walk(ts.MkAbs(args[1]), func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Chmod(p, fi.Mode()|0o200)
	}))
}

// held are the instances scripts hold, by work directory and instance;
// scripts run in parallel.
var (
	heldMu sync.Mutex
	held   = map[string]*instance.Hold{}
)

// cmdHold takes an instance's lock, as another assemble would hold it,
// until release:
//
//	hold dev
func cmdHold(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: hold NAME")
	}
	in, err := instance.Open(ts.Getenv("ASSEMBLE_ROOT"), args[0])
	ts.Check(err)
	hold, err := in.Acquire("assemble install "+args[0], 0)
	ts.Check(err)
	heldMu.Lock()
	held[ts.Getenv("WORK")+args[0]] = hold
	heldMu.Unlock()
	ts.Defer(hold.Release)
}

// cmdRelease releases a lock hold took.
func cmdRelease(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: release NAME")
	}
	key := ts.Getenv("WORK") + args[0]
	heldMu.Lock()
	defer heldMu.Unlock()
	if hold := held[key]; hold != nil {
		hold.Release()
	}
	delete(held, key)
}

// cmdTargz writes a .tar.gz of a directory with fixed times, so that its
// bytes, and so its sha256, are the same on every run:
//
//	targz archive.tar.gz dir
func cmdTargz(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: targz OUT DIR")
	}
	f, err := os.Create(ts.MkAbs(args[0]))
	ts.Check(err)
	defer f.Close()
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	root := ts.MkAbs(args[1])
	ts.Check(filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err != nil || p == root {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		hdr := &tar.Header{Name: filepath.ToSlash(rel), Mode: 0o644, ModTime: time.Unix(0, 0), Size: fi.Size(), Typeflag: tar.TypeReg}
		if fi.IsDir() {
			hdr.Name += "/"
			hdr.Mode, hdr.Size, hdr.Typeflag = 0o755, 0, tar.TypeDir
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if fi.IsDir() {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		_, err = tw.Write(data)
		return err
	}))
	ts.Check(tw.Close())
	ts.Check(gz.Close())
}

// cmdSha256Env sets an environment variable to a file's sha256:
//
//	sha256env SUM file
func cmdSha256Env(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: sha256env VAR FILE")
	}
	data, err := os.ReadFile(ts.MkAbs(args[1]))
	ts.Check(err)
	sum := sha256.Sum256(data)
	ts.Setenv(args[0], hex.EncodeToString(sum[:]))
}

// cmdPostgres starts a PostgreSQL server of the script's own, stopped
// when the script ends, and points the libpq environment (PGHOST…) at it
// as its superuser, who needs no password; other roles do.
func cmdPostgres(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) > 0 {
		ts.Fatalf("usage: postgres")
	}
	pg, stop, err := testenv.StartPostgresIn("") // $WORK is not open to the server's user
	if err != nil {
		ts.Fatalf("postgres: %v", err)
	}
	ts.Defer(stop)
	for _, kv := range pg.Env() {
		k, v, _ := strings.Cut(kv, "=")
		ts.Setenv(k, v)
	}
	ts.Setenv("PGBIN", pg.Bin)
}

// cmdUnpack extracts a backup archive into a directory, checking it
// against its manifest, as restore reads it:
//
//	unpack backup.tar.zst out
func cmdUnpack(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: unpack ARCHIVE DIR")
	}
	f, err := os.Open(ts.MkAbs(args[0]))
	ts.Check(err)
	defer f.Close()
	dir := ts.MkAbs(args[1])
	ts.Check(os.MkdirAll(dir, 0o755))
	m, err := archive.Extract(f, dir)
	ts.Check(err)
	ts.Logf("unpacked %d entries of instance %s, revision %s; dumps %v", len(m.Files), m.Instance, m.Revision, m.Dumps)
}

// cmdUserdel deletes system users a script makes, now if they exist
// (left by a run cut short) and again when the script ends:
//
//	userdel asmt-lab
func cmdUserdel(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: userdel NAME...")
	}
	del := func() {
		for _, name := range args {
			if exec.Command("id", "-u", name).Run() == nil {
				if out, err := exec.Command("userdel", name).CombinedOutput(); err != nil {
					ts.Logf("userdel %s: %v: %s", name, err, out)
				}
			}
		}
	}
	del()
	ts.Defer(del)
}

// cmdSharedRoot points ASSEMBLE_ROOT at a directory other users can
// reach, unlike $WORK, for an instance whose user runs a server there;
// it is removed when the script ends:
//
//	sharedroot
func cmdSharedRoot(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) > 0 {
		ts.Fatalf("usage: sharedroot")
	}
	dir, err := os.MkdirTemp("", "assemble-root-")
	ts.Check(err)
	ts.Check(os.Chmod(dir, 0o755))
	ts.Defer(func() {
		// The store's entries are read-only.
		filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
			if err == nil && fi.IsDir() {
				os.Chmod(p, 0o755)
			}
			return nil
		})
		os.RemoveAll(dir)
	})
	ts.Setenv("ASSEMBLE_ROOT", dir)
}

// selfVersion is the version the tests serve this repository at, which
// the recipe modules in testdata/mod require.
const selfVersion = "v0.0.0-20260101000000-000000000000"

// cmdSelfProxy serves this repository as a module, for the recipe
// modules in testdata/mod that import its recipes/plugin, and adds it
// and the module cache of the go command running the tests (which holds
// this repository's dependencies) to GOPROXY, behind the test proxy:
//
//	selfproxy
func cmdSelfProxy(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) > 0 {
		ts.Fatalf("usage: selfproxy")
	}
	repo := ts.Getenv("REPO")
	dir := ts.MkAbs("selfproxy")
	mod := module.Version{Path: "github.com/assemble-build/assemble", Version: selfVersion}
	vdir := filepath.Join(dir, "github.com", "assemble-build", "assemble", "@v")
	ts.Check(os.MkdirAll(vdir, 0o755))
	f, err := os.Create(filepath.Join(vdir, selfVersion+".zip"))
	ts.Check(err)
	ts.Check(modzip.CreateFromDir(f, mod, repo))
	ts.Check(f.Close())
	gomod, err := os.ReadFile(filepath.Join(repo, "go.mod"))
	ts.Check(err)
	ts.Check(os.WriteFile(filepath.Join(vdir, selfVersion+".mod"), gomod, 0o644))
	ts.Check(os.WriteFile(filepath.Join(vdir, selfVersion+".info"), []byte(`{"Version":"`+selfVersion+`","Time":"2026-01-01T00:00:00Z"}`), 0o644))
	ts.Check(os.WriteFile(filepath.Join(vdir, "list"), []byte(selfVersion+"\n"), 0o644))
	out, err := exec.Command("go", "env", "GOMODCACHE").Output()
	ts.Check(err)
	cache := filepath.Join(strings.TrimSpace(string(out)), "cache", "download")
	ts.Setenv("GOPROXY", ts.Getenv("GOPROXY")+",file://"+filepath.ToSlash(dir)+",file://"+filepath.ToSlash(cache))
}

// cmdRegistry starts go-containerregistry's registry in the test, and
// sets REGISTRY to its host:port:
//
//	registry
func cmdRegistry(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) > 0 {
		ts.Fatalf("usage: registry")
	}
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	ts.Defer(srv.Close)
	ts.Setenv("REGISTRY", strings.TrimPrefix(srv.URL, "http://"))
}

// cmdPullImage pulls an image, prints its digest and config, and
// unpacks its file system into DIR:
//
//	pullimage REF DIR
func cmdPullImage(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: pullimage REF DIR")
	}
	ref, err := name.ParseReference(args[0])
	ts.Check(err)
	img, err := remote.Image(ref)
	ts.Check(err)
	digest, err := img.Digest()
	ts.Check(err)
	cfg, err := img.ConfigFile()
	ts.Check(err)
	fmt.Fprintf(ts.Stdout(), "digest %s\nuser %s\nentrypoint %s\nworkdir %s\nos %s/%s\ncreated %s\n",
		digest, cfg.Config.User, strings.Join(cfg.Config.Entrypoint, " "), cfg.Config.WorkingDir, cfg.OS, cfg.Architecture, cfg.Created.UTC().Format(time.RFC3339))
	for v := range cfg.Config.Volumes {
		fmt.Fprintf(ts.Stdout(), "volume %s\n", v)
	}
	for k, v := range cfg.Config.Labels {
		fmt.Fprintf(ts.Stdout(), "label %s=%s\n", k, v)
	}
	dir := ts.MkAbs(args[1])
	root, err := os.OpenRoot(dir)
	if os.IsNotExist(err) {
		ts.Check(os.MkdirAll(dir, 0o755))
		root, err = os.OpenRoot(dir)
	}
	ts.Check(err)
	defer root.Close()
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		ts.Check(err)
		name := strings.TrimSuffix(hdr.Name, "/")
		switch hdr.Typeflag {
		case tar.TypeDir:
			ts.Check(root.MkdirAll(name, 0o755))
		case tar.TypeReg:
			ts.Check(root.MkdirAll(filepath.Dir(name), 0o755))
			f, err := root.OpenFile(name, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, os.FileMode(hdr.Mode)&0o777)
			ts.Check(err)
			_, err = io.Copy(f, tr)
			ts.Check(err)
			ts.Check(f.Close())
		}
	}
}

// cmdKubeCheck decodes a YAML stream of Kubernetes objects into the
// official API types, strictly (an unknown field fails), and prints a
// line for each: kind, name, and what it runs or holds.
//
//	kubecheck FILE
func cmdKubeCheck(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: kubecheck FILE")
	}
	data, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	for _, doc := range strings.Split(string(data), "---\n") {
		if strings.TrimSpace(doc) == "" {
			continue
		}
		var tm metav1.TypeMeta
		ts.Check(yaml.Unmarshal([]byte(doc), &tm))
		var line string
		switch tm.Kind {
		case "Deployment":
			var d appsv1.Deployment
			ts.Check(yaml.UnmarshalStrict([]byte(doc), &d))
			c := d.Spec.Template.Spec.Containers[0]
			line = fmt.Sprintf("Deployment %s image=%s command=%s", d.Name, c.Image, strings.Join(c.Command, " "))
		case "Service":
			var sv corev1.Service
			ts.Check(yaml.UnmarshalStrict([]byte(doc), &sv))
			line = fmt.Sprintf("Service %s port=%d", sv.Name, sv.Spec.Ports[0].Port)
		case "ConfigMap":
			var cm corev1.ConfigMap
			ts.Check(yaml.UnmarshalStrict([]byte(doc), &cm))
			line = fmt.Sprintf("ConfigMap %s files=%d", cm.Name, len(cm.Data))
		case "Secret":
			var sc corev1.Secret
			ts.Check(yaml.UnmarshalStrict([]byte(doc), &sc))
			line = fmt.Sprintf("Secret %s files=%d", sc.Name, len(sc.Data))
		case "PersistentVolumeClaim":
			var pvc corev1.PersistentVolumeClaim
			ts.Check(yaml.UnmarshalStrict([]byte(doc), &pvc))
			q := pvc.Spec.Resources.Requests[corev1.ResourceStorage]
			line = fmt.Sprintf("PersistentVolumeClaim %s size=%s", pvc.Name, q.String())
		default:
			ts.Fatalf("kubecheck: unexpected kind %q", tm.Kind)
		}
		fmt.Fprintln(ts.Stdout(), line)
	}
}

// cmdPullIndex pulls an image index and prints each image's platform,
// digest, and the ELF machine of the file at PATH in it, if one is
// given:
//
//	pullindex REF [PATH]
func cmdPullIndex(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: pullindex REF [PATH]")
	}
	ref, err := name.ParseReference(args[0])
	ts.Check(err)
	idx, err := remote.Index(ref)
	ts.Check(err)
	m, err := idx.IndexManifest()
	ts.Check(err)
	for _, d := range m.Manifests {
		line := fmt.Sprintf("platform %s/%s digest %s", d.Platform.OS, d.Platform.Architecture, d.Digest)
		if len(args) == 2 {
			img, err := idx.Image(d.Digest)
			ts.Check(err)
			line += " machine " + elfMachine(ts, img, strings.TrimPrefix(args[1], "/"))
		}
		fmt.Fprintln(ts.Stdout(), line)
	}
}

// elfMachine is the machine of the ELF file at path in img.
func elfMachine(ts *testscript.TestScript, img v1.Image, path string) string {
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			ts.Fatalf("elfMachine: no %s in the image", path)
		}
		ts.Check(err)
		if hdr.Name != path {
			continue
		}
		data, err := io.ReadAll(tr)
		ts.Check(err)
		f, err := elf.NewFile(bytes.NewReader(data))
		ts.Check(err)
		return f.Machine.String()
	}
}
