# Exhibit — the two commands a new machine needs: `make run` and `make test`.
# Both install what is missing (Debian 12 packages, as root or through sudo), then build.

SHELL := /bin/bash
CARGO ?= cargo
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Debian packages: build tools, WebKitGTK for the desktop shell, poppler (pdftotext is the
# reference extractor in tests), Xvfb for headless desktop runs.
# Chromium and WebKitWebDriver drive the two end-to-end suites.
# libpython3.11-testsuite: CPython's email test messages, for tests/it/email_python.rs.
# Productions typeset pages in DejaVu Sans (fonts-dejavu-core: Latin, Greek, Cyrillic) with Droid
# Sans Fallback for CJK (fonts-droid-fallback, 1.8 MB; Noto CJK would be 57 MB); the gate runs
# poppler's pdftotext as its second extractor.
DEB_PACKAGES := build-essential pkg-config libwebkit2gtk-4.1-dev libssl-dev xvfb xauth poppler-utils \
  chromium webkit2gtk-driver libpython3.11-testsuite fonts-dejavu-core fonts-droid-fallback
TARGET_DIR := $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)
BIN := $(TARGET_DIR)/debug
DEMO_MATTER ?= $(TARGET_DIR)/demo-matter
TAURI_DRIVER := $(or $(shell command -v tauri-driver 2>/dev/null),$(HOME)/.cargo/bin/tauri-driver)
export CARGO_TARGET_DIR := $(TARGET_DIR)

.PHONY: run install test deps build bench bench-desktop bench-desktop-app demo contract clean-demo ui ui-test e2e-deps e2e-browser e2e-desktop tauri-driver \
  bindings check-bindings

deps:
	@missing=""; for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@command -v $(CARGO) >/dev/null || { echo "Rust is missing: install it from your distribution or rustup, then re-run"; exit 1; }
	@command -v npm >/dev/null || { echo "installing: nodejs npm"; $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends nodejs npm; }

# The web UI (ui/dist, git-ignored): embedded by the desktop shell, served by `exhibit serve`.
ui/node_modules/.package-lock.json: ui/package-lock.json ui/package.json
	cd ui && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Rebuilt only when a UI source changed, so the desktop binary (which embeds it) is not relinked
# for nothing.
UI_SOURCES := $(shell find ui/src -type f 2>/dev/null) ui/index.html ui/vite.config.ts ui/svelte.config.js ui/tsconfig.json
ui/dist/index.html: ui/node_modules/.package-lock.json $(UI_SOURCES)
	cd ui && npx vite build --logLevel warn

ui: deps ui/dist/index.html

e2e/node_modules/.package-lock.json: e2e/package-lock.json e2e/package.json
	cd e2e && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

e2e-deps: e2e/node_modules/.package-lock.json

# tauri-driver 2.x (crates.io's newest is a 3.0 alpha).
tauri-driver:
	@[ -x "$(TAURI_DRIVER)" ] || $(CARGO) install tauri-driver --version '^2' --locked

build: deps ui
	$(CARGO) build --workspace

# The UI's API types in ui/src/api/generated, generated from the Rust DTOs with ts-rs
# (src/api/bindings.rs) and committed. `bindings` rewrites them; `check-bindings` regenerates them
# into a temporary folder and fails, naming the files, when the committed ones differ. Built with
# --workspace like everything else: the library alone resolves other dependency features (no
# serde_json preserve_order without the desktop shell) and would rebuild half the tree.
bindings:
	EXHIBIT_WRITE_BINDINGS=1 $(CARGO) test --workspace --lib --quiet -- api::bindings::tests::bindings_match_the_committed_files

check-bindings:
	RUST_BACKTRACE=0 $(CARGO) test --workspace --lib --quiet -- api::bindings::

ui-test: ui
	cd ui && npx svelte-check --tsconfig ./tsconfig.json --output human
	cd ui && npx vitest run

# Each suite's output is also kept in $(TARGET_DIR)/e2e-SUITE.log for `make test`'s summary.
E2E_BROWSER_SUITES := browser modellogs redaction production exposure browser-key layout
e2e-browser: build e2e-deps
	@status=0; for s in $(E2E_BROWSER_SUITES); do \
	  echo "cd e2e && node --test --test-timeout=600000 $$s.test.mjs"; \
	  (cd e2e && node --test --test-timeout=600000 $$s.test.mjs) 2>&1 | tee $(TARGET_DIR)/e2e-$$s.log; \
	  [ $${PIPESTATUS[0]} -eq 0 ] || status=1; \
	done; exit $$status

# The real desktop window under Xvfb. Skipped (and said so) only when the drivers cannot be had.
e2e-desktop: build e2e-deps
	@-$(MAKE) --no-print-directory tauri-driver
	@if [ -x "$(TAURI_DRIVER)" ] && [ -x /usr/bin/WebKitWebDriver ]; then \
	  cd e2e && TAURI_DRIVER="$(TAURI_DRIVER)" xvfb-run -a -s "-screen 0 1280x1024x24" node --test desktop-smoke.test.mjs 2>&1 \
	    | tee $(TARGET_DIR)/e2e-desktop-smoke.log; exit $${PIPESTATUS[0]}; \
	else \
	  why="tauri-driver ($(TAURI_DRIVER)) or /usr/bin/WebKitWebDriver could not be installed"; \
	  echo "desktop smoke SKIPPED: $$why"; \
	  printf 'e2e desktop-smoke\t(whole suite)\t%s\n' "$$why" >> $${EXHIBIT_SKIP_LOG:-$(TARGET_DIR)/test-skips.log}; \
	fi

# Clippy is not a second compile: every workspace crate is built once, through clippy-driver (the
# wrapper `cargo clippy` itself uses), with warnings as errors, so a lint fails the build like a
# type error. A separate `cargo clippy` pass would re-check every dependency in check mode (about
# 4 minutes on a clean 2-core machine). The variables are exported to the recursive makes below
# so their builds find everything fresh.
CLIPPY_DRIVER := $(or $(shell rustup which clippy-driver 2>/dev/null),$(shell command -v clippy-driver 2>/dev/null))
test: export RUSTC_WORKSPACE_WRAPPER := $(CLIPPY_DRIVER)
test: export CLIPPY_ARGS := -Dwarnings__CLIPPY_HACKERY__

# Every suite runs even when an earlier one fails (so one red suite does not hide another);
# the target fails if any did. Formatting (rustfmt.toml) is a suite like the others. Benchmarks
# are built in the test profile (linted, not optimised) and not run. It ends with a summary of
# what ran and what skipped, suite by suite (tools/test-summary.py): tests that skip write their
# reason to the skip log, since the Rust harness reports a skipped test as `ok`.
test: export EXHIBIT_SKIP_LOG := $(TARGET_DIR)/test-skips.log
test: deps ui e2e-deps
	@[ -n "$(CLIPPY_DRIVER)" ] || { echo "clippy is missing: run \`rustup component add clippy\`, then re-run"; exit 1; }
	$(CARGO) test --workspace --all-targets --no-run --quiet
	@mkdir -p $(TARGET_DIR); rm -f $(EXHIBIT_SKIP_LOG) $(TARGET_DIR)/e2e-*.log $(TARGET_DIR)/ui-test.log $(TARGET_DIR)/contract.log; status=0; \
	$(CARGO) fmt --all --check || { echo "formatting differs from rustfmt.toml: run \`cargo fmt --all\`"; status=1; }; \
	EXHIBIT_KEY_DIR=$(TARGET_DIR)/test-audit-keys $(CARGO) test --workspace --no-fail-fast 2>&1 | tee $(TARGET_DIR)/test.log; [ $${PIPESTATUS[0]} -eq 0 ] || status=1; \
	$(MAKE) --no-print-directory check-bindings || status=1; \
	$(MAKE) --no-print-directory ui-test 2>&1 | tee $(TARGET_DIR)/ui-test.log; [ $${PIPESTATUS[0]} -eq 0 ] || status=1; \
	$(MAKE) --no-print-directory e2e-browser || status=1; \
	$(MAKE) --no-print-directory e2e-desktop || status=1; \
	if [ -x ../shared/tools/cli-contract-check ]; then \
	  ../shared/tools/cli-contract-check $(BIN)/exhibit 2>&1 | tee $(TARGET_DIR)/contract.log; [ $${PIPESTATUS[0]} -eq 0 ] || status=1; \
	else echo "cli-contract-check: ../shared/tools absent, skipped"; \
	  printf 'cli-contract-check\t(whole suite)\t../shared/tools is absent\n' >> $(EXHIBIT_SKIP_LOG); fi; \
	python3 tools/test-summary.py $(TARGET_DIR) || true; \
	exit $$status

demo: build
	@if [ ! -f $(DEMO_MATTER)/exhibit.db ]; then \
	  $(BIN)/exhibit init $(DEMO_MATTER) --name "Demo matter" && \
	  $(BIN)/exhibit --matter $(DEMO_MATTER) ingest assets/demo --custodian "Okafor, Sam"; \
	fi

run: demo
	@echo "The exhibit command is $(BIN)/exhibit (\`make install\` puts it on your PATH as ~/.local/bin/exhibit)."
	@if [ -n "$$DISPLAY" ] || [ -n "$$WAYLAND_DISPLAY" ]; then \
	  EXHIBIT_MATTER=$(DEMO_MATTER) $(BIN)/exhibit-desktop; \
	else \
	  echo "No display found (DISPLAY/WAYLAND_DISPLAY unset), so the desktop app cannot open here."; \
	  echo "The demo matter is ready at $(DEMO_MATTER). Use it in a browser instead:"; \
	  echo "  $(BIN)/exhibit --matter $(DEMO_MATTER) serve      (then open the URL it prints)"; \
	  echo "or from the command line: $(BIN)/exhibit --matter $(DEMO_MATTER) search \"price cap\""; \
	fi

# The README's commands say `exhibit`: this puts the built program on PATH for the current user.
INSTALL_DIR ?= $(HOME)/.local/bin
install: build
	@mkdir -p $(INSTALL_DIR)
	install -m 0755 $(BIN)/exhibit $(INSTALL_DIR)/exhibit
	@echo "installed $(INSTALL_DIR)/exhibit"
	@case ":$$PATH:" in *":$(INSTALL_DIR):"*) ;; \
	  *) echo "warning: $(INSTALL_DIR) is not on your PATH, so \`exhibit\` alone will not be found:"; \
	     echo "  add  export PATH=\"$(INSTALL_DIR):\$$PATH\"  to ~/.profile (then open a new shell), or call $(INSTALL_DIR)/exhibit";; \
	esac

# Benchmarks print figures (BENCHMARKS.md); they never pass or fail on time. `bench` is the
# ingest benchmark; the others: `cargo bench -p exhibit-cli --bench search|redact|modellogs` and
# `make bench-desktop` (the review workspace on 1,000,000 items, in Chromium) and
# `make bench-desktop-app` (the same in the desktop app). The benchmarks and the programs live in
# cli/ (package exhibit-cli); `-p exhibit-cli` builds them with the features they had when they
# were part of the library's package, so figures stay comparable.
bench: deps
	$(CARGO) bench -p exhibit-cli --bench ingest

# Cold start, opening documents, scrolling 100,000+ results, with the release `exhibit` and
# Debian's Chromium. Builds its matter once (about 3 min, a few GB) under
# EXHIBIT_BENCH_MATTER (default $(TARGET_DIR)/bench-desktop-1000000) and keeps it.
bench-desktop: deps ui e2e-deps
	$(CARGO) build --release -p exhibit-cli --bin exhibit --bin exhibit-gen
	cd e2e && EXHIBIT_BIN=$(TARGET_DIR)/release/exhibit EXHIBIT_GEN_BIN=$(TARGET_DIR)/release/exhibit-gen node bench-desktop.mjs

# The same matter opened by the real desktop app (release, WebKitGTK under Xvfb, tauri-driver):
# cold start to an interactive workspace, opening documents. Run `make bench-desktop` first.
bench-desktop-app: deps ui e2e-deps
	@-$(MAKE) --no-print-directory tauri-driver
	$(CARGO) build --release -p exhibit-desktop
	cd e2e && EXHIBIT_BENCH_MATTER=$${EXHIBIT_BENCH_MATTER:-$(TARGET_DIR)/bench-desktop-1000000} \
	  EXHIBIT_DESKTOP_BIN=$(TARGET_DIR)/release/exhibit-desktop TAURI_DRIVER="$(TAURI_DRIVER)" \
	  xvfb-run -a -s "-screen 0 1440x900x24" node bench-desktop-tauri.mjs

contract: build
	../shared/tools/cli-contract-check target/debug/exhibit

clean-demo:
	rm -rf $(DEMO_MATTER)
