//go:build unix

package apply

import (
	"syscall"

	"github.com/assemble-build/assemble/assembler/account"
)

// asAccount has a program run as the account, with no groups but its
// own.
func asAccount(attr *syscall.SysProcAttr, a *account.Account) *syscall.SysProcAttr {
	if attr == nil {
		attr = &syscall.SysProcAttr{}
	}
	attr.Credential = &syscall.Credential{Uid: uint32(a.UID), Gid: uint32(a.GID), Groups: []uint32{uint32(a.GID)}}
	return attr
}
