package builtin

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/zclconf/go-cty/cty"

	"github.com/assemble-build/assemble/recipes/recipe"
)

// Cluster is a PostgreSQL server of the instance's own: its data under
// var/, its socket under run/, owned by the instance's user, so that a
// developer's instance needs no shared server. pg_ctl starts it at
// install (the databases made on it are made then), and again whenever
// an install or a backup finds it stopped; it stops when the part goes
// or the instance is removed. With systemd set, a systemd.service part
// runs it from exec_start instead, and the server the install started
// stops at activation for the unit to take over.
type Cluster struct {
	mu      sync.Mutex
	started map[string]bool // data directories this process started
}

var clusterSpec = &recipe.Spec{
	Name: "postgresql.cluster",
	Doc:  "A PostgreSQL server of the instance's own: initdb into var/, run by pg_ctl or a systemd unit.",
	Options: []recipe.Option{
		{Name: "port", Type: cty.Number, Required: true, Doc: "the port, which names its socket, and on which it listens where listen_addresses says"},
		{Name: "data_dir", Type: cty.String, Path: recipe.TargetPath, Doc: "the cluster's files (default: var/postgresql; left out of backups: its databases' dumps stand for them)"},
		{Name: "socket_dir", Type: cty.String, Path: recipe.TargetPath, Doc: "where its socket is, mode 0700: only the instance's user (and root) may connect (default: run/postgresql)"},
		{Name: "listen_addresses", Type: cty.String, Default: cty.StringVal(""), Doc: "TCP addresses it listens on, like \"localhost\" (default: none, the socket only)"},
		{Name: "settings", Type: cty.Map(cty.String), Default: cty.MapValEmpty(cty.String), Doc: "more server settings, as -c NAME=VALUE"},
		{Name: "bin_dir", Type: cty.String, Doc: "where PostgreSQL's programs are (default: the newest /usr/lib/postgresql/*/bin, else PATH)"},
		{Name: "systemd", Type: cty.Bool, Default: cty.False, Doc: "a systemd.service part runs the server from exec_start: the server an install starts stops at activation"},
	},
	Outputs: []recipe.Output{
		{Name: "host", Type: cty.String, Doc: "the socket directory, as libpq's host"},
		{Name: "port", Type: cty.Number, Doc: "the port"},
		{Name: "user", Type: cty.String, Doc: "its superuser: the instance's user, or whoever installs it"},
		{Name: "dsn", Type: cty.String, Doc: "a libpq connection string for the superuser: a postgresql.database part's server"},
		{Name: "data_dir", Type: cty.String, Doc: "the cluster's files"},
		{Name: "exec_start", Type: cty.List(cty.String), Doc: "the server in the foreground, for a systemd.service part"},
	},
}

func (*Cluster) Spec() *recipe.Spec { return clusterSpec }

func (*Cluster) Check(p *recipe.Part) []recipe.Problem {
	var probs []recipe.Problem
	if v := p.Options["port"]; p.Known("port") && !v.IsNull() {
		if n, acc := v.AsBigFloat().Int64(); acc != 0 || n < 1 || n > 65535 {
			probs = append(probs, recipe.Problem{Option: "port", Summary: "Invalid port", Detail: "port is a whole number from 1 to 65535."})
		}
	}
	if os.Geteuid() == 0 && p.Instance.Known && p.Instance.User == "" {
		probs = append(probs, recipe.Problem{Summary: "PostgreSQL does not run as root",
			Detail: "Installed as root, a postgresql.cluster part needs the instance's user to run the server as: set user in the buildout block."})
	}
	return probs
}

func (*Cluster) Outputs(p *recipe.Part) (map[string]cty.Value, error) {
	out := map[string]cty.Value{
		"host": cty.UnknownVal(cty.String), "port": p.Options["port"], "data_dir": cty.UnknownVal(cty.String),
		"user": cty.UnknownVal(cty.String), "dsn": cty.UnknownVal(cty.String), "exec_start": cty.UnknownVal(cty.List(cty.String)),
	}
	if !p.Instance.Known || !p.Options["port"].IsWhollyKnown() || !p.Known("socket_dir") || !p.Known("data_dir") || !p.Known("settings") || !p.Known("bin_dir") || !p.Known("listen_addresses") {
		return out, nil
	}
	su := superuser(p)
	out["host"], out["data_dir"], out["user"] = cty.StringVal(socketDir(p)), cty.StringVal(dataDir(p)), cty.StringVal(su)
	out["dsn"] = cty.StringVal(fmt.Sprintf("host=%s port=%s user=%s dbname=postgres", dsnValue(socketDir(p)), port(p), dsnValue(su)))
	var argv []cty.Value
	for _, a := range serverArgs(p) {
		argv = append(argv, cty.StringVal(a))
	}
	out["exec_start"] = cty.ListVal(argv)
	return out, nil
}

func dataDir(p *recipe.Part) string {
	return cmp.Or(p.String("data_dir"), filepath.Join(p.Instance.Var, "postgresql"))
}

func socketDir(p *recipe.Part) string {
	return cmp.Or(p.String("socket_dir"), filepath.Join(p.Instance.Run, "postgresql"))
}

// superuser is who runs initdb, and so the cluster's superuser.
func superuser(p *recipe.Part) string {
	if p.Instance.User != "" {
		return p.Instance.User
	}
	if name := os.Getenv("USER"); name != "" {
		return name
	}
	return "postgres"
}

func port(p *recipe.Part) string {
	n, _ := p.Options["port"].AsBigFloat().Int64()
	return strconv.FormatInt(n, 10)
}

// serverArgs runs the server in the foreground with the part's settings.
func serverArgs(p *recipe.Part) []string {
	args := []string{pgProgram(p, "postgres"), "-D", dataDir(p), "-p", port(p), "-k", socketDir(p),
		"-c", "listen_addresses=" + p.String("listen_addresses")}
	set := p.StringMap("settings")
	names := make([]string, 0, len(set))
	for k := range set {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		args = append(args, "-c", k+"="+set[k])
	}
	return args
}

// pgProgram is the path of one of PostgreSQL's programs.
func pgProgram(p *recipe.Part, name string) string {
	if dir := p.String("bin_dir"); dir != "" {
		return filepath.Join(dir, name)
	}
	if dir := newestPostgres(); dir != "" {
		return filepath.Join(dir, name)
	}
	if path, err := exec.LookPath(name); err == nil {
		return path
	}
	return name
}

// newestPostgres is the newest of Debian's server directories, or "".
func newestPostgres() string {
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	best, bestV := "", -1
	for _, f := range found {
		v, err := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(f))))
		if err == nil && v > bestV {
			best, bestV = filepath.Dir(f), v
		}
	}
	return best
}

// Install makes the cluster if its data directory has none, and starts
// it, so that the parts after it can make their databases.
func (c *Cluster) Install(ctx context.Context, p *recipe.Part, h recipe.Host) error {
	data, sock := dataDir(p), socketDir(p)
	if err := h.RunAsUser(ctx, []string{"mkdir", "-p", "-m", "0700", data, sock}, p.Instance.Dir, nil); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(data, "PG_VERSION")); os.IsNotExist(err) {
		h.Progress("initdb %s", data)
		// Only the instance's user reaches the socket (its directory is
		// 0700), so it trusts whoever connects there; TCP takes passwords.
		argv := []string{pgProgram(p, "initdb"), "-D", data, "-U", superuser(p), "--auth-local=trust", "--auth-host=scram-sha-256", "--encoding=UTF8", "--no-instructions"}
		if err := h.RunAsUser(ctx, argv, p.Instance.Dir, map[string]string{"LC_ALL": "C"}); err != nil {
			return err
		}
	}
	return c.start(ctx, p, h)
}

// start starts the server with pg_ctl unless it runs already with the
// part's settings; with others (the part changed), it restarts. The
// settings a start used are kept in the data directory.
func (c *Cluster) start(ctx context.Context, p *recipe.Part, h recipe.Host) error {
	data := dataDir(p)
	args := serverArgs(p)[3:]
	kept := filepath.Join(data, "assemble-server-args")
	if running(data) {
		if old, err := os.ReadFile(kept); err == nil && string(old) == strings.Join(args, "\n") {
			return nil
		}
		if err := stop(ctx, p, h); err != nil {
			return err
		}
	}
	h.Progress("starting the server on port %s", port(p))
	argv := []string{pgProgram(p, "pg_ctl"), "start", "-w", "-t", "60", "-D", data, "-l", filepath.Join(data, "server.log"), "-o", strings.Join(quoteArgs(args), " ")}
	if err := h.RunAsUser(ctx, argv, p.Instance.Dir, nil); err != nil {
		return err
	}
	if err := os.WriteFile(kept, []byte(strings.Join(args, "\n")), 0o600); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.started == nil {
		c.started = map[string]bool{}
	}
	c.started[data] = true
	return nil
}

// stop stops the server, if it runs.
func stop(ctx context.Context, p *recipe.Part, h recipe.Host) error {
	data := dataDir(p)
	if !running(data) {
		return nil
	}
	return h.RunAsUser(ctx, []string{pgProgram(p, "pg_ctl"), "stop", "-w", "-m", "fast", "-D", data}, p.Instance.Dir, nil)
}

// running reports whether a server runs on the data directory: its
// postmaster.pid names a live process.
func running(data string) bool {
	b, err := os.ReadFile(filepath.Join(data, "postmaster.pid"))
	if err != nil {
		return false
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	return err == nil && pid > 0 && alive(pid)
}

// quoteArgs quotes each argument for the shell pg_ctl hands -o to.
func quoteArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return out
}

func (*Cluster) Updates(p *recipe.Part) bool { return true }

// Update starts the server an install finds stopped (after a reboot).
func (c *Cluster) Update(ctx context.Context, p *recipe.Part, h recipe.Host) error {
	if p.Bool("systemd") {
		return nil
	}
	return c.start(ctx, p, h)
}

// Activate hands the server over to its unit, with systemd set: the
// server this install started stops, for the unit to start it.
func (c *Cluster) Activate(ctx context.Context, p *recipe.Part, h recipe.Host) error {
	c.mu.Lock()
	ours := c.started[dataDir(p)]
	delete(c.started, dataDir(p))
	c.mu.Unlock()
	if p.Bool("systemd") && ours {
		return stop(ctx, p, h)
	}
	return nil
}

// Deactivate stops the server of a part that goes away, or of an
// instance removed; its files stay until the instance goes.
func (*Cluster) Deactivate(ctx context.Context, p *recipe.Part, h recipe.Host) error {
	return stop(ctx, p, h)
}

// Backup makes sure the server runs, for the databases' dumps; the
// cluster's own files are not copied (LiveData).
func (c *Cluster) Backup(ctx context.Context, p *recipe.Part, h recipe.Host, dir string) error {
	return c.start(ctx, p, h)
}

// LiveData is the data directory: files a backup must not copy while
// the server writes them.
func (*Cluster) LiveData(p *recipe.Part) []string { return []string{dataDir(p)} }
