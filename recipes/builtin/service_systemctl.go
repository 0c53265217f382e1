package builtin

import (
	"context"
	"fmt"
	"os"

	"github.com/assemble-build/assemble/recipes/recipe"
)

// Activate enables the unit, and restarts it if the switch changed the
// part or what it refers to; otherwise it starts it, which does nothing
// to a unit that runs. A unit that does not start fails the step, and
// the instance switches back.
func (s *Service) Activate(ctx context.Context, p *recipe.Part, h recipe.Host) error {
	ctl, ok := s.systemctl(p, h)
	if !ok {
		return nil
	}
	unit := unitName(p)
	verb := "start"
	if h.Changed() {
		verb = "restart"
	}
	for _, args := range [][]string{{"daemon-reload"}, {"enable", unit}, {verb, unit}} {
		if err := h.Run(ctx, append(ctl, args...), p.Instance.Dir, nil); err != nil {
			return fmt.Errorf("part %s: %w", p.Name, err)
		}
	}
	h.Progress("%sed %s", verb, unit)
	return nil
}

// Deactivate stops and disables the unit of a part that goes away.
func (s *Service) Deactivate(ctx context.Context, p *recipe.Part, h recipe.Host) error {
	ctl, ok := s.systemctl(p, h)
	if !ok {
		return nil
	}
	unit := unitName(p)
	if err := h.Run(ctx, append(ctl, "disable", "--now", unit), p.Instance.Dir, nil); err != nil {
		return fmt.Errorf("part %s: %w", p.Name, err)
	}
	h.Progress("stopped and disabled %s", unit)
	return nil
}

// systemctl returns the systemctl command for the part's scope, or false
// when services are not to be touched: --no-services, or no systemd to
// talk to (a container), which it says.
func (s *Service) systemctl(p *recipe.Part, h recipe.Host) ([]string, bool) {
	prog := s.Systemctl
	switch {
	case s.Off:
		h.Progress("%s left alone (--no-services)", unitName(p))
		return nil, false
	case prog == "" && !booted():
		s.unbooted.Do(func() { h.Progress("systemd is not running here: units are written, none is started") })
		return nil, false
	case prog == "":
		prog = "systemctl"
	}
	ctl := []string{prog}
	if scope(p) == "user" {
		ctl = append(ctl, "--user")
	}
	return ctl, true
}

// booted reports whether systemd manages this system, as sd_booted(3)
// tells.
func booted() bool {
	_, err := os.Stat("/run/systemd/system")
	return err == nil
}
