package instance

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/assemble-build/assemble/assembler/fsutil"
)

// State is what an instance remembers between runs: where its config
// comes from and the values it was given, the revision it is on, and what
// each installed part made. It is written once per run, atomically
// (buildout rewrote .installed.cfg after every part, and on every no-op).
type State struct {
	Version  int       `json:"version"`
	Revision string    `json:"revision,omitempty"`
	Time     time.Time `json:"time"`

	// What the instance remembers, for the next run that does not say.
	Manifest string       `json:"manifest,omitempty"` // directory or git URL#ref
	Config   string       `json:"config,omitempty"`
	Vars     []VarSetting `json:"vars,omitempty"`

	// Fingerprint names every input of the last install; an install whose
	// inputs have the same fingerprint has nothing to do.
	Fingerprint string   `json:"fingerprint,omitempty"`
	Files       []string `json:"files,omitempty"` // files the config was read from
	Env         []string `json:"env,omitempty"`   // environment variables env() read
	GoBuild     bool     `json:"go_build,omitempty"`
	// KeepRevisions is the config's keep_revisions, for commands that do
	// not read the config.
	KeepRevisions int `json:"keep_revisions,omitempty"`

	Parts []PartState `json:"parts"`

	byName map[string]*PartState
}

// VarSetting is a variable value given from outside the config.
type VarSetting struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Source string `json:"source"`
}

// PartState records an installed part.
type PartState struct {
	Name   string `json:"name"`
	Recipe string `json:"recipe"`
	// Digest names the part's evaluated options and inputs.
	Digest string `json:"digest"`
	// Options holds a short hash of each option, to say which changed:
	// "name=hash name=hash…", sorted; one string, because the state of a
	// thousand parts is read by every install.
	Options string `json:"options,omitempty"`
	// Paths are what the part made in the instance, in the order made.
	Paths []Path `json:"paths,omitempty"`
}

// Path is a file, link or directory a part made.
type Path struct {
	Path string `json:"path"`
	Kind string `json:"kind"`           // file, symlink, dir, tree (a staged directory), tracked
	Hash string `json:"hash,omitempty"` // of a file's content, or a link's target
}

// Part returns the state of the part called name, or nil.
func (s *State) Part(name string) *PartState {
	if len(s.byName) != len(s.Parts) {
		s.byName = make(map[string]*PartState, len(s.Parts))
		for i := range s.Parts {
			s.byName[s.Parts[i].Name] = &s.Parts[i]
		}
	}
	return s.byName[name]
}

const stateVersion = 1

// LoadState reads the instance's state; a new instance has an empty one.
func (in *Instance) LoadState() (*State, error) {
	data, err := os.ReadFile(in.StatePath())
	if os.IsNotExist(err) {
		return &State{Version: stateVersion}, nil
	}
	if err != nil {
		return nil, err
	}
	var s State
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("%s: %v", in.StatePath(), err)
	}
	if s.Version != stateVersion {
		return nil, fmt.Errorf("%s: state version %d, this assemble reads %d", in.StatePath(), s.Version, stateVersion)
	}
	return &s, nil
}

// Marshal encodes the state.
func (s *State) Marshal() []byte {
	s.Version = stateVersion
	data, _ := json.Marshal(s)
	return append(data, '\n')
}

// SaveState writes the state atomically.
func (in *Instance) SaveState(s *State) error {
	return fsutil.WriteFile(in.StatePath(), s.Marshal(), 0o644)
}
