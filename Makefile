# The README documents these targets; keep the two in step.
GO          ?= go
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
BIN         := bin/assemble

.PHONY: all build test lint bench bench-go demo proxy fuzz clean deb

all: build

build:
	$(GO) build -buildvcs=auto -o $(BIN) ./cmd/assemble

test:
	$(GO) test ./...

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

# The side-by-side with zc.buildout from ../shared when it is there, and
# assemble beside the least any tool can do on the same file system; then
# the Go benchmarks and whole commands timed. The side-by-side goes first:
# on a file system without a journal, ext4 makes new files slower for a
# minute or more after many were deleted, which the later steps do. See
# docs/benchmarks.md.
PEER := ../shared/bench/buildout-peer/run.sh
bench: build
	$(GO) build -o bin/floor ./bench/floor
	sync # what the builds wrote would otherwise be flushed during the first timings
	@if [ -x $(PEER) ]; then ASSEMBLE=$(BIN) $(PEER) 100 1000 && \
	ASSEMBLE=$(BIN) FLOOR=bin/floor bench/floor.sh 100 1000; \
	else echo "$(PEER) not found: skipping the side-by-side with zc.buildout"; fi
	$(GO) test -run '^$$' -bench . -benchmem ./...
	ASSEMBLE=$(BIN) bench/commands.sh
	ASSEMBLE=$(BIN) bench/gocmp.sh

# Only the side-by-side with the go command doing the same builds with the
# same caches (COLD=0 skips the cold cell, RUNS=N sets the runs a cell).
bench-go: build
	ASSEMBLE=$(BIN) bench/gocmp.sh

# Fuzz the config loader, parsing in pieces, and archive extraction (the
# download recipe's and the backup's), for
# a while each (FUZZTIME=1m make fuzz).
FUZZTIME ?= 30s
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzLoad -fuzztime $(FUZZTIME) ./assembler/config
	$(GO) test -run '^$$' -fuzz FuzzParsePieces -fuzztime $(FUZZTIME) ./assembler/config
	$(GO) test -run '^$$' -fuzz FuzzExtract -fuzztime $(FUZZTIME) ./recipes/builtin
	$(GO) test -run '^$$' -fuzz FuzzExtract -fuzztime $(FUZZTIME) ./assembler/archive

# Rebuild the module proxy in testdata/proxy from the sources in
# testdata/mod; a test fails while the two disagree.
proxy:
	$(GO) test ./internal/modproxy -run TestProxyUpToDate -update

# The main job on the bundled example, offline: modules come from the
# proxy in testdata/proxy. Instances go under ./demo (make clean removes
# it). configs/demo.sh says what it leaves out on this host.
DEMO_ROOT := $(CURDIR)/demo
demo: build
	sh configs/demo.sh $(BIN) $(DEMO_ROOT)

# The Debian package: the binary (its version from git), its man pages
# and shell completions, packed by nfpm at a pinned version into build/.
NFPM        := $(GO) run github.com/goreleaser/nfpm/v2/cmd/nfpm@v2.48.0
DEB_VERSION ?= $(shell v=$$(git describe --tags --match 'v[0-9]*' 2>/dev/null); \
	if [ -n "$$v" ]; then echo "$$v" | sed 's/^v//; s/-/~/g'; \
	else echo "0.0.0~git$$(git log -1 --format=%cd.%h --date=format:%Y%m%d 2>/dev/null || echo 0)"; fi)
deb:
	rm -rf build/deb && mkdir -p build/deb
	$(GO) build -buildvcs=auto -trimpath -o build/deb/assemble ./cmd/assemble
	SOURCE_DATE_EPOCH=$$(git log -1 --format=%ct 2>/dev/null || date +%s) build/deb/assemble __gendocs build/deb
	gzip -n -9 build/deb/man/*.1
	DEB_ARCH=$$($(GO) env GOARCH) DEB_VERSION=$(DEB_VERSION) $(NFPM) package --config packaging/nfpm.yaml --packager deb --target build/
	@ls build/*.deb

clean:
	chmod -R u+w demo 2>/dev/null || true
	rm -rf bin build demo
