package assembler

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"slices"

	"github.com/assemble-build/assemble/assembler/account"
	"github.com/assemble-build/assemble/assembler/apply"
	"github.com/assemble-build/assemble/assembler/config"
	"github.com/assemble-build/assemble/assembler/evaluate"
	"github.com/assemble-build/assemble/assembler/instance"
	"github.com/assemble-build/assemble/assembler/lock"
	"github.com/assemble-build/assemble/assembler/overlay"
	"github.com/assemble-build/assemble/assembler/plan"
	"github.com/assemble-build/assemble/assembler/programs"
	"github.com/assemble-build/assemble/assembler/resolve"
	"github.com/assemble-build/assemble/assembler/source"
	"github.com/assemble-build/assemble/recipes/recipe"
)

// evaluate evaluates the config for the instance with versions resolved:
// those the current revision's lock names are kept (unless upgrading)
// and checked, with the lock file given, if any.
func (s *session) evaluate(ctx context.Context, src *source.Source, ovs []overlay.Overlay) (*evaluate.Result, error) {
	opts := evaluate.Options{
		Instance: recipe.NewInstance(s.in.Name, s.in.Dir),
		Recipes:  s.opts.Recipes,
		Newest:   s.opts.Newest,
		Offline:  s.opts.Offline,
		Mirror:   s.opts.Mirror,
		Overlays: ovs,
		Cache:    filepath.Join(s.in.Root, "cache"),
		Store:    s.store(),
		Code:     s.in.Code(),
		Logs:     &programs.Logs{Say: s.opts.Progress.Say},
	}
	if cur := s.in.CurrentRevision(); cur != "" {
		opts.Saved, _ = os.ReadFile(filepath.Join(s.in.Revision(cur), apply.ResolutionFile))
		if l, err := readLock(s.in.Revision(cur)); err == nil {
			opts.Checks = append(opts.Checks, resolve.Check{Lock: l, Name: "the lock of revision " + cur})
			opts.Previous = map[string]string{}
			for _, m := range l.Modules {
				opts.Previous[m.Path] = m.Version
			}
		}
	}
	if s.in.CurrentRevision() == "" && s.opts.KeepLock != "" {
		l, err := readLockFile(s.opts.KeepLock)
		if err != nil {
			return nil, err
		}
		opts.Checks = append(opts.Checks, resolve.Check{Lock: l, Name: s.opts.KeepLock})
		opts.Previous = map[string]string{}
		for _, m := range l.Modules {
			opts.Previous[m.Path] = m.Version
		}
	}
	if s.opts.Mirror != "" {
		check, err := mirrorCheck(s.opts.Mirror)
		if err != nil {
			return nil, err
		}
		opts.Checks = append(opts.Checks, check)
	}
	if s.opts.LockFile != "" {
		if _, err := os.Stat(s.opts.LockFile); err != nil {
			return nil, &UsageError{Err: fmt.Errorf("--lock %s: %w", s.opts.LockFile, err), Hint: "'assemble versions --lock FILE' writes a lock of what an install would use."}
		}
		checks, err := evaluate.ReadLockCheck(s.opts.LockFile)
		if err != nil {
			return nil, err
		}
		opts.Checks = append(opts.Checks, checks...)
	}
	ev, err := evaluate.Evaluate(ctx, src, opts)
	if err != nil {
		return nil, err
	}
	for _, d := range ev.Diags {
		s.warns = append(s.warns, d.Summary+": "+d.Detail)
	}
	return ev, nil
}

// run gathers what applying plan p needs.
func (s *session) run(ctx context.Context, p *plan.Plan, src *source.Source, ev *evaluate.Result, ovs []overlay.Overlay) (*apply.Run, error) {
	next, err := s.nextState(ctx, src, ev, ovs)
	if err != nil {
		return nil, err
	}
	acct, err := s.account(ctx, p.User, p.Group, ev.Config.Config)
	if err != nil {
		return nil, err
	}
	next.CreatedUsers = s.created(acct)
	recipes := s.opts.Recipes
	if ev.Programs != nil {
		recipes = ev.Programs.Recipes
	}
	r := &apply.Run{
		Instance: s.in, State: s.st, Plan: p, Recipes: recipes, Store: s.store(), Next: next,
		Go: ev.Env, Sources: sourcesOf(ev.Versions), Offline: s.opts.Offline, Funcs: config.TemplateFuncs(), Progress: s.opts.Progress,
		NoActivate: s.opts.NoActivate, Account: acct,
	}
	if !p.UpToDate(s.in, s.st) {
		r.Event = s.event(ctx, src, ovs)
		if !p.Built {
			r.Contents = s.contents(ctx, src, ev)
		}
	}
	return r, nil
}

// nextState is what the instance remembers after the install: where its
// config came from, the variables it was given, and its inputs'
// fingerprint.
func (s *session) nextState(ctx context.Context, src *source.Source, ev *evaluate.Result, ovs []overlay.Overlay) (*instance.State, error) {
	set := ev.Config.Settings
	st := &instance.State{Time: now(), Config: src.ConfigPath(), KeepRevisions: set.KeepRevisions, User: set.User, Group: set.Group}
	if m := src.Opened(); m != nil {
		st.Manifest, st.Config = m.Spec, src.Config
	}
	vars, err := src.VarSettings()
	if err != nil {
		return nil, err
	}
	st.Vars = remembered(vars, ev.Config, s.st)
	sets, err := src.SetSettings()
	if err != nil {
		return nil, err
	}
	st.Sets = rememberedSets(sets, ev.Config, s.st)
	inputs := plan.InputsOf(ev.Config, ev.Env != nil)
	if s.opts.LockFile != "" {
		abs, err := filepath.Abs(s.opts.LockFile)
		if err != nil {
			return nil, err
		}
		inputs.Files = append(inputs.Files, abs)
	}
	st.Files, st.Env, st.Go = inputs.Files, inputs.Env, inputs.Go
	if st.Fingerprint, err = plan.Fingerprint(ctx, s.in, src, ovs, inputs); err != nil {
		return nil, err
	}
	return st, nil
}

// remembered returns the variable settings to remember: the last setting
// of each variable the config still declares, with where it first came
// from when it was remembered.
func remembered(vars []config.VarSetting, res *config.Result, old *instance.State) []instance.VarSetting {
	last := map[string]config.VarSetting{}
	var order []string
	for _, v := range vars {
		if _, ok := last[v.Name]; !ok {
			order = append(order, v.Name)
		}
		last[v.Name] = v
	}
	var out []instance.VarSetting
	for _, name := range order {
		if res.Config.Variable(name) == nil {
			continue // no longer declared
		}
		v := last[name]
		from := v.Source
		if from == "instance" {
			for _, o := range old.Vars {
				if o.Name == name {
					from = o.Source
				}
			}
		}
		out = append(out, instance.VarSetting{Name: v.Name, Value: v.Value, Source: from})
	}
	return out
}

// created lists the users assemble made for the instance, a now with
// them if it made it: only those does remove --delete-user delete.
func (s *session) created(a *account.Account) []string {
	users := slices.Clone(s.st.CreatedUsers)
	if a != nil && a.Created && !slices.Contains(users, a.User) {
		users = append(users, a.User)
	}
	return users
}

// rememberedSets returns the option settings to remember: the last of
// each option the config still has, with where it first came from.
func rememberedSets(sets []config.OptionSetting, res *config.Result, old *instance.State) []instance.VarSetting {
	last := map[string]config.OptionSetting{}
	var order []string
	for _, s := range sets {
		if _, ok := last[s.Key()]; !ok {
			order = append(order, s.Key())
		}
		last[s.Key()] = s
	}
	var out []instance.VarSetting
	for _, key := range order {
		s := last[key]
		p := res.All[s.Part]
		if names := res.Groups[s.Part]; p == nil && len(names) > 0 {
			p = res.All[names[0]] // a for_each: its parts share a recipe
		}
		if p == nil || p.Recipe == nil || p.Recipe.Spec().Option(s.Option) == nil {
			continue // no longer in the config
		}
		from := s.Source
		if from == "instance" {
			for _, o := range old.Sets {
				if o.Name == key {
					from = o.Source
				}
			}
		}
		out = append(out, instance.VarSetting{Name: key, Value: s.Value, Source: from})
	}
	return out
}

// contents is what a new revision holds besides what its parts install:
// the files the config read, the lock, the resolution.
func (s *session) contents(ctx context.Context, src *source.Source, ev *evaluate.Result) *apply.Contents {
	top := ev.Config.Config.Top.Dir
	c := &apply.Contents{Top: top, Files: plan.InputsOf(ev.Config, false).Files}
	var l *lock.Lock
	if m := src.Opened(); m != nil {
		l = ev.Lock(ctx, m.Spec, s.vcs(ctx))
		l.Manifest.Commit, l.Manifest.Ref = m.Commit, m.Ref
	} else {
		l = ev.Lock(ctx, top, s.vcs(ctx))
		l.Manifest.Commit, l.Manifest.Dirty = s.vcs(ctx)(top)
	}
	c.Lock = l.Marshal()
	if len(ev.Versions.Modules) > 0 {
		c.Resolution = ev.Versions.Save()
	}
	if ev.Env != nil {
		c.GoEnv, _ = json.Marshal(ev.Env.Recorded(ev.Config.Settings.GoEnv))
	}
	if ev.Programs != nil {
		c.Programs, _ = json.Marshal(ev.Programs.Programs)
	}
	return c
}

// event begins the history line of the run: who, from which manifest,
// with which overlays.
func (s *session) event(ctx context.Context, src *source.Source, ovs []overlay.Overlay) *instance.Event {
	e := &instance.Event{Action: s.opts.action()}
	if u, err := user.Current(); err == nil {
		e.User = u.Username
	}
	if m := src.Opened(); m != nil {
		e.Manifest, e.Commit = m.Spec, m.Commit
	} else {
		e.Manifest = src.ConfigPath()
		e.Commit, e.Dirty = s.vcs(ctx)(filepath.Dir(src.ConfigPath()))
	}
	for _, o := range ovs {
		commit, dirty := s.vcs(ctx)(o.Dir)
		line := fmt.Sprintf("%s=%s", o.Module, o.Dir)
		if commit != "" {
			line += "@" + commit[:min(12, len(commit))]
		}
		if dirty {
			line += "+dirty"
		}
		e.Overlays = append(e.Overlays, line)
	}
	return e
}

// readLock reads a revision's lock.
func readLock(rev string) (*lock.Lock, error) {
	return readLockFile(filepath.Join(rev, "assemble.lock"))
}

// readLockFile reads the lock at path.
func readLockFile(path string) (*lock.Lock, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return lock.Parse(data, path)
}

// vcs returns what asks git for the commit a directory's checkout is at
// and whether it has changes (overlay.VCS), once a run for each: the
// lock and the history line both say it.
func (s *session) vcs(ctx context.Context) func(dir string) (string, bool) {
	return func(dir string) (string, bool) {
		if v, ok := s.vcsSeen[dir]; ok {
			return v.commit, v.dirty
		}
		commit, dirty := overlay.VCS(ctx, dir)
		if s.vcsSeen == nil {
			s.vcsSeen = map[string]vcsState{}
		}
		s.vcsSeen[dir] = vcsState{commit, dirty}
		return commit, dirty
	}
}

type vcsState struct {
	commit string
	dirty  bool
}
