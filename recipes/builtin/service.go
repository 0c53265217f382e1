package builtin

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/zclconf/go-cty/cty"

	"github.com/assemble-build/assemble/recipes/recipe"
)

// Service runs a program as a systemd service: it writes a unit for the
// part, named after the part and the instance so that instances never
// collide, and after the instance switches to a revision it enables the
// unit and restarts it if the switch changed the part or what it refers
// to (its binary, its configuration).
type Service struct {
	// Systemctl is the systemctl program; "" means systemctl, and only
	// where systemd runs. Tests give one that records its calls.
	Systemctl string
	// Off skips starting and stopping services (--no-services); units
	// are still written.
	Off bool

	unbooted sync.Once // it was said that systemd is not running
}

var serviceSpec = &recipe.Spec{
	Name: "systemd.service",
	Doc:  "Writes a systemd unit for a program; enables it, and restarts it when it or what it refers to changed.",
	Options: []recipe.Option{
		{Name: "exec_start", Type: cty.List(cty.String), Required: true, Doc: "argv of the program: an absolute path (like part.server.bin[\"lava-server\"]) and its arguments"},
		{Name: "description", Type: cty.String, Doc: "the unit's Description (default: the part and the instance)"},
		{Name: "environment", Type: cty.Map(cty.String), Default: cty.MapValEmpty(cty.String), Doc: "Environment= settings"},
		{Name: "environment_files", Type: cty.List(cty.String), Default: cty.ListValEmpty(cty.String), Doc: "EnvironmentFile= paths"},
		{Name: "working_directory", Type: cty.String, Path: recipe.TargetPath, Doc: "working directory (default: the instance directory)"},
		{Name: "user", Type: cty.String, Doc: "User= (system units only; default: the instance's user, buildout.user)"},
		{Name: "group", Type: cty.String, Doc: "Group= (system units only; default: the instance's group)"},
		{Name: "restart", Type: cty.String, Default: cty.StringVal("on-failure"), Doc: "Restart=: no, on-success, on-failure, on-abnormal, on-watchdog, on-abort or always"},
		{Name: "restart_sec", Type: cty.Number, Default: cty.NumberIntVal(2), Doc: "seconds before a restart"},
		{Name: "after", Type: cty.List(cty.String), Default: cty.ListValEmpty(cty.String), Doc: "units started first (After=), like part.db.unit"},
		{Name: "requires", Type: cty.List(cty.String), Default: cty.ListValEmpty(cty.String), Doc: "units it needs (Requires= and After=), like part.db.unit"},
		{Name: "read_write_paths", Type: cty.List(cty.String), Doc: "the only paths it may write (default: the instance's var, run and tmp)"},
		{Name: "hardening", Type: cty.Bool, Default: cty.True, Doc: "NoNewPrivileges, ProtectSystem=strict, PrivateTmp and the rest (system units)"},
		{Name: "scope", Type: cty.String, Doc: "system or user (default: system when assemble runs as root)"},
		{Name: "unit_dir", Type: cty.String, Path: recipe.TargetPath, Doc: "where the unit goes (default: /etc/systemd/system, or ~/.config/systemd/user for user units)"},
		{Name: "wanted_by", Type: cty.String, Doc: "the target that starts it at boot (default: multi-user.target, or default.target for user units)"},
		{Name: "ports", Type: cty.List(cty.Number), Default: cty.ListValEmpty(cty.Number), Doc: "TCP ports it listens on: the Kubernetes Service of assemble image --kubernetes"},
	},
	Outputs: []recipe.Output{
		{Name: "unit", Type: cty.String, Doc: "the unit's name: assemble-PART@INSTANCE.service"},
		{Name: "path", Type: cty.String, Doc: "the unit file"},
	},
}

func (*Service) Spec() *recipe.Spec { return serviceSpec }

var restarts = map[string]bool{"no": true, "on-success": true, "on-failure": true, "on-abnormal": true, "on-watchdog": true, "on-abort": true, "always": true}

func (*Service) Check(p *recipe.Part) []recipe.Problem {
	var probs []recipe.Problem
	if argv := p.Strings("exec_start"); p.Known("exec_start") && (len(argv) == 0 || !filepath.IsAbs(argv[0])) {
		probs = append(probs, recipe.Problem{Option: "exec_start", Summary: "Invalid exec_start",
			Detail: "exec_start is a list whose first element is the program's absolute path, like part.server.bin[\"lava-server\"]."})
	}
	if r := p.String("restart"); r != "" && !restarts[r] {
		probs = append(probs, recipe.Problem{Option: "restart", Summary: "Invalid restart", Detail: fmt.Sprintf("restart is one of no, on-success, on-failure, on-abnormal, on-watchdog, on-abort and always, not %q.", r)})
	}
	if s := p.String("scope"); s != "" && s != "system" && s != "user" {
		probs = append(probs, recipe.Problem{Option: "scope", Summary: "Invalid scope", Detail: fmt.Sprintf("scope is system or user, not %q.", s)})
	}
	// Every value goes into the unit: a newline would start a setting of
	// its own (ExecStartPre=, in a unit that runs as root).
	for _, o := range serviceSpec.Options {
		if multiline(p.Options[o.Name]) {
			probs = append(probs, recipe.Problem{Option: o.Name, Summary: "Newline in a unit setting", Detail: "A unit file setting is one line: a value may hold no newline."})
		}
	}
	return probs
}

// multiline reports whether v holds a string with a line break, in it
// or in its elements and keys.
func multiline(v cty.Value) bool {
	switch {
	case v == cty.NilVal || v.IsNull() || !v.IsKnown():
		return false
	case v.Type() == cty.String:
		return strings.ContainsAny(v.AsString(), "\n\r")
	case v.CanIterateElements():
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			if multiline(k) || multiline(e) {
				return true
			}
		}
	}
	return false
}

func (*Service) Outputs(p *recipe.Part) (map[string]cty.Value, error) {
	unit := cty.StringVal(unitName(p))
	if !p.Instance.Known {
		unit = cty.UnknownVal(cty.String)
	}
	path := cty.UnknownVal(cty.String)
	if dir := unitDir(p); dir != "" && p.Instance.Known {
		path = cty.StringVal(filepath.Join(dir, unitName(p)))
	}
	return map[string]cty.Value{"unit": unit, "path": path}, nil
}

// Service is the part's program and the ports it lists (ports), for an
// image of the instance (recipe.Servicer).
func (*Service) Service(p *recipe.Part) ([]string, []int) {
	var ports []int
	if v := p.Options["ports"]; v.IsWhollyKnown() && !v.IsNull() && v.CanIterateElements() {
		for it := v.ElementIterator(); it.Next(); {
			_, n := it.Element()
			port, _ := n.AsBigFloat().Int64()
			ports = append(ports, int(port))
		}
	}
	return p.Strings("exec_start"), ports
}

// unitName names the unit after the part (its FileName, which a unit
// name can hold) and the instance, as systemd names the instances of a
// template: assemble-PART@INSTANCE.service.
// Neither name may hold an @, so no two instances' units share a name,
// whatever dashes they hold.
func unitName(p *recipe.Part) string {
	return fmt.Sprintf("assemble-%s@%s.service", p.FileName(), p.Instance.Name)
}

// scope is system or user: the option, else system for root.
func scope(p *recipe.Part) string {
	if s := p.String("scope"); s != "" {
		return s
	}
	if os.Geteuid() == 0 {
		return "system"
	}
	return "user"
}

// unitDir is where the unit goes: the option, else where systemd looks
// for the scope's units that an administrator writes.
func unitDir(p *recipe.Part) string {
	if d := p.String("unit_dir"); d != "" {
		return d
	}
	if scope(p) == "system" {
		return "/etc/systemd/system"
	}
	if x := os.Getenv("XDG_CONFIG_HOME"); filepath.IsAbs(x) {
		return filepath.Join(x, "systemd", "user")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".config", "systemd", "user")
}

// Install writes the unit.
func (*Service) Install(ctx context.Context, p *recipe.Part, h recipe.Host) error {
	dir := unitDir(p)
	if dir == "" {
		return fmt.Errorf("part %s: no directory for user units: set unit_dir, or HOME", p.Name)
	}
	if err := h.Mkdir(dir, 0o755); err != nil {
		return err
	}
	return h.WriteFile(filepath.Join(dir, unitName(p)), []byte(UnitFile(p)), 0o644)
}

// sortedKeys returns the keys of m, sorted.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
