package plugin

import (
	"encoding/json"
	"fmt"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/assemble-build/assemble/recipes/recipe"
)

// call is a request to a recipe program, or to the host from one.
type call struct {
	Method string          `json:"method"`
	Recipe string          `json:"recipe,omitempty"`
	Part   *wirePart       `json:"part,omitempty"`
	Args   json.RawMessage `json:"args,omitempty"`
	Host   uint32          `json:"host,omitempty"` // the broker stream of the host service
}

// reply is the answer to a call: a result, or an error's text.
type reply struct {
	Result json.RawMessage `json:"result,omitempty"`
	Error  string          `json:"error,omitempty"`
}

// wireValue is a cty value with its type, as JSON.
type wireValue struct {
	Type  json.RawMessage `json:"type"`
	Value json.RawMessage `json:"value,omitempty"`
	// Unknown stands for a value not known yet, wholly or in part, which
	// JSON cannot write: it is unknown on the other side too.
	Unknown bool `json:"unknown,omitempty"`
}

func encodeValue(v cty.Value) (wireValue, error) {
	ty, err := ctyjson.MarshalType(v.Type())
	if err != nil {
		return wireValue{}, err
	}
	if !v.IsWhollyKnown() {
		return wireValue{Type: ty, Unknown: true}, nil
	}
	val, err := ctyjson.Marshal(v, v.Type())
	return wireValue{Type: ty, Value: val}, err
}

func (w wireValue) decode() (cty.Value, error) {
	ty, err := ctyjson.UnmarshalType(w.Type)
	if err != nil {
		return cty.NilVal, err
	}
	if w.Unknown {
		return cty.UnknownVal(ty), nil
	}
	return ctyjson.Unmarshal(w.Value, ty)
}

// wirePart is a recipe.Part.
type wirePart struct {
	Name     string               `json:"name"`
	Recipe   string               `json:"recipe"`
	Options  map[string]wireValue `json:"options"`
	Instance recipe.Instance      `json:"instance"`
	Module   *recipe.Module       `json:"module,omitempty"`
}

func encodePart(p *recipe.Part) (*wirePart, error) {
	w := &wirePart{Name: p.Name, Recipe: p.Recipe, Options: map[string]wireValue{}, Instance: p.Instance, Module: p.Module}
	for k, v := range p.Options {
		if v == cty.NilVal {
			continue
		}
		wv, err := encodeValue(v)
		if err != nil {
			return nil, fmt.Errorf("option %s: %w", k, err)
		}
		w.Options[k] = wv
	}
	return w, nil
}

func (w *wirePart) decode() (*recipe.Part, error) {
	p := &recipe.Part{Name: w.Name, Recipe: w.Recipe, Options: map[string]cty.Value{}, Instance: w.Instance, Module: w.Module}
	for k, wv := range w.Options {
		v, err := wv.decode()
		if err != nil {
			return nil, fmt.Errorf("option %s: %w", k, err)
		}
		p.Options[k] = v
	}
	return p, nil
}

// wireSpec is a recipe.Spec, with the steps the recipe has.
type wireSpec struct {
	Name       string       `json:"name"`
	Doc        string       `json:"doc"`
	Options    []wireOption `json:"options"`
	Outputs    []wireOutput `json:"outputs"`
	InRevision bool         `json:"in_revision,omitempty"`
	Steps      []string     `json:"steps,omitempty"`
}

type wireOption struct {
	Name     string          `json:"name"`
	Type     json.RawMessage `json:"type"`
	Required bool            `json:"required,omitempty"`
	Default  *wireValue      `json:"default,omitempty"`
	Path     recipe.PathKind `json:"path,omitempty"`
	Doc      string          `json:"doc,omitempty"`
}

type wireOutput struct {
	Name string          `json:"name"`
	Type json.RawMessage `json:"type"`
	Doc  string          `json:"doc,omitempty"`
}

func encodeSpec(s *recipe.Spec, steps []string) (*wireSpec, error) {
	w := &wireSpec{Name: s.Name, Doc: s.Doc, InRevision: s.InRevision, Steps: steps}
	for _, o := range s.Options {
		ty, err := ctyjson.MarshalType(o.Type)
		if err != nil {
			return nil, fmt.Errorf("option %s: %w", o.Name, err)
		}
		wo := wireOption{Name: o.Name, Type: ty, Required: o.Required, Path: o.Path, Doc: o.Doc}
		if o.Default != cty.NilVal {
			d, err := encodeValue(o.Default)
			if err != nil {
				return nil, fmt.Errorf("option %s: default: %w", o.Name, err)
			}
			wo.Default = &d
		}
		w.Options = append(w.Options, wo)
	}
	for _, o := range s.Outputs {
		ty, err := ctyjson.MarshalType(o.Type)
		if err != nil {
			return nil, fmt.Errorf("output %s: %w", o.Name, err)
		}
		w.Outputs = append(w.Outputs, wireOutput{Name: o.Name, Type: ty, Doc: o.Doc})
	}
	return w, nil
}

func (w *wireSpec) decode() (*recipe.Spec, error) {
	s := &recipe.Spec{Name: w.Name, Doc: w.Doc, InRevision: w.InRevision}
	for _, o := range w.Options {
		ty, err := ctyjson.UnmarshalType(o.Type)
		if err != nil {
			return nil, fmt.Errorf("option %s: %w", o.Name, err)
		}
		opt := recipe.Option{Name: o.Name, Type: ty, Required: o.Required, Path: o.Path, Doc: o.Doc}
		if o.Default != nil {
			if opt.Default, err = o.Default.decode(); err != nil {
				return nil, fmt.Errorf("option %s: default: %w", o.Name, err)
			}
		}
		s.Options = append(s.Options, opt)
	}
	for _, o := range w.Outputs {
		ty, err := ctyjson.UnmarshalType(o.Type)
		if err != nil {
			return nil, fmt.Errorf("output %s: %w", o.Name, err)
		}
		s.Outputs = append(s.Outputs, recipe.Output{Name: o.Name, Type: ty, Doc: o.Doc})
	}
	return s, nil
}

// encodeValues and decodeValues carry outputs.
func encodeValues(m map[string]cty.Value) (map[string]wireValue, error) {
	out := make(map[string]wireValue, len(m))
	for k, v := range m {
		wv, err := encodeValue(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		out[k] = wv
	}
	return out, nil
}

func decodeValues(m map[string]wireValue) (map[string]cty.Value, error) {
	out := make(map[string]cty.Value, len(m))
	for k, wv := range m {
		v, err := wv.decode()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		out[k] = v
	}
	return out, nil
}
