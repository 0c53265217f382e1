//go:build unix

package account

import (
	"errors"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	member := func(g string) (bool, error) { return g == "lab", nil }
	for _, tc := range []struct {
		user, group, me string
		err             string // "" for none
	}{
		{user: "dev", me: "dev"},
		{user: "dev", group: "dev", me: "dev"},
		{user: "dev", group: "lab", me: "dev"},
		{user: "lava-prod", me: "dev", err: `the instance runs as user "lava-prod", and only root or lava-prod can install it (you are dev)`},
		{user: "dev", group: "staff", me: "dev", err: `the instance runs as group "staff", which dev is not in`},
	} {
		err := check(tc.user, tc.group, tc.me, member)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("check(%q, %q) as %s: %v", tc.user, tc.group, tc.me, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err) || !errors.Is(err, ErrNotPermitted)):
			t.Errorf("check(%q, %q) as %s = %v, want not permitted: %s", tc.user, tc.group, tc.me, err, tc.err)
		}
	}
}
