"""Checklist item 4: idle sessions end (30 min), background polls do not keep a session alive, every session ends
8 hours after its log-in, and a session cookie is dead after logout."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kechuang.core.middleware import POLL_HEADER
from kechuang.core.models import AuditEntry, ImportJob
from tests.security.accounts_helpers import log_in

pytestmark = pytest.mark.django_db


def _to_login(response) -> bool:
    return response.status_code == 302 and response.url.startswith(reverse("login"))


def test_item_04_idle_session_ends_after_31_minutes(client, settings):
    assert settings.SESSION_COOKIE_AGE == 1800
    with time_machine.travel(timezone.now(), tick=False) as clock:
        log_in(client, "p_leader")
        clock.shift(dt.timedelta(minutes=29))
        assert client.get("/").status_code == 200  # activity restarts the idle timer
        clock.shift(dt.timedelta(minutes=29))
        assert client.get("/").status_code == 200
        clock.shift(dt.timedelta(minutes=31))
        assert _to_login(client.get("/"))


def test_item_04_background_poll_does_not_refresh_the_idle_timer(client, persona, settings):
    job = ImportJob.objects.create(kind="indicators", actor=persona("leader"), filename="x.xlsx")
    url = reverse("core:import_job", args=[job.pk])
    with time_machine.travel(timezone.now(), tick=False) as clock:
        log_in(client, "p_leader")
        page = client.get(url).content.decode()
        assert "X-Kechuang-Poll" in page  # the page's own poll sends the header
        for _ in range(29):  # a page left open polls every minute
            clock.shift(dt.timedelta(minutes=1))
            poll = client.get(url, HTTP_HX_REQUEST="true", **{POLL_HEADER: "1"})
            assert poll.status_code == 200 and settings.SESSION_COOKIE_NAME not in poll.cookies
        clock.shift(dt.timedelta(minutes=2))  # 31 minutes after the last click, 2 after the last poll
        assert _to_login(client.get("/"))


def test_item_04_session_ends_8_hours_after_log_in_however_active(client, settings):
    assert settings.KECHUANG_SESSION_ABSOLUTE_HOURS == 8
    with time_machine.travel(timezone.now(), tick=False) as clock:
        log_in(client, "p_leader")
        for _ in range(8 * 3):  # a click every 20 minutes for 8 hours
            clock.shift(dt.timedelta(minutes=20))
            assert client.get("/").status_code == 200
        clock.shift(dt.timedelta(minutes=1))
        assert _to_login(client.get("/"))
        assert "_auth_user_id" not in client.session
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.LOGOUT).latest("id")
    assert entry.detail == {"reason": "session_limit"} and entry.actor_label


def test_item_04_session_limit_answers_the_api_with_401(client):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        log_in(client, "p_leader")
        for _ in range(16):
            clock.shift(dt.timedelta(minutes=29))
            assert client.get("/").status_code == 200
        clock.shift(dt.timedelta(minutes=20))  # 8 h 04 min after the log-in
        response = client.get("/api/me", HTTP_ACCEPT="application/json")
        assert response.status_code == 401 and response.json()["detail"]
    assert AuditEntry.objects.filter(action=AuditEntry.Action.LOGOUT, detail__reason="session_limit").exists()


def test_item_04_session_cookie_is_dead_after_logout(client, settings):
    log_in(client, "p_leader")
    old_cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert client.get("/").status_code == 200
    client.post(reverse("logout"))
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = old_cookie
    assert _to_login(replay.get("/"))
    assert _to_login(replay.get(reverse("core:liaison_list")))
