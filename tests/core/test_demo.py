"""load_demo: idempotent, prints each account's generated password once, honours KECHUANG_ADMIN_PASSWORD."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from kechuang.core.models import Liaison, User
from tests.demo_site import reduced_demo

pytestmark = pytest.mark.django_db


def run() -> str:
    """`load_demo` at the test demo's sizes (tests/demo_site.py): every module's loader and every demo account, with
    the register, platforms and talents cut as for the walk; `make run`'s full sizes (5,000 firms, 2,000 talents)
    cost minutes twice over and change none of what these tests read (the accounts, the liaisons, idempotence)."""
    out = StringIO()
    with reduced_demo():
        call_command("load_demo", stdout=out)
    return out.getvalue()


def test_generated_password_is_printed_once(monkeypatch):
    monkeypatch.delenv("KECHUANG_ADMIN_PASSWORD", raising=False)
    first = run()
    assert "shown once" in first
    # The table: user name, its own password, display name.
    printed = {line.split()[0]: line.split()[1] for line in first.splitlines() if line.startswith("  ")}
    # Every demo account with a password is printed; the 50 demo firms' portal accounts (firm001…) get none without
    # KECHUANG_ADMIN_PASSWORD (the README: the system administrator sets one), so they are not in the table.
    with_password = [u.username for u in User.objects.filter(is_demo=True) if u.has_usable_password()]
    assert set(printed) == set(with_password)
    assert len(set(printed.values())) == len(printed) >= 8  # each account its own password
    for username, password in printed.items():
        assert User.objects.get(username=username).check_password(password)
    assert User.objects.get(username="officer_zhangdian").org_unit.name == "张店区"
    liaisons = Liaison.objects.count()
    second = run()
    assert "shown once" not in second and "0 accounts created, 0 liaisons created" in second
    assert Liaison.objects.count() == liaisons


def test_password_from_environment(monkeypatch):
    # The accounts alone: the modules' demo records (a minute of work, twice) are the subject of the test above.
    monkeypatch.setattr("kechuang.core.management.commands.load_demo.demo_loaders", list)
    monkeypatch.setenv("KECHUANG_ADMIN_PASSWORD", "Demo-Passw0rd")
    assert "shown once" not in run()
    assert User.objects.get(username="bureau_admin").check_password("Demo-Passw0rd")
    monkeypatch.setenv("KECHUANG_ADMIN_PASSWORD", "Other-Passw0rd")
    run()
    assert User.objects.get(username="leader").check_password("Other-Passw0rd")
