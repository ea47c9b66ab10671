"""The audit log: before/after values through services, the tamper-evident chain, the admin page."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kechuang.core import audit, services, user_admin
from kechuang.core.models import AuditEntry, Liaison
from tests.security.tamper import audit_guard_lifted

pytestmark = pytest.mark.django_db


def entries_for(obj) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).order_by("id"))


def test_create_update_archive_are_recorded(persona, unit):
    staff = persona("bureau_staff")
    liaison = services.liaison_create(actor=staff, org_unit=unit("boshan"), name="赵磊", phone="13700000000")
    services.liaison_update(actor=staff, liaison=liaison, position="科长")
    services.liaison_update(actor=staff, liaison=liaison, position="科长")  # no change: no entry
    services.liaison_archive(actor=staff, liaison=liaison, reason="调岗")
    created, updated, archived = entries_for(liaison)
    assert (created.action, updated.action, archived.action) == ("create", "update", "archive")
    assert created.actor == staff and created.actor_role == "bureau_staff"
    assert created.changes["name"] == [None, "赵磊"]
    assert updated.changes == {"position": ["", "科长"], "updated_at": updated.changes["updated_at"]}
    assert archived.changes["is_active"] == [True, False]
    assert archived.changes["archived_reason"] == ["", "调岗"]


def test_failed_write_leaves_no_entry_and_no_row(persona, unit):
    before = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.liaison_create(actor=persona("bureau_staff"), org_unit=unit("boshan"), name="王", phone="12345")
    assert "phone" in caught.value.message_dict
    assert AuditEntry.objects.count() == before
    assert not Liaison.objects.filter(name="王").exists()


def test_archive_needs_a_reason(persona, unit):
    liaison = services.liaison_create(actor=persona("bureau_staff"), org_unit=unit("boshan"), name="钱")
    with pytest.raises(ValidationError):
        services.liaison_archive(actor=persona("bureau_staff"), liaison=liaison, reason="  ")
    assert Liaison.objects.get(pk=liaison.pk).is_active


def test_chain_detects_tampering(persona, unit):
    services.liaison_create(actor=persona("bureau_staff"), org_unit=unit("boshan"), name="孙")
    assert audit.verify_chain() == []
    victim = AuditEntry.objects.order_by("id")[1]
    with audit_guard_lifted():
        AuditEntry.objects.filter(pk=victim.pk).update(actor_label="somebody else")
    assert audit.verify_chain() == [victim.pk]


def test_passwords_never_reach_the_log(persona):
    user = services.user_create(username="new_officer", role="leader", password="Xy-12345678")
    for entry in entries_for(user):
        assert "password" not in entry.changes or entry.changes["password"] == ["***", "***"]


def test_reserved_usernames_are_refused(persona):
    with pytest.raises(ValidationError):
        services.user_create(username="admin", role="leader", password="Xy-12345678")


@pytest.mark.parametrize("name", ["bureau_admin", "bureau_staff", "secadmin", "auditor"])
def test_only_the_system_administrator_creates_users(persona, name):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        user_admin.create_account(actor=persona(name), username="x_user", display_name="某某")


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("auditor", 200),
        ("bureau_admin", 403),
        ("bureau_staff", 403),
        ("leader", 403),
        ("zhangdian_officer", 403),
        ("sysadmin", 403),
        ("secadmin", 403),
    ],
)
def test_audit_page_is_the_auditors_only(client_as, name, status):
    assert client_as(name).get(reverse("core:audit_log")).status_code == status


def test_audit_page_filters_and_export(client_as, persona, unit):
    services.liaison_create(actor=persona("bureau_staff"), org_unit=unit("boshan"), name="周敏")
    client = client_as("auditor")
    html = client.get(reverse("core:audit_log"), {"object_type": "core.liaison", "q": "周敏"}).content.decode()
    assert "周敏" in html
    html = client.get(reverse("core:audit_log"), {"action": "archive", "q": "周敏"}).content.decode()
    assert 'data-testid="audit-table"' not in html
    response = client.get(reverse("core:audit_log"), {"object_type": "core.liaison", "format": "xlsx"})
    rows = list(openpyxl.load_workbook(io.BytesIO(response.getvalue())).active.iter_rows(min_row=2, values_only=True))
    assert any("周敏" in (r[6] or "") for r in rows)
    assert AuditEntry.objects.filter(action="export", object_type="core.auditentry").exists()


def test_login_events_are_logged(client, persona):
    client.post(reverse("login"), {"username": "p_leader", "password": "wrong"})
    failed = AuditEntry.objects.filter(action="login_failed").latest("id")
    assert failed.object_label == "p_leader" and not failed.success
    assert "wrong" not in str(failed.changes) + str(failed.detail)
