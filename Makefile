# Set-up and everyday commands. `make run` and `make test` work on a fresh machine.
VENV := .venv
PY := $(VENV)/bin/python
PAGEWISE := $(VENV)/bin/pagewise
# The sample manuals: the bundled one, and the shared manuals beside the checkout when present.
SAMPLE_DOCS := data/manuals $(wildcard ../shared/docs)
EXAMPLE_QUESTION := 密码多久需要更换一次？

.PHONY: install system-packages run test lint bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

# The demo directory (policies/dev-directory.ldif) on 127.0.0.1:3389 and the portal on
# 127.0.0.1:8501; Ctrl-C stops both.
run: install system-packages
	$(PAGEWISE) ingest $(SAMPLE_DOCS) || [ $$? -eq 1 ]  # 1: some files were skipped, see above
	$(PY) scripts/slapd.py --ldif policies/dev-directory.ldif --port 3389 --dir data/ldap & \
	trap 'kill $$! 2>/dev/null' EXIT INT TERM; \
	$(PAGEWISE) ui

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy pagewise ingest assistant ui tests scripts
	for f in bench/*.py; do $(VENV)/bin/mypy $$f || exit 1; done  # bench/ingest.py shadows ingest/

system-packages:
	bash scripts/install-system-packages.sh

test: install system-packages lint
	$(VENV)/bin/pytest

bench: install
	$(PY) bench/ingest.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
