"""`demo_site`: the whole demo data set (`manage.py load_demo`, every module), loaded once per test session.

Loading takes about half a minute, so it happens once, inside one outer transaction that is rolled back when
the session ends. Each test that asks for `demo_site` still runs in its own savepoint (pytest-django's `db`),
so its writes are undone before the next test.

While that outer transaction is open, every test of the session sees the demo data, including tests that did not
ask for it. So the tests that use `demo_site` are moved to the end of the run (after pytest-django's own ordering),
where only they remain. Registered as a plugin by tests/conftest.py.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connections, transaction
from django.test import TestCase

FIXTURE = "demo_site"


@pytest.fixture(scope="session")
def demo_site(django_db_setup, django_db_blocker):
    """The demo data of every installed module. Use with the usual personas (tests/conftest.py PERSONAS)."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            # What runs after commit in `make run` (the indicator feeds, the search index) runs here too, though
            # this transaction never commits.
            with TestCase.captureOnCommitCallbacks(execute=True):
                call_command("load_demo", stdout=io.StringIO())
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            connections["default"].close()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests on the demo data run last: the data stays in the database from their first test to the session end."""
    uses = [item for item in items if FIXTURE in getattr(item, "fixturenames", ())]
    if uses:
        rest = [item for item in items if FIXTURE not in getattr(item, "fixturenames", ())]
        items[:] = rest + uses
