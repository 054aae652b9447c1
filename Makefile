# Exhibit — the two commands a new machine needs: `make run` and `make test`.
# Both install what is missing (Debian 12 packages, as root or through sudo), then build.

SHELL := /bin/bash
CARGO ?= cargo
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Debian packages: build tools, WebKitGTK for the desktop shell, poppler (pdftotext is the
# reference extractor in tests), Xvfb for headless desktop runs.
DEB_PACKAGES := build-essential pkg-config libwebkit2gtk-4.1-dev libssl-dev xvfb xauth poppler-utils
DEMO_MATTER ?= $(CURDIR)/target/demo-matter

.PHONY: run test deps build bench demo contract clean-demo

deps:
	@missing=""; for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@command -v $(CARGO) >/dev/null || { echo "Rust is missing: install it from your distribution or rustup, then re-run"; exit 1; }

build: deps
	$(CARGO) build --workspace

test: deps
	$(CARGO) build --workspace --all-targets
	$(CARGO) test --workspace --no-fail-fast 2>&1 | tee target/test.log; test $${PIPESTATUS[0]} -eq 0
	@if [ -x ../shared/tools/cli-contract-check ]; then ../shared/tools/cli-contract-check target/debug/exhibit; \
	  else echo "cli-contract-check: ../shared/tools absent, skipped"; fi

demo: build
	@if [ ! -f $(DEMO_MATTER)/exhibit.db ]; then \
	  target/debug/exhibit init $(DEMO_MATTER) --name "Demo matter" && \
	  target/debug/exhibit --matter $(DEMO_MATTER) ingest assets/demo --custodian "Demo, Custodian"; \
	fi

run: demo
	@if [ -n "$$DISPLAY" ] || [ -n "$$WAYLAND_DISPLAY" ]; then \
	  EXHIBIT_MATTER=$(DEMO_MATTER) target/debug/exhibit-desktop; \
	else \
	  echo "No display found (DISPLAY/WAYLAND_DISPLAY unset), so the desktop app cannot open here."; \
	  echo "The demo matter is ready at $(DEMO_MATTER). Try it from the command line:"; \
	  echo "  target/debug/exhibit --matter $(DEMO_MATTER) status"; \
	  echo "  target/debug/exhibit --matter $(DEMO_MATTER) search contract"; \
	  echo "or, once the browser UI lands, serve it with: target/debug/exhibit --matter $(DEMO_MATTER) serve"; \
	fi

bench: deps
	$(CARGO) bench --bench ingest

contract: build
	../shared/tools/cli-contract-check target/debug/exhibit

clean-demo:
	rm -rf $(DEMO_MATTER)
