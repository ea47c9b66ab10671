"""`demo_site`: the whole demo data set (`manage.py load_demo`, every module), loaded once per test session.

The one demo fixture of the suite: the walk, the reconciliation, the edit round trip, the API fuzz and the
visible-text checks all read it. The enterprise register is cut to `DEMO_ENTERPRISES` firms (the real loader's own
size setting) to keep the load and the pages quick; everything else is the demo `make run` loads.

Loading still takes a while, so it happens once, inside one outer transaction that is rolled back when
the session ends. Each test that asks for `demo_site` still runs in its own savepoint (pytest-django's `db`),
so its writes are undone before the next test.

While that outer transaction is open, every test of the session sees the demo data, including tests that did not
ask for it. So the tests that use `demo_site` are moved to the end of the run (after pytest-django's own ordering),
where only they remain. Registered as a plugin by tests/conftest.py.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connections, transaction
from django.test import TestCase

from kechuang.core.models import OrgUnit

FIXTURE = "demo_site"
DEMO_ENTERPRISES = 600
DEMO_PLATFORMS = 120  # the platform demo's size knob: 120 platforms and 9 carriers (make run: 800 and 60)
DEMO_COMMISSIONERS = 30  # the outreach module's size knob (its bases and activities scale with it)
FINANCE_SCALE = 0.2  # the finance demo's share: 40 loans, 10 policies, 6 investments, 8 reserve firms
PROJECT_CALLS_PER_YEAR = 4  # the projects module's demo size (make run: 8 calls a year)
DEMO_TALENTS = 150


@contextmanager
def reduced_demo() -> Iterator[None]:
    """`load_demo` at the sizes above (the loaders' own size knobs) instead of `make run`'s."""
    from kechuang.enterprises import demo as enterprise_demo
    from kechuang.finance import demo as finance_demo
    from kechuang.outreach import demo as outreach_demo
    from kechuang.platforms import demo as platform_demo
    from kechuang.projects import demo as projects_demo
    from kechuang.talent import demo as talent_demo

    with (
        mock.patch.object(enterprise_demo, "DEMO_SIZE", DEMO_ENTERPRISES),
        mock.patch.object(platform_demo, "DEMO_SIZE", DEMO_PLATFORMS),
        mock.patch.object(outreach_demo, "DEMO_SIZE", DEMO_COMMISSIONERS),
        mock.patch.object(finance_demo, "DEMO_SCALE", FINANCE_SCALE),
        mock.patch.object(projects_demo, "DEMO_SIZE", PROJECT_CALLS_PER_YEAR),
        mock.patch.object(talent_demo, "DEMO_TALENTS", DEMO_TALENTS),
    ):
        yield


@pytest.fixture(scope="session")
def demo_site(django_db_setup, django_db_blocker):
    """The demo data of every installed module; yields the city. Use with the personas of tests/conftest.py."""
    from kechuang.techmarket import index
    from tests.conftest import seed_platform

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            # What runs after commit in `make run` (the indicator feeds, the search index) runs here too, though
            # this transaction never commits.
            # A browser or transactional test before may have flushed the database: seed it again (idempotent).
            seed_platform()
            # The search index may hold documents of rows earlier tests rolled back: start it afresh.
            index.reset()
            with reduced_demo(), TestCase.captureOnCommitCallbacks(execute=True):
                call_command("load_demo", stdout=io.StringIO())
            bind_external_personas()
            yield OrgUnit.objects.get(code="zibo", parent=None)
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            connections["default"].close()
            index.reset()


def bind_external_personas() -> None:
    """The enterprise personas act for the first demo firm of 张店区 (its credit code); the expert works at
    another firm of the register, of 淄川区 (a reviewer never sees their own organisation's applications)."""
    from kechuang.core.models import User
    from kechuang.core.roles import Role
    from kechuang.enterprises.models import Enterprise

    firms = Enterprise.objects.order_by("pk")
    own = firms.filter(region__code="zhangdian").first()
    other = firms.filter(region__code="zichuan").first()
    # One administrator per firm (core.firm_accounts, a constraint): the persona administers this firm, so the
    # demo's own administrator account of the same firm is an ordinary user of it in the tests.
    User.objects.filter(credit_code=own.credit_code, is_org_admin=True).exclude(username__startswith="p_").update(
        is_org_admin=False
    )
    User.objects.filter(role=Role.ENTERPRISE, username__startswith="p_").update(
        credit_code=own.credit_code, organisation=own.name
    )
    User.objects.filter(role=Role.EXPERT, username__startswith="p_").update(
        credit_code=other.credit_code, organisation=other.name
    )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests on the demo data run last: the data stays in the database from their first test to the session end."""
    uses = [item for item in items if FIXTURE in getattr(item, "fixturenames", ())]
    if uses:
        rest = [item for item in items if FIXTURE not in getattr(item, "fixturenames", ())]
        items[:] = rest + uses
