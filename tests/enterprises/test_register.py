"""The register around the engine: identifiers, the facts builder, services, scope and the stored verdicts."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from kechuang.core.validators import credit_code_check_char, credit_code_error
from kechuang.enterprises import ladder, services
from kechuang.enterprises.facts_builder import build_facts
from kechuang.enterprises.models import Enterprise, LadderResult
from kechuang.enterprises.population import credit_code
from tests.conftest import ROOT, first

AS_OF = dt.date(2026, 6, 30)


@pytest.mark.parametrize(
    ("code", "ok"),
    [
        ("91350100M000100Y43", True),  # the worked example of GB 32100-2015
        ("911100007109288314", True),
        ("91350100M000100Y44", False),  # wrong check character
        ("91350100M000100Y4", False),  # 17 characters
        ("91350100M00O100Y43", False),  # the letter O is not in the alphabet
        ("91350100m000100y43", False),  # lower case
    ],
)
def test_credit_code(code, ok):
    assert (credit_code_error(code) is None) is ok


def test_generated_credit_codes_are_valid():
    assert all(credit_code_error(credit_code("370302", i)) is None for i in range(0, 50_000, 997))
    assert credit_code_check_char("91350100M000100Y4") == "3"


def _facts(**related):
    return build_facts(
        enterprise={"credit_code": "91350100M000100Y43", "registration_date": dt.date(2015, 1, 1)},
        as_of=AS_OF,
        **related,
    )


@pytest.mark.parametrize(
    ("issue", "expiry", "revoked", "held"),
    [
        (dt.date(2024, 1, 1), dt.date(2026, 12, 31), False, True),
        (dt.date(2023, 1, 1), dt.date(2026, 6, 29), False, False),  # expired the day before
        (dt.date(2023, 1, 1), dt.date(2026, 6, 30), False, True),  # expires on the day: still valid
        (dt.date(2026, 7, 1), dt.date(2029, 6, 30), False, False),  # not yet issued
        (dt.date(2024, 1, 1), dt.date(2026, 12, 31), True, False),
    ],
)
def test_builder_qualification_validity(issue, expiry, revoked, held):
    record = _facts(
        qualifications=[{"tier": "high_tech", "issue_date": issue, "expiry_date": expiry, "revoked": revoked}]
    )
    assert record.get("has_valid_hte_certificate", False) is held


@pytest.mark.parametrize(
    ("kind", "rank", "day", "flags"),
    [
        ("national_st", 2, dt.date(2022, 1, 1), {"national_st_award_top3_within_5y"}),
        (
            "national_st",
            1,
            dt.date(2024, 1, 1),
            {
                "national_st_award_top3_within_5y",
                "national_st_award_top3_within_3y",
                "st_award_national_or_provincial_within_3y",
                "st_award_provincial_plus_top3_within_3y",
                "st_award_provincial_top3_or_national_within_3y",
            },
        ),
        ("provincial_st", 5, dt.date(2025, 1, 1), {"st_award_national_or_provincial_within_3y"}),
        ("national_st", 4, dt.date(2020, 1, 1), set()),  # rank 4 and more than 5 years ago
        ("maker_china_top500", None, dt.date(2023, 7, 1), {"maker_china_top500_within_3y"}),
    ],
)
def test_builder_award_windows(kind, rank, day, flags):
    record = _facts(awards=[{"kind": kind, "rank": rank, "awarded_on": day}])
    assert {k for k, v in record.items() if k.endswith(("_3y", "_5y")) and v is True} == flags


def test_builder_years_ip_and_compliance():
    years = [
        {
            "year": y,
            "operating_revenue_wan": Decimal(1000 + y - 2023),
            "major_incident_or_violation_recent": False,
            "major_incident_or_violation_3y": False,
            "st_staff": 9,
        }
        for y in (2022, 2023, 2024, 2025)
    ]
    ip = [
        {"ip_class": "I", "acquisition": "self_developed", "grant_date": dt.date(2020, 1, 1), "high_value": True},
        {"ip_class": "II", "acquisition": "transfer", "grant_date": dt.date(2021, 1, 1), "used_in_prior_hte": True},
        {"ip_class": "I", "acquisition": "self_developed", "grant_date": dt.date(2026, 7, 1)},  # after the day
        {"ip_class": "I", "acquisition": "self_developed", "grant_date": dt.date(2019, 1, 1), "is_valid": False},
    ]
    events = [{"kind": "environmental_violation", "occurred_on": dt.date(2024, 5, 1)}]
    record = _facts(years=years, ip=ip, events=events)
    assert record["operating_revenue_wan"] == {"2023": Decimal(1000), "2024": Decimal(1001), "2025": Decimal(1002)}
    assert record["st_staff"] == 9
    assert record["ip"] == {
        "class_I": 1,
        "class_I_self_developed": 1,
        "class_I_high_value": 1,
        "class_II": 1,
        "class_II_miit": 1,
        "class_II_used_in_prior_hte": 1,
    }
    assert record["major_incident_or_violation_recent"] is False  # 2024 is not this or last year
    assert record["major_incident_or_violation_3y"] is True
    ladder.parse_facts(record)  # the builder's output is a valid facts record


def test_bulk_and_per_record_store_the_same_verdicts(population):
    ids = list(Enterprise.objects.values_list("pk", flat=True)[:40])
    bulk = {
        (r.enterprise_id, r.tier): (r.status, r.score, r.failed, sorted(r.failed_criteria))
        for r in LadderResult.objects.filter(enterprise_id__in=ids)
    }
    services.ladder_recompute(enterprise_ids=ids, as_of=dt.date.today())
    single = {
        (r.enterprise_id, r.tier): (r.status, r.score, r.failed, sorted(r.failed_criteria))
        for r in LadderResult.objects.filter(enterprise_id__in=ids)
    }
    assert bulk == single and len(bulk) == 40 * len(services.EVALUATED_TIERS)


def test_facts_change_recomputes(population, persona):
    enterprise = first(Enterprise.objects.filter(ladder_results__tier="tech_sme", ladder_results__status="eligible"))
    latest = dt.date.today().year - 1
    services.facts_save(actor=persona("bureau_staff"), enterprise=enterprise, year=latest, employees_total=900)
    result = LadderResult.objects.get(enterprise=enterprise, tier="tech_sme")
    assert result.status == "not_eligible" and "employees_max_500" in result.failed_criteria


def test_district_officer_cannot_touch_other_regions(population, persona, unit):
    officer = persona("zhangdian_officer")
    other = first(Enterprise.objects.exclude(region__code="zhangdian"))
    with pytest.raises(PermissionDenied):
        services.enterprise_update(actor=officer, enterprise=other, name="改名")
    with pytest.raises(PermissionDenied):
        services.enterprise_create(
            actor=officer, region=unit("zichuan"), credit_code=credit_code("370303", 999_999), name="越权企业"
        )
    mine = services.enterprise_create(
        actor=officer, region=unit("zhangdian"), credit_code=credit_code("370302", 999_998), name="张店新企业"
    )
    with pytest.raises(PermissionDenied):
        services.enterprise_update(actor=officer, enterprise=mine, region=unit("zichuan"))
    assert set(Enterprise.objects.visible_to(officer).values_list("region__code", flat=True)) == {"zhangdian"}


def test_bad_credit_code_is_refused(persona, unit):
    with pytest.raises(ValidationError) as caught:
        services.enterprise_create(
            actor=persona("bureau_staff"), region=unit("zhangdian"), credit_code="91350100M000100Y44", name="x"
        )
    assert "credit_code" in caught.value.message_dict


def test_closing_withdraws_verdicts(population, persona):
    enterprise = first(Enterprise.objects)
    with pytest.raises(ValidationError):
        services.enterprise_set_status(actor=persona("bureau_staff"), enterprise=enterprise, status="closed", reason="")
    services.enterprise_set_status(actor=persona("bureau_staff"), enterprise=enterprise, status="closed", reason="注销")
    assert not LadderResult.objects.filter(enterprise=enterprise).exists()
    assert Enterprise.objects.filter(pk=enterprise.pk).exists()  # never deleted


def test_evaluate_ladder_command(tmp_path):
    records = json.loads((ROOT / "tests/enterprises/fixtures/facts-valid.json").read_text())
    records.append({"credit_code": "BAD", "assessment_date": "2026-13-01", "employees_total": -3})
    path = tmp_path / "in.json"
    path.write_text(json.dumps(records, ensure_ascii=False))
    out, err = StringIO(), StringIO()
    call_command("evaluate_ladder", "--input", str(path), stdout=out, stderr=err)
    results = json.loads(out.getvalue())
    assert len(results) == len(records)
    assert all("tiers" in r for r in results[:-1])
    assert results[-1]["record"] == "BAD"
    fields = {e["field"] for e in results[-1]["errors"]}
    assert {"assessment_date", "employees_total"} <= fields
    assert "record BAD: assessment_date" in err.getvalue()


def test_self_assessment_api(client, token_for):
    record = json.loads((ROOT / "tests/enterprises/fixtures/facts-valid.json").read_text())[0]
    response = client.post(
        "/api/ladder/self-assessment", data=json.dumps(record), content_type="application/json", **token_for("leader")
    )
    assert response.status_code == 200
    assert set(response.json()["tiers"]) >= {"tech_sme", "high_tech"}
    record["employees_total"] = -1
    response = client.post(
        "/api/ladder/self-assessment", data=json.dumps(record), content_type="application/json", **token_for("leader")
    )
    assert response.status_code == 422 and "employees_total" in response.json()["error"]["fields"]


def test_feed_counts_valid_certificates_per_year(population):
    from kechuang.enterprises.feed import qualification_counts, reserve_pool_counts

    counts = qualification_counts()
    assert counts and all(c["count"] > 0 for c in counts)
    today = dt.date.today()
    this_year = {(c["tier"], c["region_code"]): c["count"] for c in counts if c["year"] == today.year}
    held = (  # this year's count is as of today (a past year's at its 31 December)
        Enterprise.objects.filter(
            qualifications__tier="high_tech",
            qualifications__issue_date__lte=today,
            qualifications__expiry_date__gte=today,
        )
        .distinct()
        .count()
    )
    assert sum(v for (tier, _r), v in this_year.items() if tier == "high_tech") == held
    assert all(set(row) == {"tier", "region_code", "one_away", "two_away"} for row in reserve_pool_counts())


def test_conversion_rates_are_measured_from_the_register(population):
    from kechuang.enterprises.models import Qualification
    from kechuang.enterprises.services import ladder_conversion_rates

    year = dt.date.today().year - 1
    rates = ladder_conversion_rates(year, min_base=1)
    assert rates, "the generated register has near misses"
    for rate in rates.values():
        assert 0 <= rate["one_away"] <= 1 and 0 <= rate["two_away"] <= 1
        assert rate["year"] == year and rate["base_one_away"] + rate["base_two_away"] >= 1
    # With no title of the tier obtained that year, nobody converted.
    tier = next(iter(rates))
    assert ladder_conversion_rates(year, min_base=10_000) == {}
    Qualification.objects.filter(tier=tier, issue_date__year=year).delete()
    assert ladder_conversion_rates(year, min_base=1)[tier]["one_away"] == 0


def test_generated_names_repeat_no_word():
    """Demo firms read like firms: no 科技科技, 新材料新材料 or 丰丰 in a name."""
    import re

    from kechuang.enterprises.population import Place, generate

    place = Place(name_prefix="淄博", province="山东省")
    names = [
        e.enterprise["name"] for e in generate(3000, regions=[("370302", "370302", 1.0)], place=place, latest_year=2025)
    ]
    assert len(names) == 3000
    assert [n for n in names if re.search(r"(科技|新材料)\1", n)] == []
    assert [n for n in names if n[1] == n[2] or n[2] == n[3]] == []  # 淄博 + two different words
