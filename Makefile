# Kechuang: `make run` sets everything up and serves; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PORT

.PHONY: run test bench lint format system-deps pdf-deps messages clean

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

# Debian packages: Pango and Noto CJK for the PDF briefings (WeasyPrint), chromium for the browser tests.
PDF_PACKAGES = fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0
APT_INSTALL = SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); $$SUDO apt-get update -qq && \
	$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends

system-deps:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -q "Noto Sans CJK" || ! /sbin/ldconfig -p | grep -q libpangoft2; then \
		echo "Installing Debian packages: chromium $(PDF_PACKAGES)"; \
		$(APT_INSTALL) chromium $(PDF_PACKAGES) >/dev/null; \
	fi

# For `make run` the PDF packages are wanted, not required: without apt rights the platform still runs,
# only the PDF briefings lack their fonts, and this says so.
pdf-deps:
	@if ! fc-list 2>/dev/null | grep -q "Noto Sans CJK" || ! /sbin/ldconfig -p 2>/dev/null | grep -q libpangoft2; then \
		echo "Installing Debian packages for PDF briefings: $(PDF_PACKAGES)"; \
		( $(APT_INSTALL) $(PDF_PACKAGES) >/dev/null ) || \
		echo "WARNING: could not install $(PDF_PACKAGES); PDF briefings need them (sudo apt-get install $(PDF_PACKAGES))"; \
	fi

run: $(VENV)/.installed pdf-deps
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
