package lock

import (
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

func sample() *Lock {
	return &Lock{
		Go: "go1.26.8",
		Manifest: &Manifest{Source: "/m", Commit: "abc", Dirty: true, Files: map[string]string{
			"b.hcl": "sha256:2", "a.hcl": "sha256:1",
		}},
		Variables: cty.ObjectVal(map[string]cty.Value{"port": cty.NumberIntVal(8000), "name": cty.StringVal("lab")}),
		Env:       map[string]string{"USER": "lava"},
		Modules: []Module{
			{Path: "example.com/z", Version: "v1.0.0", Hash: "h1:z", GoMod: "h1:zm"},
			{Path: "example.com/a", Version: "v1.2.0", Hash: "h1:a", GoMod: "h1:am"},
		},
		Overlays: []Overlay{{Path: "example.com/c", Dir: "code/local/c", Commit: "def", Dirty: true, Hash: "h1:c"}},
	}
}

func TestRoundTrip(t *testing.T) {
	data := sample().Marshal()
	l, err := Parse(data, "x.lock")
	if err != nil {
		t.Fatal(err)
	}
	again := l.Marshal()
	if string(again) != string(data) {
		t.Errorf("round trip changed the lock:\n%s\n---\n%s", data, again)
	}
	if i, j := strings.Index(string(data), "example.com/a"), strings.Index(string(data), "example.com/z"); i < 0 || j < i {
		t.Errorf("modules are not sorted:\n%s", data)
	}
	if i, j := strings.Index(string(data), `"a.hcl"`), strings.Index(string(data), `"b.hcl"`); i < 0 || j < i {
		t.Errorf("files are not sorted:\n%s", data)
	}
	if !l.Variables.GetAttr("port").RawEquals(cty.NumberIntVal(8000)) {
		t.Errorf("variables = %#v", l.Variables)
	}
}

func TestCheck(t *testing.T) {
	l := sample()
	tests := []struct {
		name string
		mods []Module
		want string
	}{
		{"same", []Module{{Path: "example.com/a", Version: "v1.2.0", Hash: "h1:a", GoMod: "h1:am"}}, ""},
		{"other version", []Module{{Path: "example.com/a", Version: "v1.3.0", Hash: "h1:x", GoMod: "h1:y"}}, ""},
		{"not locked", []Module{{Path: "example.com/new", Version: "v1.0.0", Hash: "h1:x"}}, ""},
		{"zip changed", []Module{{Path: "example.com/a", Version: "v1.2.0", Hash: "h1:evil", GoMod: "h1:am"}}, "example.com/a@v1.2.0: zip hash mismatch"},
		{"go.mod changed", []Module{{Path: "example.com/z", Version: "v1.0.0", Hash: "h1:z", GoMod: "h1:evil"}}, "example.com/z@v1.0.0: go.mod hash mismatch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var msgs []string
			for _, err := range l.Check(tt.mods, "prod.lock") {
				msgs = append(msgs, err.Error())
			}
			got := strings.Join(msgs, "\n")
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Errorf("Check = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseError(t *testing.T) {
	if _, err := Parse([]byte("module {"), "bad.lock"); err == nil || !strings.Contains(err.Error(), "bad.lock") {
		t.Errorf("Parse error = %v, want one naming the file", err)
	}
	if _, err := Parse([]byte("module \"x\" {}\n"), "bad.lock"); err == nil {
		t.Error("a module without a version parsed")
	}
}
