//go:build !unix

package apply

import (
	"syscall"

	"github.com/assemble-build/assemble/assembler/account"
)

// asAccount changes nothing: accounts are Unix's, and account.Lookup
// never returns one here.
func asAccount(attr *syscall.SysProcAttr, a *account.Account) *syscall.SysProcAttr { return attr }
