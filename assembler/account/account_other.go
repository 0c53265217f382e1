//go:build !unix

package account

import (
	"context"
	"errors"
)

var errUnix = errors.New("an instance's own user needs a Unix system")

// Check fails: accounts are Unix's.
func Check(userName, group string) error { return errUnix }

// Ensure fails: accounts are Unix's.
func Ensure(ctx context.Context, userName, group, dir string) (*Account, error) { return nil, errUnix }

// Lookup fails: accounts are Unix's.
func Lookup(userName, group string) (*Account, error) { return nil, errUnix }

// Delete fails: accounts are Unix's.
func Delete(ctx context.Context, userName string) error { return errUnix }

// Give does nothing.
func (a *Account) Give(o Owned) error { return nil }
