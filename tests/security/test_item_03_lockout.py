"""Checklist item 3: 5 failures lock the account for the cool-off time, also against the right password; failures
spread over accounts from one address lock the address; each lockout is its own audit event."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from kechuang.core.models import AuditEntry
from tests.conftest import PASSWORD
from tests.security.accounts_helpers import log_in, signed_in

pytestmark = pytest.mark.django_db


def _fail(client: Client, username: str, times: int) -> None:
    for _ in range(times):
        log_in(client, username, "Wrong-Passw0rd")


def test_item_03_sixth_attempt_with_right_password_refused_then_works_after_cooloff(client, settings):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        _fail(client, "p_leader", 5)
        response = log_in(client, "p_leader")
        assert response.status_code == 429 and not signed_in(client)
        clock.shift(dt.timedelta(minutes=29))
        assert log_in(client, "p_leader").status_code == 429  # still locked (and the lock is not a new one)
        clock.shift(settings.AXES_COOLOFF_TIME + dt.timedelta(minutes=1))
        assert log_in(client, "p_leader").status_code == 302 and signed_in(client)


def test_item_03_lockout_is_its_own_audit_event(client):
    _fail(client, "p_leader", 5)
    log_in(client, "p_leader")  # refused while locked: a failed log-in, not a second lockout
    lockout = AuditEntry.objects.filter(action=AuditEntry.Action.LOCKOUT).get()
    assert lockout.object_label == "p_leader" and lockout.success is False
    assert lockout.detail == {"username": "p_leader", "ip": "127.0.0.1", "locked": "account"}
    assert lockout.ip == "127.0.0.1"
    assert AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN_FAILED).count() == 6


def test_item_03_failures_over_several_accounts_from_one_address_are_stopped(client, settings):
    """The sweep's attack: 4 guesses each at 3 accounts (12, under every account's limit) from one address."""
    assert settings.KECHUANG_LOGIN_IP_FAILURE_LIMIT <= 10
    attempts = []
    for username in ("p_leader", "p_bureau_staff", "p_zichuan_officer"):
        for _ in range(4):
            attempts.append(log_in(client, username, "Wrong-Passw0rd").status_code)
    assert attempts[: settings.KECHUANG_LOGIN_IP_FAILURE_LIMIT - 1] == [200] * (
        settings.KECHUANG_LOGIN_IP_FAILURE_LIMIT - 1
    )
    assert attempts[settings.KECHUANG_LOGIN_IP_FAILURE_LIMIT - 1 :] == [429] * (
        12 - settings.KECHUANG_LOGIN_IP_FAILURE_LIMIT + 1
    )
    # A fourth account with its right password: refused from this address, accepted from another.
    refused = log_in(client, "p_zhangdian_officer")
    assert refused.status_code == 429 and not signed_in(client)
    assert 'data-testid="address-locked"' in refused.content.decode()
    other = Client(REMOTE_ADDR="10.20.30.40")
    assert log_in(other, "p_zhangdian_officer").status_code == 302
    lockout = AuditEntry.objects.filter(action=AuditEntry.Action.LOCKOUT).get()
    assert lockout.detail["locked"] == "address" and lockout.detail["ip"] == "127.0.0.1"


def test_item_03_address_lock_ends_after_cooloff(client, settings):
    settings.KECHUANG_LOGIN_IP_FAILURE_LIMIT = 4
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        _fail(client, "p_leader", 2)
        _fail(client, "p_bureau_staff", 2)
        assert log_in(client, "p_zichuan_officer").status_code == 429
        clock.shift(settings.AXES_COOLOFF_TIME + dt.timedelta(minutes=1))
        assert log_in(client, "p_zichuan_officer", PASSWORD).status_code == 302
