package builtin

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/assemble-build/assemble/internal/testenv"
)

// TestClusterOutputs checks what a postgresql.cluster part tells other
// parts, and that a systemd.service part running its exec_start as the
// instance's user is a unit systemd reads.
func TestClusterOutputs(t *testing.T) {
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "postgres"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	p := part(&Cluster{}, map[string]cty.Value{
		"port": cty.NumberIntVal(5433), "bin_dir": cty.StringVal(bin),
		"settings": cty.MapVal(map[string]cty.Value{"shared_buffers": cty.StringVal("64MB")}),
	})
	p.Instance.User, p.Instance.Group = "lava-i", "lava-i"
	out, err := (&Cluster{}).Outputs(p)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"host": "/srv/i/run/postgresql", "data_dir": "/srv/i/var/postgresql", "user": "lava-i",
		"dsn": "host=/srv/i/run/postgresql port=5433 user=lava-i dbname=postgres",
	} {
		if got := out[name]; !got.IsKnown() || got.AsString() != want {
			t.Errorf("%s = %#v, want %q", name, got, want)
		}
	}
	var argv []string
	for _, v := range out["exec_start"].AsValueSlice() {
		argv = append(argv, v.AsString())
	}
	want := filepath.Join(bin, "postgres") + " -D /srv/i/var/postgresql -p 5433 -k /srv/i/run/postgresql -c listen_addresses= -c shared_buffers=64MB"
	if got := strings.Join(argv, " "); got != want {
		t.Errorf("exec_start = %s\nwant %s", got, want)
	}
	svc := part(&Service{}, map[string]cty.Value{"exec_start": out["exec_start"], "scope": cty.StringVal("system")})
	svc.Instance = p.Instance
	unit := UnitFile(svc)
	for _, w := range []string{"User=lava-i\n", "Group=lava-i\n", "ReadWritePaths=/srv/i/var /srv/i/run /srv/i/tmp\n"} {
		if !strings.Contains(unit, w) {
			t.Errorf("unit lacks %q:\n%s", w, unit)
		}
	}
	verify(t, testenv.NeedProgram(t, "systemd-analyze", "systemd"), unitName(svc), unit)
}

func TestClusterCheck(t *testing.T) {
	for _, tc := range []struct {
		port int64
		user string
		want string // a problem's summary, "" for none
	}{
		{port: 5432, user: "lava-i"},
		{port: 0, user: "lava-i", want: "Invalid port"},
		{port: 70000, user: "lava-i", want: "Invalid port"},
	} {
		p := part(&Cluster{}, map[string]cty.Value{"port": cty.NumberIntVal(tc.port)})
		p.Instance.User = tc.user
		var got []string
		for _, prob := range (&Cluster{}).Check(p) {
			got = append(got, prob.Summary)
		}
		if g := strings.Join(got, "; "); g != tc.want {
			t.Errorf("port %d, user %q: problems %q, want %q", tc.port, tc.user, g, tc.want)
		}
	}
	if os.Geteuid() == 0 {
		p := part(&Cluster{}, map[string]cty.Value{"port": cty.NumberIntVal(5432)})
		if probs := (&Cluster{}).Check(p); len(probs) != 1 || probs[0].Summary != "PostgreSQL does not run as root" {
			t.Errorf("as root with no instance user: %v", probs)
		}
	}
}
