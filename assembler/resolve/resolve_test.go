package resolve

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/assemble-build/assemble/assembler/lock"
	"github.com/assemble-build/assemble/assembler/overlay"
	"github.com/assemble-build/assemble/internal/testenv"
)

var (
	server     = Want{Part: "server", Module: "example.com/lava/server", Constraint: "^1.4", At: "b.hcl:3", Packages: []string{"example.com/lava/server/cmd/lava-server"}}
	dispatcher = Want{Part: "dispatcher", Module: "example.com/lava/dispatcher", Constraint: "^1.2", At: "b.hcl:9", Packages: []string{"example.com/lava/dispatcher/cmd/lava-dispatcher"}}
	cli        = Want{Part: "cli", Module: "example.com/lava/lavacli/v2", Constraint: "^2.0", At: "b.hcl:15", Packages: []string{"example.com/lava/lavacli/v2"}}
)

func with(w Want, f func(*Want)) Want { f(&w); return w }

// TestResolve checks which versions are picked, and why.
func TestResolve(t *testing.T) {
	env := testenv.GoEnv(t, testenv.ModCache(t))
	type want struct{ version, why string }
	tests := []struct {
		name     string
		req      Request
		want     map[string]want
		warnings string
	}{
		{
			name: "constraints pick the newest they allow; retracted and pre-release versions are skipped",
			req:  Request{Wants: []Want{server, dispatcher, cli}},
			want: map[string]want{
				"example.com/lava/server":     {"v1.4.2", "newest allowed by ^1.4"},
				"example.com/lava/dispatcher": {"v1.3.0", "newest allowed by ^1.2"},
				"example.com/lava/lavacli/v2": {"v2.1.0", "newest allowed by ^2.0"},
				"example.com/lava/common":     {"v1.2.0", "required by example.com/lava/dispatcher@v1.3.0"},
			},
		},
		{
			name: "without a constraint, the newest release",
			req:  Request{Wants: []Want{with(server, func(w *Want) { w.Constraint = "" }), with(cli, func(w *Want) { w.Constraint = "" })}},
			want: map[string]want{
				"example.com/lava/server":     {"v1.4.2", "newest release"},
				"example.com/lava/lavacli/v2": {"v2.1.0", "newest release"},
				"example.com/lava/common":     {"v1.1.0", "required by"},
			},
		},
		{
			name: "a constraint that names one version, as a release manager pins",
			req:  Request{Wants: []Want{with(server, func(w *Want) { w.Constraint = "v1.4.0" }), with(cli, func(w *Want) { w.Constraint = "=2.2.0-beta.1" })}},
			want: map[string]want{
				"example.com/lava/server":     {"v1.4.0", "named by v1.4.0"},
				"example.com/lava/lavacli/v2": {"v2.2.0-beta.1", "named by =2.2.0-beta.1"},
			},
		},
		{
			name: "a constraint can ask for a pre-release",
			req:  Request{Wants: []Want{with(cli, func(w *Want) { w.Constraint = ">= 2.2.0-0" })}},
			want: map[string]want{"example.com/lava/lavacli/v2": {"v2.2.0-beta.1", "newest allowed by"}},
		},
		{
			name: "a pin wins over the constraint, and applies to dependencies",
			req: Request{Wants: []Want{server, dispatcher}, Pins: map[string]Pin{
				"example.com/lava/server": {"v1.4.0", "p.hcl:2"},
				"example.com/lava/common": {"v1.2.0", "p.hcl:3"},
			}},
			want: map[string]want{
				"example.com/lava/server": {"v1.4.0", "pinned at p.hcl:2"},
				"example.com/lava/common": {"v1.2.0", "pinned at p.hcl:3"},
			},
		},
		{
			name: "a pin below what the build requires is forced, with a warning",
			req:  Request{Wants: []Want{dispatcher}, Pins: map[string]Pin{"example.com/lava/common": {"v1.1.0", "p.hcl:3"}}},
			want: map[string]want{
				"example.com/lava/dispatcher": {"v1.3.0", "newest allowed by"},
				"example.com/lava/common":     {"v1.1.0", "pinned at p.hcl:3"},
			},
			warnings: "pinned to v1.1.0 (p.hcl:3), below the v1.2.0 the build requires",
		},
		{
			name: "a retracted version can be pinned",
			req:  Request{Wants: []Want{dispatcher}, Pins: map[string]Pin{"example.com/lava/dispatcher": {"v1.3.1", "p.hcl:1"}}},
			want: map[string]want{"example.com/lava/dispatcher": {"v1.3.1", "pinned at"}},
		},
		{
			name: "the previous pick is kept",
			req:  Request{Wants: []Want{server}, Previous: map[string]string{"example.com/lava/server": "v1.4.0"}},
			want: map[string]want{"example.com/lava/server": {"v1.4.0", "kept from the last install"}},
		},
		{
			name: "newest ignores the previous pick",
			req:  Request{Wants: []Want{server}, Previous: map[string]string{"example.com/lava/server": "v1.4.0"}, Newest: true},
			want: map[string]want{"example.com/lava/server": {"v1.4.2", "newest allowed by"}},
		},
		{
			name: "a previous pick the constraint no longer allows is dropped",
			req:  Request{Wants: []Want{server}, Previous: map[string]string{"example.com/lava/server": "v1.3.0"}},
			want: map[string]want{"example.com/lava/server": {"v1.4.2", "newest allowed by"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.Env = env
			res, err := Resolve(context.Background(), &tt.req)
			if err != nil {
				t.Fatal(err)
			}
			for path, w := range tt.want {
				m := res.Module(path)
				if m == nil {
					t.Errorf("%s: not in the build list", path)
					continue
				}
				if m.Version != w.version || !strings.HasPrefix(m.Why.String(), w.why) {
					t.Errorf("%s = %s (%s), want %s (%s…)", path, m.Version, m.Why, w.version, w.why)
				}
				if !strings.HasPrefix(m.Sum, "h1:") || !strings.HasPrefix(m.GoModSum, "h1:") {
					t.Errorf("%s: hashes %q %q", path, m.Sum, m.GoModSum)
				}
			}
			if got := strings.Join(res.Warnings, "\n"); !strings.Contains(got, tt.warnings) || (tt.warnings == "") != (got == "") {
				t.Errorf("warnings %q, want %q", got, tt.warnings)
			}
		})
	}
}

// TestResolveParts checks what each part reaches, and the go.mod it is
// built in.
func TestResolveParts(t *testing.T) {
	env := testenv.GoEnv(t, testenv.ModCache(t))
	local := t.TempDir()
	testenv.WriteFiles(t, filepath.Join(local, "mine"), map[string]string{
		"go.mod":    "module example.com/lava/common\n\ngo 1.22\n",
		"common.go": "package common\n\nconst Release = \"local\"\n\nfunc Describe() string { return \"lava-common \" + Release }\n",
	})
	ovs, _, err := overlay.Scan(local)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Resolve(context.Background(), &Request{
		Wants:    []Want{server, cli},
		Overlays: ovs,
		Pins:     map[string]Pin{"example.com/lava/server": {"v1.4.2", "p.hcl:1"}},
		Env:      env,
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(res.Parts["server"].Reaches, " "); got != "example.com/lava/common example.com/lava/server" {
		t.Errorf("server reaches %s", got)
	}
	common := res.Module("example.com/lava/common")
	if common.Overlay == nil || common.Why.Kind != "overlay" || common.Sum != "" {
		t.Errorf("common = %+v, want the overlay", common)
	}
	gomod, err := res.BuildGoMod("server", func(o *overlay.Overlay) string { return "../../local/" + o.Name })
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"module assemble.invalid/build",
		"go 1.22", // the overlay's go line is the highest of the build list
		"example.com/lava/server v1.4.2",
		"example.com/lava/lavacli/v2 v2.1.0",
		"example.com/lava/common => ../../local/mine",
	} {
		if !strings.Contains(string(gomod), want) {
			t.Errorf("build go.mod lacks %q:\n%s", want, gomod)
		}
	}
}

// TestResolveErrors checks that each mistake gives a clear message.
func TestResolveErrors(t *testing.T) {
	cache := testenv.ModCache(t)
	env := testenv.GoEnv(t, cache)
	tests := []struct {
		name string
		req  Request
		want string
	}{
		{"unknown module", Request{Wants: []Want{with(server, func(w *Want) { w.Module = "example.com/lava/nope" })}}, "example.com/lava/nope: unknown module or version on GOPROXY=file://"},
		{"no version satisfies", Request{Wants: []Want{with(server, func(w *Want) { w.Constraint = "^2.0" })}}, "example.com/lava/server: no version matches ^2.0 (part server, b.hcl:3); available: v1.3.0, v1.4.0, v1.4.2"},
		{"exact version that does not exist", Request{Wants: []Want{with(server, func(w *Want) { w.Constraint = "1.9.9" })}}, "part server: example.com/lava/server@v1.9.9 (named by 1.9.9): no such version on GOPROXY=file://"},
		{"exact version of another major", Request{Wants: []Want{with(server, func(w *Want) { w.Constraint = "2.0.0" })}}, "example.com/lava/server: no version matches 2.0.0 (part server, b.hcl:3)"},
		{"invalid constraint", Request{Wants: []Want{with(server, func(w *Want) { w.Constraint = "^^1" })}}, `b.hcl:3: part server: invalid version constraint "^^1"`},
		{"pin of a version that does not exist", Request{Wants: []Want{server}, Pins: map[string]Pin{"example.com/lava/server": {"v1.9.9", "p.hcl:1"}}}, "v1.9.9"},
		{"package not in the module", Request{Wants: []Want{with(server, func(w *Want) { w.Packages = []string{"example.com/lava/server/cmd/nope"} })}}, "part server: "},
		{"unreachable proxy", Request{Wants: []Want{server}, Env: env.With(map[string]string{"GOPROXY": "http://127.0.0.1:1"})}, "cannot reach the module proxy (GOPROXY=http://127.0.0.1:1)"},
		{"offline with an empty cache", Request{Wants: []Want{server}, Offline: true, Env: testenv.GoEnv(t, testenv.ModCache(t))}, "example.com/lava/server: not in the module cache (offline"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.req.Env == nil {
				tt.req.Env = env
			}
			_, err := Resolve(context.Background(), &tt.req)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

// TestResolveTampered checks that a module whose bytes changed since they
// were locked stops resolution, with the module and both hashes named.
func TestResolveTampered(t *testing.T) {
	proxy := testenv.CopyProxy(t)
	env := testenv.GoEnv(t, testenv.ModCache(t)).With(map[string]string{"GOPROXY": "file://" + proxy})
	req := &Request{Wants: []Want{server}, Env: env}
	res, err := Resolve(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	l := &lock.Lock{}
	for _, m := range res.Modules {
		l.Modules = append(l.Modules, lock.Module{Path: m.Path, Version: m.Version, Hash: m.Sum, GoMod: m.GoModSum})
	}

	// Re-publish common v1.1.0 with other content, and fetch it afresh.
	testenv.Republish(t, proxy, "example.com/lava/common", "v1.1.0", map[string]string{
		"go.mod":    "module example.com/lava/common\n\ngo 1.21\n",
		"common.go": "package common\n\nconst Release = \"evil\"\n\nfunc Describe() string { return Release }\n",
	})
	env = env.With(map[string]string{"GOMODCACHE": testenv.ModCache(t)})
	_, err = Resolve(context.Background(), &Request{Wants: []Want{server}, Env: env, Checks: []Check{{Lock: l, Name: "prod.lock"}}})
	if err == nil {
		t.Fatal("resolution of a tampered module succeeded")
	}
	for _, want := range []string{"example.com/lava/common@v1.1.0", "hash mismatch", "prod.lock: " + l.Module("example.com/lava/common").Hash} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

// TestResolveOffline checks that a warm cache is enough without a proxy.
func TestResolveOffline(t *testing.T) {
	cache := testenv.ModCache(t)
	env := testenv.GoEnv(t, cache)
	if _, err := Resolve(context.Background(), &Request{Wants: []Want{server, cli}, Env: env}); err != nil {
		t.Fatal(err)
	}
	res, err := Resolve(context.Background(), &Request{Wants: []Want{server, cli}, Env: env.With(map[string]string{"GOPROXY": "http://127.0.0.1:1"}), Offline: true})
	if err != nil {
		t.Fatal(err)
	}
	if m := res.Module("example.com/lava/server"); m.Version != "v1.4.2" {
		t.Errorf("offline server = %s", m.Version)
	}
}

func TestVersionsBlock(t *testing.T) {
	got := VersionsBlock([]*Module{{Path: "example.com/a", Version: "v1.0.0"}, {Path: "example.com/longer/b", Version: "v2.0.0"}})
	want := "versions = {\n  \"example.com/a\"        = \"v1.0.0\"\n  \"example.com/longer/b\" = \"v2.0.0\"\n}\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
