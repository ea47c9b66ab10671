"""科技型中小企业 (国科发政〔2017〕115号): thresholds, scoring bands, score line, direct routes."""

from __future__ import annotations

import pytest

from .helpers import crit, record, tier

T = "tech_sme"
NO_COST = ["cost_expense_total_wan"]  # BASE has no cost data: only ratio A is scored


def test_base_is_eligible_with_full_marks():
    r = tier(record(), T)
    assert (r.status, r.score, r.route, r.rule_version) == ("eligible", 100, "score", "tech_sme/2017-115")
    assert r.score_breakdown == {"科技人员": 20, "研发投入": 50, "科技成果": 30}
    assert r.missing == [] and r.failed == 0


@pytest.mark.parametrize(
    ("path", "value", "cid", "passed"),
    [
        ("employees_total", 499, "employees_max_500", True),
        ("employees_total", 500, "employees_max_500", True),  # 不超过 → ≤
        ("employees_total", 501, "employees_max_500", False),
        ("operating_revenue_wan.2025", 19999.99, "revenue_max_20000", True),
        ("operating_revenue_wan.2025", 20000, "revenue_max_20000", True),
        ("operating_revenue_wan.2025", 20000.01, "revenue_max_20000", False),
        ("total_assets_wan.2025", 20000, "assets_max_20000", True),
        ("total_assets_wan.2025", 20000.01, "assets_max_20000", False),
    ],
)
def test_size_caps(path, value, cid, passed):
    changes = {path: value}
    if path == "employees_total":
        changes["st_staff"] = 1
    r = tier(record(changes), T)
    assert r.criterion(cid).passed is passed
    if not passed:
        assert r.status == "not_eligible"
        assert r.criterion(cid).gap is not None


@pytest.mark.parametrize(
    ("st_staff", "points"),
    [(60, 20), (59, 16), (50, 16), (49, 12), (40, 12), (39, 8), (30, 8), (29, 4), (20, 4), (19, 0), (0, 0)],
)
def test_st_staff_bands(st_staff, points):
    """200 employees: 30% / 25% / 20% / 15% / 10% band edges belong to the higher band."""
    assert crit(record({"st_staff": st_staff, "rd_staff": 0}), T, "st_staff_ratio").points == points


@pytest.mark.parametrize(
    ("rd", "points"),
    [(720, 50), (719.99, 40), (600, 40), (599.99, 30), (480, 30), (360, 20), (240, 10), (239.99, 0), (0, 0)],
)
def test_rd_ratio_a_bands(rd, points):
    """Revenue 12000 万: 6% = 720, 5% = 600, 4% = 480, 3% = 360, 2% = 240."""
    rec = record({"rd_expense_wan.2025": rd, "domestic_rd_expense_wan.2025": rd}, drop=NO_COST)
    assert crit(rec, T, "rd_input").points == points


def test_rd_input_keeps_the_higher_of_the_two_ratios():
    # A = 240 / 12000 = 2% → 10; B = 240 / 800 = 30% → 50
    rec = record(
        {"rd_expense_wan.2025": 240, "domestic_rd_expense_wan.2025": 240, "cost_expense_total_wan": {"2025": 800}}
    )
    c = crit(rec, T, "rd_input")
    assert c.points == 50 and c.value == pytest.approx(0.3)
    assert c.detail["points_by_revenue"] == 10 and c.detail["points_by_cost_expense"] == 50
    # B band edges: 25% → 40, 24.99…% → 30
    rec = record(
        {"rd_expense_wan.2025": 240, "domestic_rd_expense_wan.2025": 240, "cost_expense_total_wan": {"2025": 960}}
    )
    assert crit(rec, T, "rd_input").points == 40
    rec["cost_expense_total_wan"]["2025"] = 960.01
    assert crit(rec, T, "rd_input").points == 30
    # without cost data only ratio A counts, and the absent cost is not "missing"
    rec = record({"rd_expense_wan.2025": 240, "domestic_rd_expense_wan.2025": 240}, drop=NO_COST)
    assert crit(rec, T, "rd_input").points == 10
    assert tier(rec, T).missing == []


@pytest.mark.parametrize(
    ("class_i", "class_ii", "points"),
    [(1, 0, 30), (0, 4, 24), (0, 9, 24), (0, 3, 18), (0, 2, 12), (0, 1, 6), (0, 0, 0)],
)
def test_st_achievement_table(class_i, class_ii, points):
    rec = record({"ip": {"class_I": class_i, "class_II": class_ii}})
    assert crit(rec, T, "st_achievements").points == points


def test_ip_unknown_when_class_i_missing_even_with_many_class_ii():
    r = tier(record({"ip": {"class_II": 9}}), T)
    assert r.criterion("st_achievements").points is None
    assert r.status == "not_evaluable" and r.missing == ["ip.class_I"] and r.score is None


@pytest.mark.parametrize(
    ("st_staff", "rd", "ip", "score", "status"),
    [
        (60, 240, {"class_I": 1}, 60, "eligible"),  # 20 + 10 + 30 = 60: on the line
        (50, 480, {"class_I": 0, "class_II": 2}, 58, "not_eligible"),  # 16 + 30 + 12 = 58
        (19, 720, {"class_I": 1}, 80, "not_eligible"),  # S&T staff indicator 0 points: fails despite 80
    ],
)
def test_score_line(st_staff, rd, ip, score, status):
    rec = record(
        {"st_staff": st_staff, "rd_staff": 0, "rd_expense_wan.2025": rd, "domestic_rd_expense_wan.2025": rd, "ip": ip},
        drop=NO_COST,
    )
    r = tier(rec, T)
    assert (r.score, r.status) == (score, status)
    assert r.criterion("score_line").passed is (status == "eligible")


@pytest.mark.parametrize(
    "route",
    [
        "has_valid_hte_certificate",
        "national_st_award_top3_within_5y",
        "provincial_ministerial_rd_institution",
        "led_standard_within_5y",
    ],
)
def test_direct_routes_confirm_without_the_score(route):
    low = {"st_staff": 19, "rd_staff": 0, "ip": {"class_I": 0, "class_II": 0}}
    assert tier(record(low), T).status == "not_eligible"
    r = tier(record({**low, route: True}), T)
    assert r.status == "eligible" and r.route.startswith("direct:") and r.score == 50  # 0 + 50 + 0 < 60
    # with score data missing the route still confirms (score unknown → null)
    r = tier(record({route: True}, drop=["st_staff", "rd_expense_wan"]), T)
    assert (r.status, r.score) == ("eligible", None)
    assert "st_staff" in r.missing and "rd_expense_wan.2025" in r.missing


def test_direct_route_needs_the_hard_conditions():
    r = tier(record({"has_valid_hte_certificate": True, "employees_total": 600}), T)
    assert r.status == "not_eligible" and r.route is None
    r = tier(record({"has_valid_hte_certificate": True}, drop=["abnormal_or_serious_dishonesty_list"]), T)
    assert r.status == "not_evaluable" and r.missing == ["abnormal_or_serious_dishonesty_list"]


def test_led_standard_route_is_flagged_unverified():
    assert crit(record(), T, "led_standard").unverified is True
    assert crit(record(), T, "hte_certificate").unverified is False


@pytest.mark.parametrize(
    "flag",
    [
        "prohibited_or_restricted_product",
        "rd_deduction_negative_list_industry",
        "major_incident_or_violation_recent",
        "abnormal_or_serious_dishonesty_list",
    ],
)
def test_compliance_flags(flag):
    assert tier(record({flag: True}), T).status == "not_eligible"
    r = tier(record(drop=[flag]), T)
    assert (r.status, r.score, r.missing) == ("not_evaluable", None, [flag])
    # a definite failure elsewhere wins over the missing flag
    assert tier(record({"employees_total": 600}, drop=[flag]), T).status == "not_eligible"


def test_score_line_fails_definitely_only_if_missing_items_at_maximum_cannot_reach_it():
    # S&T 10% → 4, IP none → 0, R&D missing (max 50): 54 < 60 → not eligible
    rec = record({"st_staff": 20, "rd_staff": 0, "ip": {"class_I": 0, "class_II": 0}}, drop=["rd_expense_wan"])
    r = tier(rec, T)
    assert r.status == "not_eligible" and r.score is None and "rd_expense_wan.2025" in r.missing
    # with one Ⅱ类 IP (6): 4 + 50 + 6 = 60 could still be reached → not evaluable
    rec["ip"]["class_II"] = 1
    assert tier(rec, T).status == "not_evaluable"
