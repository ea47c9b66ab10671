"""Browser tests: Playwright drives Debian's /usr/bin/chromium (never a downloaded browser)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import PASSWORD, PERSONAS, ROOT, seed_platform

CHROMIUM = "/usr/bin/chromium"
SHOTS = ROOT / "var" / "screenshots"


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(str(item.fspath)).parent == Path(__file__).parent:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1440, "height": 900}, "locale": "zh-CN"}


@pytest.fixture
def site(live_server, transactional_db):
    """The live server with the Zibo policy and the personas (re-seeded after each flush)."""
    seed_platform()
    return live_server.url


@pytest.fixture
def login(page, site):
    def as_persona(name: str):
        page.goto(f"{site}/accounts/login/")
        page.fill("#id_username", PERSONAS[name][0])
        page.fill("#id_password", PASSWORD)
        page.click("button.primary")
        page.wait_for_url(f"{site}/")
        return page

    return as_persona


@pytest.fixture
def shot(page):
    def take(name: str) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    return take
