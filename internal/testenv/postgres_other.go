//go:build !unix

package testenv

import (
	"errors"
	"testing"
)

// StartPostgres is for Unix systems, where PostgreSQL runs from the
// Debian packages; elsewhere the test is skipped.
func StartPostgres(t testing.TB) *Postgres {
	t.Skip("the PostgreSQL tests run on Unix systems")
	return nil
}

// PostgresInstalled reports false: the tests run PostgreSQL on Unix.
func PostgresInstalled() bool { return false }

// StartPostgresIn is for Unix systems.
func StartPostgresIn(parent string) (*Postgres, func(), error) {
	return nil, nil, errors.New("the PostgreSQL tests run on Unix systems")
}
