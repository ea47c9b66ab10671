"""load_demo: idempotent, prints the generated password once, honours KECHUANG_ADMIN_PASSWORD."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from kechuang.core.models import Liaison, User

pytestmark = pytest.mark.django_db


def run() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def test_generated_password_is_printed_once(monkeypatch):
    monkeypatch.delenv("KECHUANG_ADMIN_PASSWORD", raising=False)
    first = run()
    assert "shown once" in first
    password = first.split("(shown once): ")[1].split()[0]
    assert User.objects.get(username="bureau_admin").check_password(password)
    assert User.objects.get(username="officer_zhangdian").org_unit.name == "张店区"
    liaisons = Liaison.objects.count()
    second = run()
    assert "shown once" not in second and "0 accounts created, 0 liaisons created" in second
    assert Liaison.objects.count() == liaisons


def test_password_from_environment(monkeypatch):
    monkeypatch.setenv("KECHUANG_ADMIN_PASSWORD", "Demo-Passw0rd")
    assert "shown once" not in run()
    assert User.objects.get(username="bureau_admin").check_password("Demo-Passw0rd")
    monkeypatch.setenv("KECHUANG_ADMIN_PASSWORD", "Other-Passw0rd")
    run()
    assert User.objects.get(username="leader").check_password("Other-Passw0rd")
