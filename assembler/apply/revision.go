package apply

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/assemble-build/assemble/assembler/instance"
	"github.com/assemble-build/assemble/assembler/plan"
	"github.com/assemble-build/assemble/assembler/programs"
)

// The files of a revision that say how its modules were built: the
// versions resolution picked (resolve.Result.Save) and what the go
// command's environment was (gocmd.Env.Recorded).
const (
	ResolutionFile = "resolution.json"
	GoEnvFile      = "go-env.json"
)

// writeRevision writes what a new revision holds besides what its parts
// installed: a snapshot of the manifest, the lock, the resolution, the
// record of its plan, and bin/activate.
func (s *staging) writeRevision() error {
	c := s.r.Contents
	final := s.r.Instance.Revision(s.r.Plan.Revision)
	snap := map[string]string{}
	for _, f := range c.Files {
		rel := snapshotName(c.Top, f)
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		dst := filepath.Join(s.dir, "manifest", rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			return err
		}
		snap[f] = filepath.Join(final, "manifest", rel)
	}
	if err := os.WriteFile(filepath.Join(s.dir, "assemble.lock"), c.Lock, 0o644); err != nil {
		return err
	}
	for name, data := range map[string][]byte{ResolutionFile: c.Resolution, GoEnvFile: c.GoEnv, programs.File: c.Programs} {
		if data == nil {
			continue
		}
		if err := os.WriteFile(filepath.Join(s.dir, name), data, 0o644); err != nil {
			return err
		}
	}
	rec, err := s.r.Plan.Encode(s.r.Instance.Name, now(), snap)
	if err != nil {
		return err
	}
	// The record holds every option as evaluated, a password given in the
	// config too: it is not for every user of the machine to read.
	if err := os.WriteFile(filepath.Join(s.dir, plan.RecordFile), rec, 0o600); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(s.dir, "bin", "activate"), []byte(activateScript(s.r.Instance)), 0o644)
}

// snapshotName is where file f goes in a revision's manifest snapshot:
// its path relative to the top config's directory, with files from
// outside it under _outside/.
func snapshotName(top, f string) string {
	rel, err := filepath.Rel(top, f)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return filepath.Join("_outside", strings.TrimPrefix(filepath.Clean(f), string(filepath.Separator)))
	}
	return rel
}

// activateScript is bin/activate, which bash and zsh source, as a
// virtualenv's: the instance's bin first on PATH, ASSEMBLE_INSTANCE set,
// and deactivate to undo both.
func activateScript(in *instance.Instance) string {
	return fmt.Sprintf(`# Source this file from bash or zsh:  . %[2]s/bin/activate
# It puts the instance's bin first on PATH and sets ASSEMBLE_INSTANCE;
# deactivate undoes both. Written by assemble.

if [ -n "${ASSEMBLE_INSTANCE-}" ] && type deactivate >/dev/null 2>&1; then
    deactivate
fi

_ASSEMBLE_OLD_PATH="$PATH"
_ASSEMBLE_OLD_PS1="${PS1-}"
ASSEMBLE_INSTANCE=%[1]q
ASSEMBLE_INSTANCE_DIR=%[2]q
PATH="$ASSEMBLE_INSTANCE_DIR/bin:$PATH"
export ASSEMBLE_INSTANCE ASSEMBLE_INSTANCE_DIR PATH
if [ -z "${ASSEMBLE_NO_PROMPT-}" ] && [ -n "${PS1-}" ]; then
    PS1="(%[1]s) $PS1"
fi

deactivate() {
    PATH="$_ASSEMBLE_OLD_PATH"
    export PATH
    if [ -n "${_ASSEMBLE_OLD_PS1-}" ]; then
        PS1="$_ASSEMBLE_OLD_PS1"
    fi
    unset ASSEMBLE_INSTANCE ASSEMBLE_INSTANCE_DIR _ASSEMBLE_OLD_PATH _ASSEMBLE_OLD_PS1
    unset -f deactivate
    hash -r 2>/dev/null
    return 0
}

hash -r 2>/dev/null
`, in.Name, in.Dir)
}
