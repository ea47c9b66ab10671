"""Checklist item 6 and 访问控制 a–c: no reserved user names, no active superuser, no known initial password
(each demo account its own, none allowed in production); expired and idle accounts cannot log in."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.checks import run_checks
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from kechuang.core import services, user_admin
from kechuang.core.demo import ensure_demo_accounts
from kechuang.core.models import OrgUnit, User
from tests.conftest import PASSWORD
from tests.security.accounts_helpers import log_in, signed_in

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "username", ["admin", "Administrator", "root", "test", "TEST01", "guest", "sysadmin", "admin1"]
)
def test_item_06_reserved_user_names_rejected(persona, username):
    with pytest.raises(ValidationError) as refused:
        user_admin.create_account(actor=persona("sysadmin"), username=username, display_name="某某")
    assert "username" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:  # the installation's own path (create_account, demo) too
        services.user_create(username=username, role="pending", password="Xq-7mmtq-Lp")
    assert "username" in refused.value.message_dict
    with pytest.raises(ValidationError):
        User(username=username, password="x").full_clean()  # every form on the model refuses it too
    assert not User.objects.filter(username__iexact=username).exists()


def test_item_06_personal_names_accepted(persona):
    user, _password = user_admin.create_account(
        actor=persona("sysadmin"), username="wang_admin_office", display_name="王办公室"
    )
    assert user.must_change_password  # someone else chose its first password
    installed = services.user_create(username="li_admin_office", role="pending", password="Xq-7mmtq-Lp")
    assert installed.must_change_password


def test_item_06_weak_password_refused_when_creating_an_account(persona):
    with pytest.raises(ValidationError) as refused:
        services.user_create(username="li_ming", role="pending", password="password")
    assert "password" in refused.value.message_dict


def _load_demo(monkeypatch, password: str | None = None) -> str:
    """`manage.py load_demo` for the accounts alone: the modules' demo records (minutes of work) are not the
    subject here (tests/core/test_demo.py runs the whole command)."""
    monkeypatch.setattr("kechuang.core.management.commands.load_demo.demo_loaders", list)
    if password is None:
        monkeypatch.delenv("KECHUANG_ADMIN_PASSWORD", raising=False)
    else:
        monkeypatch.setenv("KECHUANG_ADMIN_PASSWORD", password)
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def test_item_06_demo_accounts_each_get_their_own_password_printed_once(monkeypatch):
    first = _load_demo(monkeypatch)
    printed = {line.split()[0]: line.split()[1] for line in first.splitlines() if line.startswith("  ")}
    demo = User.objects.filter(is_demo=True)
    assert set(printed) == set(demo.values_list("username", flat=True)) and len(printed) >= 8
    assert len(set(printed.values())) == len(printed)
    for user in demo:
        assert user.check_password(printed[user.username]) and not user.is_superuser
        assert not user.must_change_password  # development only
    assert not any(password in _load_demo(monkeypatch) for password in printed.values())  # never again


def test_item_06_admin_password_variable_still_sets_every_demo_account(monkeypatch):
    _load_demo(monkeypatch, "Demo-Passw0rd")
    assert all(u.check_password("Demo-Passw0rd") for u in User.objects.filter(is_demo=True))


def test_item_06_demo_accounts_must_change_their_password_outside_development(settings):
    settings.PRODUCTION = True
    city = OrgUnit.objects.get(code="zibo", parent=None)
    created = ensure_demo_accounts(city, None)
    assert created and all(u.must_change_password for u in User.objects.filter(username__in=created))


def _account_errors() -> set[str]:
    return {
        e.id for e in run_checks(include_deployment_checks=True, tags=["security"]) if e.id.startswith("kechuang.E1")
    }  # the account checks


def test_item_06_production_refuses_an_active_superuser(settings, persona):
    settings.PRODUCTION = True
    assert _account_errors() == set()
    User.objects.filter(pk=persona("bureau_admin").pk).update(is_superuser=True)
    assert _account_errors() == {"kechuang.E101"}
    settings.PRODUCTION = False
    assert _account_errors() == set()  # development: the check is for deployments


def test_item_06_production_refuses_an_active_demo_account(settings, monkeypatch):
    _load_demo(monkeypatch)
    assert not User.objects.filter(is_superuser=True).exists()
    settings.PRODUCTION = True
    assert _account_errors() == {"kechuang.E102"}
    User.objects.filter(is_demo=True).update(is_active=False)
    assert _account_errors() == set()


def test_item_06_expired_account_cannot_log_in_and_its_session_ends(client, persona):
    log_in(client, "p_leader")
    assert client.get("/").status_code == 200
    User.objects.filter(pk=persona("leader").pk).update(valid_until=timezone.localdate() - dt.timedelta(days=1))
    response = client.get("/")  # the open session no longer authenticates
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    fresh = Client()
    assert log_in(fresh, "p_leader").status_code == 200 and not signed_in(fresh)
    User.objects.filter(pk=persona("leader").pk).update(valid_until=timezone.localdate())  # the last valid day
    assert log_in(fresh, "p_leader").status_code == 302


def test_item_06_idle_accounts_are_disabled_and_cannot_log_in(client, persona, settings):
    assert settings.KECHUANG_ACCOUNT_IDLE_DAYS == 90
    now = timezone.now()
    User.objects.filter(pk=persona("leader").pk).update(last_login=now - dt.timedelta(days=91))
    User.objects.filter(pk=persona("bureau_staff").pk).update(last_login=now - dt.timedelta(days=89))
    User.objects.filter(pk=persona("zichuan_officer").pk).update(
        last_login=None, date_joined=now - dt.timedelta(days=91)
    )
    out = StringIO()
    with time_machine.travel(now, tick=False):
        call_command("disable_idle_accounts", stdout=out)
    assert "p_leader" in out.getvalue() and "p_zichuan_officer" in out.getvalue()
    assert not User.objects.get(username="p_leader").is_active
    assert User.objects.get(username="p_bureau_staff").is_active
    assert log_in(client, "p_leader", PASSWORD).status_code == 200 and not signed_in(client)
    assert log_in(client, "p_bureau_staff", PASSWORD).status_code == 302


def test_item_06_first_account_command_gives_a_temporary_password(client):
    out = StringIO()
    call_command("create_account", "zhao_lei", "--role", "leader", "--name", "赵磊", stdout=out)
    temporary = out.getvalue().split("(shown once): ")[1].split()[0]
    user = User.objects.get(username="zhao_lei")
    assert user.must_change_password and not user.is_superuser and not user.is_demo
    assert log_in(client, "zhao_lei", temporary).status_code == 302
    assert client.get("/").url == "/accounts/password/"
    with pytest.raises(CommandError, match=r"^username: "):
        call_command("create_account", "root", "--role", "leader", stdout=StringIO())


def test_item_06_production_refuses_an_active_account_with_a_reserved_name(settings):
    """An account made around the services (a raw insert, an old database) is still caught before going live."""
    settings.PRODUCTION = True
    User.objects.create(username="Admin", password="!")
    assert _account_errors() == {"kechuang.E103"}
