"""The talent module's pure rules: GB 11643 check digit, the §1.6 workflow table, claw-back, derived tier."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kechuang.talent.engines import idcard, tiers
from kechuang.talent.engines import workflow as wf


@pytest.mark.parametrize(
    ("number", "problem"),
    [
        ("11010519491231002X", None),  # the standard's own example
        ("11010519491231002x", None),  # a lower-case x is the same number
        ("440524188001010014", None),
        ("110105194912310021", "check_digit"),
        ("11010519491331002X", "birth_date"),  # month 13
        ("11010519490230002X", "birth_date"),  # 30 February
        ("1101051949123100", "shape"),
        ("11010519491231002Y", "shape"),
        ("", "shape"),
    ],
)
def test_gb11643_table(number, problem):
    assert idcard.problem(number) == problem


@given(st.from_regex(r"[0-9]{6}(19[5-9][0-9]|200[0-9])(0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8])[0-9]{3}", fullmatch=True))
def test_every_changed_digit_is_caught(first17):
    number = first17 + idcard.check_char(first17)
    assert idcard.problem(number) is None
    # Changing any one of the 17 digits changes the check character (MOD 11-2 catches every single-digit error).
    for i in range(17):
        for d in "0123456789":
            if d != number[i]:
                changed = number[:i] + d + number[i + 1 :]
                assert idcard.check_char(changed[:17]) != changed[17]
                break


def test_gender_and_birth_date_from_the_number():
    assert idcard.birth_date("11010519491231002X") == dt.date(1949, 12, 31)
    assert idcard.gender("11010519491231002X") == "female"
    assert idcard.gender("440524188001010014") == "male"


MAIN_PATH = [
    (wf.DRAFT, wf.SUBMIT, wf.SUBMITTED),
    (wf.SUBMITTED, wf.RECOMMEND, wf.RECOMMENDED),
    (wf.RECOMMENDED, wf.ACCEPT_FOR_CHECK, wf.FORMAL_CHECK),
    (wf.FORMAL_CHECK, wf.PASS_CHECK, wf.EXPERT_REVIEW),
    (wf.EXPERT_REVIEW, wf.PUBLISH, wf.PUBLICITY),
    (wf.PUBLICITY, wf.APPROVE, wf.APPROVED),
    (wf.APPROVED, wf.SIGN, wf.AGREEMENT),
    (wf.AGREEMENT, wf.DISBURSE, wf.FUNDED),
    (wf.FUNDED, wf.CHECK, wf.ANNUAL_CHECK),
    (wf.ANNUAL_CHECK, wf.EVALUATE, wf.TERM_EVALUATION),
    (wf.TERM_EVALUATION, wf.CLOSE, wf.CLOSED),
]


@pytest.mark.parametrize(("state", "action", "after"), MAIN_PATH)
def test_main_path(state, action, after):
    assert wf.next_state(state, action) == after


ACTIONS = sorted({a for _s, a in wf.TRANSITIONS})


@pytest.mark.parametrize(
    ("state", "action"),
    [
        (wf.DRAFT, wf.APPROVE),  # no approval before the review and 公示
        (wf.SUBMITTED, wf.PUBLISH),  # the district and the formal check cannot be skipped
        (wf.EXPERT_REVIEW, wf.APPROVE),  # no approval without 公示
        (wf.APPROVED, wf.DISBURSE),  # no money before the agreement
        (wf.NOT_APPROVED, wf.APPROVE),
        (wf.CLOSED, wf.LEAVE),
        (wf.WITHDRAWN, wf.DISBURSE),
        (wf.REMOVED, wf.REINSTATE),
    ],
)
def test_forbidden_steps_are_refused(state, action):
    with pytest.raises(wf.TransitionRefused):
        wf.next_state(state, action)


def test_terminal_states_have_no_step():
    for state in (wf.NOT_APPROVED, wf.CLOSED, wf.WITHDRAWN, wf.REMOVED):
        assert wf.actions_from(state) == []


@pytest.mark.parametrize(
    ("paid", "left", "rule", "expected"),
    [
        ("100", dt.date(2027, 1, 1), "full", "100.00"),
        ("100", dt.date(2024, 1, 1), "pro_rata", "100.00"),  # left on the first day: all of it
        ("100", dt.date(2026, 1, 1), "pro_rata", "49.93"),  # 729 of the 1,460 days left
        ("100", dt.date(2028, 1, 2), "pro_rata", "0.00"),  # after the term: nothing
        ("100", dt.date(2026, 1, 1), "none", "0.00"),
        ("0", dt.date(2026, 1, 1), "full", "0.00"),
    ],
)
def test_clawback(paid, left, rule, expected):
    assert wf.clawback(Decimal(paid), dt.date(2024, 1, 1), dt.date(2027, 12, 31), left, rule) == Decimal(expected)


@given(st.decimals(min_value=0, max_value=10000, places=2), st.integers(min_value=0, max_value=2000))
def test_clawback_never_exceeds_what_was_paid(paid, day):
    left = dt.date(2024, 1, 1) + dt.timedelta(days=day)
    for rule in ("full", "pro_rata", "none"):
        assert Decimal(0) <= wf.clawback(paid, dt.date(2024, 1, 1), dt.date(2028, 12, 31), left, rule) <= paid


def test_derived_tier_is_the_highest():
    assert tiers.derived_tier([("E", 5), ("C", 3), ("D", 4)]) == "C"
    assert tiers.derived_tier([]) is None


def test_policy_push_reasons():
    from kechuang.talent.engines import push

    today = dt.date(2026, 4, 1)
    progs = [
        push.ProgrammeRule("young", "青年", "E", 5, 40, dt.date(2026, 4, 30)),
        push.ProgrammeRule("taishan", "泰山", "C", 3, None, dt.date(2026, 4, 30)),
        push.ProgrammeRule("closed", "已截止", "C", 3, None, dt.date(2026, 3, 1)),
        push.ProgrammeRule("yingcai", "英才", "D", 4, None, None),
    ]
    young_d = push.TalentFacts(dt.date(1990, 5, 1), "D", 4, True, frozenset(), frozenset())
    got = {p.code: r for p, r in push.qualifying(young_d, progs, today)}
    assert set(got) == {"taishan"}  # young would not raise a D talent; closed and yingcai have no open round
    assert ("raises_tier", ("D", "C")) in got["taishan"]
    newcomer = push.TalentFacts(dt.date(1990, 5, 1), None, None, True, frozenset(), frozenset())
    got = {p.code: r for p, r in push.qualifying(newcomer, progs, today)}
    assert set(got) == {"young", "taishan"} and ("age", (35, 40)) in got["young"]
    older = push.TalentFacts(dt.date(1980, 1, 1), None, None, True, frozenset(), frozenset({"taishan"}))
    assert [p.code for p, _r in push.qualifying(older, progs, today)] == []  # 46 > 40; already applied
    left = push.TalentFacts(dt.date(1990, 5, 1), None, None, False, frozenset(), frozenset())
    assert push.qualifying(left, progs, today) == []
