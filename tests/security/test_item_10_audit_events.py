"""Baseline item 10: every audit event type carries time, user, IP, type, object and result — the IP being the real
client's behind the documented reverse proxy, and denied attempts, audit-log views and unmasked views included."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from kechuang.core import audit, services
from kechuang.core.middleware import RequestContextMiddleware, client_ip
from kechuang.core.models import AuditEntry, Liaison
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

CLIENT = "203.0.113.50"  # the browser's address, as the reverse proxy reports it
PROXY = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": CLIENT}


@pytest.fixture(autouse=True)
def behind_the_proxy(settings):
    settings.KECHUANG_BEHIND_PROXY = True
    settings.KECHUANG_PROXY_ADDRESSES = ["127.0.0.1", "::1"]
    settings.KECHUANG_TRUSTED_PROXIES = []


def signed_in(client, persona, name):
    user = persona(name)
    client.force_login(user)
    return client


def newest(action: str) -> AuditEntry:
    return AuditEntry.objects.filter(action=action).latest("id")


def assert_complete(entry: AuditEntry, *, user: str, object_type: str, success: bool, ip: str | None = CLIENT):
    assert abs(timezone.now() - entry.at) < dt.timedelta(minutes=1)
    assert entry.actor_label == user
    assert entry.ip == ip
    assert entry.action
    assert entry.object_type == object_type and (entry.object_id or entry.object_label)
    assert entry.success is success
    assert entry.request_id or ip is None


def through_middleware(user, action_in_request):
    """Run `action_in_request(request)` as a view behind the request middleware, from the proxied client."""
    request = RequestFactory().post("/", **PROXY)
    request.user = user

    def view(req):
        action_in_request(req)
        return HttpResponse("ok")

    RequestContextMiddleware(view)(request)


def test_item_10_create_update_archive_carry_every_field(client, persona, unit):
    client = signed_in(client, persona, "bureau_staff")
    fields = {"org_unit": unit("boshan").pk, "name": "审计甲", "position": "", "phone": "", "email": "", "note": ""}
    client.post(reverse("core:liaison_create"), fields, **PROXY)
    liaison = Liaison.objects.get(name="审计甲")
    client.post(reverse("core:liaison_edit", args=[liaison.pk]), {**fields, "position": "科长"}, **PROXY)
    client.post(reverse("core:liaison_archive", args=[liaison.pk]), {"reason": "调岗"}, **PROXY)
    for action in ("create", "update", "archive"):
        entry = newest(action)
        assert entry.object_id == str(liaison.pk)
        assert_complete(entry, user=str(persona("bureau_staff")), object_type="core.liaison", success=True)


def test_item_10_login_logout_and_failed_login(client, persona):
    user = persona("leader")
    client.post(reverse("login"), {"username": user.username, "password": "wrong"}, **PROXY)
    failed = newest("login_failed")
    # Nobody is signed in: the attempted user name is the object, the user field stays empty.
    assert failed.object_label == user.username
    assert_complete(failed, user="", object_type="core.user", success=False)
    client.post(reverse("login"), {"username": user.username, "password": PASSWORD}, **PROXY)
    assert_complete(newest("login"), user=str(user), object_type="core.user", success=True)
    client.post(reverse("logout"), **PROXY)
    assert_complete(newest("logout"), user=str(user), object_type="core.user", success=True)


def test_item_10_forbidden_page_is_a_denied_event(client, persona):
    client = signed_in(client, persona, "leader")
    assert client.get(reverse("core:audit_log"), **PROXY).status_code == 403
    entry = newest("denied")
    assert entry.object_label == reverse("core:audit_log") and entry.detail["status"] == 403
    assert_complete(entry, user=str(persona("leader")), object_type="", success=False)


def test_item_10_out_of_scope_record_is_a_denied_event_a_typo_is_not(client, persona, unit):
    other_district = services.liaison_create(actor=persona("bureau_staff"), org_unit=unit("zhangdian"), name="邻区")
    client = signed_in(client, persona, "zichuan_officer")
    before = AuditEntry.objects.filter(action="denied").count()
    assert client.get(reverse("core:liaison_detail", args=[other_district.pk]), **PROXY).status_code == 404
    entry = newest("denied")
    assert entry.object_id == str(other_district.pk) and entry.detail["status"] == 404
    assert_complete(entry, user=str(persona("zichuan_officer")), object_type="core.liaison", success=False)
    # An address naming no record at all is a mistyped URL, not an attempt on someone else's data.
    assert client.get(reverse("core:liaison_detail", args=[999_999]), **PROXY).status_code == 404
    assert AuditEntry.objects.filter(action="denied").count() == before + 1
    # The record's own history table (shown to its readers) does not list who was refused.
    assert [e.action for e in audit.history_for(other_district)] == ["create"]


def test_item_10_write_refused_on_a_readable_record_is_a_denied_event(client, persona, unit):
    liaison = services.liaison_create(actor=persona("bureau_staff"), org_unit=unit("zhangdian"), name="只读")
    client = signed_in(client, persona, "leader")
    assert client.get(reverse("core:liaison_edit", args=[liaison.pk]), **PROXY).status_code == 403
    entry = newest("denied")
    assert entry.object_id == str(liaison.pk)
    assert_complete(entry, user=str(persona("leader")), object_type="core.liaison", success=False)


def test_item_10_audit_log_views_and_exports_are_recorded(client, persona):
    client = signed_in(client, persona, "auditor")
    assert client.get(reverse("core:audit_log"), {"action": "login", "page": "1"}, **PROXY).status_code == 200
    view = newest("view_audit")
    assert view.detail["filters"] == {"action": "login"}
    assert_complete(view, user=str(persona("auditor")), object_type="core.auditentry", success=True)
    assert client.get(reverse("core:audit_log"), {"format": "xlsx"}, **PROXY).status_code == 200
    export = newest("export")
    assert_complete(export, user=str(persona("auditor")), object_type="core.auditentry", success=True)


def test_item_10_unmasked_view_is_recorded_with_its_reason(client, persona, unit):
    liaison = services.liaison_create(
        actor=persona("bureau_staff"), org_unit=unit("boshan"), name="解密", phone="13812345678"
    )
    staff = persona("bureau_staff")
    client = signed_in(client, persona, "bureau_staff")
    url = reverse("core:unmask", args=["core.liaison", liaison.pk])
    assert client.post(url, {"reason": "核实联系方式"}, **PROXY).status_code == 200
    entry = newest("unmask")
    assert entry.detail == {"fields": ["name", "phone", "email"], "reason": "核实联系方式"}
    assert "13812345678" not in str(entry.detail) + str(entry.changes)
    assert_complete(entry, user=str(staff), object_type="core.liaison", success=True)


@pytest.mark.parametrize("action", ["lockout", "backup", "restore", "import", "token", "delete", "consent"])
def test_item_10_other_event_types_carry_every_field(persona, action):
    admin = persona("bureau_admin")
    through_middleware(admin, lambda request: audit.record(actor=request.user, action=action, obj=admin))
    assert_complete(newest(action), user=str(admin), object_type="core.user", success=True)


def test_item_10_purge_from_cron_names_the_system_account():
    call_command("purge_audit", stdout=__import__("io").StringIO())
    entry = newest("purge")
    # No request, so no IP: the user is the system account that ran the command.
    assert entry.actor_label.startswith("system")
    assert_complete(entry, user=entry.actor_label, object_type="core.auditentry", success=True, ip=None)


def test_item_10_every_action_is_covered_by_a_test_above():
    covered = {"create", "update", "archive", "login", "logout", "login_failed", "denied", "view_audit", "export"}
    covered |= {"unmask", "lockout", "backup", "restore", "import", "token", "delete", "purge", "consent"}
    assert set(AuditEntry.Action.values) == covered


def test_item_10_forwarded_for_is_ignored_from_a_peer_that_is_not_the_proxy(settings):
    factory = RequestFactory()
    assert client_ip(factory.get("/", **PROXY)) == CLIENT
    bypassing = factory.get("/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR=CLIENT)
    assert client_ip(bypassing) == "198.51.100.7"
    settings.KECHUANG_BEHIND_PROXY = False
    assert client_ip(factory.get("/", **PROXY)) == "127.0.0.1"


def test_item_10_denied_event_from_a_peer_bypassing_the_proxy_has_the_peer_address(client, persona):
    client = signed_in(client, persona, "leader")
    client.get(reverse("core:audit_log"), REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert newest("denied").ip == "198.51.100.7"
