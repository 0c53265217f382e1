package instance

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
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

	Parts []PartState `json:"-"`

	byName map[string]*PartState
	// For a state OpenState read: where the parts' lines start in the
	// file, decoded in the background once Decode is called; loading is
	// closed when they are, with loadErr set if they could not be.
	path    string
	skip    int
	decode  sync.Once
	loading chan struct{}
	loadErr error
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

// Part returns the state of the part called name, or nil. It waits for
// the parts of a state being loaded.
func (s *State) Part(name string) *PartState {
	if s.Wait() != nil {
		return nil
	}
	if len(s.byName) != len(s.Parts) {
		s.byName = make(map[string]*PartState, len(s.Parts))
		for i := range s.Parts {
			s.byName[s.Parts[i].Name] = &s.Parts[i]
		}
	}
	return s.byName[name]
}

// The state is written as JSON lines: a line of everything but the parts,
// with their number, then a line per part. The first line alone says
// where the config comes from and whether anything changed, and the
// parts, most of the file, are decoded on every processor while the
// config is parsed. Version 1 was one JSON document, on one line.
const stateVersion = 2

// header is the first line of the state.
type header struct {
	State
	Parts int `json:"parts"`
}

// LoadState reads the instance's state; a new instance has an empty one.
func (in *Instance) LoadState() (*State, error) {
	s, err := in.OpenState()
	if err != nil {
		return nil, err
	}
	if err := s.Wait(); err != nil {
		return nil, err
	}
	return s, nil
}

// OpenState reads the instance's state as LoadState does, but decodes
// only its first line: the parts are decoded in the background once
// Decode is called, and Parts may be read only once Wait has returned.
func (in *Instance) OpenState() (*State, error) {
	path := in.StatePath()
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return &State{Version: stateVersion}, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	// Only the first line is read now: the rest is read with the parts,
	// onto a heap that an install has made ready for them.
	first, err := bufio.NewReader(f).ReadBytes('\n')
	if err != nil && err != io.EOF {
		return nil, err
	}
	first = bytes.TrimSuffix(first, []byte("\n"))
	var v struct {
		Version int `json:"version"`
	}
	if err := json.Unmarshal(first, &v); err != nil {
		return nil, fmt.Errorf("%s:1: %v", path, err)
	}
	var h header
	switch v.Version {
	case 1:
		var v1 struct {
			State
			Parts []PartState `json:"parts"`
		}
		if err := json.Unmarshal(first, &v1); err != nil {
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		v1.State.Parts = v1.Parts
		return &v1.State, nil
	case stateVersion:
		if err := json.Unmarshal(first, &h); err != nil {
			return nil, fmt.Errorf("%s:1: %v", path, err)
		}
	default:
		return nil, fmt.Errorf("%s: state version %d, this assemble reads versions 1 to %d", path, v.Version, stateVersion)
	}
	rest := fi.Size() - int64(len(first)) - 1
	if h.Parts < 0 || int64(h.Parts) > rest/2 {
		return nil, fmt.Errorf("%s:1: %d parts, in %d bytes", path, h.Parts, max(rest, 0))
	}
	s := &h.State
	s.path, s.skip = path, len(first)+1
	s.loading = make(chan struct{})
	s.Parts = make([]PartState, h.Parts)
	return s, nil
}

// Decode starts decoding the parts of a state OpenState read, in the
// background, unless it has started.
func (s *State) Decode() {
	if s.loading == nil {
		return
	}
	s.decode.Do(func() {
		go func() {
			defer close(s.loading)
			data, err := os.ReadFile(s.path)
			if err != nil {
				s.loadErr = err
				return
			}
			if len(data) < s.skip {
				s.loadErr = fmt.Errorf("%s: cut short while it was read", s.path)
				return
			}
			s.loadErr = decodeParts(s.path, data[s.skip:], s.Parts)
		}()
	})
}

// decodeParts decodes the lines of data, after the state's first line,
// into parts, which has room for as many as there must be.
func decodeParts(path string, data []byte, parts []PartState) error {
	lines := make([][]byte, 0, len(parts))
	for len(data) > 0 {
		var line []byte
		line, data, _ = bytes.Cut(data, []byte("\n"))
		lines = append(lines, line)
	}
	if len(lines) != len(parts) {
		return fmt.Errorf("%s: %d parts, the first line says %d", path, len(lines), len(parts))
	}
	workers := min(runtime.GOMAXPROCS(0), len(lines)/64+1)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(lines); i += workers {
				if err := json.Unmarshal(lines[i], &parts[i]); err != nil {
					errs[w] = fmt.Errorf("%s:%d: %v", path, i+2, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Wait waits until the parts of a state being loaded are decoded, and
// returns what stopped them being, if anything did.
func (s *State) Wait() error {
	if s.loading != nil {
		s.Decode()
		<-s.loading
	}
	return s.loadErr
}

// Marshal encodes the state.
func (s *State) Marshal() []byte {
	s.Version = stateVersion
	head, _ := json.Marshal(struct {
		*State
		Parts int `json:"parts"`
	}{s, len(s.Parts)})
	b := bytes.NewBuffer(make([]byte, 0, len(head)+len(s.Parts)*512))
	b.Write(head)
	b.WriteByte('\n')
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	for i := range s.Parts {
		enc.Encode(&s.Parts[i]) // a line each
	}
	return b.Bytes()
}

// SaveState writes the state atomically.
func (in *Instance) SaveState(s *State) error {
	return fsutil.WriteFile(in.StatePath(), s.Marshal(), 0o644)
}
