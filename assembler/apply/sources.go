package apply

import "github.com/assemble-build/assemble/assembler/verify"

// Source is a module a part's build reads from the module cache, with
// the hash the lock gives it.
type Source = verify.Source

// verifySources checks, before the go command builds a part, that each
// module it reads is in the module cache as it was downloaded (see
// verify.Module). A module checks once a run.
func (r *Run) verifySources(part string) error {
	for _, s := range r.Sources[part] {
		key := s.Path + "@" + s.Version
		res, _ := r.verified.LoadOrStore(key, &checked{})
		c := res.(*checked)
		c.once.Do(func() { c.err = verify.Module(s) })
		if c.err != nil {
			return c.err
		}
	}
	return nil
}
