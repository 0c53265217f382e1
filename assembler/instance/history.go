package instance

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"time"
)

// Event is one line of an instance's history: a run that changed it.
// Runs that change nothing leave no line.
type Event struct {
	ID       string    `json:"id"`
	Time     time.Time `json:"time"`
	User     string    `json:"user"`
	Action   string    `json:"action"` // install, upgrade, rollback, remove
	Revision string    `json:"revision"`
	Previous string    `json:"previous,omitempty"`
	Manifest string    `json:"manifest,omitempty"`
	Commit   string    `json:"commit,omitempty"`
	Dirty    bool      `json:"dirty,omitempty"`
	Overlays []string  `json:"overlays,omitempty"` // module=dir@commit
	Parts    Counts    `json:"parts"`
}

// Counts says what a run did to the parts.
type Counts struct {
	Installed   []string `json:"installed,omitempty"`
	Reinstalled []string `json:"reinstalled,omitempty"`
	Removed     []string `json:"removed,omitempty"`
	Kept        int      `json:"kept"`
}

// AppendHistory adds an event, unless the last one has its ID (a run
// finished by recovery writes its event once). The line is written in
// one write to a file opened for appending; the caller syncs it, with
// whatever else the run wrote last. A line a crash cut short is ended
// first, so that it does not swallow this one.
func (in *Instance) AppendHistory(e *Event) error {
	last, ended := in.lastEvent()
	if last != nil && last.ID == e.ID {
		return nil
	}
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if !ended {
		data = append([]byte{'\n'}, data...)
	}
	f, err := os.OpenFile(in.HistoryPath(), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(data, '\n')); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// lastEvent returns the history's last event, reading only as much of
// its end as that takes: the history grows with every run. ended says
// whether the file ends a line (or is empty).
func (in *Instance) lastEvent() (last *Event, ended bool) {
	f, err := os.Open(in.HistoryPath())
	if err != nil {
		return nil, true
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || fi.Size() == 0 {
		return nil, true
	}
	size := fi.Size()
	for n := int64(16 << 10); ; n *= 4 {
		n = min(n, size)
		buf := make([]byte, n)
		if _, err := f.ReadAt(buf, size-n); err != nil {
			return nil, true
		}
		ended = buf[len(buf)-1] == '\n'
		lines := bytes.Split(buf, []byte("\n"))
		first := 0
		if n < size {
			first = 1 // it may start mid-line
		}
		for i := len(lines) - 1; i >= first; i-- {
			var e Event
			if json.Unmarshal(lines[i], &e) == nil {
				return &e, ended
			}
		}
		if n == size {
			return nil, ended
		}
	}
}

// History reads the events, oldest first. A line cut short by a crash is
// skipped.
func (in *Instance) History() ([]*Event, error) {
	f, err := os.Open(in.HistoryPath())
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []*Event
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var e Event
		if json.Unmarshal(sc.Bytes(), &e) == nil {
			out = append(out, &e)
		}
	}
	return out, sc.Err()
}
