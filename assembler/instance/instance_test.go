package instance

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestOpen(t *testing.T) {
	for _, bad := range []string{"", ".hidden", "a/b", "../x", "with space"} {
		if _, err := Open(t.TempDir(), bad); err == nil {
			t.Errorf("Open(%q) succeeded", bad)
		}
	}
	in, err := Open("rel", "dev-1.2_x")
	if err != nil {
		t.Fatal(err)
	}
	if !filepath.IsAbs(in.Dir) || !strings.HasSuffix(in.Dir, filepath.Join("rel", "instances", "dev-1.2_x")) {
		t.Errorf("Dir = %s", in.Dir)
	}
}

// TestAcquire checks that a held instance refuses a second taker, saying
// who holds it, and that releasing it lets the next one in.
func TestAcquire(t *testing.T) {
	in, _ := Open(t.TempDir(), "dev")
	if h := in.Holder(); h != nil {
		t.Errorf("Holder of a new instance = %+v", h)
	}
	a, err := in.Acquire("assemble install dev", 0)
	if err != nil {
		t.Fatal(err)
	}
	if h := in.Holder(); h == nil || h.Command != "assemble install dev" || h.PID != os.Getpid() {
		t.Errorf("Holder = %+v", h)
	}
	_, err = in.Acquire("assemble gc dev", 0)
	var be *BusyError
	if !errors.As(err, &be) || !errors.Is(err, ErrBusy) {
		t.Fatalf("second Acquire = %v, want a BusyError", err)
	}
	if be.Holder == nil || be.Holder.Command != "assemble install dev" || time.Since(be.Holder.Since) > time.Minute {
		t.Errorf("holder = %+v", be.Holder)
	}
	if !strings.Contains(err.Error(), "instance dev is locked: assemble install dev (pid ") {
		t.Errorf("message %q", err)
	}
	a.Release()
	a.Release() // again: nothing happens
	if h := in.Holder(); h != nil {
		t.Errorf("Holder after Release = %+v", h)
	}
	if _, err := os.Stat(filepath.Join(in.Meta(), "lock.holder")); !os.IsNotExist(err) {
		t.Errorf("holder record after Release: %v", err)
	}
	b, err := in.Acquire("assemble gc dev", 0)
	if err != nil {
		t.Fatalf("Acquire after Release: %v", err)
	}
	b.Release()
}

// TestAcquireWait checks that Acquire waits for a holder that releases
// the instance in time.
func TestAcquireWait(t *testing.T) {
	in, _ := Open(t.TempDir(), "dev")
	a, err := in.Acquire("assemble install dev", 0)
	if err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(100*time.Millisecond, a.Release)
	b, err := in.Acquire("assemble gc dev", 10*time.Second)
	if err != nil {
		t.Fatalf("Acquire while the holder releases: %v", err)
	}
	if h := in.Holder(); h == nil || h.Command != "assemble gc dev" {
		t.Errorf("Holder = %+v", h)
	}
	b.Release()
}

// TestAcquireError checks that an instance that cannot be locked at all
// says why.
func TestAcquireError(t *testing.T) {
	root := t.TempDir()
	in, _ := Open(root, "dev")
	if err := os.WriteFile(filepath.Join(root, "instances"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := in.Acquire("assemble install dev", 0)
	if err == nil || !strings.HasPrefix(err.Error(), "locking instance dev: ") || errors.Is(err, ErrBusy) {
		t.Errorf("Acquire under a file = %v", err)
	}
}

func TestStateRoundTrip(t *testing.T) {
	in, _ := Open(t.TempDir(), "dev")
	if err := in.Create(); err != nil {
		t.Fatal(err)
	}
	st, err := in.LoadState()
	if err != nil || len(st.Parts) != 0 {
		t.Fatalf("new instance state = %+v, %v", st, err)
	}
	st.Revision = "abc"
	st.Vars = []VarSetting{{Name: "port", Value: "8080", Source: "--var"}}
	st.Parts = []PartState{{Name: "a", Recipe: "file", Digest: "d", Options: "content=1 mode=2", Paths: []Path{{Path: "/x", Kind: "file", Hash: "sha256:1"}}}}
	if err := in.SaveState(st); err != nil {
		t.Fatal(err)
	}
	got, err := in.LoadState()
	if err != nil {
		t.Fatal(err)
	}
	if got.Revision != "abc" || got.Part("a") == nil || got.Part("a").Paths[0].Hash != "sha256:1" || got.Vars[0].Value != "8080" {
		t.Errorf("state after a round trip = %+v", got)
	}
	data, _ := os.ReadFile(in.StatePath())
	if !strings.HasPrefix(string(data), `{"version":3,`) || strings.Count(string(data), "\n") != 1 {
		t.Errorf("state file = %q, want one JSON document of version 3", data)
	}
}

func TestLoadState(t *testing.T) {
	const v1 = `{"version":1,"revision":"abc","config":"/c/buildout.hcl","parts":[{"name":"a","recipe":"file","digest":"d","paths":[{"path":"/x","kind":"file"}]}]}` + "\n"
	const head = `{"version":2,"revision":"abc","time":"0001-01-01T00:00:00Z","config":"/c/buildout.hcl",`
	const part = `{"name":"a","recipe":"file","digest":"d","paths":[{"path":"/x","kind":"file"}]}`
	for _, tt := range []struct {
		name, data string
		err        string // what the error says, "" for none
	}{
		{"version 1", v1, ""},
		{"version 3", strings.Replace(v1, `"version":1`, `"version":3`, 1), ""},
		{"version 2", head + `"parts":2}` + "\n" + part + "\n" + strings.Replace(part, `"a"`, `"b"`, 1) + "\n", ""},
		{"no parts", head + `"parts":0}` + "\n", ""},
		{"broken", "{", "state.json:1: unexpected end of JSON input"},
		{"broken part", head + `"parts":2}` + "\n" + part + "\n" + `{"name":3}` + "\n", "state.json:3: json: cannot unmarshal number"},
		{"part missing", head + `"parts":2}` + "\n" + part + "\n", "state.json: 1 parts, the first line says 2"},
		{"count absurd", head + `"parts":99999}` + "\n" + part + "\n", "state.json: 1 parts, the first line says 99999"},
		{"broken document", `{"version":3,"parts":[{"name":3}]}` + "\n", "state.json:1: json: cannot unmarshal number"},
		{"two documents", `{"version":3}` + "\n" + `{"version":3}` + "\n", "state.json:2: more than one JSON document"},
		{"newer", `{"version":4}` + "\n", "state version 4, this assemble reads versions 1 to 3"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in, _ := Open(t.TempDir(), "dev")
			if err := in.Create(); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(in.StatePath(), []byte(tt.data), 0o644); err != nil {
				t.Fatal(err)
			}
			st, err := in.LoadState()
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Errorf("LoadState = %v, want an error saying %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if st.Revision != "abc" || st.Config != "/c/buildout.hcl" || len(st.Parts) > 0 && st.Part("a").Paths[0].Path != "/x" {
				t.Errorf("LoadState = %+v", st)
			}
		})
	}
}

func TestSwitchAndRevisions(t *testing.T) {
	in, _ := Open(t.TempDir(), "dev")
	in.Create()
	for i, rev := range []string{"r1", "r2", "r3"} {
		os.MkdirAll(in.Revision(rev), 0o755)
		os.MkdirAll(filepath.Join(in.Revision(rev), "bin"), 0o755)
		p := filepath.Join(in.Revision(rev), "parts.json")
		os.WriteFile(p, []byte("{}"), 0o644)
		when := time.Now().Add(time.Duration(i-3) * time.Hour)
		os.Chtimes(p, when, when)
	}
	os.MkdirAll(in.Revision(".staging-r4"), 0o755)
	os.MkdirAll(in.Revision("incomplete"), 0o755)
	revs, err := in.Revisions()
	if err != nil || strings.Join(revs, " ") != "r1 r2 r3" {
		t.Fatalf("Revisions = %v, %v", revs, err)
	}
	for _, rev := range []string{"r2", "r3", "r1"} {
		if err := in.Switch(rev); err != nil {
			t.Fatal(err)
		}
		if got := in.CurrentRevision(); got != rev {
			t.Errorf("current = %s, want %s", got, rev)
		}
	}
	if target, _ := os.Readlink(filepath.Join(in.Dir, "bin")); target != filepath.Join("code", "current", "bin") {
		t.Errorf("bin -> %s", target)
	}
}

func TestHistory(t *testing.T) {
	in, _ := Open(t.TempDir(), "dev")
	in.Create()
	for _, id := range []string{"1", "2", "2"} {
		if err := in.AppendHistory(&Event{ID: id, Action: "install", Revision: "r" + id}); err != nil {
			t.Fatal(err)
		}
	}
	// A line cut short by a crash is skipped.
	f, _ := os.OpenFile(in.HistoryPath(), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"id":"3","act`)
	f.Close()
	events, err := in.History()
	if err != nil || len(events) != 2 || events[1].Revision != "r2" {
		t.Errorf("History = %+v, %v; want 2 events, the repeated ID written once", events, err)
	}
	// The next event is not swallowed by the line cut short, and is
	// written once however long the history and its events.
	long := &Event{ID: "4", Action: "install", Revision: "r4", Parts: Counts{Installed: []string{strings.Repeat("p", 40<<10)}}}
	for _, e := range []*Event{long, long, {ID: "5"}, {ID: "5"}} {
		if err := in.AppendHistory(e); err != nil {
			t.Fatal(err)
		}
	}
	events, err = in.History()
	var ids []string
	for _, e := range events {
		ids = append(ids, e.ID)
	}
	if err != nil || strings.Join(ids, " ") != "1 2 4 5" {
		t.Errorf("History IDs = %v, %v; want 1 2 4 5", ids, err)
	}
}
