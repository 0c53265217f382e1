//go:build unix

package testenv

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// StartPostgres starts a PostgreSQL server from the Debian packages in a
// temporary directory, stopped when the test ends. PostgreSQL refuses to
// run as root: as root, the server runs as the postgres user (or
// nobody). Without the packages, the test is skipped locally and fails
// in CI, as NeedProgram does.
func StartPostgres(t testing.TB) *Postgres {
	t.Helper()
	if !PostgresInstalled() {
		missing(t, postgresMissing)
	}
	pg, stop, err := StartPostgresIn("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return pg
}

const postgresMissing = "the PostgreSQL server (/usr/lib/postgresql/*/bin) not found: install it with apt-get install postgresql"

// PostgresInstalled reports whether the server's programs are there.
func PostgresInstalled() bool { return postgresBin() != "" }

// StartPostgresIn starts a server in a new directory under parent (the
// system's temporary directory when ""), and returns it with what stops
// it and removes the directory. The superuser connects without a
// password; every other role needs its own (scram-sha-256).
func StartPostgresIn(parent string) (*Postgres, func(), error) {
	bin := postgresBin()
	if bin == "" {
		return nil, nil, errors.New(postgresMissing)
	}
	dir, err := os.MkdirTemp(parent, "pg-")
	if err != nil {
		return nil, nil, err
	}
	pg := &Postgres{Bin: bin, Socket: filepath.Join(dir, "run"), Port: 5432}
	data := filepath.Join(dir, "data")
	for _, d := range []string{dir, pg.Socket, data} {
		os.MkdirAll(d, 0o755)
		os.Chmod(d, 0o755)
	}
	os.Chmod(data, 0o700)
	run, err := asServerUser([]string{dir, pg.Socket, data})
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	pg.User = run.name
	stop := func() {
		run.command(filepath.Join(bin, "pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop").Run()
		os.RemoveAll(dir)
	}
	if err := pg.start(run, dir, data); err != nil {
		stop()
		return nil, nil, err
	}
	return pg, stop, nil
}

func (pg *Postgres) start(run serverUser, dir, data string) error {
	initdb := run.command(filepath.Join(pg.Bin, "initdb"), "-D", data, "-U", pg.User, "--auth=trust", "-E", "UTF8", "--locale=C")
	if out, err := initdb.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %v\n%s", err, out)
	}
	hba := fmt.Sprintf("local all %s trust\nlocal all all scram-sha-256\n", pg.User)
	if err := os.WriteFile(filepath.Join(data, "pg_hba.conf"), []byte(hba), 0o644); err != nil {
		return err
	}
	opts := fmt.Sprintf("-c listen_addresses='' -c unix_socket_directories=%s -p %d -c fsync=off", pg.Socket, pg.Port)
	start := run.command(filepath.Join(pg.Bin, "pg_ctl"), "-D", data, "-o", opts, "-l", filepath.Join(dir, "log"), "-w", "-t", "60", "start")
	if out, err := start.CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "log"))
		return fmt.Errorf("pg_ctl start: %v\n%s\n%s", err, out, log)
	}
	return nil
}

// postgresBin returns the directory of the newest installed server's
// programs, or "".
func postgresBin() string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) < version(dirs[j]) })
	if len(dirs) == 0 {
		return ""
	}
	return filepath.Dir(dirs[len(dirs)-1])
}

func version(initdb string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(initdb))))
	return v
}

// serverUser runs the server's programs: as root, as another user.
type serverUser struct {
	name     string
	uid, gid uint32
	root     bool
}

func asServerUser(dirs []string) (serverUser, error) {
	me, err := user.Current()
	if err != nil {
		return serverUser{}, err
	}
	if os.Geteuid() != 0 {
		return serverUser{name: me.Username}, nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		for _, d := range dirs {
			if err := os.Chown(d, uid, gid); err != nil {
				return serverUser{}, err
			}
		}
		return serverUser{name: name, uid: uint32(uid), gid: uint32(gid), root: true}, nil
	}
	return serverUser{}, errors.New("running as root, and there is no postgres or nobody user to run PostgreSQL as")
}

func (u serverUser) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C", "TZ=UTC")
	cmd.Dir = "/"
	cmd.WaitDelay = 10 * time.Second
	if u.root {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: u.uid, Gid: u.gid}}
	}
	return cmd
}
