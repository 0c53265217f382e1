package instance

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"time"

	"github.com/rogpeppe/go-internal/lockedfile"

	"github.com/assemble-build/assemble/assembler/fsutil"
)

// Holder describes the process that holds an instance's lock.
type Holder struct {
	PID     int       `json:"pid"`
	User    string    `json:"user"`
	Host    string    `json:"host"`
	Command string    `json:"command"`
	Since   time.Time `json:"since"`
}

// BusyError says another process holds the instance.
type BusyError struct {
	Name   string
	Holder *Holder
}

// ErrBusy is what every BusyError wraps.
var ErrBusy = errors.New("instance is locked")

func (e *BusyError) Error() string {
	if e.Holder == nil {
		return fmt.Sprintf("instance %s is locked by another assemble", e.Name)
	}
	h := e.Holder
	return fmt.Sprintf("instance %s is locked: %s (pid %d, %s@%s) has held it since %s",
		e.Name, h.Command, h.PID, h.User, h.Host, h.Since.Format(time.RFC3339))
}

func (e *BusyError) Unwrap() error { return ErrBusy }

// Hold is the exclusive hold of an instance: a write lock on
// .assemble/lock, which the system releases when the process ends,
// however it ends. Who holds it is written beside it, in
// .assemble/lock.holder: Windows locks are mandatory, and would keep
// those refused from reading the lock file itself. A Hold must be
// released: lockedfile panics when a locked file is dropped unclosed.
type Hold struct {
	f      *lockedfile.File
	holder string
}

// grace is how long Acquire waits at least, and Holder waits, for the
// lock: lockedfile cannot try a lock without waiting, and a free lock is
// granted well within it.
const grace = 200 * time.Millisecond

func (in *Instance) lockPath() string   { return filepath.Join(in.Meta(), "lock") }
func (in *Instance) holderPath() string { return filepath.Join(in.Meta(), "lock.holder") }

// Acquire takes the instance for command, waiting at most wait (and at
// least grace) for another process to release it, and records who holds
// it and since when, for anyone refused.
func (in *Instance) Acquire(command string, wait time.Duration) (*Hold, error) {
	if err := in.makeDir(); err != nil {
		return nil, fmt.Errorf("locking instance %s: %w", in.Name, err)
	}
	if err := os.MkdirAll(in.Meta(), 0o755); err != nil {
		return nil, fmt.Errorf("locking instance %s: %w", in.Name, err)
	}
	f, err := lockWithin(in.lockPath(), os.O_RDWR|os.O_CREATE, max(wait, grace))
	if errors.Is(err, errTimeout) {
		return nil, &BusyError{Name: in.Name, Holder: in.readHolder()}
	}
	if err != nil {
		return nil, fmt.Errorf("locking instance %s: %w", in.Name, err)
	}
	h := Holder{PID: os.Getpid(), Command: command, Since: time.Now().UTC().Truncate(time.Second)}
	if u, err := user.Current(); err == nil {
		h.User = u.Username
	}
	h.Host, _ = os.Hostname()
	data, _ := json.Marshal(h)
	// The record only informs those refused, and needs no sync: after a
	// crash the lock is free, and the record is not read.
	_ = fsutil.WriteFileUnsynced(in.holderPath(), append(data, '\n'), 0o644)
	return &Hold{f: f, holder: in.holderPath()}, nil
}

// Release gives the instance up. It may be called more than once.
func (h *Hold) Release() {
	if h == nil || h.f == nil {
		return
	}
	// The record goes first, so that it never names the next holder's
	// predecessor.
	os.Remove(h.holder)
	h.f.Close()
	h.f = nil
}

// Holder returns who holds the instance, or nil when no one does.
func (in *Instance) Holder() *Holder {
	f, err := lockWithin(in.lockPath(), os.O_RDONLY, grace)
	if errors.Is(err, errTimeout) {
		if h := in.readHolder(); h != nil {
			return h
		}
		return &Holder{}
	}
	if err == nil {
		f.Close()
	}
	return nil
}

// readHolder reads the record of who holds the instance, or returns nil.
func (in *Instance) readHolder() *Holder {
	var h Holder
	if data, err := os.ReadFile(in.holderPath()); err != nil || json.Unmarshal(data, &h) != nil {
		return nil
	}
	return &h
}

// errTimeout says a lock was not granted in time.
var errTimeout = errors.New("lock not granted in time")

// lockWithin opens name as lockedfile.OpenFile does, locked for writing
// if flag asks to write, for reading otherwise, but waits at most wait
// for the lock. The goroutine left waiting when the time is up closes the
// file the moment it gets it.
func lockWithin(name string, flag int, wait time.Duration) (*lockedfile.File, error) {
	type result struct {
		f   *lockedfile.File
		err error
	}
	got := make(chan result)
	gaveUp := make(chan struct{})
	go func() {
		f, err := lockedfile.OpenFile(name, flag, 0o644)
		select {
		case got <- result{f, err}:
		case <-gaveUp:
			if f != nil {
				f.Close()
			}
		}
	}()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case r := <-got:
		return r.f, r.err
	case <-timer.C:
		close(gaveUp)
		return nil, errTimeout
	}
}
