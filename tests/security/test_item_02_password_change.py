"""Checklist item 2: an expired (90 days) or reset password forces a change before any other page; users change
their own password on a page linked from the top bar."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from kechuang.core import accounts
from kechuang.core.models import AuditEntry, User
from tests.conftest import PASSWORD
from tests.security.accounts_helpers import log_in, signed_in

pytestmark = pytest.mark.django_db

NEW = "Fresh-Passw0rd-7"
PAGES = ("/", "/policy/", "/org-units/", "/liaisons/", "/audit/")


def _change(client, old: str, new: str = NEW):
    return client.post(reverse("password_change"), {"old_password": old, "new_password1": new, "new_password2": new})


def _age_password(username: str, days: int) -> None:
    User.objects.filter(username=username).update(password_changed_at=timezone.now() - dt.timedelta(days=days))


def test_item_02_expired_password_redirects_every_page(client):
    _age_password("p_bureau_admin", 91)
    assert log_in(client, "p_bureau_admin").status_code == 302
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 302 and response.url == reverse("password_change"), url
    api = client.get("/api/me", HTTP_ACCEPT="application/json")
    assert api.status_code == 403
    page = client.get(reverse("password_change"))
    assert page.status_code == 200 and page.context["reason"] == "expired"
    assert _change(client, PASSWORD).status_code == 302
    assert client.get("/").status_code == 200


def test_item_02_password_younger_than_90_days_is_not_redirected(client):
    _age_password("p_leader", 89)
    log_in(client, "p_leader")
    assert client.get("/").status_code == 200


def test_item_02_max_age_is_a_setting(client, settings):
    settings.KECHUANG_PASSWORD_MAX_AGE_DAYS = 30
    _age_password("p_leader", 31)
    log_in(client, "p_leader")
    assert client.get("/").url == reverse("password_change")


def test_item_02_logout_stays_reachable_while_a_change_is_due(client):
    _age_password("p_leader", 91)
    log_in(client, "p_leader")
    client.post(reverse("logout"))
    assert not signed_in(client)


def test_item_02_reset_forces_a_change_before_any_page(client, persona):
    user = persona("zhangdian_officer")
    temporary = accounts.reset_password(user, persona("bureau_admin"))
    user.refresh_from_db()
    assert user.must_change_password and user.check_password(temporary)
    assert log_in(client, "p_zhangdian_officer").status_code == 200  # the old password is gone
    assert log_in(client, "p_zhangdian_officer", temporary).status_code == 302
    for url in PAGES:
        assert client.get(url).url == reverse("password_change"), url
    page = client.get(reverse("password_change"))
    assert page.context["reason"] == "reset"
    assert _change(client, temporary).status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password
    assert client.get("/").status_code == 200
    entry = AuditEntry.objects.filter(object_id=str(user.pk), detail__event="password_reset").get()
    assert entry.actor == persona("bureau_admin") and temporary not in str(entry.changes) + str(entry.detail)


def test_item_02_reset_ends_the_users_open_sessions(client, persona):
    log_in(client, "p_leader")
    assert client.get("/").status_code == 200
    accounts.reset_password(persona("leader"), persona("bureau_admin"))
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_item_02_own_password_change_page_is_in_the_user_menu(client):
    log_in(client, "p_leader")
    home = client.get("/").content.decode()
    assert f'href="{reverse("password_change")}"' in home
    assert _change(client, "not-the-old-one").status_code == 200  # the old password is required
    assert _change(client, PASSWORD).status_code == 302
    assert signed_in(client)  # this session stays signed in after the change
    client.post(reverse("logout"))
    assert log_in(client, "p_leader", PASSWORD).status_code == 200
    assert log_in(client, "p_leader", NEW).status_code == 302
    entry = AuditEntry.objects.filter(action="update", object_type="core.user").latest("id")
    assert entry.changes == {"password": ["***", "***"]}


def test_item_02_change_page_is_translated(client):
    log_in(client, "p_leader")
    text = client.get(reverse("password_change"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "修改密码" in text and "Change password" not in text
