package config

import (
	"fmt"
	"sort"
	"sync"

	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// stdFuncs are the functions every expression can call: the cty standard
// library under the names Terraform made familiar, try and can.
var stdFuncs = map[string]function.Function{
	"abs":             stdlib.AbsoluteFunc,
	"can":             tryfunc.CanFunc,
	"ceil":            stdlib.CeilFunc,
	"chomp":           stdlib.ChompFunc,
	"chunklist":       stdlib.ChunklistFunc,
	"coalesce":        stdlib.CoalesceFunc,
	"coalescelist":    stdlib.CoalesceListFunc,
	"compact":         stdlib.CompactFunc,
	"concat":          stdlib.ConcatFunc,
	"contains":        stdlib.ContainsFunc,
	"csvdecode":       stdlib.CSVDecodeFunc,
	"distinct":        stdlib.DistinctFunc,
	"element":         stdlib.ElementFunc,
	"flatten":         stdlib.FlattenFunc,
	"floor":           stdlib.FloorFunc,
	"format":          stdlib.FormatFunc,
	"formatdate":      stdlib.FormatDateFunc,
	"formatlist":      stdlib.FormatListFunc,
	"indent":          stdlib.IndentFunc,
	"index":           stdlib.IndexFunc,
	"join":            stdlib.JoinFunc,
	"jsondecode":      stdlib.JSONDecodeFunc,
	"jsonencode":      stdlib.JSONEncodeFunc,
	"keys":            stdlib.KeysFunc,
	"length":          stdlib.LengthFunc,
	"log":             stdlib.LogFunc,
	"lookup":          stdlib.LookupFunc,
	"lower":           stdlib.LowerFunc,
	"max":             stdlib.MaxFunc,
	"merge":           stdlib.MergeFunc,
	"min":             stdlib.MinFunc,
	"parseint":        stdlib.ParseIntFunc,
	"pow":             stdlib.PowFunc,
	"range":           stdlib.RangeFunc,
	"regex":           stdlib.RegexFunc,
	"regexall":        stdlib.RegexAllFunc,
	"regex_replace":   stdlib.RegexReplaceFunc,
	"replace":         stdlib.ReplaceFunc,
	"reverse":         stdlib.ReverseListFunc,
	"setintersection": stdlib.SetIntersectionFunc,
	"setproduct":      stdlib.SetProductFunc,
	"setsubtract":     stdlib.SetSubtractFunc,
	"setunion":        stdlib.SetUnionFunc,
	"signum":          stdlib.SignumFunc,
	"slice":           stdlib.SliceFunc,
	"sort":            stdlib.SortFunc,
	"split":           stdlib.SplitFunc,
	"strlen":          stdlib.StrlenFunc,
	"strrev":          stdlib.ReverseFunc,
	"substr":          stdlib.SubstrFunc,
	"title":           stdlib.TitleFunc,
	"tolist":          stdlib.MakeToFunc(cty.List(cty.DynamicPseudoType)),
	"tomap":           stdlib.MakeToFunc(cty.Map(cty.DynamicPseudoType)),
	"toset":           stdlib.MakeToFunc(cty.Set(cty.DynamicPseudoType)),
	"trim":            stdlib.TrimFunc,
	"trimprefix":      stdlib.TrimPrefixFunc,
	"trimspace":       stdlib.TrimSpaceFunc,
	"trimsuffix":      stdlib.TrimSuffixFunc,
	"try":             tryfunc.TryFunc,
	"upper":           stdlib.UpperFunc,
	"values":          stdlib.ValuesFunc,
	"without":         WithoutFunc,
	"zipmap":          stdlib.ZipmapFunc,
}

// TemplateFuncs returns the functions a template recipe's templates may
// call: the same as config expressions, but env, whose reads are inputs
// recorded at evaluation.
func TemplateFuncs() map[string]function.Function {
	out := make(map[string]function.Function, len(stdFuncs))
	for k, v := range stdFuncs {
		out[k] = v
	}
	return out
}

// FuncNames returns the names of the functions expressions can call.
func FuncNames() []string {
	names := []string{"env"}
	for n := range stdFuncs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// WithoutFunc returns its first argument, a list, with every element equal
// to one of the other arguments removed: buildout's -=.
var WithoutFunc = function.New(&function.Spec{
	Description: "Returns the list without the given values.",
	Params: []function.Parameter{
		{Name: "list", Type: cty.DynamicPseudoType},
	},
	VarParam: &function.Parameter{Name: "values", Type: cty.DynamicPseudoType, AllowNull: true},
	Type: func(args []cty.Value) (cty.Type, error) {
		ty := args[0].Type()
		switch {
		case ty.IsListType(), ty.IsTupleType(), ty.IsSetType():
		case ty == cty.DynamicPseudoType:
		default:
			return cty.NilType, function.NewArgErrorf(0, "without takes a list, not %s", ty.FriendlyName())
		}
		if ty.IsTupleType() {
			// The result's length is only known from the values.
			return cty.DynamicPseudoType, nil
		}
		return ty, nil
	},
	Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
		list := args[0]
		if !list.IsWhollyKnown() {
			return cty.UnknownVal(retType), nil
		}
		for _, v := range args[1:] {
			if !v.IsWhollyKnown() {
				return cty.UnknownVal(retType), nil
			}
		}
		if list.IsNull() {
			return cty.NilVal, fmt.Errorf("without takes a list, not null")
		}
		var keep []cty.Value
		for it := list.ElementIterator(); it.Next(); {
			_, e := it.Element()
			drop := false
			for _, v := range args[1:] {
				if e.Type().Equals(v.Type()) && e.Equals(v).True() {
					drop = true
					break
				}
			}
			if !drop {
				keep = append(keep, e)
			}
		}
		ty := list.Type()
		switch {
		case ty.IsListType():
			if len(keep) == 0 {
				return cty.ListValEmpty(ty.ElementType()), nil
			}
			return cty.ListVal(keep), nil
		case ty.IsSetType():
			if len(keep) == 0 {
				return cty.SetValEmpty(ty.ElementType()), nil
			}
			return cty.SetVal(keep), nil
		}
		return cty.TupleVal(keep), nil
	},
})

// envFunc returns env(name, default): the environment variable, or the
// default when it is unset. Every lookup is recorded in used, because the
// environment is an input of the assembly like any variable.
func envFunc(lookup func(string) (string, bool), mu *sync.Mutex, used map[string]string) function.Function {
	return function.New(&function.Spec{
		Description: "Returns an environment variable, or a default when it is not set.",
		Params:      []function.Parameter{{Name: "name", Type: cty.String}},
		VarParam:    &function.Parameter{Name: "default", Type: cty.String},
		Type:        function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			if len(args) > 2 {
				return cty.NilVal, function.NewArgErrorf(2, "env takes a name and at most one default")
			}
			name := args[0].AsString()
			v, ok := lookup(name)
			mu.Lock()
			defer mu.Unlock()
			if ok {
				used[name] = v
				return cty.StringVal(v), nil
			}
			if len(args) == 2 {
				used[name] = args[1].AsString()
				return args[1], nil
			}
			return cty.NilVal, fmt.Errorf("environment variable %s is not set, and no default is given", name)
		},
	})
}
