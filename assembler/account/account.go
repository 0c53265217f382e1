// Package account gives an instance the system account it runs as: it
// checks that assemble may act for the account before anything changes,
// creates it when root asks for one that is missing, and hands it the
// instance directories it owns. Code stays root's: a service that could
// rewrite its own program or configuration would keep what an attack
// gave it across installs.
package account

import (
	"errors"
	"fmt"
)

// Account is a system user and the group its services run as.
type Account struct {
	User, Group string
	UID, GID    int
	// Created is set when Ensure made the user.
	Created bool
}

// ErrNotPermitted is the error of a user who may not act for an account.
var ErrNotPermitted = errors.New("not permitted")

// Owned says who owns what under an instance: Own gives the account
// its own directories, and its group read access to Shared.
type Owned struct {
	Own    []string // var, run, tmp: the account's own
	Shared []string // etc: root's, readable by the account's group
}

// notPermitted explains why the current user cannot act for user.
func notPermitted(user, me string) error {
	return fmt.Errorf("%w: the instance runs as user %q, and only root or %s can install it (you are %s)", ErrNotPermitted, user, user, me)
}
