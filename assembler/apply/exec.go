package apply

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"github.com/assemble-build/assemble/assembler/account"
)

// Run runs a program for the part, with the instance's bin first on PATH
// and the instance named in the environment.
func (h *host) Run(ctx context.Context, argv []string, dir string, env map[string]string) error {
	return h.runProgram(ctx, argv, dir, env, nil)
}

// RunAsUser runs a program as Run does, but as the instance's user when
// assemble runs as root for an instance with one.
func (h *host) RunAsUser(ctx context.Context, argv []string, dir string, env map[string]string) error {
	in := h.p.Part.Instance
	if in.User == "" || os.Geteuid() != 0 {
		return h.Run(ctx, argv, dir, env)
	}
	a, err := account.Lookup(in.User, in.Group)
	if err != nil {
		return h.errorf("%v", err)
	}
	env = maps.Clone(env)
	if env == nil {
		env = map[string]string{}
	}
	env["USER"], env["LOGNAME"], env["HOME"] = a.User, a.User, in.Dir
	return h.runProgram(ctx, argv, dir, env, a)
}

func (h *host) runProgram(ctx context.Context, argv []string, dir string, env map[string]string, as *account.Account) error {
	if h.phase == "install" {
		failpoint("building")
	}
	if !filepath.IsAbs(dir) {
		return h.errorf("%s is not an absolute directory", dir)
	}
	in := h.in
	bins := filepath.Join(in.Dir, "bin")
	if h.phase != "activate" {
		// The binaries of the revision being built are not current yet.
		bins = filepath.Join(h.rev, "bin") + string(filepath.ListSeparator) + bins
	}
	path := bins + string(filepath.ListSeparator) + os.Getenv("PATH")
	environ := append(os.Environ(),
		"PATH="+path,
		"ASSEMBLE_INSTANCE="+in.Name,
		"ASSEMBLE_INSTANCE_DIR="+in.Dir,
		"ASSEMBLE_REVISION="+filepath.Base(h.rev),
	)
	for k, v := range env {
		environ = append(environ, k+"="+v)
	}
	shown := strings.Join(argv, " ")
	if err := h.run(ctx, append([]string{lookPath(argv[0], path)}, argv[1:]...), dir, environ, nil, as); err != nil {
		return fmt.Errorf("%s: %w", shown, err)
	}
	return nil
}

// lookPath finds a program in path, the part's PATH, where exec.Command
// would look in this process's.
func lookPath(name, path string) string {
	if strings.Contains(name, "/") {
		return name
	}
	for _, d := range filepath.SplitList(path) {
		p := filepath.Join(d, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	return name
}

// run runs a program, as account as when not nil, with its output in the
// run's log, and in the error, shortened, when it fails. Its standard
// output goes through stdout, when not nil, on its way.
func (h *host) run(ctx context.Context, argv []string, dir string, environ []string, stdout func(io.Writer) io.Writer, as *account.Account) error {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = environ
	cmd.SysProcAttr = childAttr()
	if as != nil {
		cmd.SysProcAttr = asAccount(cmd.SysProcAttr, as)
	}
	cmd.Cancel = func() error { return killGroup(cmd.Process.Pid) }
	fmt.Fprintf(h.log, "== %s: %s\n", h.p.Part.Name, strings.Join(argv, " "))
	var out lockedBuffer // stdout and stderr are copied by goroutines of their own
	w := io.MultiWriter(&out, h.log)
	cmd.Stdout, cmd.Stderr = w, w
	if stdout != nil {
		cmd.Stdout = stdout(w)
	}
	err := cmd.Start()
	if err == nil {
		ended := h.started(cmd.Process.Pid)
		err = cmd.Wait()
		ended()
	}
	if err != nil {
		if o := tail(out.String(), 30); o != "" {
			return fmt.Errorf("%v; its output ends:\n%s", err, o)
		}
		return err
	}
	return nil
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{"…"}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

// lockedBuffer is a buffer two goroutines may write at once.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
