"""Shared fixtures. The personas are named once here and reused by every test (DESIGN.md)."""

from __future__ import annotations

import ctypes.util
import datetime as dt
import itertools
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.test import Client as DjangoClient
from django.test.utils import override_settings
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from kechuang.core.models import ApiToken, OrgUnit, User
from kechuang.core.roles import Role

ROOT = Path(__file__).resolve().parent.parent
ZIBO_POLICY = ROOT / "policies" / "zibo-kefa-2023-22.yaml"
FICTIONAL_POLICY = Path(__file__).resolve().parent / "policy" / "fixtures" / "fictional-city.yaml"
PASSWORD = "Test-Passw0rd!"

# `demo_site`: the whole demo data set, loaded once per session (tests/demo_site.py).
pytest_plugins = ["tests.demo_site"]

# (username, role, org unit code) — lead department 市科技局 leads task 3, 市教育局 supports it.
PERSONAS = {
    "bureau_admin": ("p_bureau_admin", Role.BUREAU_ADMIN, "science_tech"),
    "bureau_staff": ("p_bureau_staff", Role.BUREAU_STAFF, "science_tech"),
    "lead_officer": ("p_lead_officer", Role.DEPARTMENT_OFFICER, "science_tech"),
    "supporting_officer": ("p_supporting_officer", Role.DEPARTMENT_OFFICER, "education"),
    "zhangdian_officer": ("p_zhangdian_officer", Role.DISTRICT_OFFICER, "zhangdian"),
    "zichuan_officer": ("p_zichuan_officer", Role.DISTRICT_OFFICER, "zichuan"),
    "leader": ("p_leader", Role.LEADER, None),
}
# The three separated administrators (三权分立): no business data, kept apart from PERSONAS so that the tests
# parametrized over the business roles stay as they are; `persona` and `client_as` know both.
ADMIN_PERSONAS = {
    "sysadmin": ("p_sysadmin", Role.SYSADMIN, "science_tech"),
    "secadmin": ("p_secadmin", Role.SECADMIN, "science_tech"),
    "auditor": ("p_auditor", Role.AUDITOR, "science_tech"),
}
# Accounts outside the government (roles.EXTERNAL): they reach their account pages and what a module opens to their
# role, nothing else. The enterprise accounts act for one demo firm: tests/demo_site.py binds them to it (its
# credit code) once the demo register is loaded.
EXTERNAL_PERSONAS = {
    "expert": ("p_expert", Role.EXPERT, None),
    "enterprise_admin": ("p_enterprise_admin", Role.ENTERPRISE, None),
    "enterprise_user": ("p_enterprise_user", Role.ENTERPRISE, None),
    "talent": ("p_talent", Role.TALENT, None),
}
ALL_PERSONAS = {**PERSONAS, **ADMIN_PERSONAS, **EXTERNAL_PERSONAS}

# What the top bar and the audit log show for each persona (a person's name, not the user name).
PERSONA_DISPLAY_NAMES = {
    "p_bureau_admin": "市科技局 系统管理员",
    "p_bureau_staff": "市科技局 业务人员",
    "p_lead_officer": "市科技局 联络员",
    "p_supporting_officer": "市教育局 联络员",
    "p_zhangdian_officer": "张店区 科技局",
    "p_zichuan_officer": "淄川区 科技局",
    "p_leader": "市领导",
    "p_sysadmin": "市科技局 系统管理员（账号）",
    "p_secadmin": "市科技局 安全管理员（授权）",
    "p_auditor": "市科技局 审计管理员",
    "p_expert": "评审专家 王教授",
    "p_enterprise_admin": "企业管理员 李经理",
    "p_enterprise_user": "企业用户 赵工",
    "p_talent": "人才 陈博士",
}

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

# CI runs hypothesis derandomized, so a red property is red again on the next run, and prints the blob that
# reproduces a failure; no deadline, because a shared CI machine makes timings meaningless.
hypothesis_settings.register_profile(
    "ci",
    derandomize=True,
    print_blob=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
hypothesis_settings.register_profile("dev", deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

CLOCK_VARIABLE = "KECHUANG_TEST_CLOCK"


def moved_clock() -> dt.datetime | None:
    """The moment KECHUANG_TEST_CLOCK (YYYY-MM-DD) names, 10:00 in Zibo, or None when the clock is not moved."""
    raw = os.environ.get(CLOCK_VARIABLE, "").strip()
    if not raw:
        return None
    day = dt.date.fromisoformat(raw)
    return dt.datetime(day.year, day.month, day.day, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


WALK_VARIABLE = "KECHUANG_WALK_PERSONAS"


def walkers(names: list[str]) -> list[str]:
    """The personas the systemic walks take, narrowed to those KECHUANG_WALK_PERSONAS names (comma-separated).

    The clock leg of .ci/run narrows them: who may open a page does not move with the date, what a page renders
    does, so a city-wide, a district and an account persona walking every page on the moved clock catch a date
    that breaks a page at a seventh of the cost; the full matrix runs on the other legs."""
    chosen = {n.strip() for n in os.environ.get(WALK_VARIABLE, "").split(",") if n.strip()}
    return [n for n in names if n in chosen] if chosen else list(names)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items: list[pytest.Item]) -> None:
    """A test marked `real_clock` is skipped when the clock is moved (KECHUANG_TEST_CLOCK): it reads the
    database's clock, which time-machine does not move, or a day the moved clock has passed. .ci/run runs the suite
    on PostgreSQL on the moved clock, then these tests there again on the real clock.

    A test in a module with a `loaded_once` fixture that does not ask for it is refused: it would run on the
    module's data, loaded by an earlier test.

    A test outside tests/browser that pytest-playwright parametrises with a browser (a parameter or fixture named
    `page`, `browser`, …) is refused: the session-scoped browser parameter makes pytest group it with the browser
    tests and move them before the other database tests, and each browser test's flush then takes the seeded policy
    and personas away from every test after it (hundreds of failures in one CI run)."""
    misplaced = [
        item.nodeid
        for item in items
        if "browser_name" in getattr(getattr(item, "callspec", None), "params", {})
        and "tests/browser/" not in item.nodeid
    ]
    if misplaced:
        raise pytest.UsageError(f"only tests/browser may use a browser (rename the parameter): {misplaced[:5]}")
    unasked = [
        f"{item.nodeid} (the module loads `{name}` once for all its tests)"
        for item in items
        for name, value in vars(getattr(item, "module", None) or object()).items()
        if getattr(value, "_loaded_once", False) and name not in getattr(item, "fixturenames", ())
    ]
    if unasked:
        raise pytest.UsageError(f"move these tests to another module or ask for the fixture: {unasked[:5]}")
    if moved_clock() is not None:
        skip = pytest.mark.skip(reason=f"needs the real clock ({CLOCK_VARIABLE} is set)")
        for item in items:
            if item.get_closest_marker("real_clock") is not None:
                item.add_marker(skip)


def pytest_configure(config):
    # Tasks run at once in the test process, for the whole session: no worker, and a test sees what it queued.
    override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}).enable()
    # The clock moves for the whole session, before any fixture or demo data reads it: the suite must pass on
    # any day, not only the day it was written (CI runs it a year ahead).
    moment = moved_clock()
    if moment is not None:
        config._kechuang_clock = time_machine.travel(moment, tick=True)
        config._kechuang_clock.start()


def pytest_unconfigure(config):
    traveller = getattr(config, "_kechuang_clock", None)
    if traveller is not None:
        traveller.stop()


def pytest_report_header(config):
    moment = moved_clock()
    return [
        f"hypothesis profile: {hypothesis_settings.get_current_profile_name()}",
        f"clock: {moment.isoformat() if moment else 'real'} ({CLOCK_VARIABLE})",
        f"walk personas: {os.environ.get(WALK_VARIABLE) or 'all'} ({WALK_VARIABLE})",
    ]


def seed_platform() -> None:
    """The Zibo policy, the personas and what data migrations seed; idempotent (a flush, after each browser or
    transactional test, removes them all)."""
    from importlib import import_module

    from django.apps import apps

    from kechuang.core.models import Notice
    from kechuang.platforms.models import PlatformType
    from kechuang.policy.services import policy_load_file
    from kechuang.techmarket.models import MatchCheck, VocabularyTerm

    for model, migration in (
        (Notice, "kechuang.core.migrations.0007_crypto_encrypted_personal_fields"),
        (VocabularyTerm, "kechuang.techmarket.migrations.0002_seed_vocabulary"),
        (MatchCheck, "kechuang.techmarket.migrations.0004_seed_match_checks"),
        (PlatformType, "kechuang.platforms.migrations.0002_types"),
    ):
        if not model.objects.exists():
            import_module(migration).seed(apps, None)

    # The registration notice of the enterprise portal (idempotent: get_or_create).
    import_module("kechuang.core.migrations.0012_enterprise_registration").seed(apps, None)
    if not OrgUnit.objects.filter(code="zibo", parent=None).exists():
        policy_load_file(path=ZIBO_POLICY)
    city = OrgUnit.objects.get(code="zibo", parent=None)
    for username, role, unit in ALL_PERSONAS.values():
        if not User.objects.filter(username=username).exists():
            user = User(
                username=username,
                role=role,
                display_name=PERSONA_DISPLAY_NAMES[username],
                org_unit=OrgUnit.objects.get(parent=city, code=unit) if unit else None,
                is_org_admin=username == "p_enterprise_admin",
            )
            user.set_password(PASSWORD)
            user.save()


def loaded_once(*loaders: Callable[[OrgUnit], object]):
    """A module-scoped fixture: each `loader(city)` runs once for the module, inside a transaction rolled back at
    the module's end; the fixture's value is the last loader's result. A test that asks for it together with `db`
    still runs in a savepoint of its own, so no test sees another's writes (tests/indicators/test_pages.py: a
    module's demo loaded once instead of once per test). Once loaded, the data is there for every later test of
    the module, so every test of such a module must ask for the fixture (checked at collection)."""

    @pytest.fixture(scope="module")
    def fixture(django_db_setup, django_db_blocker):
        from django.db import transaction

        with django_db_blocker.unblock():
            outer = transaction.atomic()
            outer.__enter__()
            try:
                seed_platform()  # a transactional test before may have flushed the database (idempotent)
                city = OrgUnit.objects.get(code="zibo", parent=None)
                result = None
                for load in loaders:
                    result = load(city)
                yield result
            finally:
                transaction.set_rollback(True)
                outer.__exit__(None, None, None)

    fixture._loaded_once = True
    return fixture


@pytest.fixture
def seeded(transactional_db):
    """A transactional test (a migration test) starts from whatever an earlier one's flush left: the policy and
    personas again."""
    seed_platform()


def migrate(target: list[tuple[str, str]] | None = None):
    """Migrate the test database to `target` ((app, migration) pairs), or to the latest when None; returns the
    executor (its `loader.project_state` gives the models of the state reached)."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target or executor.loader.graph.leaf_nodes())
    return executor


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, tmp_path_factory):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The matching index of the tests lives in a temporary folder, never in var/.
    settings.TECHMARKET_INDEX_DIR = str(tmp_path_factory.mktemp("match_index"))
    # Dense retrieval off for the suite: the demo's hundreds of records are not embedded in every session (about
    # 0.3 s each); tests/techmarket/test_dense*.py turn it on for a handful of records.
    settings.TECHMARKET_DENSE = False
    # Import uploads and error workbooks too (core.models.ImportStorage).
    settings.KECHUANG_IMPORT_DIR = tmp_path_factory.mktemp("imports")
    with django_db_blocker.unblock():
        seed_platform()


@pytest.fixture(scope="session", autouse=True)
def _static_files_scanned_once():
    """WhiteNoise lists every static file (os.walk and a stat per file, the vendored echarts included) when its
    middleware is built, and the test client builds the middleware chain anew for each client, so once per test:
    about 70 ms, a quarter of a walk test. A server process builds it once. Here the list is kept and handed to
    each new middleware for as long as every setting it reads (STATIC*, WHITENOISE_*, DEBUG, the apps) is the same;
    a test that overrides one of them gets a fresh scan. Autorefresh (no list: found per request) is left alone."""
    from whitenoise.middleware import WhiteNoiseMiddleware

    original = WhiteNoiseMiddleware.__init__
    scans: dict[str, dict] = {}

    def init(self, get_response=None, settings=settings):
        names = sorted(n for n in dir(settings) if n.startswith(("STATIC", "WHITENOISE_")))
        names += ["DEBUG", "FORCE_SCRIPT_NAME", "INSTALLED_APPS"]
        key = repr([(n, getattr(settings, n, None)) for n in names])
        files = scans.get(key)
        if files is None:
            original(self, get_response, settings)
            if not self.autorefresh:
                scans[key] = self.files
            return
        # The same construction with the two scanning steps skipped; the files they found are the kept ones.
        self.add_files = self.add_files_from_finders = lambda *args, **kwargs: None
        try:
            original(self, get_response, settings)
        finally:
            del self.add_files, self.add_files_from_finders
        self.files = dict(files)

    WhiteNoiseMiddleware.__init__ = init
    yield
    WhiteNoiseMiddleware.__init__ = original


_CHECKPOINTS = itertools.count()


@pytest.fixture(autouse=True)
def _cold_cache():
    """Every test starts with an empty cache: a figure cached by an earlier test (the unread-message badge, the
    register's conversion rates) would otherwise change what a test sees, or how many queries a page costs."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _audit_checkpoint(tmp_path_factory):
    """Each test its own audit checkpoint file: the tests' transactions roll back, the file would not. A file of its
    own in one folder of the session (a `tmp_path` folder per test cost a directory and its bookkeeping in every
    test, ~8 ms)."""
    folder = tmp_path_factory.getbasetemp() / "audit-checkpoints"
    folder.mkdir(exist_ok=True)
    with override_settings(KECHUANG_AUDIT_CHECKPOINT=folder / f"{next(_CHECKPOINTS)}.json"):
        yield


@pytest.fixture(scope="session", autouse=True)
def _flush_empties_the_audit_log():
    """Between transactional tests pytest-django flushes the database; on SQLite the audit tables' guard
    (migration core 0006_audit) refuses that DELETE unless told it is a flush."""
    from django.core.management.commands import flush

    from kechuang.core import audit

    handle = flush.Command.handle

    def handle_unlocked(self, **options):
        with audit.allow_flush():
            return handle(self, **options)

    flush.Command.handle = handle_unlocked
    yield
    flush.Command.handle = handle


@pytest.fixture
def persona(db):
    """persona("zhangdian_officer") → that User."""

    def get(name: str) -> User:
        return User.objects.get(username=ALL_PERSONAS[name][0])

    return get


class Client(DjangoClient):
    """The test client; signing in a user who needs the second factor also passes it (`verify_second_factor`),
    as the verification page does, so that tests of other behaviour start from a fully signed-in session."""

    def force_login(self, user, backend=None):
        super().force_login(user, backend)
        from kechuang.core.second_factor import requires_second_factor

        if requires_second_factor(user):
            verify_second_factor(self, user)


TOTP_KEY = "3132333435363738393031323334353637383930"  # RFC 6238's test secret: tests compute real tokens from it


def enrolled_device(user):
    """The user's confirmed TOTP device with the known test secret (created once)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="totp", key=TOTP_KEY, confirmed=True)


def totp_token(device, step_offset: int = 0) -> str:
    """The token the device's authenticator app shows now (or `step_offset` steps later)."""
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + step_offset * device.step
    return f"{totp.token():0{device.digits}d}"


def verify_second_factor(client, user) -> None:
    """Mark the client's session as verified with the user's TOTP device, through django-otp's own `login` (what
    the verification page calls after a good token); no setting or code path of the platform is bypassed."""
    from django.test import RequestFactory
    from django_otp import login as otp_login

    request = RequestFactory().get("/")
    request.session = client.session
    request.user = user
    otp_login(request, enrolled_device(user))
    request.session.save()


@pytest.fixture
def client() -> Client:
    """pytest-django's `client`, with the second factor passed on sign-in (see `Client`)."""
    return Client()


@pytest.fixture
def client_as(client, persona):
    """client_as("leader") → a test client signed in as that persona."""

    def login(name: str):
        client.force_login(persona(name))
        return client

    return login


@pytest.fixture
def token_for(persona):
    """token_for("zichuan_officer") → headers with a bearer token of that persona."""

    def issue(name: str) -> dict[str, str]:
        _, raw = ApiToken.issue(user=persona(name), name="test")
        return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    return issue


@pytest.fixture
def unit(db):
    def get(code: str) -> OrgUnit:
        return OrgUnit.objects.get(parent__code="zibo", parent__parent=None, code=code)

    return get


def first(queryset):
    """The first row of `queryset`, asserting the test's precondition that there is one: a test that quietly
    ran on None (data generated for a past year) passed or failed for the wrong reason."""
    row = queryset.first()
    assert row is not None, f"test precondition: no {queryset.model.__name__} matches {queryset.query}"
    return row


# What a refused request may still write: its session, the login throttle's log, the audit trail of the
# refusal and a token's last use. Everything else must be exactly as before.
SNAPSHOT_SKIP = {"sessions.session", "axes.accessattempt", "axes.accesslog", "axes.accessfailurelog"}
SNAPSHOT_SKIP |= {"core.auditentry", "core.apitoken"}
# signing in passes the second factor (the test client enrols the persona's device once)
SNAPSHOT_SKIP |= {"otp_totp.totpdevice", "otp_static.staticdevice", "otp_static.statictoken"}


def database_snapshot() -> dict[str, list[tuple]]:
    from django.apps import apps

    def columns(model) -> list[str]:
        # signing in (client_as inside the block) stamps last_login; that is not the write being refused
        return [f.attname for f in model._meta.concrete_fields if f.attname != "last_login"]

    return {
        m._meta.label_lower: list(m._base_manager.order_by("pk").values_list(*columns(m)))
        for m in apps.get_models()
        if m._meta.managed and m._meta.label_lower not in SNAPSHOT_SKIP
    }


@pytest.fixture
def unchanged_db(db):
    """`with unchanged_db(): <refused write>` fails the test when any table changed, row by row."""

    @contextmanager
    def check() -> Iterator[None]:
        before = database_snapshot()
        yield
        after = database_snapshot()
        changed = sorted(label for label in before if before[label] != after[label])
        assert not changed, f"a refused write changed {changed}"

    return check


def missing_pdf_packages() -> list[str]:
    """The Debian packages the PDF tests need and this machine lacks (`make system-deps` installs them)."""
    missing = []
    if not ctypes.util.find_library("pangoft2-1.0"):
        missing.append("libpangoft2-1.0-0")
    fonts = subprocess.run(["fc-list"], capture_output=True, text=True).stdout if shutil.which("fc-list") else ""
    if "Noto Sans CJK" not in fonts:
        missing.append("fonts-noto-cjk")
    if not shutil.which("pdftotext"):
        missing.append("poppler-utils")
    return missing


@pytest.fixture
def pdf_tools() -> str:
    """Fails (never skips) a PDF test on a machine without the packages, naming them; returns pdftotext's path."""
    missing = missing_pdf_packages()
    if missing:
        pytest.fail(f"the PDF tests need the Debian packages {' '.join(missing)}: run `make system-deps`")
    return shutil.which("pdftotext")


def page_heading(response) -> str:
    """The text of the page's one <h1>: a rendered page, not an empty frame or an error page."""
    assert response.status_code == 200, response.status_code
    headings = re.findall(r"<h1[^>]*>(.*?)</h1>", response.content.decode(), flags=re.S)
    assert len(headings) == 1, headings
    text = re.sub(r"<[^>]+>|\s+", " ", headings[0]).strip()
    assert text and "{" not in text, headings[0]
    return text
