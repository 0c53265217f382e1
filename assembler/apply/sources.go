package apply

import (
	"fmt"
	"os"

	"golang.org/x/mod/sumdb/dirhash"
)

// Source is a module a part's build reads from the module cache, with
// the hash the lock gives it.
type Source struct {
	Path, Version string
	Sum           string // h1:
	Dir           string // in the module cache
}

// verifySources checks, before the go command builds a part, that each
// module it reads is in the module cache as it was downloaded: the go
// command checks a module against go.sum when it fetches it, not when it
// builds from the cache, where anyone who can write can change it. A
// module checks once a run.
func (r *Run) verifySources(part string) error {
	for _, s := range r.Sources[part] {
		key := s.Path + "@" + s.Version
		res, _ := r.verified.LoadOrStore(key, &checked{})
		c := res.(*checked)
		c.once.Do(func() { c.err = verifySource(s) })
		if c.err != nil {
			return c.err
		}
	}
	return nil
}

func verifySource(s Source) error {
	if _, err := os.Stat(s.Dir); err != nil {
		return nil // not in the cache: the go command fetches it, and checks it
	}
	got, err := dirhash.HashDir(s.Dir, s.Path+"@"+s.Version, dirhash.Hash1)
	if err != nil {
		return fmt.Errorf("checking %s@%s in the module cache: %w", s.Path, s.Version, err)
	}
	if got != s.Sum {
		return fmt.Errorf("module %s@%s in the module cache (%s) has %s, where the lock says %s: it was changed after it was downloaded. Remove it (go clean -modcache removes them all) and install again", s.Path, s.Version, s.Dir, got, s.Sum)
	}
	return nil
}
