package overlay

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"go/parser"
	"go/token"
	"maps"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// imports names a checkout's go.mod and, for each directory, the
// packages its Go files import, test files aside. Build constraints are
// not applied: a file any build could take counts. The go command's
// package loading depends on nothing else in a checkout, so resolution
// done for one name holds for every checkout with the same.
func imports(dir string, gomod []byte, files []string) string {
	h := sha256.New()
	fmt.Fprintf(h, "imports v1\n%x\n", sha256.Sum256(gomod))
	byDir := map[string][]string{}
	fset := token.NewFileSet()
	for _, f := range files {
		if !strings.HasSuffix(f, ".go") || strings.HasSuffix(f, "_test.go") {
			continue
		}
		d := path.Dir(f)
		parsed, err := parser.ParseFile(fset, filepath.Join(dir, filepath.FromSlash(f)), nil, parser.ImportsOnly)
		if err != nil {
			// Resolution, run again, says what is wrong.
			byDir[d] = append(byDir[d], "unreadable "+f)
			continue
		}
		for _, im := range parsed.Imports {
			byDir[d] = append(byDir[d], im.Path.Value)
		}
	}
	for _, d := range slices.Sorted(maps.Keys(byDir)) {
		list := byDir[d]
		slices.Sort(list)
		fmt.Fprintf(h, "%s: %s\n", d, strings.Join(slices.Compact(list), " "))
	}
	return hex.EncodeToString(h.Sum(nil))
}
