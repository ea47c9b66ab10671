"""Workflow tables (match and contract) including forbidden steps, and the transaction-amount rules of
tech-contracts.md §3–§4."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kechuang.core.models import AuditEntry
from kechuang.techmarket import registration, services, workflow
from kechuang.techmarket.models import Achievement, Contract, Demand, MatchCase, MatchEvent, NonTechnicalItem
from tests.techmarket import factories as f

D = Decimal


# ---------------------------------------------------------------- amounts (§3)
def test_technology_amount_deducts_equipment_but_not_carriers():
    items = [
        registration.Item("equipment", D("20")),
        registration.Item("raw_material", D("5")),
        registration.Item("carrier_document", D("3")),
        registration.Item("carrier_software", D("4")),
        registration.Item("carrier_equipment", D("10"), quantity=2),
    ]
    assert registration.suggested_technology_amount(D("100"), items) == D("75")


def test_carrier_equipment_beyond_two_sets_is_deducted_pro_rata():
    items = [registration.Item("carrier_equipment", D("40"), quantity=4)]
    assert registration.suggested_technology_amount(D("100"), items) == D("80")


def test_approved_amount_must_lie_within_the_contract_amount_and_differences_need_a_note():
    items = [registration.Item("equipment", D("20"))]
    assert registration.amount_problems(D("100"), items, D("80")) == {}
    assert "technology_amount_wan" in registration.amount_problems(D("100"), items, D("120"))
    assert "technology_amount_wan" in registration.amount_problems(D("100"), items, None)
    assert "amount_note" in registration.amount_problems(D("100"), items, D("90"))
    assert registration.amount_problems(D("100"), items, D("90"), "registry disallowed the equipment deduction") == {}
    assert "non_technical_items" in registration.amount_problems(D("10"), items, D("0"))
    assert "total_amount_wan" in registration.amount_problems(D("0"), [], D("0"))


def test_rule_version_gate_and_statistics_mapping():
    assert registration.rule_version_for(dt.date(2026, 1, 22)) == "2001"
    assert registration.rule_version_for(dt.date(2026, 1, 23)) == "2026"
    assert registration.statistics_type("licence", "2001") == "transfer"
    assert registration.statistics_type("licence", "2026") == "licence"
    assert registration.needs_expert_review("2026", D("500"))
    assert not registration.needs_expert_review("2026", D("499.99"))
    assert not registration.needs_expert_review("2001", D("5000"))
    assert registration.old_registration_number(2025, 17, city_code="370300") == "25370301000017"


@pytest.mark.django_db
def test_registrability_checks_by_type():
    c = f.contract(contract_type="development", quantified_goal="", acceptance_clause=False)
    problems = registration.registrability_problems(c, c.parties.all())
    assert {"quantified_goal", "acceptance_clause"} <= set(problems)
    c = f.contract(contract_type="licence", ip_ownership_stated=True, submitted_on=dt.date(2025, 5, 1))
    problems = registration.registrability_problems(c, c.parties.all())
    assert "contract_type" in problems and "licence_scope" in problems
    c = f.contract(in_writing=False, monopolising_clauses=True)
    c.parties.filter(role="buyer").delete()
    assert {"in_writing", "monopolising_clauses", "parties"} <= set(
        registration.registrability_problems(c, c.parties.all())
    )


# ---------------------------------------------------------------- contract workflow (§4)
@pytest.mark.django_db
def test_contract_registration_path_with_approved_amount(persona):
    staff = persona("bureau_staff")
    c = f.contract()
    NonTechnicalItem.objects.create(contract=c, kind="equipment", amount_wan=D("30"))
    services.contract_submit(actor=staff, contract=c, on=dt.date(2025, 3, 5))
    assert c.status == Contract.Status.SUBMITTED and c.rule_version == "2001"
    services.contract_accept(actor=staff, contract=c, on=dt.date(2025, 3, 6))
    with pytest.raises(ValidationError) as err:
        services.contract_register(actor=staff, contract=c, technology_amount_wan=D("100"), on=dt.date(2025, 3, 20))
    assert "amount_note" in err.value.error_dict
    c.refresh_from_db()
    services.contract_register(actor=staff, contract=c, technology_amount_wan=D("70"), on=dt.date(2025, 3, 20))
    c.refresh_from_db()
    assert c.status == Contract.Status.REGISTERED
    assert c.technology_amount_wan == D("70") and c.registration_number.startswith("253703")
    assert list(c.events.values_list("to_status", flat=True)) == ["submitted", "accepted", "registered"]
    assert AuditEntry.objects.filter(object_type="techmarket.contract", object_id=str(c.pk)).count() >= 3


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "action"),
    [
        ("draft", "register"),
        ("draft", "accept"),
        ("submitted", "register"),
        ("registered", "submit"),
        ("refused", "register"),
        ("cancelled", "cancel"),
        ("accepted", "submit"),
    ],
)
def test_forbidden_contract_steps(persona, status, action):
    c = f.contract(status=status)
    with pytest.raises(workflow.TransitionRefused):
        services.CONTRACT_SERVICES[action](actor=persona("bureau_staff"), contract=c, note="x")
    c.refresh_from_db()
    assert c.status == status


@pytest.mark.django_db
def test_unregistrable_contract_cannot_be_submitted_and_officers_cannot_register(persona):
    c = f.contract(in_writing=False)
    with pytest.raises(ValidationError) as err:
        services.contract_submit(actor=persona("zhangdian_officer"), contract=c)
    assert "in_writing" in err.value.error_dict
    c = f.contract()
    services.contract_submit(actor=persona("zhangdian_officer"), contract=c)
    with pytest.raises(PermissionDenied):
        services.contract_accept(actor=persona("zhangdian_officer"), contract=c)
    with pytest.raises(PermissionDenied):  # another district's contract
        services.contract_submit(actor=persona("zichuan_officer"), contract=f.contract())


@pytest.mark.django_db
def test_2026_large_contract_needs_expert_review(persona):
    staff = persona("bureau_staff")
    c = f.contract(total_amount_wan=D("800"), signed_on=dt.date(2026, 3, 1))
    services.contract_submit(actor=staff, contract=c, on=dt.date(2026, 3, 2))
    assert c.rule_version == "2026"
    services.contract_accept(actor=staff, contract=c, on=dt.date(2026, 3, 3))
    with pytest.raises(ValidationError):
        services.contract_register(actor=staff, contract=c, technology_amount_wan=D("800"))
    c.refresh_from_db()
    services.contract_send_to_experts(actor=staff, contract=c)
    services.contract_register(actor=staff, contract=c, technology_amount_wan=D("800"))
    assert c.status == Contract.Status.REGISTERED
    with pytest.raises(ValidationError):
        services.contract_cancel(actor=staff, contract=c, note="")
    services.contract_cancel(actor=staff, contract=c, note="合同解除")
    assert c.status == Contract.Status.CANCELLED


# ---------------------------------------------------------------- matchmaking workflow
@pytest.mark.django_db
def test_match_path_to_signed_contract(persona, match_index, django_capture_on_commit_callbacks):
    staff = persona("bureau_staff")
    demand, achievement = f.demand(), f.achievement()
    with django_capture_on_commit_callbacks(execute=True):
        case = services.match_recommend(actor=staff, demand=demand, achievement=achievement, on=dt.date(2025, 1, 5))
        services.match_contact(actor=staff, case=case, on=dt.date(2025, 1, 10), note="电话沟通")
        services.match_negotiate(actor=staff, case=case, on=dt.date(2025, 2, 1))
        demand.refresh_from_db()
        assert demand.status == Demand.Status.NEGOTIATING
        services.match_sign(actor=staff, case=case, on=dt.date(2025, 3, 1))
    case.refresh_from_db()
    assert case.stage == "signed" and case.contacted_on == dt.date(2025, 1, 10)
    assert list(MatchEvent.objects.filter(match=case).values_list("to_stage", flat=True)) == [
        "recommended",
        "contacted",
        "negotiating",
        "signed",
    ]
    assert Achievement.objects.get(pk=achievement.pk).status == Achievement.Status.TRANSFERRED
    draft = case.contracts.get()
    assert draft.status == Contract.Status.DRAFT and draft.contract_type == "transfer"
    assert set(draft.parties.values_list("role", flat=True)) == {"seller", "buyer"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("stage", "action"),
    [
        ("recommended", "sign"),
        ("recommended", "negotiate"),
        ("contacted", "sign"),
        ("signed", "close"),
        ("closed", "contact"),
    ],
)
def test_forbidden_match_steps(persona, stage, action):
    case = MatchCase.objects.create(
        demand=f.demand(), achievement=f.achievement(), stage=stage, recommended_on=dt.date(2025, 1, 1)
    )
    with pytest.raises(workflow.TransitionRefused):
        services.MATCH_SERVICES[action](actor=persona("bureau_staff"), case=case, note="reason")
    assert MatchCase.objects.get(pk=case.pk).stage == stage


@pytest.mark.django_db
def test_match_close_needs_a_reason_and_dates_go_forward(persona):
    staff = persona("bureau_staff")
    case = MatchCase.objects.create(demand=f.demand(), achievement=f.achievement(), recommended_on=dt.date(2025, 5, 1))
    with pytest.raises(ValidationError):
        services.match_close(actor=staff, case=case, note=" ")
    with pytest.raises(ValidationError):
        services.match_contact(actor=staff, case=case, on=dt.date(2025, 4, 1))
    with pytest.raises(PermissionDenied):
        services.match_contact(actor=persona("leader"), case=case)
    with pytest.raises(PermissionDenied):  # the demand is in 张店区
        services.match_contact(actor=persona("zichuan_officer"), case=case)
    services.match_close(actor=staff, case=case, note="企业暂缓")
    assert MatchCase.objects.get(pk=case.pk).stage == "closed"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"total_amount_wan": D("0")}, "total_amount_wan"),  # §2.4 item 3: price not stated
        ({"valid_from": dt.date(2025, 6, 1), "submitted_on": dt.date(2025, 5, 1)}, "valid_from"),  # item 1
        ({"sub_type": "专利权转让"}, "sub_type"),  # a transfer sub-type on a development contract
        ({"contract_type": "transfer", "sub_type": "专利实施许可", "rule_version": "2026"}, "sub_type"),
    ],
)
def test_more_unregistrable_cases(changes, field):
    c = f.contract(**({"ip_ownership_stated": True} | changes))
    assert field in registration.registrability_problems(c, c.parties.all())


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "sub_type", "version"),
    [
        ("development", "合作开发", "2026"),
        ("transfer", "专利实施许可", "2001"),  # licences were transfers before 2026
        ("transfer", "计算机软件著作权转让", "2026"),
        ("service", "技术中介", "2001"),
        ("development", "", "2026"),  # a sub-type is optional
    ],
)
def test_sub_types_of_the_reference_pass(kind, sub_type, version):
    c = f.contract(contract_type=kind, sub_type=sub_type, rule_version=version, ip_ownership_stated=True)
    assert "sub_type" not in registration.registrability_problems(c, c.parties.all())


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("when", "field"),
    [
        (dt.date(2999, 1, 1), "on"),  # registered (and numbered, and counted in the turnover) in 2999
        (dt.date(2025, 2, 1), "on"),  # before the contract was signed (2025-03-01)
        (dt.date(2025, 3, 5), "on"),  # before it was accepted (2025-03-06)
    ],
)
def test_a_contract_step_is_dated_between_the_previous_step_and_today(persona, when, field):
    """As the import refuses a registration in the future or before signing, the registry's step (page and API
    call the same service) refuses a date outside the contract's history."""
    staff = persona("bureau_staff")
    c = f.contract()
    services.contract_submit(actor=staff, contract=c, on=dt.date(2025, 3, 5))
    services.contract_accept(actor=staff, contract=c, on=dt.date(2025, 3, 6))
    with pytest.raises(ValidationError) as err:
        services.contract_register(actor=staff, contract=c, technology_amount_wan=D("100"), on=when)
    assert field in err.value.error_dict
    c.refresh_from_db()
    assert c.status == Contract.Status.ACCEPTED and not c.registration_number and c.registered_on is None


@pytest.mark.django_db
def test_a_contract_is_not_submitted_before_it_was_signed(persona):
    c = f.contract()
    with pytest.raises(ValidationError) as err:
        services.contract_submit(actor=persona("bureau_staff"), contract=c, on=dt.date(2025, 2, 1))
    assert "on" in err.value.error_dict


@pytest.mark.django_db
def test_a_match_step_cannot_be_dated_in_the_future(persona):
    case = MatchCase.objects.create(demand=f.demand(), achievement=f.achievement(), recommended_on=dt.date(2025, 5, 1))
    with pytest.raises(ValidationError) as err:
        services.match_contact(actor=persona("bureau_staff"), case=case, on=dt.date(2999, 1, 1))
    assert "on" in err.value.error_dict
    assert MatchCase.objects.get(pk=case.pk).contacted_on is None
