"""Build a ladder facts record (ladder-facts-format.md) from the register's rows. Pure Python.

Rows come as plain dicts (queryset `.values()`), so the single-enterprise page and the bulk pass over
the whole register share this one translation. The fiscal year L is the year before the assessment
date; yearly money goes in as {year: value} for L−2..L, everything else comes from year L.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

# The register's yearly money columns carry the facts names: the facts catalogue is the one list of them.
from kechuang.enterprises.ladder.facts import YEAR_MONEY_FIELDS

# Taken from the row of year L as they are.
YEAR_L_FIELDS = (
    "employees_total",
    "st_staff",
    "rd_staff",
    "conversions_3y",
    "high_tech_income_wan",
    "total_income_wan",
    "equity_financing_qualified_3y_wan",
    "equity_financing_qualified_2y_wan",
    "tech_field_in_catalog",
    "strategic_emerging_industry",
    "market_segment_years",
    "market_position_leading",
    "niche_market_share_pct",
    "niche_market_rank_national",
    "has_own_brand",
    "main_product_in_priority_field",
    "specialized_platform_score",
    "digital_level",
    "quality_items_count",
    "product_field_category_2022",
    "local_characteristic_score",
    "prohibited_or_restricted_product",
    "rd_deduction_negative_list_industry",
)
EXPERT_FIELDS = {
    "hte_tech_advancement": "tech_advancement",
    "hte_core_support": "core_support",
    "hte_ip_acquisition": "ip_acquisition",
    "hte_standards_bonus": "standards_bonus",
    "hte_rd_management": "rd_management",
}
MAJOR_INCIDENT_KINDS = frozenset({"safety_accident", "quality_accident", "environmental_violation"})
LIST_KINDS = frozenset({"abnormal_list", "dishonesty_list"})
INSTITUTION_RANK = {"national": 4, "provincial": 3, "municipal": 2, "below_municipal": 1}
TIER_FLAGS = {
    "high_tech": "has_valid_hte_certificate",
    "tech_sme": "holds_valid_tech_sme_registration",
    "innovative_sme": "holds_valid_innovative_sme_title",
    "specialized_sme": "holds_valid_specialized_sme_title",
}


def _years_before(as_of: dt.date, day: dt.date, years: int) -> bool:
    """`day` falls within the `years` years before `as_of` (inclusive)."""
    try:
        start = as_of.replace(year=as_of.year - years)
    except ValueError:  # 29 February
        start = as_of.replace(year=as_of.year - years, day=28)
    return start <= day <= as_of


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        # The facts format carries numbers; Decimal keeps the figure exact until the engine parses it.
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def build_facts(
    *,
    enterprise: Mapping[str, Any],
    as_of: dt.date,
    years: Iterable[Mapping[str, Any]] = (),
    ip: Iterable[Mapping[str, Any]] = (),
    qualifications: Iterable[Mapping[str, Any]] = (),
    awards: Iterable[Mapping[str, Any]] = (),
    standards: Iterable[Mapping[str, Any]] = (),
    institutions: Iterable[Mapping[str, Any]] = (),
    events: Iterable[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    latest = as_of.year - 1
    by_year = {row["year"]: row for row in years}
    record: dict[str, Any] = {
        "credit_code": enterprise.get("credit_code"),
        "name": enterprise.get("name"),
        "assessment_date": as_of.isoformat(),
        "registration_date": _jsonable(enterprise.get("registration_date")),
        "resident_enterprise_mainland": enterprise.get("resident_enterprise_mainland"),
        "is_sme_per_2011_standard": enterprise.get("is_sme_per_2011_standard"),
        "industry": enterprise.get("industry") or None,
        "tech_field": enterprise.get("tech_field") or None,
    }
    for name in YEAR_MONEY_FIELDS:
        series = {
            str(y): row[name]
            for y in (latest - 2, latest - 1, latest)
            if (row := by_year.get(y)) and row.get(name) is not None
        }
        if series:
            record[name] = series
    current = by_year.get(latest, {})
    for name in YEAR_L_FIELDS:
        value = current.get(name)
        if value not in (None, ""):
            record[name] = _jsonable(value)
    experts = {key: current.get(column) for column, key in EXPERT_FIELDS.items() if current.get(column) is not None}
    if experts:
        record["hte_expert_points"] = experts

    valid_ip = [item for item in ip if item.get("is_valid", True) and item["grant_date"] <= as_of]
    class_i = [item for item in valid_ip if item["ip_class"] == "I"]
    class_ii = [item for item in valid_ip if item["ip_class"] == "II"]
    record["ip"] = {
        "class_I": len(class_i),
        "class_I_self_developed": sum(item["acquisition"] == "self_developed" for item in class_i),
        "class_I_high_value": sum(bool(item.get("high_value")) for item in class_i),
        "class_II": len(class_ii),
        "class_II_miit": len(class_ii),
        "class_II_used_in_prior_hte": sum(bool(item.get("used_in_prior_hte")) for item in class_ii),
    }

    for q in qualifications:
        flag = TIER_FLAGS.get(q["tier"])
        if flag and not q.get("revoked") and q["issue_date"] <= as_of <= q["expiry_date"]:
            record[flag] = True

    for award in awards:
        kind, rank, day = award["kind"], award.get("rank"), award["awarded_on"]
        top3 = rank is not None and rank <= 3
        within3, within5 = _years_before(as_of, day, 3), _years_before(as_of, day, 5)
        if kind == "national_st" and top3 and within5:
            record["national_st_award_top3_within_5y"] = True
        if kind == "national_st" and top3 and within3:
            record["national_st_award_top3_within_3y"] = True
        if kind in ("national_st", "provincial_st") and within3:
            record["st_award_national_or_provincial_within_3y"] = True
            if top3:
                record["st_award_provincial_plus_top3_within_3y"] = True
            if kind == "national_st" or top3:
                record["st_award_provincial_top3_or_national_within_3y"] = True
        if kind == "maker_china_top500" and within3:
            record["maker_china_top500_within_3y"] = True
        if (
            kind == "innovation_honor"
            and day <= as_of
            and (award.get("valid_until") is None or award["valid_until"] >= as_of)
        ):
            record["other_valid_honor_tech_innovation_demo_or_ip_advantage"] = True

    if any(
        s.get("led")
        and s["level"] in ("international", "national", "industry")
        and _years_before(as_of, s["published_on"], 5)
        for s in standards
    ):
        record["led_standard_within_5y"] = True

    levels = [
        i["level"]
        for i in institutions
        if i["recognised_on"] <= as_of and (i.get("revoked_on") is None or i["revoked_on"] > as_of)
    ]
    best = max(levels, key=INSTITUTION_RANK.__getitem__, default=None)
    record["rd_institution_level"] = best or "none"
    if best in ("national", "provincial"):
        record["provincial_ministerial_rd_institution"] = True

    # Compliance: the year's declaration, overridden by any event in the register.
    for name in (
        "major_incident_or_violation_recent",
        "major_incident_or_violation_3y",
        "abnormal_or_serious_dishonesty_list",
    ):
        if current.get(name) is not None:
            record[name] = current[name]
    for event in events:
        day = event["occurred_on"]
        if day > as_of:
            continue
        if event["kind"] in MAJOR_INCIDENT_KINDS:
            if day.year >= as_of.year - 1:
                record["major_incident_or_violation_recent"] = True
            if _years_before(as_of, day, 3):
                record["major_incident_or_violation_3y"] = True
        elif event["kind"] in LIST_KINDS and (event.get("resolved_on") is None or event["resolved_on"] > as_of):
            record["abnormal_or_serious_dishonesty_list"] = True
    return record
