package builtin

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/assemble-build/assemble/recipes/recipe"
)

// UnitFile returns the unit file of a systemd.service part, as systemd
// reads it (systemd.syntax(7), systemd.service(5)): every value escaped
// so that it means what the config says, not a specifier (%) or a
// variable ($).
func UnitFile(p *recipe.Part) string {
	var b strings.Builder
	in := p.Instance
	desc := p.String("description")
	if desc == "" {
		desc = fmt.Sprintf("%s of assemble instance %s", p.Name, in.Name)
	}
	fmt.Fprintf(&b, "# Written by assemble for part %s of instance %s (%s).\n# An install replaces it; change the config instead.\n\n", p.Name, in.Name, in.Dir)
	b.WriteString("[Unit]\n")
	line(&b, "Description", specifiers(desc))
	requires := p.Strings("requires")
	if len(requires) > 0 {
		line(&b, "Requires", words(requires))
	}
	if after := append(p.Strings("after"), requires...); len(after) > 0 {
		line(&b, "After", words(after))
	}
	b.WriteString("\n[Service]\nType=exec\n")
	line(&b, "ExecStart", commandLine(p.Strings("exec_start")))
	dir := p.String("working_directory")
	if dir == "" {
		dir = in.Dir
	}
	line(&b, "WorkingDirectory", specifiers(dir))
	env := p.StringMap("environment")
	for _, k := range sortedKeys(env) {
		line(&b, "Environment", quote(k+"="+env[k], false))
	}
	for _, f := range p.Strings("environment_files") {
		line(&b, "EnvironmentFile", specifiers(f))
	}
	line(&b, "Restart", p.String("restart"))
	line(&b, "RestartSec", p.Options["restart_sec"].AsBigFloat().Text('f', -1))
	if scope(p) == "system" {
		systemOnly(&b, p)
	}
	wanted := p.String("wanted_by")
	if wanted == "" {
		wanted = map[string]string{"system": "multi-user.target", "user": "default.target"}[scope(p)]
	}
	b.WriteString("\n[Install]\n")
	line(&b, "WantedBy", specifiers(wanted))
	return b.String()
}

// systemOnly writes what only a system unit may say: who it runs as
// (the instance's user unless the part says), and the sandbox, which a
// user's service manager cannot set up.
func systemOnly(b *strings.Builder, p *recipe.Part) {
	u, g := p.String("user"), p.String("group")
	if u == "" {
		u, g = p.Instance.User, cmp.Or(g, p.Instance.Group)
	}
	if u != "" {
		line(b, "User", specifiers(u))
	}
	if g != "" {
		line(b, "Group", specifiers(g))
	}
	if !p.Bool("hardening") {
		return
	}
	in := p.Instance
	rw := []string{in.Var, in.Run, in.Tmp}
	if p.Options["read_write_paths"].IsKnown() && !p.Options["read_write_paths"].IsNull() {
		rw = p.Strings("read_write_paths")
	}
	b.WriteString("NoNewPrivileges=yes\nProtectSystem=strict\nProtectHome=read-only\nPrivateTmp=yes\nPrivateDevices=yes\n")
	b.WriteString("ProtectKernelTunables=yes\nProtectKernelModules=yes\nProtectControlGroups=yes\nRestrictSUIDSGID=yes\nLockPersonality=yes\n")
	if len(rw) > 0 {
		line(b, "ReadWritePaths", words(rw))
	}
}

func line(b *strings.Builder, key, value string) {
	b.WriteString(key + "=" + value + "\n")
}

// commandLine writes argv as ExecStart reads it: each word quoted when
// it must be, $ and % doubled so that systemd expands nothing.
func commandLine(argv []string) string {
	out := make([]string, len(argv))
	for i, a := range argv {
		out[i] = quote(a, true)
	}
	return strings.Join(out, " ")
}

// words writes a list of paths or unit names, each quoted when it must be.
func words(list []string) string {
	out := make([]string, len(list))
	for i, w := range list {
		out[i] = quote(w, false)
	}
	return strings.Join(out, " ")
}

// quote makes s one word of a unit file setting; in a command line
// (cmd), $ is doubled too. (The program's path is absolute: it never
// starts with a character systemd reads as a prefix, @-:+!.)
func quote(s string, cmd bool) string {
	s = specifiers(s)
	if cmd {
		s = strings.ReplaceAll(s, "$", "$$")
	}
	if s != "" && !strings.ContainsAny(s, " \t\"'\\;") {
		return s
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}

// specifiers doubles %, so that systemd reads no specifier.
func specifiers(s string) string { return strings.ReplaceAll(s, "%", "%%") }
