package assembler

import (
	"context"
	"errors"
	"fmt"

	"github.com/assemble-build/assemble/assembler/account"
	"github.com/assemble-build/assemble/assembler/config"
)

// account returns the system account the instance runs as, made first
// if root asks for one that is missing; nil when there is none. Nothing
// has changed yet when the current user may not act for it. cfg, when
// known, tells where the config sets the user.
func (s *session) account(ctx context.Context, userName, group string, cfg *config.Config) (*account.Account, error) {
	if userName == "" {
		return nil, nil
	}
	a, err := account.Ensure(ctx, userName, group, s.in.Dir)
	if errors.Is(err, account.ErrNotPermitted) {
		at := "the revision's record"
		if cfg != nil {
			if def := cfg.Buildout.Final("user"); def != nil {
				at = fmt.Sprintf("%s:%d", def.Attr.Range.Filename, def.Attr.Range.Start.Line)
			}
		}
		return nil, &UsageError{Err: fmt.Errorf("instance %s (user, %s): %w", s.in.Name, at, err),
			Hint: "Install it as root (sudo), or as that user. A developer's instance can leave user unset: it then runs as whoever installs it."}
	}
	if err != nil {
		return nil, fmt.Errorf("instance %s: %w", s.in.Name, err)
	}
	if a.Created {
		s.opts.Progress.Say("created system user %s", a.User)
	}
	return a, nil
}
