"""Checklist item 9, writes: another district's records cannot be written by naming them in the body.

The walk (tests/core/test_walk.py) tries every write URL with another unit's record in the address. Here a district
officer of 张店区 sends its own records' edit forms, as its browser renders them, with every field that names a
related record changed to one of 淄川区: the region or organisation, a firm by its credit code, a talent, a foreign
expert. The write is refused or the field keeps a 张店区 value; the record stays the officer's own, and no record of
淄川区 appears or changes. The API's writes are tried the same way with bodies naming 淄川区's records.

Every edit page of the round-trip registry (tests/core/test_edit_round_trip.py) that the officer reaches for a
record of its own district is tried: a new edit page is tried the day it is registered there.
"""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from kechuang.core.models import OrgUnit
from kechuang.core.scope import can_write, write_filter
from tests.core.test_edit_round_trip import EDIT_CASES, edit_form_of

OFFICER = "zhangdian_officer"
# How each kind of reference is named in a form, and which of 淄川区's records it is changed to.
REGION_FIELDS = {"region", "org_unit"}
# A firm's account sees what names it by these (its demands, its talents): naming another district's firm writes into
# that district, refused (core.permissions.require_firm_in_scope).
FIRM_FIELDS = {"credit_code", "employer_credit_code"}
# A platform's, carrier's or foreign expert's host or operator is named, not given access: tried for the record's own
# scope only (a host may sit in another district).
HOST_FIELDS = {"host_credit_code", "operator_credit_code"}
TALENT_FIELDS = {"talent", "leader", "members"}
EXPERT_FIELDS = {"expert", "experts"}
# The officer's own records behind each edit page (the round-trip cases are the bureau's): page → (model, lookup).
OWN = {
    "talent:edit": ("talent.Talent", "region__code"),
    "talent:team_edit": ("talent.Team", "leader__region__code"),
    "talent:foreign_expert_edit": ("talent.ForeignExpert", "region__code"),
    "talent:visit_edit": ("talent.Visit", "expert__region__code"),
    "talent:project_edit": ("talent.ForeignProject", "region__code"),
    "core:liaison_edit": ("core.Liaison", "org_unit__code"),
    "enterprises:edit": ("enterprises.Enterprise", "region__code"),
    "enterprises:year_edit": ("enterprises.EnterpriseYear", "enterprise__region__code"),
    "techmarket:demand_edit": ("techmarket.Demand", "region__code"),
    "techmarket:contract_edit": ("techmarket.Contract", "region__code"),
    "platforms:edit": ("platforms.Platform", "region__code"),
    "platforms:year_edit": ("platforms.PlatformYear", "platform__region__code"),
    "platforms:carrier_edit": ("platforms.Carrier", "region__code"),
    "platforms:carrier_year_edit": ("platforms.CarrierYear", "carrier__region__code"),
    "finance:loan_edit": ("finance.Loan", "region__code"),
    "finance:listing_edit": ("finance.ListingFirm", "region__code"),
}
# Edit pages of records a district officer does not edit (the bureau's own), with the reason.
NOT_A_DISTRICTS = {
    "indicators:allocations": "the bureau's",
    "indicators:data_set_edit": "the bureau's",
    "indicators:collection_entry": "an organisation's form: its address names the organisation (the walk)",
    "supervision:milestone_edit": "the bureau's",
    "supervision:report": "a department's",
    "techmarket:achievement_edit": "the bureau's",
    "techmarket:expert_edit": "the bureau's",
    "techmarket:vocabulary_edit": "the bureau's",
    "techmarket:check_edit": "the bureau's",
    "platforms:rule": "the bureau's",
    "portal:demand_edit": "a firm's: tests/portal tries another firm's through every parameter",
}


def _model(label: str):
    from django.apps import apps

    return apps.get_model(label)


def _foreign(persona) -> dict[str, str]:
    """One record of 淄川区 for each kind of reference, as a form names it."""
    from kechuang.enterprises.models import Enterprise
    from kechuang.talent.models import ForeignExpert, Talent

    zichuan = OrgUnit.objects.get(code="zichuan")
    talent = Talent.objects.filter(region=zichuan, is_active=True).order_by("pk").first()
    expert = ForeignExpert.objects.filter(region=zichuan).order_by("pk").first()
    firm = Enterprise.objects.filter(region=zichuan).order_by("pk").first()
    values = {name: str(zichuan.pk) for name in REGION_FIELDS}
    values |= dict.fromkeys(FIRM_FIELDS | HOST_FIELDS, firm.credit_code)
    values |= {name: str(talent.pk) for name in TALENT_FIELDS if talent}
    values |= {name: str(expert.pk) for name in EXPERT_FIELDS if expert}
    return values


def _outside(user) -> dict[str, int]:
    """How many records of each scoped model the officer may not write (created or moved there: a leak)."""
    from django.apps import apps

    counts = {}
    for model in apps.get_models():
        scope = getattr(model, "data_scope", None)
        if model.__module__.startswith("kechuang.") and scope is not None and scope.region and not scope.public:
            everything = model._default_manager.count()
            counts[model._meta.label] = everything - write_filter(model._default_manager.all(), user).count()
    return counts


def test_item_09_every_edit_page_is_tried_or_named():
    pages = {case.page for case in EDIT_CASES.values()}
    assert pages == set(OWN) | set(NOT_A_DISTRICTS), sorted(pages ^ (set(OWN) | set(NOT_A_DISTRICTS)))


@pytest.mark.timeout(600)
def test_item_09_edit_form_naming_another_districts_records_writes_nothing_there(demo_site, client, persona):
    from kechuang.techmarket.workflow import CONTRACT_EDITABLE

    officer = persona(OFFICER)
    client.force_login(officer)
    foreign, problems, tried = _foreign(persona), [], 0
    for page, (label, lookup) in sorted(OWN.items()):
        model = _model(label)
        records = model._default_manager.filter(**{lookup: "zhangdian"}).order_by("pk")
        if label == "techmarket.Contract":
            records = records.filter(status__in=CONTRACT_EDITABLE)
        case = next(c for c in EDIT_CASES.values() if c.page == page)
        record = next((r for r in records[:20] if client.get(case.url(r)).status_code == 200), None)
        if record is None:
            continue  # the demo holds no record of the officer's district it may edit here
        url = case.url(record)
        data = edit_form_of(client.get(url).content.decode(), url)
        for name in sorted(set(foreign) & set(data)):  # one field at a time: another field's error hides none
            tried += 1
            before = _outside(officer)
            response = client.post(url, {**data, name: [foreign[name]]})
            if response.status_code >= 500:
                problems.append(f"{page} {name}: {response.status_code}")
                continue
            record = model._default_manager.get(pk=record.pk)
            if not can_write(officer, record):
                problems.append(f"{page} {name}: the record moved out of the officer's district")
            if name in FIRM_FIELDS and getattr(record, name, None) == foreign[name]:
                problems.append(f"{page} {name}: the record now names a firm of 淄川区")
            if (after := _outside(officer)) != before:
                changed = dict(set(after.items()) - set(before.items()))
                problems.append(f"{page} {name}: records outside the district changed: {changed}")
    assert tried >= 15, tried
    assert not problems, "\n".join(problems)


DEMAND = {
    "title": "越界需求：高纯氟化物提纯工艺",
    "description": "需要把工业级氟化物提纯到电子级，杂质含量低于百万分之一，希望高校或院所合作开发。",
    "field": "new_materials",
    "cooperation_mode": "joint_development",
    "contact_name": "李经理",
    "contact_phone": "13912345678",
    "enterprise_name": "越界企业",
}


def _api(client, method: str, name: str, body: dict, **kwargs):
    return client.generic(method, reverse(name, kwargs=kwargs), json.dumps(body), content_type="application/json")


@pytest.mark.timeout(600)
def test_item_09_api_write_naming_another_districts_records_is_refused(demo_site, client, persona):
    from kechuang.enterprises.models import Enterprise
    from kechuang.talent.models import CardGrade, SelectionRound, ServiceItem, Talent

    officer = persona(OFFICER)
    client.force_login(officer)
    zichuan = OrgUnit.objects.get(code="zichuan")
    firm = Enterprise.objects.filter(region=zichuan).order_by("pk").first()
    talent = Talent.objects.filter(region=zichuan, is_active=True).order_by("pk").first()
    own_liaison = _model("core.Liaison").objects.filter(org_unit__code="zhangdian").order_by("pk").first()
    own_loan = _model("finance.Loan").objects.filter(region__code="zhangdian").order_by("pk").first()
    attempts = [
        ("POST", "api:liaison_create", {"org_unit_id": zichuan.pk, "name": "越界联络员"}, {}),
        ("PATCH", "api:liaison_update", {"org_unit_id": zichuan.pk}, {"liaison_id": own_liaison.pk}),
        (
            "POST",
            "api:observation_create",
            {"indicator": "rd_intensity", "region": "zichuan", "year": 2025, "value": "1.23", "source": "越界"},
            {},
        ),
        ("POST", "api:demand_create", {**DEMAND, "region": "zichuan"}, {}),
        # a demand of the officer's district, filed in the name of a firm the register places in 淄川区
        ("POST", "api:demand_create", {**DEMAND, "region": "zhangdian", "credit_code": firm.credit_code}, {}),
        (
            "POST",
            "api:finance_loan_create",
            {
                "product": "lukedai",
                "bank": "越界银行",
                "credit_code": firm.credit_code,
                "amount_wan": "100",
                "rate_pct": "3.5",
                "term_months": 12,
                "purpose": "rd",
                "month": "2026-06-01",
                "status": "granted",
            },
            {},
        ),
        ("PATCH", "api:finance_loan_update", {"credit_code": firm.credit_code}, {"pk": own_loan.pk}),
        (
            "POST",
            "api:talent_create",
            {
                "name": "越界",
                "id_number": "11010519491231002X",
                "employer_credit_code": firm.credit_code,
                "region": "zichuan",
            },
            {},
        ),
        (
            "POST",
            "api:talent_application_create",
            {
                "round_id": SelectionRound.objects.filter(is_open=True).values_list("pk", flat=True).first(),
                "talent_id": talent.pk,
            },
            {},
        ),
        (
            "POST",
            "api:talent_card_apply",
            {"grade_id": CardGrade.objects.values_list("pk", flat=True).first(), "talent_id": talent.pk},
            {},
        ),
        (
            "POST",
            "api:talent_service_request_create",
            {"item_id": ServiceItem.objects.values_list("pk", flat=True).first(), "talent_id": talent.pk},
            {},
        ),
    ]
    problems = []
    for method, name, body, kwargs in attempts:
        if any(v is None for v in body.values()):
            problems.append(f"{name}: the demo data lacks a record for the attempt {body}")
            continue
        before = _outside(officer)
        response = _api(client, method, name, body, **kwargs)
        if response.status_code not in (403, 404, 422):
            problems.append(f"{method} {name} {body}: {response.status_code} {response.content[:200]!r}")
        if _outside(officer) != before:
            problems.append(f"{method} {name}: records outside the district changed")
    own_loan.refresh_from_db()
    assert own_loan.region.code == "zhangdian"
    assert not problems, "\n".join(problems)
