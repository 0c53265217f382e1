package instance

import (
	"bufio"
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
// one write to a file opened for appending, and synced.
func (in *Instance) AppendHistory(e *Event) error {
	events, _ := in.History()
	if n := len(events); n > 0 && events[n-1].ID == e.ID {
		return nil
	}
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(in.HistoryPath(), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(data, '\n')); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
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
