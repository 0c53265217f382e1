package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestKill kills real installs with SIGKILL at many points (while the
// config is evaluated and versions resolved, while go build runs, before
// and after the switch, during activation) and checks after each that
// the instance is on a complete revision, that the next install finishes
// and leaves no process of the killed one and no temporary directory,
// and that verify finds nothing wrong.
func TestKill(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and repairs some forty installs")
	}
	t.Parallel()
	lab := newKillLab(t)
	lab.install(t, 0)
	// The time of an install like the killed ones: a first builds more.
	start := time.Now()
	lab.install(t, 1000)
	full := time.Since(start)
	kills, duringBuild := 0, 0
	for i, pt := range killPoints(full) {
		n := i + 1
		t.Logf("kill %d: %s", n, pt.name)
		procs, killed, inBuild := lab.killed(t, n, pt)
		if killed {
			kills++
		}
		if inBuild {
			duringBuild++
		}
		lab.checkCurrent(t, n)
		lab.install(t, n)
		lab.checkGone(t, n, procs)
		lab.checkNoTemp(t, n)
		lab.verify(t, n)
	}
	if kills < 30 || duringBuild < 5 {
		t.Errorf("%d installs were killed, %d while go build ran; want 30 or more, and 5 or more", kills, duringBuild)
	}
}

// killPoint is when to kill an install: at a failpoint (see
// apply.failpoint), or once its progress has a line (and, with child,
// once it runs a program), after a delay.
type killPoint struct {
	name      string
	failpoint string
	line      string
	child     bool
	after     time.Duration
}

// killPoints spreads the kills over an install that takes full.
func killPoints(full time.Duration) []killPoint {
	var pts []killPoint
	for _, fp := range []string{"building", "before-commit", "before-switch", "after-switch", "finishing"} {
		for range 2 {
			pts = append(pts, killPoint{name: "failpoint " + fp, failpoint: fp})
		}
	}
	for i := range 16 {
		d := full * time.Duration(i) / 18
		pts = append(pts, killPoint{name: fmt.Sprintf("after %v", d.Round(time.Millisecond)), after: d})
	}
	for _, d := range []time.Duration{0, 25, 50, 100, 200, 300} {
		d *= time.Millisecond
		pts = append(pts, killPoint{name: fmt.Sprintf("%v into go build", d), line: "building", child: true, after: d})
	}
	for _, d := range []time.Duration{0, 100} {
		d *= time.Millisecond
		pts = append(pts, killPoint{name: fmt.Sprintf("%v into activation", d), line: "activate check", after: d})
	}
	return pts
}

// killLab is an instance, and the assemble command built to install it.
type killLab struct {
	bin, dir, root, config string
	env                    []string
}

func newKillLab(t *testing.T) *killLab {
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	lab := &killLab{bin: filepath.Join(dir, "assemble"), dir: dir, root: filepath.Join(dir, "root"), config: filepath.Join(dir, "lab.hcl")}
	if out, err := exec.Command("go", "build", "-o", lab.bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	static := filepath.Join(repo, "configs", "downloads", "lava-static-1.0.tar.gz")
	cfg := strings.ReplaceAll(killConfig, "STATIC", static)
	if err := os.WriteFile(lab.config, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GO") && !strings.HasPrefix(kv, "ASSEMBLE_") {
			lab.env = append(lab.env, kv)
		}
	}
	gocache, _ := exec.Command("go", "env", "GOCACHE").Output()
	lab.env = append(lab.env, "GOPROXY=file://"+filepath.ToSlash(filepath.Join(repo, "testdata", "proxy")),
		"GOSUMDB=off", "GOMODCACHE="+filepath.Join(dir, "modcache"), "GOCACHE="+strings.TrimSpace(string(gocache)),
		"GOTOOLCHAIN=local", "ASSEMBLE_ROOT="+lab.root)
	return lab
}

// killConfig changes with n: a new build of the server (its ldflags),
// versions resolved again (the dispatcher's constraint), a file, and an
// activation step.
const killConfig = `
variable "n" {
  type = number
}

part "server" {
  recipe   = "go.build"
  module   = "example.com/lava/server"
  version  = "^1.4"
  packages = ["./cmd/lava-server"]
  ldflags  = "-X main.run=${var.n}"
}

part "dispatcher" {
  recipe   = "go.build"
  module   = "example.com/lava/dispatcher"
  version  = var.n % 2 == 0 ? "^1.2" : ">= 1.2, < 2"
  packages = ["./cmd/lava-dispatcher"]
}

part "settings" {
  recipe  = "file"
  target  = "${instance.etc}/settings.conf"
  content = "[server]\nrun = ${var.n}\n"
}

part "static" {
  recipe           = "download"
  url              = "file://STATIC"
  sha256           = "9f8b09dfa8fb94debe9c4d49dde7f2687e94a2222e246535dfddb7a54f05cc45"
  extract          = true
  strip_components = 1
  target           = "${instance.var}/static"
}

part "check" {
  recipe   = "command"
  activate = ["sh", "-c", "sleep 0.3 && exec ${part.server.bin["lava-server"]} --check --config ${part.settings.path}"]
}
`

func (lab *killLab) command(n int, args ...string) *exec.Cmd {
	cmd := exec.Command(lab.bin, args...)
	cmd.Env = append(lab.env, fmt.Sprintf("ASSEMBLE_VAR_n=%d", n))
	return cmd
}

func (lab *killLab) install(t *testing.T, n int) {
	t.Helper()
	if out, err := lab.command(n, "install", "lab", "-c", lab.config).CombinedOutput(); err != nil {
		t.Fatalf("run %d: the install after the kill: %v\n%s", n, err, out)
	}
}

func (lab *killLab) verify(t *testing.T, n int) {
	t.Helper()
	if out, err := lab.command(n, "verify", "lab").CombinedOutput(); err != nil {
		t.Fatalf("run %d: verify after the install that followed the kill: %v\n%s", n, err, out)
	}
}

// proc is a process, by its pid and start time: a pid alone may be
// another process's by the time it is looked at again.
type proc struct {
	pid   int
	start string
	comm  string
}

// killed starts install n and kills it at pt. It returns the processes
// the install had started, whether it was killed (it may have ended
// first), and whether go build was running.
func (lab *killLab) killed(t *testing.T, n int, pt killPoint) (procs []proc, killed, inBuild bool) {
	t.Helper()
	cmd := lab.command(n, "install", "lab", "-c", lab.config)
	if pt.failpoint != "" {
		cmd.Env = append(cmd.Env, "ASSEMBLE_FAILPOINT="+pt.failpoint)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	if pt.failpoint == "" {
		lab.await(t, n, cmd.Process.Pid, pt, lines)
		procs = descendants(cmd.Process.Pid)
		cmd.Process.Signal(syscall.SIGKILL)
	}
	for range lines {
	}
	err = cmd.Wait()
	ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
	killed = ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
	if !killed {
		t.Logf("run %d (%s): the install ended before it was killed: %v", n, pt.name, err)
	}
	for _, p := range procs {
		inBuild = inBuild || p.comm == "go"
	}
	return procs, killed, inBuild
}

// await waits for the moment pt names in the install's progress.
func (lab *killLab) await(t *testing.T, n, pid int, pt killPoint, lines <-chan string) {
	t.Helper()
	if pt.line != "" {
		for l := range lines {
			if strings.Contains(l, pt.line) {
				break
			}
		}
	}
	for deadline := time.Now().Add(10 * time.Second); pt.child && len(descendants(pid)) == 0; {
		if time.Now().After(deadline) {
			t.Fatalf("run %d (%s): the install ran no program", n, pt.name)
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(pt.after)
}

// descendants lists the processes below pid.
func descendants(pid int) []proc {
	var out []proc
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	for _, f := range tasks {
		data, _ := os.ReadFile(f)
		for _, field := range strings.Fields(string(data)) {
			child, err := strconv.Atoi(field)
			if err != nil {
				continue
			}
			if p, ok := stat(child); ok {
				out = append(out, p)
			}
			out = append(out, descendants(child)...)
		}
	}
	return out
}

// stat reads what identifies a live process: not one that is gone, or a
// zombie (dead, and not yet reaped).
func stat(pid int) (proc, bool) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return proc{}, false
	}
	// pid (comm) state … with the start time the 22nd field.
	open, end := bytes.IndexByte(data, '('), bytes.LastIndexByte(data, ')')
	if open < 0 || end < open {
		return proc{}, false
	}
	fields := strings.Fields(string(data[end+1:]))
	if len(fields) < 20 || fields[0] == "Z" || fields[0] == "X" {
		return proc{}, false
	}
	return proc{pid: pid, start: fields[19], comm: string(data[open+1 : end])}, true
}

// checkCurrent checks that the instance is on a complete revision.
func (lab *killLab) checkCurrent(t *testing.T, n int) {
	t.Helper()
	inst := filepath.Join(lab.root, "instances", "lab")
	rev, err := filepath.EvalSymlinks(filepath.Join(inst, "code", "current"))
	if err != nil {
		t.Fatalf("run %d: after the kill, code/current: %v", n, err)
	}
	for _, f := range []string{"parts.json", "assemble.lock", "bin/lava-server", "bin/lava-dispatcher", "bin/activate"} {
		if _, err := os.Stat(filepath.Join(rev, f)); err != nil {
			t.Errorf("run %d: after the kill, the current revision %s is not complete: %v", n, filepath.Base(rev), err)
		}
	}
	if _, err := os.Stat(filepath.Join(inst, "etc", "settings.conf")); err != nil {
		t.Errorf("run %d: after the kill: %v", n, err)
	}
}

// checkGone checks that none of the killed install's programs runs once
// the next install has run.
func (lab *killLab) checkGone(t *testing.T, n int, procs []proc) {
	t.Helper()
	for _, p := range procs {
		if now, ok := stat(p.pid); ok && now.start == p.start {
			t.Errorf("run %d: %s (pid %d), started by the killed install, still runs", n, p.comm, p.pid)
		}
	}
}

// checkNoTemp checks that nothing the killed install left half-made is
// still there.
func (lab *killLab) checkNoTemp(t *testing.T, n int) {
	t.Helper()
	inst := filepath.Join(lab.root, "instances", "lab")
	for _, pattern := range []string{
		filepath.Join(inst, "code", ".*"),
		filepath.Join(inst, ".assemble", "staging"),
		filepath.Join(inst, ".assemble", "journal.json"),
		filepath.Join(inst, ".assemble", "children"),
		filepath.Join(inst, ".assemble", "state.json.next"),
		filepath.Join(lab.root, "store", ".*"),
		filepath.Join(lab.root, "cache", "download", ".*"),
	} {
		if left, _ := filepath.Glob(pattern); len(left) > 0 {
			t.Errorf("run %d: the install after the kill left %v", n, left)
		}
	}
}
