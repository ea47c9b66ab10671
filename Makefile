# Kechuang: `make run` sets everything up and serves; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PORT

.PHONY: run test bench lint format system-deps messages clean

$(PY):
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Kechuang needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)

# The stamps are rebuilt whenever pyproject.toml changes, so a second `make run` installs nothing.
$(VENV)/.installed: pyproject.toml scripts/vendor_assets.py | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -e .
	$(PY) scripts/vendor_assets.py
	@touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	@touch $@

# Debian packages the tests need: chromium for the browser tests, Noto CJK for Chinese in PDFs.
system-deps:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -q "Noto Sans CJK"; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		echo "Installing Debian packages: chromium fonts-noto-cjk"; \
		$$SUDO apt-get update -qq && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk >/dev/null; \
	fi

run: $(VENV)/.installed
	$(PY) manage.py bootstrap
	@echo "Kechuang is serving on http://127.0.0.1:$(PORT)/ (Ctrl-C stops it)"
	$(PY) manage.py runserver --skip-checks 127.0.0.1:$(PORT)

test: $(VENV)/.installed-dev system-deps
	$(PY) -m pytest

bench: $(VENV)/.installed-dev
	$(PY) bench/run.py

lint: $(VENV)/.installed-dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(VENV)/.installed-dev
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

# Translations, one catalogue per app; the compiled .mo files are committed so a fresh machine needs no gettext.
APPS_WITH_LOCALE = $(patsubst %/locale,%,$(wildcard kechuang/*/locale))
messages: $(VENV)/.installed
	@for app in $(APPS_WITH_LOCALE); do \
		(cd $$app && $(CURDIR)/$(PY) $(CURDIR)/manage.py makemessages -l zh_Hans --no-location --no-obsolete \
			-i "*/ladder/*" -i "*/matching/*" && $(CURDIR)/$(PY) $(CURDIR)/manage.py compilemessages -l zh_Hans) || exit 1; \
	done

clean:
	rm -rf $(VENV) var *.egg-info
