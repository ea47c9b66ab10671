"""The pure rules of the projects module (engine/): tables from the reference (talent-platforms-projects.md §3.3,
§3.4, §3.6) and invariants."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kechuang.projects.engine import rules, workflow

P = rules.params()
D = Decimal


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        (D(100), "excellent"),
        (D(90), "excellent"),  # 90 优 (fiscal scale, reference §3.6)
        (D("89.99"), "good"),
        (D(80), "good"),
        (D("79.99"), "fair"),
        (D(60), "fair"),
        (D("59.99"), "poor"),
        (D(0), "poor"),
    ],
)
def test_grade_follows_the_fiscal_scale(score, grade):
    assert rules.grade(score, P) == grade


def test_grade_thresholds_are_data():
    stricter = rules.params({"grade_excellent": D(95)})
    assert rules.grade(D(92), P) == "excellent"
    assert rules.grade(D(92), stricter) == "good"
    assert "95" in rules.grade_rule_text(stricter)


def test_grade_refuses_out_of_range_scores():
    with pytest.raises(ValueError):
        rules.grade(D(101), P)


@pytest.mark.parametrize(
    ("spending", "amount", "capped"),
    [
        (D(1000), D("100.00"), False),  # 1000 × 10 % = 100
        (D("1234.56"), D("123.46"), False),
        (D(5000), D("500.00"), False),  # exactly the cap
        (D(8000), D("500.00"), True),  # 800 capped at 500
        (D(0), D("0.00"), False),
    ],
)
def test_post_subsidy_formula(spending, amount, capped):
    result = rules.post_subsidy(spending, P)
    assert result.amount == amount
    assert ("capped" in result.formula) is capped
    assert str(result.amount) in result.formula


def test_post_subsidy_parameters_are_data():
    assert rules.post_subsidy(D(1000), rules.params({"post_subsidy_rate": D(20)})).amount == D("200.00")
    with pytest.raises(ValueError):
        rules.post_subsidy(D(-1), P)


def goal(target, actual, weight, direction="ge"):
    return rules.GoalRow("x", D(target), direction, D(weight), None if actual is None else D(actual))


@pytest.mark.parametrize(
    ("row", "points"),
    [
        (goal(10, 10, 40), D("40.00")),
        (goal(10, 5, 40), D("20.00")),
        (goal(10, 20, 40), D("40.00")),  # attainment capped at 1
        (goal(10, None, 40), D("0.00")),  # no actual yet
        (goal(100, 80, 30, "le"), D("30.00")),  # at most 100: 80 is fine
        (goal(100, 200, 30, "le"), D("15.00")),  # 200 against at most 100: half
        (goal(0, 0, 10), D("10.00")),
    ],
)
def test_goal_points(row, points):
    assert rules.goal_points(row) == points


def test_goal_table_problems():
    problem = rules.GoalTableProblem
    assert rules.goal_table_problems([]) == [problem("no_goals")]
    assert rules.goal_table_problems([("output", D(60)), ("benefit", D(40))]) == []
    assert rules.goal_table_problems([("benefit", D(100))]) == [problem("no_output")]
    assert rules.goal_table_problems([("output", D(90))]) == [problem("weights", D(90))]


@pytest.mark.parametrize(
    ("language", "rows", "said"),
    [
        ("zh-hans", [], ["尚无绩效目标"]),
        ("zh-hans", [("benefit", D(90))], ["缺少产出指标", "权重合计为 90，不是 100"]),
        ("en", [("benefit", D("90.50"))], ["no output (产出) goal", "the weights sum to 90.5, not 100"]),
    ],
)
def test_goal_problems_are_said_in_the_pages_language(language, rows, said):
    """The engine says what is wrong; the services word it once, for the project page, payments and the import (the
    page showed the engine's English on Chinese pages)."""
    from django.utils import translation

    from kechuang.projects import services

    with translation.override(language):
        assert services.goal_problems(rows) == said


def test_deviation_and_warning_threshold():
    assert rules.deviation(D(35), D(60)) == D("-25.00")
    assert rules.is_warning(D(35), D(60), P)  # 25 points ≥ 20
    assert not rules.is_warning(D(50), D(60), P)
    assert rules.is_warning(D(40), D(60), P)  # exactly the threshold


def test_pool_claim_and_balance():
    assert rules.pool_claim(D(300), P) == D("150.00")  # 50 % coverage
    assert rules.pool_balance(D(5000), [D(150), D("90.5")]) == D("4759.50")


def test_negative_list_hits():
    items = [("N1", ["购车", "房产"]), ("N5", ["宴请"])]
    assert rules.negative_list_hits("差旅费 购车一辆", items) == ["N1"]
    assert rules.negative_list_hits("材料费", items) == []


def test_payment_shares_must_sum_to_100():
    assert rules.payment_shares_off([D(30), D(40), D(30)]) is None
    assert rules.payment_shares_off([D(30), D(60)]) == D(90)


# ---------------------------------------------------------------- workflows (reference §3.3)
@pytest.mark.parametrize(
    ("kind", "state", "action", "after"),
    [
        ("call", "demand_collected", "argue", "under_argumentation"),
        ("call", "under_argumentation", "publish", "published"),
        ("call", "published", "open", "open"),
        ("call", "open", "close", "closed"),
        ("application", "submitted", "recommend", "recommended"),
        ("application", "recommended", "formal_pass", "formal_passed"),
        ("application", "formal_passed", "start_review", "expert_review"),
        ("application", "expert_review", "publicize", "publicity"),
        ("application", "publicity", "approve", "approved"),
        ("project", "approved", "sign_task_book", "in_progress"),
        ("project", "in_progress", "request_acceptance", "acceptance_review"),
        ("project", "acceptance_review", "accept", "accepted"),
        ("project", "in_progress", "terminate", "terminated"),
    ],
)
def test_transitions(kind, state, action, after):
    assert workflow.next_state(kind, state, action) == after


@pytest.mark.parametrize(
    ("kind", "state", "action"),
    [
        ("call", "demand_collected", "publish"),  # no publication without argumentation
        ("application", "submitted", "approve"),  # no approval without review and 公示
        ("application", "expert_review", "approve"),
        ("project", "accepted", "terminate"),
        ("project", "approved", "accept"),
        ("project", "terminated", "resume"),
    ],
)
def test_forbidden_transitions(kind, state, action):
    with pytest.raises(workflow.TransitionRefused):
        workflow.next_state(kind, state, action)


def test_one_mid_term_check_unless_risk_flagged():
    assert workflow.mid_term_check_allowed(0, False, 1)
    assert not workflow.mid_term_check_allowed(1, False, 1)
    assert workflow.mid_term_check_allowed(1, True, 1)
    assert workflow.mid_term_check_allowed(3, True, 1)


# ---------------------------------------------------------------- invariants
weights = st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=8)


@given(weights, st.data())
def test_goal_score_stays_within_the_weights(ws, data):
    rows = [
        goal(
            data.draw(st.integers(0, 1000)),
            data.draw(st.one_of(st.none(), st.integers(0, 2000))),
            w,
            data.draw(st.sampled_from(["ge", "le"])),
        )
        for w in ws
    ]
    score = rules.goal_score(rows)
    assert D(0) <= score <= sum(D(w) for w in ws)


@given(st.decimals(min_value=0, max_value=10**7, places=2))
def test_post_subsidy_never_exceeds_rate_or_cap(spending):
    result = rules.post_subsidy(spending, P)
    assert result.amount <= P["post_subsidy_cap"]
    assert result.amount <= rules.q(spending * P["post_subsidy_rate"] / 100)


@given(st.decimals(min_value=0, max_value=100, places=2), st.decimals(min_value=0, max_value=100, places=2))
def test_grade_is_monotone(a, b):
    order = ["poor", "fair", "good", "excellent"]
    low, high = sorted((a, b))
    assert order.index(rules.grade(low, P)) <= order.index(rules.grade(high, P))
