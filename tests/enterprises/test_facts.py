"""Facts record validation: every error names the record and the field."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from kechuang.enterprises.ladder import FactsError, evaluate, parse_facts

from .helpers import BASE, record


def test_base_record_parses_with_contract_defaults():
    f = parse_facts(BASE)
    assert f.assessment_date == date(2026, 9, 30)
    assert f.years["rd_expense_wan"][2025] == Decimal("720")
    assert f.ip.class_I_high_value == 1
    # route / honour flags and route-only amounts default to "not claimed"
    minimal = parse_facts({"assessment_date": "2026-09-30"})
    assert minimal.flag("has_valid_hte_certificate") is False
    assert minimal.flag("holds_valid_innovative_sme_title") is False
    assert minimal.equity_financing_qualified_3y_wan == 0
    assert minimal.ip.class_II_used_in_prior_hte == 0 and minimal.ip.class_I_self_developed == 0
    # compliance flags and IP totals stay missing
    assert minimal.flag("major_incident_or_violation_recent") is None
    assert minimal.ip.class_I is None


def test_null_equals_absent_and_comments_are_ignored():
    f = parse_facts(
        {
            "assessment_date": "2026-09-30",
            "has_valid_hte_certificate": None,
            "_comment": "x",
            "rd_expense_wan": {"2025": None},
        }
    )
    assert f.flag("has_valid_hte_certificate") is False
    assert f.years["rd_expense_wan"] == {}


def test_money_is_kept_exactly_to_the_fen_and_counts_accept_integral_floats():
    f = parse_facts(
        record(
            {
                "rd_expense_wan.2025": 1.23456789,
                "domestic_rd_expense_wan.2025": 1,
                "employees_total": 200.0,
                "net_profit_wan.2025": -35.5,
            }
        )
    )
    assert f.years["rd_expense_wan"][2025] == Decimal("1.234568")
    assert f.employees_total == 200
    assert f.years["net_profit_wan"][2025] == Decimal("-35.5")  # net profit may be negative


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"employees_total": -1}, "employees_total"),
        ({"st_staff": -3}, "st_staff"),
        ({"st_staff": "60"}, "st_staff"),
        ({"st_staff": 12.5}, "st_staff"),
        ({"st_staff": 201}, "st_staff"),  # more S&T staff than employees
        ({"rd_staff": True}, "rd_staff"),
        ({"assessment_date": "2026-02-30"}, "assessment_date"),
        ({"registration_date": "2015/05/01"}, "registration_date"),
        ({"registration_date": 20150501}, "registration_date"),
        ({"registration_date": "2027-01-01"}, "registration_date"),  # after the assessment date
        ({"resident_enterprise_mainland": "yes"}, "resident_enterprise_mainland"),
        ({"resident_enterprise_mainland": 1}, "resident_enterprise_mainland"),
        ({"has_valid_hte_certificate": "true"}, "has_valid_hte_certificate"),
        ({"operating_revenue_wan": [8000, 10000]}, "operating_revenue_wan"),
        ({"operating_revenue_wan": {"25": 1}}, "operating_revenue_wan.25"),
        ({"rd_expense_wan.2025": -5}, "rd_expense_wan.2025"),
        ({"rd_expense_wan.2025": "720"}, "rd_expense_wan.2025"),
        ({"rd_expense_wan.2025": True}, "rd_expense_wan.2025"),
        ({"total_income_wan": float("nan")}, "total_income_wan"),
        ({"total_income_wan": 1e12}, "total_income_wan"),
        ({"domestic_rd_expense_wan.2025": 721}, "domestic_rd_expense_wan.2025"),
        ({"ip.class_I": -1}, "ip.class_I"),
        ({"ip.class_I_high_value": 7}, "ip.class_I_high_value"),
        ({"ip.class_II_used_in_prior_hte": 11}, "ip.class_II_used_in_prior_hte"),
        ({"ip.class_III": 1}, "ip.class_III"),
        ({"ip": 5}, "ip"),
        ({"hte_expert_points.rd_management": 21}, "hte_expert_points.rd_management"),
        ({"hte_expert_points.tech_advancement": -1}, "hte_expert_points.tech_advancement"),
        ({"rd_institution_level": "county"}, "rd_institution_level"),
        ({"product_field_category_2022": "six_basics"}, "product_field_category_2022"),
        ({"specialized_platform_score": 101}, "specialized_platform_score"),
        ({"local_characteristic_score": 16}, "local_characteristic_score"),
        ({"market_segment_years": -1}, "market_segment_years"),
        ({"niche_market_rank_national": 0}, "niche_market_rank_national"),
        ({"credit_code": 91370300}, "credit_code"),
        ({"employee_total": 200}, "employee_total"),  # misspelt field
    ],
)
def test_invalid_field_is_reported_with_record_and_field(changes, field):
    with pytest.raises(FactsError) as exc:
        parse_facts(record(changes))
    err = exc.value
    label = str(changes.get("credit_code", BASE["credit_code"]))
    assert err.record == label
    assert field in [f for f, _ in err.errors]
    assert label in str(err) and field in str(err)


def test_all_errors_are_collected_at_once():
    with pytest.raises(FactsError) as exc:
        parse_facts(record({"employees_total": -1, "assessment_date": "soon", "ip.class_I": "many"}))
    fields = {f for f, _ in exc.value.errors}
    assert {"employees_total", "assessment_date", "ip.class_I"} <= fields


def test_record_label_falls_back_to_name_and_given_label():
    with pytest.raises(FactsError) as exc:
        parse_facts({"name": "某公司", "st_staff": -1})
    assert exc.value.record == "某公司"
    with pytest.raises(FactsError) as exc:
        parse_facts({"credit_code": "X", "st_staff": -1}, label="#7")
    assert exc.value.record == "#7 (X)"


def test_non_object_record_is_rejected():
    with pytest.raises(FactsError):
        parse_facts(["not", "a", "record"])


def test_assessment_date_required_unless_as_of_given():
    rec = record(drop=["assessment_date"])
    with pytest.raises(FactsError) as exc:
        evaluate(rec)
    assert exc.value.errors[0][0] == "assessment_date"
    assert evaluate(rec, as_of=date(2026, 9, 30))[0].status == "eligible"
