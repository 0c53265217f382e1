package builtin

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/zclconf/go-cty/cty"

	"github.com/assemble-build/assemble/recipes/recipe"
)

// Database is a PostgreSQL role and a database it owns, made on a server
// the instance is given, idempotently: an install finds them made by the
// one before and changes only what differs. Its data is never dropped
// unless the part says drop_on_remove.
type Database struct{}

var databaseSpec = &recipe.Spec{
	Name: "postgresql.database",
	Doc:  "Makes a PostgreSQL role and a database it owns on a server, idempotently.",
	Options: []recipe.Option{
		{Name: "name", Type: cty.String, Required: true, Doc: "the database, like \"lava_${instance.name}\""},
		{Name: "role", Type: cty.String, Doc: "the role that owns it and the instance logs in as (default: the database's name)"},
		{Name: "password", Type: cty.String, Doc: "the role's password (default: one generated and kept in password_file)"},
		{Name: "password_file", Type: cty.String, Path: recipe.TargetPath, Doc: "where the password is kept, mode 0600 (default: etc/postgresql/PART.password)"},
		{Name: "server", Type: cty.String, Doc: "how to reach the server as a role that may create roles and databases: a libpq connection string or URL (default: the libpq environment, PGHOST and the rest)"},
		{Name: "drop_on_remove", Type: cty.Bool, Default: cty.False, Doc: "drop the database and the role when the part goes away or the instance is removed"},
	},
	Outputs: []recipe.Output{
		{Name: "name", Type: cty.String, Doc: "the database"},
		{Name: "user", Type: cty.String, Doc: "the role"},
		{Name: "dsn", Type: cty.String, Doc: "a libpq connection string for the role, without its password"},
		{Name: "password_file", Type: cty.String, Doc: "the file that holds the password"},
	},
}

func (Database) Spec() *recipe.Spec { return databaseSpec }

func (Database) Check(p *recipe.Part) []recipe.Problem {
	var probs []recipe.Problem
	for _, opt := range []string{"name", "role"} {
		if v := p.String(opt); p.Known(opt) && v != "" && len(v) > 63 {
			probs = append(probs, recipe.Problem{Option: opt, Summary: "Name too long", Detail: "PostgreSQL names are at most 63 bytes."})
		}
	}
	if s := p.String("server"); s != "" {
		if _, err := pgx.ParseConfig(s); err != nil {
			probs = append(probs, recipe.Problem{Option: "server", Summary: "Invalid server", Detail: err.Error()})
		}
	}
	return probs
}

func (Database) Outputs(p *recipe.Part) (map[string]cty.Value, error) {
	out := map[string]cty.Value{
		"name": p.Options["name"], "user": p.Options["role"],
		"dsn": cty.UnknownVal(cty.String), "password_file": p.Options["password_file"],
	}
	if p.String("role") == "" {
		out["user"] = p.Options["name"]
	}
	if p.String("password_file") == "" {
		out["password_file"] = p.Instance.Path(p.Instance.Etc, "postgresql", p.FileName()+".password")
	}
	if p.Known("name") && p.Known("role") && p.Known("server") {
		dsn, err := roleDSN(p)
		if err != nil {
			return nil, fmt.Errorf("part %s: server: %w", p.Name, err)
		}
		out["dsn"] = cty.StringVal(dsn)
	}
	return out, nil
}

// roleDSN is how the role reaches its database: the server's host and
// port, the database and the role.
func roleDSN(p *recipe.Part) (string, error) {
	cfg, err := pgx.ParseConfig(p.String("server"))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("host=%s port=%d dbname=%s user=%s", dsnValue(cfg.Host), cfg.Port, dsnValue(p.String("name")), dsnValue(role(p))), nil
}

// dsnValue quotes a value of a libpq connection string when it must be.
func dsnValue(s string) string {
	if s != "" && !strings.ContainsAny(s, ` '\`) {
		return s
	}
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

func role(p *recipe.Part) string {
	if r := p.String("role"); r != "" {
		return r
	}
	return p.String("name")
}

func passwordFile(p *recipe.Part) string {
	if f := p.String("password_file"); f != "" {
		return f
	}
	return filepath.Join(p.Instance.Etc, "postgresql", p.FileName()+".password")
}

// Install makes the role and the database, or brings them to what the
// config says, and keeps the password. What it makes on the server stays
// if a later part fails: it is found made by the next install.
func (Database) Install(ctx context.Context, p *recipe.Part, h recipe.Host) error {
	pw, err := password(p)
	if err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, p.String("server"))
	if err != nil {
		return fmt.Errorf("part %s: connecting to the server: %w", p.Name, err)
	}
	defer conn.Close(context.Background())
	h.Progress("making role %s and database %s", role(p), p.String("name"))
	if err := ensure(ctx, conn, p.Name, role(p), p.String("name"), pw); err != nil {
		return err
	}
	file := passwordFile(p)
	if err := h.Mkdir(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	return h.WriteFile(file, []byte(pw+"\n"), 0o600)
}

// password is the option's, else the one kept from before, else a new
// one: a reinstall must not change what running services log in with.
func password(p *recipe.Part) (string, error) {
	if pw := p.String("password"); pw != "" {
		return pw, nil
	}
	if data, err := os.ReadFile(passwordFile(p)); err == nil && len(strings.TrimSpace(string(data))) > 0 {
		return strings.TrimSpace(string(data)), nil
	}
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// ensure makes role and database as they should be. Names and the
// password go through the server's own quoting (format's %I and %L):
// utility statements take no parameters.
func ensure(ctx context.Context, conn *pgx.Conn, part, role, db, pw string) error {
	steps := []struct{ exists, name, missing, present string }{
		{"SELECT count(*) FROM pg_roles WHERE rolname = $1", role, "CREATE ROLE %1$I LOGIN PASSWORD %2$L", "ALTER ROLE %1$I WITH LOGIN PASSWORD %2$L"},
		{"SELECT count(*) FROM pg_database WHERE datname = $1", db, "CREATE DATABASE %3$I OWNER %1$I", "ALTER DATABASE %3$I OWNER TO %1$I"},
	}
	for _, s := range steps {
		var n int
		if err := conn.QueryRow(ctx, s.exists, s.name).Scan(&n); err != nil {
			return fmt.Errorf("part %s: %w", part, err)
		}
		tmpl := s.missing
		if n > 0 {
			tmpl = s.present
		}
		if err := execFormat(ctx, conn, tmpl, role, pw, db); err != nil {
			return fmt.Errorf("part %s: %w", part, err)
		}
	}
	return nil
}

// execFormat runs the statement format(tmpl, role, password, database)
// makes.
func execFormat(ctx context.Context, conn *pgx.Conn, tmpl, role, pw, db string) error {
	var stmt string
	if err := conn.QueryRow(ctx, "SELECT format($1::text, $2::text, $3::text, $4::text)", tmpl, role, pw, db).Scan(&stmt); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, stmt); err != nil {
		verb := strings.Fields(tmpl)
		return fmt.Errorf("%s %s: %w", verb[0], verb[1], err)
	}
	return nil
}

// Remove drops the database and the role of a part gone for good, if it
// says drop_on_remove; otherwise it says what it keeps. A part that
// remains with the same database (a part renamed) keeps it.
func (Database) Remove(ctx context.Context, p *recipe.Part, h recipe.Host, remaining []*recipe.Part) error {
	for _, o := range remaining {
		if o.String("name") == p.String("name") && o.String("server") == p.String("server") {
			return nil
		}
	}
	if !p.Bool("drop_on_remove") {
		h.Progress("database %s and role %s are kept (drop_on_remove is not set)", p.String("name"), role(p))
		return nil
	}
	conn, err := pgx.Connect(ctx, p.String("server"))
	if err != nil {
		return fmt.Errorf("part %s: connecting to the server: %w", p.Name, err)
	}
	defer conn.Close(context.Background())
	for _, tmpl := range []string{"DROP DATABASE IF EXISTS %3$I WITH (FORCE)", "DROP ROLE IF EXISTS %1$I"} {
		if err := execFormat(ctx, conn, tmpl, role(p), "", p.String("name")); err != nil {
			return fmt.Errorf("part %s: %w", p.Name, err)
		}
	}
	h.Progress("dropped database %s and role %s", p.String("name"), role(p))
	return nil
}

// Backup dumps the database with the server's own pg_dump, in its custom
// format, which pg_restore reads: dir/database.dump.
func (Database) Backup(ctx context.Context, p *recipe.Part, h recipe.Host, dir string) error {
	env, err := serverEnv(p)
	if err != nil {
		return fmt.Errorf("part %s: server: %w", p.Name, err)
	}
	h.Progress("dumping database %s", p.String("name"))
	argv := []string{"pg_dump", "--format=custom", "--no-owner", "--file=" + filepath.Join(dir, "database.dump"), "--dbname=dbname=" + dsnValue(p.String("name"))}
	if err := h.Run(ctx, argv, p.Instance.Dir, env); err != nil {
		return fmt.Errorf("part %s: %w", p.Name, err)
	}
	return nil
}

// serverEnv is the libpq environment that reaches the server as the
// part's server option says (pg_dump and pg_restore read it), over the
// environment's own: its host, port, user and password. (The database
// is given as a connection string, dbname=NAME: a name with = in it is
// a name, not a connection string.)
func serverEnv(p *recipe.Part) (map[string]string, error) {
	cfg, err := pgx.ParseConfig(p.String("server"))
	if err != nil {
		return nil, err
	}
	env := map[string]string{"PGHOST": cfg.Host, "PGPORT": strconv.Itoa(int(cfg.Port)), "PGUSER": cfg.User}
	if cfg.Password != "" {
		env["PGPASSWORD"] = cfg.Password
	}
	return env, nil
}

// Restore loads a dump into the part's database, made empty by the
// install before it, with the server's own pg_restore: as the part's
// role, so that what it makes is the role's, and without the dump's
// owners and privileges, which name the roles of the instance backed up.
func (Database) Restore(ctx context.Context, p *recipe.Part, h recipe.Host, dir string) error {
	env, err := serverEnv(p)
	if err != nil {
		return fmt.Errorf("part %s: server: %w", p.Name, err)
	}
	h.Progress("loading database %s", p.String("name"))
	argv := []string{"pg_restore", "--no-owner", "--no-privileges", "--role=" + role(p), "--clean", "--if-exists", "--exit-on-error",
		"--dbname=dbname=" + dsnValue(p.String("name")), filepath.Join(dir, "database.dump")}
	if err := h.Run(ctx, argv, p.Instance.Dir, env); err != nil {
		return fmt.Errorf("part %s: %w", p.Name, err)
	}
	return nil
}
