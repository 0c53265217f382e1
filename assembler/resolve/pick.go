package resolve

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/Masterminds/semver/v3"
	"golang.org/x/mod/module"
	gosemver "golang.org/x/mod/semver"
)

func (r *resolver) pickRoots(ctx context.Context) error {
	byPath := map[string]*root{}
	for _, w := range r.req.Wants {
		rt := byPath[w.Module]
		if rt == nil {
			rt = &root{path: w.Module}
			byPath[w.Module] = rt
			r.roots = append(r.roots, rt)
		}
		rt.wants = append(rt.wants, w)
	}
	sort.Slice(r.roots, func(i, j int) bool { return r.roots[i].path < r.roots[j].path })

	// Pick what needs no query first; then ask for the versions of every
	// other module in one go command, which queries them in parallel.
	var errs []error
	var query []*root
	for _, rt := range r.roots {
		done, err := r.pickKnown(rt)
		if err != nil {
			errs = append(errs, err)
		} else if !done {
			query = append(query, rt)
		}
	}
	if len(query) > 0 {
		versions, qerrs := r.listVersions(ctx, query)
		for _, rt := range query {
			if err := qerrs[rt.path]; err != nil {
				errs = append(errs, r.unknown(rt, err))
				continue
			}
			errs = append(errs, r.pickNewest(rt, versions[rt.path]))
		}
	}
	return joinErrors(errs)
}

// placeholder is the version required for an overlaid module that has no
// better one; the overlay replaces every version anyway.
const placeholder = "v0.0.0-00010101000000-000000000000"

// pickKnown picks a version that needs no query: an overlay's, a pin,
// or the previous pick. It reports whether it picked one.
func (r *resolver) pickKnown(rt *root) (bool, error) {
	cons, err := rt.constraints()
	if err != nil {
		return true, err
	}
	pin, pinned := r.req.Pins[rt.path]
	switch {
	case r.overlays[rt.path] != nil:
		rt.version, rt.why = placeholder, Reason{Kind: "overlay", Detail: r.overlays[rt.path].Dir}
		if pinned {
			rt.version = pin.Version
		} else if prev := r.req.Previous[rt.path]; prev != "" {
			rt.version = prev
		}
		return true, nil
	case pinned:
		rt.version, rt.why = pin.Version, Reason{Kind: "pin", Detail: pin.At}
		for i, c := range cons {
			if c != nil && !satisfies(c, pin.Version) {
				rt.why.Detail += fmt.Sprintf(" (outside %s of part %s)", rt.wants[i].Constraint, rt.wants[i].Part)
			}
		}
		return true, nil
	}
	if prev := r.req.Previous[rt.path]; prev != "" && !r.req.Newest && allSatisfy(cons, prev) {
		rt.version, rt.why = prev, Reason{Kind: "previous"}
		return true, nil
	}
	// A constraint that names one version leaves nothing to choose: the
	// list of versions, a round trip to the proxy, is not needed. Loading
	// the packages fails on a version the proxy does not have.
	if v := exact(rt.wants); v != "" && module.Check(rt.path, v) == nil {
		rt.version, rt.why = v, Reason{Kind: "exact", Detail: rt.wants[0].Constraint}
		return true, nil
	}
	return false, nil
}

// exactVersion is a constraint that allows one version: 1.2.3, v1.2.3,
// =1.2.3, with a pre-release or not.
var exactVersion = regexp.MustCompile(`^=?\s*v?([0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?)$`)

// exact returns the version every want names exactly, if they do.
func exact(wants []Want) string {
	v := ""
	for _, w := range wants {
		m := exactVersion.FindStringSubmatch(strings.TrimSpace(w.Constraint))
		if m == nil || v != "" && v != "v"+m[1] {
			return ""
		}
		v = "v" + m[1]
	}
	if !gosemver.IsValid(v) || gosemver.Canonical(v) != v {
		return ""
	}
	return v
}

// pickNewest picks the newest of versions that the constraints allow.
func (r *resolver) pickNewest(rt *root, versions []string) error {
	cons, _ := rt.constraints()
	best := newest(versions, cons)
	if best == "" {
		return r.noMatch(rt, versions)
	}
	rt.version = best
	if hasConstraint(rt.wants) {
		var cs []string
		for _, w := range rt.wants {
			if w.Constraint != "" {
				cs = append(cs, w.Constraint)
			}
		}
		rt.why = Reason{Kind: "constraint", Detail: strings.Join(cs, ", ")}
	} else {
		rt.why = Reason{Kind: "newest"}
	}
	return nil
}

func hasConstraint(ws []Want) bool {
	for _, w := range ws {
		if w.Constraint != "" {
			return true
		}
	}
	return false
}

func (rt *root) constraints() ([]*semver.Constraints, error) {
	cons := make([]*semver.Constraints, len(rt.wants))
	for i, w := range rt.wants {
		if w.Constraint == "" {
			continue
		}
		c, err := semver.NewConstraint(w.Constraint)
		if err != nil {
			return nil, errorf("%s: part %s: invalid version constraint %q: %v", w.At, w.Part, w.Constraint, err)
		}
		cons[i] = c
	}
	return cons, nil
}

func satisfies(c *semver.Constraints, v string) bool {
	sv, err := semver.NewVersion(v)
	return err == nil && c.Check(sv)
}

func allSatisfy(cons []*semver.Constraints, v string) bool {
	for _, c := range cons {
		if c != nil && !satisfies(c, v) {
			return false
		}
	}
	return true
}

// newest returns the newest version every constraint allows. Without
// constraints, that is the newest release; pre-releases are picked only
// when a constraint asks for one, as Masterminds constraints do.
func newest(versions []string, cons []*semver.Constraints) string {
	best := ""
	var bestV *semver.Version
	for _, v := range versions {
		if module.IsPseudoVersion(v) {
			continue
		}
		sv, err := semver.NewVersion(v)
		if err != nil {
			continue
		}
		ok := true
		any := false
		for _, c := range cons {
			if c == nil {
				continue
			}
			any = true
			if !c.Check(sv) {
				ok = false
			}
		}
		if !any && sv.Prerelease() != "" {
			ok = false
		}
		if ok && (bestV == nil || sv.GreaterThan(bestV)) {
			best, bestV = v, sv
		}
	}
	return best
}

func (r *resolver) noMatch(rt *root, versions []string) error {
	avail := "none"
	if len(versions) > 0 {
		avail = strings.Join(versions, ", ")
	}
	var why []string
	for _, w := range rt.wants {
		if w.Constraint != "" {
			why = append(why, fmt.Sprintf("%s (part %s, %s)", w.Constraint, w.Part, w.At))
		}
	}
	if len(why) == 0 {
		return errorf("%s: no release to pick; available: %s. Pin a version in versions, or give a version constraint that allows a pre-release.", rt.path, avail)
	}
	return errorf("%s: no version matches %s; available: %s", rt.path, strings.Join(why, " and "), avail)
}

// listVersions asks the go command for the versions of the roots'
// modules, without retracted ones, in one command.
func (r *resolver) listVersions(ctx context.Context, roots []*root) (map[string][]string, map[string]error) {
	args := []string{"list", "-m", "-json", "-versions"}
	for _, rt := range roots {
		args = append(args, rt.path)
	}
	versions := map[string][]string{}
	errs := map[string]error{}
	out, runErr := r.env.Run(ctx, r.dir, args...)
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var m struct {
			Path     string
			Versions []string
			Error    *struct{ Err string }
		}
		if err := dec.Decode(&m); err != nil {
			break
		}
		if m.Error != nil {
			errs[m.Path] = r.goError(m.Path, errors.New(m.Error.Err))
			continue
		}
		versions[m.Path] = m.Versions
	}
	for _, rt := range roots {
		if _, ok := versions[rt.path]; !ok && errs[rt.path] == nil {
			err := runErr
			if err == nil {
				err = errors.New("the go command listed no versions")
			}
			errs[rt.path] = r.goError(rt.path, ownLines(err, rt.path))
		}
	}
	return versions, errs
}
