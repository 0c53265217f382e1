package resolve

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/assemble-build/assemble/assembler/gocmd"
	"github.com/assemble-build/assemble/assembler/lock"
)

// Error kinds, for the command line's exit codes.
var ErrResolve = errors.New("version resolution failed")

// Error is a resolution failure.
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return ErrResolve }

func errorf(format string, args ...any) error { return &Error{Msg: fmt.Sprintf(format, args...)} }

func joinErrors(errs []error) error {
	var msgs []string
	for _, err := range errs {
		if err != nil {
			msgs = append(msgs, err.Error())
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	return &Error{Msg: strings.Join(msgs, "\n")}
}

// PickedError reports picked versions where allow_picked_versions is
// false.
type PickedError struct {
	Modules []*Module
	At      string // where allow_picked_versions = false is set
}

func (e *PickedError) Error() string {
	var b strings.Builder
	n := "1 module has"
	if len(e.Modules) > 1 {
		n = fmt.Sprintf("%d modules have", len(e.Modules))
	}
	fmt.Fprintf(&b, "picked versions are not allowed (allow_picked_versions = false, %s), and %s no pin:\n", e.At, n)
	for _, m := range e.Modules {
		fmt.Fprintf(&b, "\t%s %s (%s)\n", m.Path, m.Version, m.Why)
	}
	b.WriteString("Pin them; add to the versions of your config:\n\n")
	b.WriteString(strings.TrimSuffix(VersionsBlock(e.Modules), "\n"))
	return b.String()
}

func (e *PickedError) Unwrap() error { return ErrResolve }

// VersionsBlock writes a versions = { … } block pinning mods, to paste
// into a config.
func VersionsBlock(mods []*Module) string {
	var b strings.Builder
	b.WriteString("versions = {\n")
	width := 0
	for _, m := range mods {
		width = max(width, len(m.Path)+2)
	}
	for _, m := range mods {
		fmt.Fprintf(&b, "  %-*s = %q\n", width, `"`+m.Path+`"`, m.Version)
	}
	b.WriteString("}\n")
	return b.String()
}

var (
	mismatchRE  = regexp.MustCompile(`verifying (\S+)@(v[^:\s/]+)(/go\.mod)?: checksum mismatch\s+downloaded: (h1:\S+)\s+go\.sum:\s+(h1:\S+)`)
	unreachable = regexp.MustCompile(`dial tcp|connection refused|no such host|i/o timeout|TLS handshake|network is unreachable`)
	notFound    = regexp.MustCompile(`404 Not Found|410 Gone|no such file or directory|not found|unknown revision|invalid version`)
)

// goError turns a go command failure about module path into a message
// that says what is wrong in assemble's terms.
func (r *resolver) goError(path string, err error) error {
	msg := err.Error()
	var ge *gocmd.Error
	if errors.As(err, &ge) {
		msg = strings.TrimSpace(ge.Stderr)
		if msg == "" {
			msg = ge.Err.Error()
		}
	}
	msg = strings.TrimPrefix(msg, "go: ")
	if m := mismatchRE.FindStringSubmatch(msg); m != nil {
		what := "zip"
		if m[3] != "" {
			what = "go.mod"
		}
		return &Error{Msg: (&lock.MismatchError{Path: m[1], Version: m[2], What: what, Got: m[4], Locked: m[5], Lock: r.lockName(m[1], m[2], m[5])}).Error()}
	}
	proxy := r.env.Get("GOPROXY")
	switch {
	case strings.Contains(msg, "sumdb") && unreachable.MatchString(msg):
		sumdb := r.env.Get("GOSUMDB")
		if sumdb == "" {
			sumdb = "sum.golang.org"
		}
		return errorf("%s: cannot reach the checksum database (GOSUMDB=%s) to verify it; for private modules set GONOSUMDB or GOPRIVATE in buildout.go_env:\n\t%s", path, sumdb, msg)
	case r.req.Offline && notFound.MatchString(msg):
		return errorf("%s: not in the module cache (offline; GOMODCACHE=%s). Run once without --offline to fetch it.\n\t%s", path, r.env.Get("GOMODCACHE"), msg)
	case unreachable.MatchString(msg):
		return errorf("%s: cannot reach the module proxy (GOPROXY=%s):\n\t%s", path, proxy, msg)
	case notFound.MatchString(msg):
		return errorf("%s: unknown module or version on GOPROXY=%s:\n\t%s", path, proxy, msg)
	}
	return errorf("%s: %s", path, msg)
}

// lockName names the lock that gives module path@version the hash
// locked, the one the go command found the download at odds with.
func (r *resolver) lockName(path, version, locked string) string {
	for _, c := range r.req.Checks {
		if m := c.Lock.Version(path, version); m != nil && (m.Hash == locked || m.GoMod == locked) {
			return c.Name
		}
	}
	return "go.sum"
}
