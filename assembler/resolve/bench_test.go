package resolve

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/assemble-build/assemble/internal/modproxy"
	"github.com/assemble-build/assemble/internal/testenv"
)

// BenchmarkResolveSlowProxy resolves 1 and 20 modules, each a go.build
// part, from an empty module cache against a local HTTP proxy that adds
// 50 ms to every request. Because the version queries run in parallel,
// and the go command fetches in parallel, 20 modules must take about as
// long as one, not 20 times as long.
func BenchmarkResolveSlowProxy(b *testing.B) {
	src := b.TempDir()
	const n = 20
	for i := 0; i < n; i++ {
		path := fmt.Sprintf("example.com/bench/m%02d", i)
		txt := fmt.Sprintf("-- go.mod --\nmodule %s\n\ngo 1.21\n-- main.go --\npackage main\n\nfunc main() { println(%d) }\n", path, i)
		name := fmt.Sprintf("example.com_bench_m%02d_v1.0.0.txtar", i)
		if err := os.WriteFile(filepath.Join(src, name), []byte(txt), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	proxy := filepath.Join(b.TempDir(), "proxy")
	if err := modproxy.Build(src, proxy); err != nil {
		b.Fatal(err)
	}
	files := http.FileServer(http.Dir(proxy))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(50 * time.Millisecond)
		files.ServeHTTP(w, r)
	}))
	defer srv.Close()

	for _, count := range []int{1, n} {
		b.Run(fmt.Sprintf("modules=%d", count), func(b *testing.B) {
			var wants []Want
			for i := 0; i < count; i++ {
				path := fmt.Sprintf("example.com/bench/m%02d", i)
				wants = append(wants, Want{Part: fmt.Sprintf("p%02d", i), Module: path, Constraint: "^1.0", Packages: []string{path}})
			}
			for b.Loop() {
				b.StopTimer()
				env := testenv.GoEnv(b, testenv.ModCache(b)).With(map[string]string{"GOPROXY": srv.URL})
				b.StartTimer()
				if _, err := Resolve(context.Background(), &Request{Wants: wants, Env: env}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
