package apply

import (
	"fmt"

	"github.com/assemble-build/assemble/assembler/account"
	"github.com/assemble-build/assemble/recipes/recipe"
)

// give hands the instance's account what it owns (var, run and tmp) and
// may read (etc), once the instance is on a revision and before its
// services start as that account. Files assemble writes as root are
// root's until then.
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
