package builtin

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/assemble-build/assemble/internal/testenv"
)

// TestUnitFile checks what the unit of a systemd.service part says, and
// that systemd reads it as it was meant (systemd-analyze verify).
func TestUnitFile(t *testing.T) {
	s, list := cty.StringVal, func(v ...string) cty.Value {
		vals := make([]cty.Value, len(v))
		for i, x := range v {
			vals[i] = cty.StringVal(x)
		}
		return cty.ListVal(vals)
	}
	bin := filepath.Join(t.TempDir(), "my server")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		opts map[string]cty.Value
		want []string
		not  []string
	}{
		{"a system unit, hardened, with the instance's directories writable",
			map[string]cty.Value{"exec_start": list(bin, "--listen", ":8000"), "scope": s("system"), "user": s("lava-i")},
			[]string{"ExecStart=\"" + bin + "\" --listen :8000\n", "User=lava-i\n", "WorkingDirectory=/srv/i\n", "ProtectSystem=strict\n",
				"ReadWritePaths=/srv/i/var /srv/i/run /srv/i/tmp\n", "WantedBy=multi-user.target\n", "Restart=on-failure\n", "RestartSec=2\n", "Type=exec\n"},
			nil},
		{"what systemd would expand is escaped",
			map[string]cty.Value{"exec_start": list(bin, "100%", "$HOME", `a "b"`, ""), "scope": s("system"), "environment": cty.MapVal(map[string]cty.Value{"MSG": s(`50% "off" $X`)})},
			[]string{`ExecStart="` + bin + `" 100%% $$HOME "a \"b\"" ""` + "\n", `Environment="MSG=50%% \"off\" $X"` + "\n"},
			nil},
		{"a user unit: no user, no sandbox",
			map[string]cty.Value{"exec_start": list(bin), "scope": s("user"), "user": s("nobody")},
			[]string{"WantedBy=default.target\n"},
			[]string{"User=", "ProtectSystem="}},
		{"dependencies on other units",
			map[string]cty.Value{"exec_start": list(bin), "scope": s("system"), "requires": list("assemble-db@i.service"), "after": list("network-online.target")},
			[]string{"Requires=assemble-db@i.service\n", "After=network-online.target assemble-db@i.service\n"},
			nil},
		{"no hardening",
			map[string]cty.Value{"exec_start": list(bin), "scope": s("system"), "hardening": cty.False},
			nil,
			[]string{"ProtectSystem="}},
	}
	analyze := testenv.NeedProgram(t, "systemd-analyze", "systemd")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := part(&Service{}, tt.opts)
			unit := UnitFile(p)
			for _, w := range tt.want {
				if !strings.Contains(unit, w) {
					t.Errorf("unit lacks %q:\n%s", w, unit)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(unit, w) {
					t.Errorf("unit has %q:\n%s", w, unit)
				}
			}
			if probs := (&Service{}).Check(p); len(probs) > 0 {
				t.Errorf("Check: %v", probs)
			}
			verify(t, analyze, unitName(p), unit)
		})
	}
}

// verify has systemd-analyze read the unit; it fails on any warning.
func verify(t *testing.T, analyze, name, unit string) {
	dir := t.TempDir()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(unit), 0o644); err != nil {
		t.Fatal(err)
	}
	// The dependencies named are not installed here: stubs stand in.
	for _, dep := range []string{"assemble-db@i.service"} {
		os.WriteFile(filepath.Join(dir, dep), []byte("[Service]\nExecStart=/bin/true\n"), 0o644)
	}
	cmd := exec.Command(analyze, "verify", "--man=no", path)
	cmd.Env = append(os.Environ(), "SYSTEMD_UNIT_PATH="+dir+":")
	out, err := cmd.CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s\n%s", err, out, unit)
	}
}

func TestServiceCheck(t *testing.T) {
	list := func(v ...string) cty.Value {
		vals := make([]cty.Value, len(v))
		for i, x := range v {
			vals[i] = cty.StringVal(x)
		}
		return cty.ListVal(vals)
	}
	tests := []struct {
		name string
		opts map[string]cty.Value
		want string
	}{
		{"relative program", map[string]cty.Value{"exec_start": list("lava-server")}, "absolute path"},
		{"unknown restart", map[string]cty.Value{"exec_start": list("/bin/x"), "restart": cty.StringVal("sometimes")}, "restart is one of"},
		{"unknown scope", map[string]cty.Value{"exec_start": list("/bin/x"), "scope": cty.StringVal("global")}, "scope is system or user"},
		{"newline", map[string]cty.Value{"exec_start": list("/bin/x", "a\nb")}, "one line"},
		{"newline in a description", map[string]cty.Value{"exec_start": list("/bin/x"), "description": cty.StringVal("x\nExecStartPre=/bin/evil")}, "one line"},
		{"newline in an environment key", map[string]cty.Value{"exec_start": list("/bin/x"), "environment": cty.MapVal(map[string]cty.Value{"A\nB": cty.StringVal("c")})}, "one line"},
		{"newline in a user", map[string]cty.Value{"exec_start": list("/bin/x"), "user": cty.StringVal("root\rX")}, "one line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, p := range (&Service{}).Check(part(&Service{}, tt.opts)) {
				got = append(got, p.Detail)
			}
			if !strings.Contains(strings.Join(got, "\n"), tt.want) {
				t.Errorf("problems %q, want one saying %q", got, tt.want)
			}
		})
	}
}
