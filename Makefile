# DrillPad — two commands on a fresh machine:  make run  |  make test
# Every target is idempotent and quick once done.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := run

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
BUILD_CACHE ?= $(if $(XDG_CACHE_HOME),$(XDG_CACHE_HOME),$(HOME)/.cache)/drillpad-build

LLAMA_VERSION := 0.3.36
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON -DLLAVA_BUILD=OFF -DGGML_OPENMP=OFF
LLAMA_KEY := $(LLAMA_VERSION)-$(shell printf '%s' '$(LLAMA_CMAKE_ARGS)' | sha256sum | cut -c1-12)
LLAMA_WHEELS := $(BUILD_CACHE)/llama-cpp-python/$(LLAMA_KEY)
LLAMA_STAMP := $(VENV)/.llama-$(LLAMA_KEY)
DEPS_STAMP := $(VENV)/.deps-installed

MODEL_FILE := models/SmolLM2-135M-Instruct.Q4_1.gguf
DEMO_DATA ?= .demo-data

.PHONY: run test setup venv llama deps model smoke bench bench-smoke screenshots package package-test desktop-libs clean demo-reset help lrs-servers

help:
	@echo "make run    set up (idempotent) and open DrillPad on the demo content"
	@echo "make test   set up and run the test suite"
	@echo "make bench  run the benchmarks;  make bench-smoke  each at its tiny size (CI);  make demo-reset  forget the demo data"

run: setup desktop-libs
	$(PY) -m drillpad --data-dir $(DEMO_DATA) demo

# Qt's X11 plugin needs a few system libraries a bare machine lacks; install them when we may.
desktop-libs: deps
	@missing=$$($(PY) -c 'from drillpad.ui.platform_check import missing_x11_library as m; print(m(even_without_display=True) or "")'); \
	if [ -n "$$missing" ]; then \
	  pkgs=$$($(PY) -c 'from drillpad.ui.platform_check import XCB_PACKAGES; print(" ".join(XCB_PACKAGES))'); \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing the X11 libraries Qt needs ($$missing is missing): $$pkgs"; \
	    apt-get install -y -qq $$pkgs >/dev/null || { apt-get update -qq && apt-get install -y -qq $$pkgs >/dev/null; }; \
	  else echo "note: $$missing is missing; ask IT to install: $$pkgs"; fi; \
	fi

test: setup lrs-servers
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

# The two LRS servers the LRS tests start on 127.0.0.1 (docs/lrs.md): Learning Locker's statement service from
# npm (tools/lrs/package-lock.json) and Ralph LRS in its own venv (its CLI pins click below what sqlite-utils
# needs). Each installs once (stamp files); one that cannot be installed here is reported, and its tests skip.
LRS_TOOLS := tools/lrs
RALPH_STAMP := $(LRS_TOOLS)/.ralph-venv/.installed
XAPI_STAMP := $(LRS_TOOLS)/node_modules/.installed

$(RALPH_STAMP): $(LRS_TOOLS)/ralph-requirements.txt
	$(PYTHON) -m venv $(LRS_TOOLS)/.ralph-venv
	$(LRS_TOOLS)/.ralph-venv/bin/python -m pip install -q --disable-pip-version-check -r $<
	touch $@

$(XAPI_STAMP): $(LRS_TOOLS)/package.json $(LRS_TOOLS)/package-lock.json
	cd $(LRS_TOOLS) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

lrs-servers:
	@$(MAKE) --no-print-directory $(RALPH_STAMP) || echo "note: Ralph LRS could not be installed; its tests will skip"
	@if command -v npm >/dev/null; then \
	  $(MAKE) --no-print-directory $(XAPI_STAMP) || echo "note: xapi-statements could not be installed; its tests will skip"; \
	else echo "note: npm is missing (Debian: apt-get install nodejs npm); the xapi-statements tests will skip"; fi

setup: deps model smoke

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "DrillPad needs Python 3.11; found " + sys.version.split()[0] + " at $(PYTHON). Set PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip==25.3

venv: $(PY)

# The portable llama-cpp-python wheel, built once per machine into $(BUILD_CACHE), keyed by
# version and build flags; installed before the project so pip never builds its own.
$(LLAMA_STAMP): | $(PY)
	tools/build_llama.sh $(PY) $(LLAMA_VERSION) $(LLAMA_WHEELS) '$(LLAMA_CMAKE_ARGS)'
	$(PY) -m pip install -q --disable-pip-version-check --no-deps --force-reinstall $(LLAMA_WHEELS)/llama_cpp_python-$(LLAMA_VERSION)-*.whl
	rm -f $(VENV)/.llama-* && touch $@

llama: $(LLAMA_STAMP)

$(DEPS_STAMP): pyproject.toml $(LLAMA_STAMP)
	$(PY) -m pip install -q --disable-pip-version-check --only-binary llama-cpp-python -e '.[dev,llm]'
	touch $@

deps: $(DEPS_STAMP)

model: | $(PY)
	$(PY) tools/provision_model.py --dest models --cache $(BUILD_CACHE)/models

# Load the model and generate a few tokens in a child process: a broken llama build fails
# here with a clear message instead of crashing the app later.
smoke: deps model
	$(PY) -m drillpad model smoke $(MODEL_FILE)

bench: setup
	QT_QPA_PLATFORM=offscreen $(PY) benchmarks/run.py

# Every benchmark at its tiny size (seconds each, no thresholds): .ci/run calls it, so a benchmark
# that no longer runs fails CI instead of waiting for the next `make bench`.
bench-smoke: setup
	QT_QPA_PLATFORM=offscreen $(PY) benchmarks/run.py --smoke

# The PyInstaller onedir app (dist/drillpad/) with the model, and a Linux .tar.gz with a .desktop file.
package: setup
	$(PY) -m pip install -q --only-binary llama-cpp-python -e '.[dev,llm,package]'
	PY=$(PY) tools/package.sh

# Build, then run the packaged smoke test as built and from a read-only copy of the install folder.
package-test: package
	tools/package_test.sh

# Every screen, in a real X window under Xvfb (needs Debian's xvfb): 1366x768 (the README's), 1024x768,
# 1366x768 at 150 % scaling (910x512 logical) and a dark palette.
screenshots: setup desktop-libs
	xvfb-run -a -s "-screen 0 1366x768x24" $(PY) tools/screenshots.py docs/screenshots
	xvfb-run -a -s "-screen 0 1024x768x24" $(PY) tools/screenshots.py docs/screenshots/1024x768
	QT_SCALE_FACTOR=1.5 xvfb-run -a -s "-screen 0 1366x768x24" $(PY) tools/screenshots.py docs/screenshots/1366x768-150pc
	xvfb-run -a -s "-screen 0 1366x768x24" $(PY) tools/screenshots.py --dark docs/screenshots/dark

demo-reset:
	rm -rf $(DEMO_DATA)

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache $(LRS_TOOLS)/.ralph-venv $(LRS_TOOLS)/node_modules
