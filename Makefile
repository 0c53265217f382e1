# The README documents these targets; keep the two in step.
GO          ?= go
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
BIN         := bin/assemble

.PHONY: all build test lint bench demo proxy fuzz clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/assemble

test:
	$(GO) test ./...

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

# Go benchmarks; see docs/benchmarks.md for what they measure.
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# Fuzz the config loader for a while (FUZZTIME=1m make fuzz).
FUZZTIME ?= 30s
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzLoad -fuzztime $(FUZZTIME) ./assembler/config

# Rebuild the module proxy in testdata/proxy from the sources in
# testdata/mod; a test fails while the two disagree.
proxy:
	$(GO) test ./internal/modproxy -run TestProxyUpToDate -update

demo: build
	$(BIN) annotate -c configs/buildout-production.hcl
	$(BIN) graph -c configs/buildout-production.hcl
	$(BIN) versions -c configs/buildout-production.hcl

clean:
	rm -rf bin demo
