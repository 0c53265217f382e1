package instance

import (
	"bytes"
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
	// Sets are the --set option settings, named part.NAME.OPTION.
	Sets []VarSetting `json:"sets,omitempty"`

	// Fingerprint names every input of the last install; an install whose
	// inputs have the same fingerprint has nothing to do. Files, Env and
	// Go say what it was taken of (see package plan).
	Fingerprint string   `json:"fingerprint,omitempty"`
	Files       []string `json:"files,omitempty"`
	Env         []string `json:"env,omitempty"`
	Go          bool     `json:"go,omitempty"`
	// KeepRevisions is the config's keep_revisions, for commands that do
	// not read the config.
	KeepRevisions int `json:"keep_revisions,omitempty"`
	// User and Group are the account the instance runs as, for commands
	// that do not read the config (exec, remove --delete-user).
	User  string `json:"user,omitempty"`
	Group string `json:"group,omitempty"`
	// CreatedUsers are the users assemble made for the instance, which
	// remove --delete-user may delete.
	CreatedUsers []string `json:"created_users,omitempty"`

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
	// "name=hash name=hash…", sorted.
	Options string `json:"options,omitempty"`
	// Update says the part has an update step, to run on every install.
	Update bool `json:"update,omitempty"`
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

// stateVersion is the version of the state this assemble writes: one
// JSON document. Version 1 was the same document; version 2 wrote a line
// per part, and is still read (see readV2).
const stateVersion = 3

// LoadState reads the instance's state; a new instance has an empty one.
func (in *Instance) LoadState() (*State, error) {
	path := in.StatePath()
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return &State{Version: stateVersion}, nil
	}
	if err != nil {
		return nil, err
	}
	// Versions 1 and 3 are one JSON document on one line; version 2 has
	// a line per part, and a first line whose parts is a number.
	first, rest, _ := bytes.Cut(data, []byte("\n"))
	var s State
	err = json.Unmarshal(first, &s)
	if err == nil && (s.Version == 1 || s.Version == stateVersion) && len(bytes.TrimSpace(rest)) == 0 {
		return &s, nil
	}
	var v struct {
		Version int `json:"version"`
	}
	switch {
	case json.Unmarshal(first, &v) == nil && v.Version == 2:
		return readV2(path, data)
	case err != nil:
		return nil, fmt.Errorf("%s:1: %v", path, err)
	case s.Version == 1 || s.Version == stateVersion:
		return nil, fmt.Errorf("%s:2: more than one JSON document", path)
	}
	return nil, fmt.Errorf("%s: state version %d, this assemble reads versions 1 to %d", path, s.Version, stateVersion)
}

// readV2 reads a state of version 2: a first line of everything but the
// parts, with their number, then a line per part.
func readV2(path string, data []byte) (*State, error) {
	lines := bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))
	var h struct {
		State
		Parts int `json:"parts"`
	}
	if err := json.Unmarshal(lines[0], &h); err != nil {
		return nil, fmt.Errorf("%s:1: %v", path, err)
	}
	if h.Parts != len(lines)-1 {
		return nil, fmt.Errorf("%s: %d parts, the first line says %d", path, len(lines)-1, h.Parts)
	}
	s := h.State
	s.Parts = make([]PartState, h.Parts)
	for i := range s.Parts {
		if err := json.Unmarshal(lines[i+1], &s.Parts[i]); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, i+2, err)
		}
	}
	return &s, nil
}

// Marshal encodes the state.
func (s *State) Marshal() []byte {
	s.Version = stateVersion
	if s.Parts == nil {
		s.Parts = []PartState{}
	}
	data, _ := json.Marshal(s)
	return append(data, '\n')
}

// SaveState writes the state atomically.
func (in *Instance) SaveState(s *State) error {
	return fsutil.WriteFile(in.StatePath(), s.Marshal(), 0o644)
}
