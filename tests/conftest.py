"""Shared fixtures. The personas are named once here and reused by every test (DESIGN.md)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from django.conf import settings

from kechuang.core.models import ApiToken, OrgUnit, User
from kechuang.core.roles import Role

ROOT = Path(__file__).resolve().parent.parent
ZIBO_POLICY = ROOT / "policies" / "zibo-kefa-2023-22.yaml"
FICTIONAL_POLICY = Path(__file__).resolve().parent / "policy" / "fixtures" / "fictional-city.yaml"
PASSWORD = "Test-Passw0rd!"

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

# What the top bar and the audit log show for each persona (a person's name, not the user name).
PERSONA_DISPLAY_NAMES = {
    "p_bureau_admin": "市科技局 系统管理员",
    "p_bureau_staff": "市科技局 业务人员",
    "p_lead_officer": "市科技局 联络员",
    "p_supporting_officer": "市教育局 联络员",
    "p_zhangdian_officer": "张店区 科技局",
    "p_zichuan_officer": "淄川区 科技局",
    "p_leader": "市领导",
}

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop


def seed_platform() -> None:
    """The Zibo policy and the personas; idempotent (browser tests re-seed after each flush)."""
    from kechuang.policy.services import policy_load_file

    if not OrgUnit.objects.filter(code="zibo", parent=None).exists():
        policy_load_file(path=ZIBO_POLICY)
    city = OrgUnit.objects.get(code="zibo", parent=None)
    for username, role, unit in PERSONAS.values():
        if not User.objects.filter(username=username).exists():
            user = User(
                username=username,
                role=role,
                display_name=PERSONA_DISPLAY_NAMES[username],
                org_unit=OrgUnit.objects.get(parent=city, code=unit) if unit else None,
            )
            user.set_password(PASSWORD)
            user.save()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, tmp_path_factory):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The matching index of the tests lives in a temporary folder, never in var/.
    settings.TECHMARKET_INDEX_DIR = str(tmp_path_factory.mktemp("match_index"))
    with django_db_blocker.unblock():
        seed_platform()


def pytest_collection_modifyitems(session, config, items: list[pytest.Item]) -> None:
    """Tests that use the demo data run last: until then no other test sees the demo records in its counts."""
    items.sort(key=lambda item: "demo_data" in getattr(item, "fixturenames", ()))


@pytest.fixture(scope="session")
def demo_data(django_db_setup, django_db_blocker):
    """The full demo data (`manage.py load_demo`, the real loaders) in the test database, loaded once per session.

    Loaded outside any test transaction, so every test that asks for it reads the same records. The tests
    that ask for it are sorted to the end of the session (pytest_collection_modifyitems above); at teardown
    the database is flushed and re-seeded, so nothing that runs later sees the demo either.
    """
    from django.core.management import call_command

    with django_db_blocker.unblock():
        call_command("load_demo", stdout=io.StringIO())
    yield
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)
        seed_platform()


@pytest.fixture
def persona(db):
    """persona("zhangdian_officer") → that User."""

    def get(name: str) -> User:
        return User.objects.get(username=PERSONAS[name][0])

    return get


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
