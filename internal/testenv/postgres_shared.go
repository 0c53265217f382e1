package testenv

import "strconv"

// Postgres is a PostgreSQL server a test started for itself, listening
// on a Unix socket in a directory of its own.
type Postgres struct {
	Bin    string // the server's programs: initdb, pg_ctl, pg_dump…
	Socket string // the directory of its socket: PGHOST
	Port   int
	User   string // the superuser
}

// Env returns the libpq environment that reaches the server as its
// superuser.
func (pg *Postgres) Env() []string {
	return []string{"PGHOST=" + pg.Socket, "PGPORT=" + strconv.Itoa(pg.Port), "PGUSER=" + pg.User, "PGDATABASE=postgres"}
}
