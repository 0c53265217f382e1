package apply

import (
	"fmt"

	"github.com/assemble-build/assemble/assembler/account"
	"github.com/assemble-build/assemble/recipes/recipe"
)

// give hands the instance's account what it owns (var, run and tmp) and
// may read (etc): before the parts install, so that a server's files
// can be made as the account, and again once the instance is on a
// revision, before its services start as that account, for what the
// install wrote as root.
func (r *Run) give() error {
	if r.Account == nil {
		return nil
	}
	in := recipe.NewInstance(r.Instance.Name, r.Instance.Dir)
	err := r.Account.Give(account.Owned{Own: []string{in.Var, in.Run, in.Tmp}, Shared: []string{in.Etc}})
	if err != nil {
		return fmt.Errorf("%w: giving the instance to user %s: %w", ErrBuild, r.Account.User, err)
	}
	return nil
}
