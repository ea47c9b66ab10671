"""My ladder (issue 18 §2): the showcase shapes, fact corrections (they count only once the district confirms them),
the what-if (the same engine, equal to a re-evaluation with the changed facts), and one firm never sees another."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kechuang.core.models import OrgUnit
from kechuang.enterprises import demo, selectors, services
from kechuang.enterprises.ladder import FactsError
from kechuang.enterprises.ladder.whatif import what_if
from kechuang.enterprises.models import (
    Enterprise,
    EnterpriseYear,
    FactCorrection,
    IntellectualProperty,
    LadderResult,
    Qualification,
)
from tests.conftest import database_snapshot

TODAY = dt.date.today()
L = TODAY.year - 1


@pytest.fixture
def showcase(db):
    """The city's showcase firms with stored verdicts, beside a few generated firms; {key: Enterprise}."""
    city = OrgUnit.objects.get(code="zibo", parent=None)
    demo.load_population(city, 12, seed=5)
    assert demo.load_showcase(city) == 4
    services.ladder_evaluate_register()
    return {key: Enterprise.objects.get(credit_code=code) for key, code in demo.showcase_firms(city).items()}


@pytest.fixture
def firm_user(showcase, persona):
    """The enterprise administrator persona, bound to the firm one criterion short of the high-tech title."""
    user = persona("enterprise_admin")
    firm = showcase["hte_one_short"]
    user.credit_code, user.organisation = firm.credit_code, firm.name
    user.save()
    return user


def _tier(enterprise: Enterprise, tier: str):
    _record, results = services.ladder_evaluate(enterprise)
    return next(r for r in results if r.tier == tier)


# ---------------------------------------------------------------- the demo shapes (issue 18 §8)
def test_one_criterion_short_of_high_tech_with_r_and_d_at_2_7_percent(showcase):
    firm = showcase["hte_one_short"]
    result = _tier(firm, "high_tech")
    assert result.status == "not_eligible"
    assert [c.id for c in result.failed_criteria()] == ["rd_ratio_3y"]
    ratio = result.criterion("rd_ratio_3y")
    assert ratio.value == pytest.approx(0.027)
    assert "0.03" in ratio.threshold and "第十一条（五）" in ratio.clause
    assert EnterpriseYear.objects.get(enterprise=firm, year=L).operating_revenue_wan > 20000  # above 2亿
    assert LadderResult.objects.get(enterprise=firm, tier="high_tech").failed == 1
    assert not Qualification.objects.filter(enterprise=firm, tier="high_tech").exists()


def test_young_sme_one_criterion_from_tech_sme(showcase):
    firm = showcase["young_sme"]
    assert (TODAY - firm.registration_date).days < 3 * 366
    result = _tier(firm, "tech_sme")
    assert result.status == "not_eligible" and len(result.failed_criteria()) == 1


def test_high_tech_certificate_expiring_next_year(showcase):
    firm = showcase["hte_expiring"]
    cert = Qualification.objects.get(enterprise=firm, tier="high_tech")
    assert cert.issue_date <= TODAY <= cert.expiry_date and cert.expiry_date.year == TODAY.year + 1
    context = selectors.firm_ladder(firm, "zh-hans")
    assert [q.certificate_number for q in context["expiring"]] == [cert.certificate_number]
    assert next(s for s in context["steps"] if s["tier"] == "high_tech")["state"] == "held"


def test_little_giant_candidate(showcase):
    firm = showcase["little_giant_candidate"]
    result = _tier(firm, "little_giant")
    assert result.status == "not_eligible" and len(result.failed_criteria()) == 1
    assert Qualification.objects.filter(enterprise=firm, tier="specialized_sme").exists()


# ---------------------------------------------------------------- corrections count only once confirmed
def _state(firm: Enterprise) -> tuple:
    row = EnterpriseYear.objects.get(enterprise=firm, year=L)
    verdict = LadderResult.objects.get(enterprise=firm, tier="high_tech")
    return row.rd_expense_wan, verdict.status, verdict.failed


def test_a_correction_counts_only_once_the_district_confirms_it(firm_user, persona):
    firm = Enterprise.objects.get(credit_code=firm_user.credit_code)
    before = _state(firm)
    correction = services.fact_correction_propose(
        actor=firm_user, year=L, field="rd_expense_wan", value="960", reason="审计报告更正"
    )
    assert correction.current_value == "736" and correction.proposed_value == "960"
    assert _state(firm) == before  # the register and the ladder are unchanged by a proposal
    services.fact_correction_decide(actor=persona("zhangdian_officer"), correction=correction, confirm=True)
    assert _state(firm) == (Decimal("960"), "eligible", 0)
    correction.refresh_from_db()
    assert correction.status == "confirmed" and correction.decided_by == persona("zhangdian_officer")
    with pytest.raises(ValidationError):  # decided once
        services.fact_correction_decide(
            actor=persona("zhangdian_officer"), correction=correction, confirm=False, note="x"
        )


def test_another_district_cannot_confirm(firm_user, persona, client_as):
    correction = services.fact_correction_propose(
        actor=firm_user, year=L, field="rd_expense_wan", value="960", reason="更正"
    )
    snapshot = database_snapshot()
    response = client_as("zichuan_officer").post(
        reverse("enterprises:correction", args=[correction.pk]), {"decision": "confirm", "note": ""}
    )
    assert response.status_code == 404
    assert database_snapshot() == snapshot
    with pytest.raises(PermissionDenied):
        services.fact_correction_decide(actor=persona("zichuan_officer"), correction=correction, confirm=True)
    with pytest.raises(PermissionDenied):
        services.fact_correction_decide(actor=persona("leader"), correction=correction, confirm=True)
    assert FactCorrection.objects.get(pk=correction.pk).status == "proposed"


def test_a_rejection_changes_nothing_but_the_proposal(firm_user, persona):
    firm = Enterprise.objects.get(credit_code=firm_user.credit_code)
    before = _state(firm)
    correction = services.fact_correction_propose(
        actor=firm_user, year=L, field="rd_expense_wan", value="960", reason="更正"
    )
    with pytest.raises(ValidationError):  # a rejection says why
        services.fact_correction_decide(actor=persona("zhangdian_officer"), correction=correction, confirm=False)
    services.fact_correction_decide(
        actor=persona("bureau_staff"), correction=correction, confirm=False, note="与审计报告不符"
    )
    assert _state(firm) == before
    assert FactCorrection.objects.get(pk=correction.pk).status == "rejected"


def test_a_year_the_register_lacks_is_proposed_and_created_on_confirmation(firm_user, persona):
    firm = Enterprise.objects.get(credit_code=firm_user.credit_code)
    year = L - 3
    assert not EnterpriseYear.objects.filter(enterprise=firm, year=year).exists()
    correction = services.fact_correction_propose(
        actor=firm_user, year=year, field="operating_revenue_wan", value="18000.5", reason="补报"
    )
    assert correction.current_value == ""
    assert not EnterpriseYear.objects.filter(enterprise=firm, year=year).exists()
    services.fact_correction_decide(actor=persona("zhangdian_officer"), correction=correction, confirm=True)
    assert EnterpriseYear.objects.get(enterprise=firm, year=year).operating_revenue_wan == Decimal("18000.5")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"field": "hte_rd_management", "value": "20"}, "field"),  # the experts' points are not the firm's
        ({"field": "no_such_field", "value": "1"}, "field"),
        ({"year": L + 1}, "year"),  # a year not closed yet
        ({"value": "736"}, "value"),  # what the register holds already
        ({"value": "-5"}, "value"),
        ({"value": "abc"}, "value"),
        ({"reason": "  "}, "reason"),
    ],
)
def test_a_bad_proposal_names_its_field_and_writes_nothing(firm_user, changes, field):
    data = {"year": L, "field": "rd_expense_wan", "value": "960", "reason": "更正", **changes}
    with pytest.raises(ValidationError) as error:
        services.fact_correction_propose(actor=firm_user, **data)
    assert field in error.value.message_dict
    assert not FactCorrection.objects.exists()


def test_one_open_proposal_per_figure_and_staff_cannot_propose(firm_user, persona):
    services.fact_correction_propose(actor=firm_user, year=L, field="rd_expense_wan", value="960", reason="更正")
    with pytest.raises(ValidationError):
        services.fact_correction_propose(actor=firm_user, year=L, field="rd_expense_wan", value="990", reason="再次")
    with pytest.raises(PermissionDenied):
        services.fact_correction_propose(
            actor=persona("zhangdian_officer"), year=L, field="rd_expense_wan", value="1", reason="x"
        )


# ---------------------------------------------------------------- the what-if
LEVER_VALUES = st.fixed_dictionaries(
    {},
    optional={
        "rd_expense_wan": st.decimals(min_value=0, max_value=5000, places=2),
        "operating_revenue_wan": st.decimals(min_value=1, max_value=60000, places=2),
        "st_staff": st.integers(min_value=0, max_value=400),
        "employees_total": st.integers(min_value=1, max_value=1200),
        "high_tech_income_wan": st.decimals(min_value=0, max_value=40000, places=2),
        "niche_market_share_pct": st.floats(min_value=0, max_value=100, allow_nan=False).map(lambda x: round(x, 1)),
        "ip.class_I_added": st.integers(min_value=0, max_value=3),
    },
)


def _summary(results) -> list[tuple]:
    return [
        (r.tier, r.status, r.score, [(c.id, c.passed, c.value) for c in r.criteria], sorted(r.missing)) for r in results
    ]


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(key=st.sampled_from(["hte_one_short", "young_sme", "little_giant_candidate"]), changes=LEVER_VALUES)
def test_what_if_equals_a_re_evaluation_with_the_changed_facts(showcase, persona, key, changes):
    """The what-if on the firm's facts record equals the engine's verdicts after the same changes are written into
    the register (yearly facts through facts_save, invention patents as IP items), then rolled back."""
    firm = showcase[key]
    record = services.facts_records([firm.pk], TODAY)[firm.pk]
    try:
        predicted = what_if(record, changes, TODAY).after
    except FactsError:
        predicted = None  # an impossible record (e.g. R&D below its domestic part): the register's too
    actor = persona("bureau_staff")
    with transaction.atomic():
        figures = {k: v for k, v in changes.items() if not k.startswith("ip.")}
        if figures:
            services.facts_save(actor=actor, enterprise=firm, year=L, **figures)
        for n in range(changes.get("ip.class_I_added", 0)):
            services.register_record_add(
                actor=actor,
                enterprise=firm,
                record=IntellectualProperty(
                    ip_class="I",
                    kind="invention_patent",
                    number=f"ZLWHATIF{n}",
                    grant_date=TODAY - dt.timedelta(days=30),
                    acquisition="self_developed",
                ),
            )
        try:
            _record, actual = services.ladder_evaluate(Enterprise.objects.get(pk=firm.pk), TODAY)
        except FactsError:
            actual = None
        transaction.set_rollback(True)
    assert (predicted is None) == (actual is None)
    if predicted is not None:
        assert _summary(predicted) == _summary(actual)


def test_what_if_with_higher_r_and_d_turns_high_tech_eligible_and_saves_nothing(showcase):
    firm = showcase["hte_one_short"]
    before = database_snapshot()
    result = selectors.firm_whatif(firm, {"rd_expense_wan": Decimal("960")}, "zh-hans")
    tier = next(t for t in result["tiers"] if t["after"]["tier"] == "high_tech")
    assert (tier["before"]["state"], tier["after"]["state"]) == ("one_away", "eligible")
    assert "high_tech" in result["changed_tiers"]
    assert database_snapshot() == before
