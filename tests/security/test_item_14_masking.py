"""Checklist item 14: personal fields are masked by default in list, detail, API and export, for every role; the
full values need the unmask permission and a reason, come with `Cache-Control: no-store` and are logged; exports
unmask only with the permission and a stated purpose, which the audit entry records."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse

from kechuang.core import personal_data, services
from kechuang.core.models import AuditEntry
from tests.techmarket import factories as f

pytestmark = pytest.mark.django_db

PHONE, EMAIL = "13812345678", "wang.wu@example.com"
MASKED_PHONE, MASKED_EMAIL = "138****5678", "w***@example.com"
ROLES = ["bureau_admin", "bureau_staff", "zhangdian_officer", "zichuan_officer", "lead_officer", "leader"]


@pytest.fixture
def liaison(persona, unit):
    return services.liaison_create(
        actor=persona("bureau_staff"), org_unit=unit("zhangdian"), name="王五", phone=PHONE, email=EMAIL
    )


def _cells(response) -> str:
    book = openpyxl.load_workbook(io.BytesIO(response.getvalue()))
    return repr([[c.value for c in row] for ws in book.worksheets for row in ws.iter_rows()])


@pytest.mark.parametrize("role", ROLES)
def test_item_14_masked_by_default_in_list_detail_api_and_export(liaison, client_as, token_for, client, role):
    web = client_as(role)
    listed, detail = web.get("/liaisons/").content.decode(), web.get(f"/liaisons/{liaison.pk}/")
    in_scope = detail.status_code == 200  # out of scope: 404, and the list does not show it
    for body in (listed, detail.content.decode()):
        assert PHONE not in body and EMAIL not in body
        assert (MASKED_PHONE in body and MASKED_EMAIL in body) == in_scope
    export = web.get(reverse("core:liaison_export"))
    if export.status_code == 200:
        cells = _cells(export)
        assert PHONE not in cells and EMAIL not in cells
    api = client.get(f"/api/liaisons/{liaison.pk}", **token_for(role))
    if api.status_code == 200:
        assert (api.json()["phone"], api.json()["email"]) == (MASKED_PHONE, MASKED_EMAIL)


def test_item_14_techmarket_contacts_masked_by_default_for_the_bureau_too(client_as):
    d = f.demand()
    staff = client_as("bureau_staff")
    page = staff.get(reverse("techmarket:demand", args=[d.pk])).content.decode()
    api = staff.get(f"/api/techmarket/demands/{d.pk}").json()
    assert d.contact_phone not in page and api["contact"]["masked"] and d.contact_phone not in repr(api)
    assert d.contact_phone not in _cells(staff.get(reverse("techmarket:demand_export")))


def test_item_14_unmask_needs_a_reason_and_is_logged_with_no_store(liaison, client_as):
    web = client_as("bureau_staff")
    url = reverse("core:unmask", args=["core.liaison", liaison.pk])
    refused = web.post(url, {"reason": "看"})
    assert refused.status_code == 400 and PHONE not in refused.content.decode()
    assert "reason" in refused.context["form"].errors
    assert not AuditEntry.objects.filter(action="unmask").exists()

    shown = web.post(url, {"reason": "核实联络员变更"}, HTTP_HX_REQUEST="true")
    body = shown.content.decode()
    assert shown.status_code == 200 and PHONE in body and EMAIL in body
    assert "no-store" in shown["Cache-Control"]
    entry = AuditEntry.objects.get(action="unmask")
    assert (entry.object_type, entry.object_id, entry.actor.username) == (
        "core.liaison",
        str(liaison.pk),
        "p_bureau_staff",
    )
    assert entry.detail == {"fields": ["name", "phone", "email"], "reason": "核实联络员变更"}
    # the detail page after that is still masked: the full values were shown once
    assert PHONE not in web.get(f"/liaisons/{liaison.pk}/").content.decode()


@pytest.mark.parametrize(("role", "status"), [("leader", 403), ("zichuan_officer", 404), ("zhangdian_officer", 200)])
def test_item_14_unmask_permission_follows_the_one_rule(liaison, client_as, persona, role, status):
    response = client_as(role).post(reverse("core:unmask", args=["core.liaison", liaison.pk]), {"reason": "工作联系"})
    assert response.status_code == status
    assert (PHONE in response.content.decode()) == (status == 200)
    assert personal_data.can_unmask(persona(role), liaison) == (status == 200)


@pytest.mark.parametrize("label", ["core.auditentry", "core.user", "core.consentrecord"])
def test_item_14_unmask_refuses_registered_records_no_page_offers_it(client_as, persona, label):
    """Accounts, the audit log and consent records hold registered fields, but only their administrators read
    them: bureau staff cannot page through them with 显示完整信息."""
    from django.apps import apps

    from kechuang.core import audit

    audit.record(actor=persona("auditor"), action="login", obj=persona("auditor"))
    pk = apps.get_model(label).objects.values_list("pk", flat=True).first() or 1
    staff = client_as("bureau_staff")
    assert staff.post(reverse("core:unmask", args=[label, pk]), {"reason": "随便看看"}).status_code == 404


def test_item_14_unmask_refuses_models_outside_the_registry(client_as, persona):
    staff = client_as("bureau_staff")
    assert staff.post(reverse("core:unmask", args=["core.orgunit", 1]), {"reason": "随便看看"}).status_code == 404
    assert staff.get(reverse("core:unmask", args=["core.liaison", 1])).status_code == 405


def test_item_14_officer_sees_the_unmask_form_only_where_allowed(client_as):
    d = f.demand("zhangdian")
    url = reverse("techmarket:demand", args=[d.pk])
    assert 'data-testid="unmask"' in client_as("zhangdian_officer").get(url).content.decode()
    assert 'data-testid="unmask"' not in client_as("leader").get(url).content.decode()


def test_item_14_export_unmasks_only_with_permission_and_purpose_and_logs_it(liaison, client_as):
    url = reverse("core:liaison_export")
    staff = client_as("bureau_staff")
    short = staff.get(url, {"purpose": "看"})
    assert short.status_code == 302  # back to the list with the reason stated
    full = staff.get(url, {"purpose": "年度联络员名册报送"})
    assert PHONE in _cells(full) and "no-store" in full["Cache-Control"]
    entry = AuditEntry.objects.filter(action="export", object_type="core.liaison").latest("id")
    assert entry.detail["purpose"] == "年度联络员名册报送" and entry.detail["unmasked"] is True
    # an officer may not unmask whole lists; a leader neither
    assert client_as("zhangdian_officer").get(url, {"purpose": "年度联络员名册报送"}).status_code == 403
    assert client_as("leader").get(url, {"purpose": "年度联络员名册报送"}).status_code == 403


@pytest.mark.parametrize(
    ("role", "lists", "some"),
    [("bureau_staff", True, True), ("zhangdian_officer", False, True), ("leader", False, False)],
)
def test_item_14_who_may_unmask_lists_and_records(persona, role, lists, some):
    user = persona(role)
    assert personal_data.can_unmask(user) == lists  # whole lists (exports): the bureau only
    assert personal_data.may_unmask_any(user) == some  # some record: the second factor's population
