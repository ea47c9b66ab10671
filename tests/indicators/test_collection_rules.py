"""The collection engine: the workflow's transition table and the validation rules (plain Python)."""

from __future__ import annotations

from decimal import Decimal as D
from itertools import product

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kechuang.indicators import collection_rules as r

STATES = (r.DRAFT, r.SUBMITTED, r.RETURNED, r.APPROVED)
ACTIONS = (r.SAVE, r.SUBMIT, r.APPROVE, r.RETURN, r.UNLOCK)
RELATIONS = (r.REPORTER, r.BUREAU, r.OTHER)

# The workflow as the bureau describes it, written out independently of the table: every allowed step.
ALLOWED = {
    (r.DRAFT, r.SAVE, r.REPORTER): r.DRAFT,
    (r.DRAFT, r.SUBMIT, r.REPORTER): r.SUBMITTED,
    (r.RETURNED, r.SAVE, r.REPORTER): r.RETURNED,
    (r.RETURNED, r.SUBMIT, r.REPORTER): r.SUBMITTED,
    (r.DRAFT, r.SAVE, r.BUREAU): r.DRAFT,
    (r.DRAFT, r.SUBMIT, r.BUREAU): r.SUBMITTED,
    (r.RETURNED, r.SAVE, r.BUREAU): r.RETURNED,
    (r.RETURNED, r.SUBMIT, r.BUREAU): r.SUBMITTED,
    (r.SUBMITTED, r.APPROVE, r.BUREAU): r.APPROVED,
    (r.SUBMITTED, r.RETURN, r.BUREAU): r.RETURNED,
    (r.APPROVED, r.UNLOCK, r.BUREAU): r.RETURNED,
}


@pytest.mark.parametrize(("state", "action", "relation"), list(product(STATES, ACTIONS, RELATIONS)))
def test_every_transition_is_allowed_or_refused_as_the_workflow_says(state, action, relation):
    want = ALLOWED.get((state, action, relation))
    if want is None:
        with pytest.raises(r.TransitionRefused):
            r.next_state(state, action, [relation])
    else:
        assert r.next_state(state, action, [relation]) == want


def test_a_locked_form_takes_no_values_and_no_one_but_the_bureau_unlocks_it():
    assert not r.can_edit(r.APPROVED, {r.REPORTER, r.BUREAU})
    assert not r.can_edit(r.SUBMITTED, {r.REPORTER})
    assert r.can_edit(r.RETURNED, {r.REPORTER})
    assert not r.can_edit(r.DRAFT, {r.OTHER})
    assert r.allowed_actions(r.APPROVED, [r.REPORTER]) == []
    assert r.allowed_actions(r.APPROVED, [r.BUREAU]) == [r.UNLOCK]
    assert r.allowed_actions(r.SUBMITTED, [r.BUREAU]) == [r.APPROVE, r.RETURN]
    assert {r.RETURN, r.UNLOCK} == r.REASON_REQUIRED


RANGE = r.Rule(r.RANGE, "a", minimum=D(0), maximum=D(100))
RATIO = r.Rule(r.RATIO, "part", other="whole", maximum=D(1))
JUMP_WARN = r.Rule(r.JUMP, "a", r.WARNING, threshold=D("0.3"))
JUMP_ERR = r.Rule(r.JUMP, "a", r.ERROR, threshold=D("0.3"))


@pytest.mark.parametrize(
    ("values", "rule", "last", "comments", "found", "blocks"),
    [
        ({"a": D(50)}, RANGE, {}, {}, None, False),
        ({"a": D(100)}, RANGE, {}, {}, None, False),  # bounds are inclusive
        ({"a": D(-1)}, RANGE, {}, {}, (r.RANGE, D(-1)), True),
        ({"a": D(101)}, RANGE, {}, {}, (r.RANGE, D(101)), True),
        ({"a": None}, RANGE, {}, {}, None, False),  # missing: not this rule's business
        ({"part": D(40), "whole": D(100)}, RATIO, {}, {}, None, False),
        ({"part": D(120), "whole": D(100)}, RATIO, {}, {}, (r.RATIO, D("1.2")), True),
        ({"part": D(120), "whole": D(0)}, RATIO, {}, {}, None, False),  # no ratio over zero
        ({"part": D(120), "whole": None}, RATIO, {}, {}, None, False),
        ({"a": D(129)}, JUMP_WARN, {"a": D(100)}, {}, None, False),  # +29 %: within
        ({"a": D(131)}, JUMP_WARN, {"a": D(100)}, {}, (r.JUMP, D("0.31")), True),  # warning without a comment
        ({"a": D(131)}, JUMP_WARN, {"a": D(100)}, {"a": "新增两家龙头企业"}, (r.JUMP, D("0.31")), False),
        ({"a": D(131)}, JUMP_WARN, {"a": D(100)}, {"a": "   "}, (r.JUMP, D("0.31")), True),  # blank is no comment
        ({"a": D(60)}, JUMP_WARN, {"a": D(100)}, {}, (r.JUMP, D("-0.4")), True),  # a fall counts too
        ({"a": D(131)}, JUMP_ERR, {"a": D(100)}, {"a": "解释"}, (r.JUMP, D("0.31")), True),  # an error stays
        ({"a": D(131)}, JUMP_WARN, {}, {}, None, False),  # no last year: no jump
    ],
)
def test_validation_rules(values, rule, last, comments, found, blocks):
    check = r.validate(values, [rule], last_year=last, comments=comments)
    if found is None:
        assert check.findings == []
        return
    (finding,) = check.findings
    assert (finding.kind, finding.measured) == found
    assert finding.field == rule.field  # the error names the field
    assert finding.blocks is blocks
    assert check.ok is not blocks


def test_submitting_requires_every_value_and_names_the_missing_ones():
    check = r.validate({"a": D(1), "b": None, "c": None}, [], require_all=True)
    assert sorted(f.field for f in check.blocking) == ["b", "c"]
    assert r.validate({"a": D(1), "b": None}, []).ok  # a draft may be incomplete


@given(
    value=st.decimals(min_value=-1000, max_value=1000, places=2),
    low=st.decimals(min_value=-500, max_value=0, places=2),
    high=st.decimals(min_value=0, max_value=500, places=2),
)
def test_range_rule_blocks_exactly_the_values_outside(value, low, high):
    check = r.validate({"x": value}, [r.Rule(r.RANGE, "x", minimum=low, maximum=high)])
    assert check.ok == (low <= value <= high)


@pytest.mark.parametrize(
    ("expected", "entered", "level"), [(5, 0, "none"), (5, 3, "partial"), (5, 5, "complete"), (0, 0, "none")]
)
def test_completeness_levels(expected, entered, level):
    assert r.Completeness(expected, entered).level == level


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("2025", (2025, 0, "yearly")),
        ("2025Q3", (2025, 3, "quarterly")),
        ("2025q4", (2025, 4, "quarterly")),
        ("2025-07", (2025, 7, "monthly")),
        ("2025-12", (2025, 12, "monthly")),
        ("2025Q0", None),
        ("2025Q12", None),
        ("2025Q", None),
        ("2025-00", None),
        ("2025-13", None),
        ("2025-7", None),
        ("2025M07", None),
        ("25Q1", None),
        ("", None),
        ("abcd", None),
    ],
)
def test_period_in_a_form_url(text, parsed):
    from kechuang.indicators.selectors import parse_period

    assert parse_period(text) == parsed
