package plan

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/assemble-build/assemble/assembler/programs"
	"github.com/assemble-build/assemble/recipes/recipe"
)

// RecordFile is the file in a revision that records its plan.
const RecordFile = "parts.json"

// Record is what a revision keeps of its plan: enough to install its
// parts again without the manifest, which is how rollback applies an
// earlier revision (their source files point into the revision's own
// snapshot of the manifest), and the store entries it uses, for gc.
type Record struct {
	Revision string
	Instance string
	// User and Group are the instance's account, as the config set it.
	User, Group string
	Time        time.Time
	Parts       []*Part
}

type recordJSON struct {
	Revision string      `json:"revision"`
	Instance string      `json:"instance"`
	User     string      `json:"user,omitempty"`
	Group    string      `json:"group,omitempty"`
	Time     time.Time   `json:"time"`
	Parts    []entryJSON `json:"parts"`
}

type entryJSON struct {
	Name      string   `json:"name"`
	Recipe    string   `json:"recipe"`
	Digest    string   `json:"digest"`
	DependsOn []string `json:"depends_on,omitempty"`
	Outside   bool     `json:"allow_outside_instance,omitempty"`
	Replace   bool     `json:"replace,omitempty"`
	Store     string   `json:"store,omitempty"`
	Hashes    string   `json:"option_hashes"`
	// Type and Options hold the options as one cty object.
	Type    json.RawMessage `json:"type,omitempty"`
	Options json.RawMessage `json:"options,omitempty"`
}

// Encode records the plan for instance name at time t. snap maps source
// files to their copies in the revision's snapshot of the manifest.
func (p *Plan) Encode(name string, t time.Time, snap map[string]string) ([]byte, error) {
	r := recordJSON{Revision: p.Revision, Instance: name, User: p.User, Group: p.Group, Time: t, Parts: make([]entryJSON, len(p.Parts))}
	errs := make([]error, len(p.Parts))
	each(len(p.Parts), func(i int) {
		if r.Parts[i], errs[i] = entry(p.Parts[i], snap); errs[i] != nil {
			errs[i] = fmt.Errorf("part %s: %w", p.Parts[i].Part.Name, errs[i])
		}
	})
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	data, err := json.Marshal(r)
	return append(data, '\n'), err
}

func entry(pp *Part, snap map[string]string) (entryJSON, error) {
	spec := pp.Recipe.Spec()
	opts := make(map[string]cty.Value, len(spec.Options))
	for _, o := range spec.Options {
		v := pp.Part.Options[o.Name]
		if o.Path == recipe.SourcePath && v.IsKnown() && !v.IsNull() && v.Type() == cty.String {
			if s, ok := snap[v.AsString()]; ok {
				v = cty.StringVal(s)
			}
		}
		opts[o.Name] = v
	}
	obj := cty.ObjectVal(opts)
	ty, err := ctyjson.MarshalType(obj.Type())
	if err != nil {
		return entryJSON{}, err
	}
	val, err := ctyjson.Marshal(obj, obj.Type())
	if err != nil {
		return entryJSON{}, err
	}
	return entryJSON{Name: pp.Part.Name, Recipe: pp.Part.Recipe, Digest: pp.Digest, DependsOn: pp.Deps,
		Outside: pp.Outside, Replace: pp.Replace, Store: pp.StoreKey, Hashes: EncodeHashes(pp.Hashes), Type: ty, Options: val}, nil
}

// ReadRecord reads the record of the revision in dir, with the recipes of
// reg, for the instance in.
func ReadRecord(dir string, reg recipe.Registry, in recipe.Instance) (*Record, error) {
	path := filepath.Join(dir, RecordFile)
	r, err := readJSON(path)
	if err != nil {
		return nil, err
	}
	rec := &Record{Revision: r.Revision, Instance: r.Instance, User: r.User, Group: r.Group, Time: r.Time}
	in.User, in.Group = r.User, r.Group
	for _, e := range r.Parts {
		rc, ok := reg.Lookup(e.Recipe)
		if !ok && programs.Named(e.Recipe) {
			// A recipe program: the one the revision ran.
			if rc, err = programs.FromRevision(dir, e.Recipe); err != nil {
				return nil, fmt.Errorf("%s: part %s: %w", path, e.Name, err)
			}
			ok = true
		}
		if !ok {
			return nil, fmt.Errorf("%s: part %s: unknown recipe %s", path, e.Name, e.Recipe)
		}
		ty, err := ctyjson.UnmarshalType(e.Type)
		if err != nil {
			return nil, fmt.Errorf("%s: part %s: %v", path, e.Name, err)
		}
		val, err := ctyjson.Unmarshal(e.Options, ty)
		if err != nil {
			return nil, fmt.Errorf("%s: part %s: %v", path, e.Name, err)
		}
		part := &recipe.Part{Name: e.Name, Recipe: e.Recipe, Options: val.AsValueMap(), Instance: in}
		rec.Parts = append(rec.Parts, &Part{Part: part, Recipe: rc, Deps: e.DependsOn, Outside: e.Outside, Replace: e.Replace,
			Digest: e.Digest, Hashes: DecodeHashes(e.Hashes), StoreKey: e.Store})
	}
	return rec, nil
}

// StoreKeys returns the store entries the revision in dir uses.
func StoreKeys(dir string) ([]string, error) {
	r, err := readJSON(filepath.Join(dir, RecordFile))
	if err != nil {
		return nil, err
	}
	var keys []string
	for _, e := range r.Parts {
		if e.Store != "" {
			keys = append(keys, e.Store)
		}
	}
	return keys, nil
}

func readJSON(path string) (*recordJSON, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r recordJSON
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return &r, nil
}
