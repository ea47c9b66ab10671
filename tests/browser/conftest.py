"""Browser tests: Playwright drives Debian's /usr/bin/chromium (never a downloaded browser)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ALL_PERSONAS, PASSWORD, ROOT, enrolled_device, seed_platform, totp_token

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


def _next_token(username: str) -> str:
    """A TOTP token the persona's enrolled device accepts now: the current step's, or the next one's when the
    current one was used already (a replayed token is refused, as it should be)."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from kechuang.core.models import User

    device = enrolled_device(User.objects.get(username=username))
    device = TOTPDevice.objects.get(pk=device.pk)
    now = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).t()
    return totp_token(device, 1 if device.last_t >= now else 0)


def sign_in(page, site: str, name: str):
    """Sign `page` in as the persona (with the second factor when the role needs one); a test with two sessions
    (an officer and the bureau) signs its second browser context in with it."""
    from kechuang.core.models import User
    from kechuang.core.second_factor import requires_second_factor

    user = User.objects.get(username=ALL_PERSONAS[name][0])
    if requires_second_factor(user):
        enrolled_device(user)  # enrolled before: the log-in then asks for the code (enrolment: test_item_05)
    page.goto(f"{site}/accounts/login/")
    page.fill("#id_username", ALL_PERSONAS[name][0])
    page.fill("#id_password", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    if "/accounts/second-factor/" in page.url:
        page.fill("#id_token", _next_token(ALL_PERSONAS[name][0]))
        page.click("button.primary")
    # the cockpit; an administrator's home is the page of their duty
    page.wait_for_url(lambda url: "/accounts/second-factor/" not in url and "/accounts/login/" not in url)
    return page


@pytest.fixture
def login(page, site):
    def as_persona(name: str):
        return sign_in(page, site, name)

    return as_persona


@pytest.fixture
def shot(page):
    def take(name: str) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    return take
