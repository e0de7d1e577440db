# TPE — payment terminal. `make` lists the targets.
# Two commands matter on a fresh machine: `make sim` and `make test`.

GO        ?= go
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -X tpe/config.Version=$(VERSION)
BIN       := bin
# System packages the real (cgo) fyne build needs on Debian/Ubuntu.
GUI_PKGS  := gcc libc6-dev pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev \
             libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev
BENCH_COUNT ?= 5
# Port of the simulator's local API: make sim PORT=8181 when 8080 is taken.
PORT      ?= 8080
# A package whose staleness tells whether fyne's cgo window driver (GLFW,
# OpenGL: the slow part of a cold build) is in the Go build cache.
FYNE_CGO  := fyne.io/fyne/v2/internal/driver/glfw

.DEFAULT_GOAL := help
.PHONY: help sim test bench lint build cross clean deps-gui

help: ## list the targets
	@echo "TPE $(VERSION) — make TARGET"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

deps-gui: ## install the system packages the windowed build needs (asks for root/sudo)
	@missing=$$(for p in $(GUI_PKGS); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	echo "make: installing system packages for the fyne window: $$missing"; \
	if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null; then SUDO=sudo; else \
	  echo "make: need root to run: apt-get install -y $$missing" >&2; exit 1; fi; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing

build: deps-gui ## build all four binaries natively (cgo + fyne) into bin/
	@mkdir -p $(BIN)
	@if [ "$$($(GO) list -f '{{.Stale}}' $(FYNE_CGO) 2>/dev/null)" != false ]; then \
	  echo "make: fyne's cgo window driver is not in the Go build cache yet: this build takes ~3 minutes, later ones seconds"; fi
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/ ./cmd/...

sim: build ## build and run the desktop simulator (headless without a display); PORT=8181 for another API port
	@if [ -z "$$DISPLAY" ] && [ -z "$$WAYLAND_DISPLAY" ]; then \
	  echo "make: no display found: running tpe-sim --headless (API on http://127.0.0.1:$(PORT), see docs/api.md)"; \
	  $(BIN)/tpe-sim --headless --listen 127.0.0.1:$(PORT); \
	else $(BIN)/tpe-sim --listen 127.0.0.1:$(PORT); fi

test: ## run every test headless (no cgo, fyne software driver) and go vet
	CGO_ENABLED=0 $(GO) test -tags ci ./...
	CGO_ENABLED=0 $(GO) vet -tags ci ./...

bench: build ## run the benchmarks (the window ones need the cgo build) and print the summary table
	@mkdir -p $(BIN)
	CGO_ENABLED=0 $(GO) test -tags ci -run '^$$' -bench . -count $(BENCH_COUNT) -timeout 30m ./... | tee $(BIN)/bench.txt
	@$(GO) run ./scripts/benchtable scripts/budgets.txt < $(BIN)/bench.txt

lint: ## gofmt check, go vet, staticcheck (pinned in go.mod) and the architecture's import rules
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	CGO_ENABLED=0 $(GO) vet -tags ci ./...
	CGO_ENABLED=0 $(GO) tool staticcheck -tags ci ./...
	@bash scripts/lint-imports.sh

# Board builds (issue 16). The windowed terminal for arm64 boards is a cgo
# build with fyne's real GLFW/X11 driver, cross-compiled with Debian's
# aarch64 gcc against multiarch :arm64 libraries; the headless variants need
# no cgo (no fyne linked at all) and also cover armv7.
CROSS_PKGS := gcc-aarch64-linux-gnu libc6-dev-arm64-cross pkg-config libgl1-mesa-dev:arm64 \
              libx11-dev:arm64 libxcursor-dev:arm64 libxrandr-dev:arm64 libxinerama-dev:arm64 \
              libxi-dev:arm64 libxxf86vm-dev:arm64
CROSS_ARM64 := CGO_ENABLED=1 GOOS=linux GOARCH=arm64 CC=aarch64-linux-gnu-gcc \
               PKG_CONFIG_PATH= PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig
CROSS_LDFLAGS := -s -w $(LDFLAGS)
.PHONY: deps-cross image image-check

deps-cross: ## install the arm64 cross compiler and :arm64 libraries (asks for root/sudo)
	@bash scripts/apt-need.sh $(CROSS_PKGS)

cross: deps-cross ## board binaries: windowed tpe/tpe-sim for linux/arm64 (cgo), headless tpe + tpectl for arm64 and armv7
	@mkdir -p $(BIN)
	@echo "make: cross-building (a cold cgo build of fyne for arm64 takes ~4 minutes)"
	$(CROSS_ARM64) $(GO) build -trimpath -ldflags '$(CROSS_LDFLAGS)' -o $(BIN)/tpe-linux-arm64 ./cmd/tpe
	$(CROSS_ARM64) $(GO) build -trimpath -ldflags '$(CROSS_LDFLAGS)' -o $(BIN)/tpe-sim-linux-arm64 ./cmd/tpe-sim
	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build -trimpath -ldflags '$(CROSS_LDFLAGS)' -o $(BIN)/tpe-headless-linux-arm64 ./cmd/tpe
	CGO_ENABLED=0 GOOS=linux GOARCH=arm GOARM=7 $(GO) build -trimpath -ldflags '$(CROSS_LDFLAGS)' -o $(BIN)/tpe-headless-linux-armv7 ./cmd/tpe
	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build -trimpath -ldflags '$(CROSS_LDFLAGS)' -o $(BIN)/tpectl-linux-arm64 ./cmd/tpectl
	CGO_ENABLED=0 GOOS=linux GOARCH=arm GOARM=7 $(GO) build -trimpath -ldflags '$(CROSS_LDFLAGS)' -o $(BIN)/tpectl-linux-armv7 ./cmd/tpectl

# The image's tpe is stamped with a semantic version (bundles need one);
# a release passes IMAGE_VERSION=1.4.2 IMAGE_KEY=release.key.
IMAGE_VERSION ?= 0.0.0-dev.g$(shell git rev-parse --short=7 HEAD 2>/dev/null || echo unknown)

image: ## arm64 board image from Debian packages (root): bin/image/*-rootfs.tar.gz, .img, .tpeb
	@$(MAKE) --no-print-directory cross VERSION=$(IMAGE_VERSION)
	IMAGE_VERSION=$(IMAGE_VERSION) GO=$(GO) bash scripts/image/build.sh

image-check: ## check the image recipe without building it (mmdebstrap line, hooks, units)
	@bash scripts/image/check.sh

clean: ## remove build outputs
	rm -rf $(BIN)
