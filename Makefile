# Trove's two entry points: `make demo` and `make test` (see README.md).
# Each installs what it needs: Debian packages with apt (as root), Python packages pinned
# into the project-local virtualenv .venv.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SAMPLE_DIR ?= demo-data/sample-leak
DEMO_HOME ?= $(CURDIR)/demo-data/home

APT_RUNTIME := python3 python3-venv libmagic1 libarchive13 poppler-utils \
	tesseract-ocr tesseract-ocr-osd tesseract-ocr-eng tesseract-ocr-chi-sim \
	tesseract-ocr-chi-tra tesseract-ocr-uig pst-utils fonts-wqy-zenhei fonts-noto-core fonts-dejavu-core \
	libfribidi0 libraqm0 libreoffice-writer-nogui libreoffice-calc-nogui \
	libreoffice-impress-nogui
APT_TEST := $(APT_RUNTIME) zip p7zip-full ripgrep

.PHONY: demo test bench lint typecheck deps deps-test apt-runtime apt-test clean-demo

demo: deps
	rm -rf $(SAMPLE_DIR) $(SAMPLE_DIR).manifest.json $(DEMO_HOME)
	TROVE_HOME=$(DEMO_HOME) $(BIN)/trove sample $(SAMPLE_DIR)
	TROVE_HOME=$(DEMO_HOME) $(BIN)/trove ingest $(SAMPLE_DIR) --collection sample-leak
	@echo
	@echo "Data home: $(DEMO_HOME)  (export TROVE_HOME=$(DEMO_HOME) to use it with $(BIN)/trove)"

test: deps-test
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/pytest -q

bench: deps-test
	$(BIN)/python bench/run_all.py

deps: apt-runtime $(VENV)/.runtime
deps-test: apt-test $(VENV)/.dev

# apt only runs when something is missing, so a second `make` starts at once.
apt-runtime:
	@bash scripts/apt-install.sh $(APT_RUNTIME)
apt-test:
	@bash scripts/apt-install.sh $(APT_TEST)

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: requirements.txt pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

clean-demo:
	rm -rf demo-data
