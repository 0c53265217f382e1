package plugin

import (
	"context"
	"fmt"
	"io/fs"
	"os"

	"github.com/zclconf/go-cty/cty/function"
	"google.golang.org/grpc"
)

// remoteHost is the host of a step, in a recipe program: each call goes
// back to assemble, which makes the change in the instance. The program
// runs on the same machine, so a directory it fills (StageDir, Store)
// is handed over by its path.
type remoteHost struct {
	conn *grpc.ClientConn
}

func (h *remoteHost) call(method string, a any, result any) error {
	return invoke(context.Background(), h.conn, hostService, &call{Method: method, Args: args(a)}, result)
}

type fileArgs struct {
	Path   string      `json:"path"`
	Data   []byte      `json:"data,omitempty"`
	Mode   fs.FileMode `json:"mode,omitempty"`
	From   string      `json:"from,omitempty"` // a file or directory the program made
	Target string      `json:"target,omitempty"`
}

type runArgs struct {
	Argv []string          `json:"argv"`
	Dir  string            `json:"dir"`
	Env  map[string]string `json:"env,omitempty"`
	User bool              `json:"as_user,omitempty"`
}

func (h *remoteHost) WriteFile(path string, data []byte, mode fs.FileMode) error {
	return h.call("write_file", fileArgs{Path: path, Data: data, Mode: mode}, nil)
}

func (h *remoteHost) CopyFile(src, path string, mode fs.FileMode) error {
	return h.call("copy_file", fileArgs{Path: path, From: src, Mode: mode}, nil)
}

func (h *remoteHost) Symlink(target, path string) error {
	return h.call("symlink", fileArgs{Path: path, Target: target}, nil)
}

func (h *remoteHost) Mkdir(path string, mode fs.FileMode) error {
	return h.call("mkdir", fileArgs{Path: path, Mode: mode}, nil)
}

// StageDir fills a directory of the program's own, and has assemble
// stage it.
func (h *remoteHost) StageDir(path string, fill func(dir string) error) error {
	dir, err := os.MkdirTemp("", "assemble-recipe-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := fill(dir); err != nil {
		return err
	}
	return h.call("stage_dir", fileArgs{Path: path, From: dir}, nil)
}

func (h *remoteHost) Track(path string) error {
	return h.call("track", fileArgs{Path: path}, nil)
}

func (h *remoteHost) Revision() string {
	var s string
	h.call("revision", nil, &s)
	return s
}

func (h *remoteHost) Bin(name, file string) error {
	return h.call("bin", fileArgs{Path: name, From: file}, nil)
}

// Store fills the entry in a directory of the program's own when the
// store has none.
func (h *remoteHost) Store(key string, build func(dir string) error) (string, error) {
	if dir, ok := h.Stored(key); ok {
		return dir, nil
	}
	tmp, err := os.MkdirTemp("", "assemble-recipe-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	if err := build(tmp); err != nil {
		return "", err
	}
	var dir string
	err = h.call("store", fileArgs{Path: key, From: tmp}, &dir)
	return dir, err
}

func (h *remoteHost) Stored(key string) (string, bool) {
	var r struct {
		Dir string `json:"dir"`
		OK  bool   `json:"ok"`
	}
	if err := h.call("stored", fileArgs{Path: key}, &r); err != nil {
		return "", false
	}
	return r.Dir, r.OK
}

func (h *remoteHost) Cache(name string) string {
	var s string
	h.call("cache", fileArgs{Path: name}, &s)
	return s
}

func (h *remoteHost) Offline() bool {
	var b bool
	h.call("offline", nil, &b)
	return b
}

func (h *remoteHost) Go(ctx context.Context, dir string, env map[string]string, goArgs ...string) error {
	return h.call("go", runArgs{Argv: goArgs, Dir: dir, Env: env}, nil)
}

func (h *remoteHost) Run(ctx context.Context, argv []string, dir string, env map[string]string) error {
	return h.call("run", runArgs{Argv: argv, Dir: dir, Env: env}, nil)
}

func (h *remoteHost) RunAsUser(ctx context.Context, argv []string, dir string, env map[string]string) error {
	return h.call("run", runArgs{Argv: argv, Dir: dir, Env: env, User: true}, nil)
}

// Functions are the template functions of assemble's own process; a
// recipe program has its own.
func (h *remoteHost) Functions() map[string]function.Function { return nil }

func (h *remoteHost) Progress(format string, a ...any) {
	h.call("progress", fmt.Sprintf(format, a...), nil)
}

func (h *remoteHost) Changed() bool {
	var b bool
	h.call("changed", nil, &b)
	return b
}
