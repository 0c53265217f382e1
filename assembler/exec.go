package assembler

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/assemble-build/assemble/assembler/account"
)

// Environment is where and with what environment assemble exec runs a
// command in an instance.
type Environment struct {
	Dir string   // the instance directory
	Env []string // base, with the instance's settings over it
	// Account is who the command runs as: the instance's user when
	// assemble runs as root, else nil (whoever runs assemble).
	Account *account.Account
}

// ExecEnvironment returns the environment of instance opts.Name for a
// command: opts.Environ with the instance's bin first on PATH,
// ASSEMBLE_INSTANCE and ASSEMBLE_INSTANCE_DIR (as bin/activate sets
// them), and each variable of the current revision as ASSEMBLE_VAR_NAME,
// the name that sets it. Run as root for an instance with a user, the
// command runs as that user, with USER, LOGNAME and HOME to match. It
// takes no hold: a command may run for as long
// as it likes, installs beside it.
func ExecEnvironment(opts *Options) (*Environment, error) {
	s, err := look(opts)
	if err != nil {
		return nil, err
	}
	in := s.in
	rev := in.CurrentRevision()
	if !in.Exists() || rev == "" {
		return nil, noInstance(in)
	}
	l, err := readLock(in.Revision(rev))
	if err != nil {
		return nil, fmt.Errorf("instance %s: reading its revision's variables: %w", in.Name, err)
	}
	set := map[string]string{
		"ASSEMBLE_INSTANCE":     in.Name,
		"ASSEMBLE_INSTANCE_DIR": in.Dir,
		"PATH":                  filepath.Join(in.Dir, "bin") + string(os.PathListSeparator) + lookup(opts.Environ, "PATH"),
	}
	var acct *account.Account
	if s.st.User != "" && os.Geteuid() == 0 {
		if acct, err = account.Lookup(s.st.User, s.st.Group); err != nil {
			return nil, fmt.Errorf("instance %s: %w", in.Name, err)
		}
		set["USER"], set["LOGNAME"], set["HOME"] = acct.User, acct.User, in.Dir
	}
	if v := l.Variables; v != cty.NilVal && !v.IsNull() && v.Type().IsObjectType() {
		for name, val := range v.AsValueMap() {
			if set["ASSEMBLE_VAR_"+name], err = envString(val); err != nil {
				return nil, fmt.Errorf("instance %s: variable %s: %w", in.Name, name, err)
			}
		}
	}
	env := make([]string, 0, len(opts.Environ)+len(set))
	for _, kv := range opts.Environ {
		k, _, _ := strings.Cut(kv, "=")
		if _, ours := set[envKey(k)]; !ours && !strings.HasPrefix(envKey(k), "ASSEMBLE_VAR_") {
			env = append(env, kv)
		}
	}
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		env = append(env, k+"="+set[k])
	}
	return &Environment{Dir: in.Dir, Env: env, Account: acct}, nil
}

// envString is a variable's value as an environment variable holds it:
// a string as it is, anything else as JSON.
func envString(v cty.Value) (string, error) {
	if v.IsNull() {
		return "", nil
	}
	if v.Type() == cty.String {
		return v.AsString(), nil
	}
	js, err := ctyjson.SimpleJSONValue{Value: v}.MarshalJSON()
	return string(js), err
}

// lookup returns the value of key in env, the last if it is there twice.
func lookup(env []string, key string) string {
	val := ""
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && envKey(k) == key {
			val = v
		}
	}
	return val
}

// envKey is how the system compares an environment variable's name:
// Windows knows PATH as Path, and either is the one variable.
func envKey(k string) string {
	if runtime.GOOS == "windows" {
		return strings.ToUpper(k)
	}
	return k
}
