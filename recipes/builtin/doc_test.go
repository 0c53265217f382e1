package builtin

import (
	"flag"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/assemble-build/assemble/recipes/recipe"
)

var update = flag.Bool("update", false, "rewrite the option tables in docs/recipes.md")

// TestDocs checks that docs/recipes.md shows every recipe's options and
// outputs as its Spec declares them. go test ./recipes/builtin -update rewrites
// the tables.
func TestDocs(t *testing.T) {
	const path = "../../docs/recipes.md"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	reg := Recipes()
	for _, name := range reg.Names() {
		r := reg[name]
		re := regexp.MustCompile(`(?s)(<!-- BEGIN spec ` + regexp.QuoteMeta(name) + ` -->\n).*?(<!-- END spec -->)`)
		if !re.MatchString(doc) {
			t.Errorf("%s has no table for recipe %s; add <!-- BEGIN spec %s --> and <!-- END spec --> and run go test ./recipes/builtin -update", path, name, name)
			continue
		}
		table := specTable(r.Spec())
		doc = re.ReplaceAllLiteralString(doc, "<!-- BEGIN spec "+name+" -->\n"+table+"<!-- END spec -->")
	}
	if doc == string(data) {
		return
	}
	if *update {
		if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s is out of date with the recipe specs; run go test ./recipes/builtin -update", path)
}

func specTable(s *recipe.Spec) string {
	var b strings.Builder
	b.WriteString("| option | type | default | meaning |\n|---|---|---|---|\n")
	for _, o := range s.Options {
		def := ""
		switch {
		case o.Required:
			def = "required"
		case o.Default != cty.NilVal:
			def = "`" + strings.TrimSpace(string(hclwrite.TokensForValue(o.Default).Bytes())) + "`"
		}
		doc := o.Doc
		switch o.Path {
		case recipe.SourcePath:
			doc += " (source path)"
		case recipe.TargetPath:
			doc += " (target path)"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", o.Name, typeexpr.TypeString(o.Type), def, doc)
	}
	b.WriteString("\n| output | type | value |\n|---|---|---|\n")
	for _, o := range s.Outputs {
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", o.Name, typeexpr.TypeString(o.Type), o.Doc)
	}
	return b.String()
}
