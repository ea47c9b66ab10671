"""The policy-push engine: each condition by table, the composition, the list's rules, and a property test that the
list matches the rules on generated firms."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from kechuang.portal.push import MAX_GAP, Firm, Offer, Verdict, evaluate, push_list
from kechuang.portal.push.engine import APPLIED, GAP, QUALIFIES, validate_rule
from kechuang.portal.selectors import NO_RULES, _rules_of, push_rules, rules_file

TODAY = dt.date(2026, 6, 30)
TIERS = ("tech_sme", "high_tech", "innovative_sme", "specialized_sme", "little_giant")


def firm(**kw) -> Firm:
    return Firm(credit_code=kw.pop("credit_code", "X"), in_register=kw.pop("in_register", True), **kw)


def offer(requires, **kw) -> Offer:
    defaults = {"source": "rule", "key": "k", "title": "t", "kind": "loan", "rule_text": "r", "clause": "c"}
    return Offer(requires=requires, **{**defaults, **kw})


ELIGIBLE = Verdict(eligible=True, failed=0)
ONE_AWAY = Verdict(eligible=False, failed=1, gaps=("研发费用占比 2.7%，低于 3%",))
TWO_AWAY = Verdict(eligible=False, failed=2, gaps=("a", "b"))
UNKNOWN = Verdict(eligible=False, failed=None)


@pytest.mark.parametrize(
    ("condition", "the_firm", "met", "distance", "gap_kinds"),
    [
        ({"in_register": True}, firm(), True, 0, []),
        ({"in_register": True}, firm(in_register=False), False, None, ["not_in_register"]),
        ({"tier_held": "tech_sme"}, firm(held=frozenset({"tech_sme"})), True, 0, []),
        ({"tier_held": "tech_sme"}, firm(verdicts={"tech_sme": ELIGIBLE}), False, 1, ["tier_needed"]),
        ({"tier_held": "tech_sme"}, firm(verdicts={"tech_sme": ONE_AWAY}), False, 2, ["tier_needed"]),
        ({"tier_held": "tech_sme"}, firm(verdicts={"tech_sme": UNKNOWN}), False, None, ["tier_unknown"]),
        ({"tier_held": "tech_sme"}, firm(), False, None, ["tier_unknown"]),
        ({"tier_open": "high_tech"}, firm(verdicts={"high_tech": ELIGIBLE}), True, 0, []),
        ({"tier_open": "high_tech"}, firm(verdicts={"high_tech": ONE_AWAY}), False, 1, ["tier_apply"]),
        ({"tier_open": "high_tech"}, firm(verdicts={"high_tech": TWO_AWAY}), False, 2, ["tier_apply"]),
        (
            {"tier_open": "high_tech"},
            firm(held=frozenset({"high_tech"}), verdicts={"high_tech": ELIGIBLE}),
            False,
            None,
            ["tier_held_already"],
        ),
        ({"has_score": True}, firm(score="72.5 · B"), True, 0, []),
        ({"has_score": True}, firm(), False, None, ["no_score"]),
        ({"employs_talents": True}, firm(talents=2), True, 0, []),
        ({"employs_talents": True}, firm(), False, None, ["no_talents"]),
        (
            {"any": [{"tier_held": "tech_sme"}, {"tier_held": "high_tech"}]},
            firm(held=frozenset({"high_tech"})),
            True,
            0,
            [],
        ),
        (
            {"any": [{"tier_held": "tech_sme"}, {"tier_held": "high_tech"}]},
            firm(verdicts={"tech_sme": TWO_AWAY, "high_tech": ELIGIBLE}),
            False,
            1,
            ["tier_needed"],
        ),
        (
            {"all": [{"in_register": True}, {"tier_held": "tech_sme"}]},
            firm(verdicts={"tech_sme": ELIGIBLE}),
            False,
            1,
            ["tier_needed"],
        ),
        (
            {"all": [{"in_register": True}, {"has_score": True}]},
            firm(in_register=False, score="60 · C"),
            False,
            None,
            ["not_in_register"],
        ),
    ],
)
def test_condition_table(condition, the_firm, met, distance, gap_kinds):
    outcome = evaluate(condition, the_firm)
    assert (outcome.met, outcome.distance, [g.kind for g in outcome.gaps]) == (met, distance, gap_kinds)


def test_one_away_gap_carries_the_ladder_sentences():
    outcome = evaluate({"tier_open": "high_tech"}, firm(verdicts={"high_tech": ONE_AWAY}))
    assert outcome.gaps[0].texts == ("研发费用占比 2.7%，低于 3%",)


@pytest.mark.parametrize("bad", [{}, {"a": 1, "b": 2}, {"nonsense": True}, {"any": []}])
def test_malformed_conditions_are_refused(bad):
    with pytest.raises(ValueError):
        evaluate(bad, firm())


def test_list_drops_passed_deadlines_and_far_offers_and_orders_by_status_then_deadline():
    f = firm(held=frozenset({"tech_sme"}), verdicts={"high_tech": TWO_AWAY, "little_giant": ONE_AWAY})
    offers = [
        offer({"in_register": True}, key="late", deadline=TODAY + dt.timedelta(days=30)),
        offer({"in_register": True}, key="soon", deadline=TODAY + dt.timedelta(days=3)),
        offer({"in_register": True}, key="gone", deadline=TODAY - dt.timedelta(days=1)),
        offer({"in_register": True}, key="today", deadline=TODAY),
        offer({"tier_open": "high_tech"}, key="far"),
        offer({"tier_open": "little_giant"}, key="near"),
        offer({"in_register": True}, key="done", applied=True),
    ]
    items = push_list(f, offers, TODAY)
    assert [(i.offer.key, i.status) for i in items] == [
        ("today", QUALIFIES),
        ("soon", QUALIFIES),
        ("late", QUALIFIES),
        ("near", GAP),
        ("done", APPLIED),
    ]


def test_every_rule_of_the_data_file_is_well_formed():
    data = yaml.safe_load(rules_file("zibo").read_text(encoding="utf-8"))
    for rule in data["rules"]:
        validate_rule(rule)
    assert len({r["code"] for r in data["rules"]}) == len(data["rules"])
    for section in ("calls", "talent_rounds"):
        evaluate(data[section]["requires"], firm())


@pytest.mark.django_db
def test_the_rules_are_the_city_data_of_the_policy_the_platform_runs():
    """City data, not code (DESIGN.md): `kechuang/portal/data/<city code>.yaml`, the city of the default policy; a
    city without its file pushes no rule of its own, and its calls and talent rounds on the plain conditions."""
    from kechuang.core.registry import default_policy

    city = default_policy().city.code
    assert rules_file(city).is_file() and push_rules() is _rules_of(city)
    assert {r["code"] for r in push_rules()["rules"]} >= {"title_high_tech", "lukedai"}
    assert _rules_of("a-city-without-rules") is NO_RULES and _rules_of("") is NO_RULES
    for section in ("calls", "talent_rounds"):
        evaluate(NO_RULES[section]["requires"], firm())


def test_validate_rule_names_what_is_missing():
    with pytest.raises(ValueError, match="clause"):
        validate_rule({"code": "x", "title": "t", "kind": "loan", "rule": "r", "document": "d", "requires": {}})


# ---------------------------------------------------------------- the property: the list matches the rules
verdicts = st.one_of(
    st.none(),
    st.builds(Verdict, eligible=st.just(True), failed=st.just(0)),
    st.builds(Verdict, eligible=st.just(False), failed=st.one_of(st.none(), st.integers(1, 4))),
)
firms = st.builds(
    Firm,
    credit_code=st.just("F"),
    in_register=st.booleans(),
    held=st.frozensets(st.sampled_from(TIERS)),
    verdicts=st.dictionaries(st.sampled_from(TIERS), verdicts.filter(lambda v: v is not None)),
    score=st.sampled_from(["", "61.0 · C", "88.5 · A"]),
    talents=st.integers(0, 3),
)
simple = st.one_of(
    st.just({"in_register": True}),
    st.sampled_from(TIERS).map(lambda t: {"tier_held": t}),
    st.sampled_from(TIERS).map(lambda t: {"tier_open": t}),
    st.just({"has_score": True}),
    st.just({"employs_talents": True}),
)
offers = st.lists(
    st.builds(
        lambda req, days, applied, i: offer(
            req, key=f"o{i}", deadline=None if days is None else TODAY + dt.timedelta(days=days), applied=applied
        ),
        simple,
        st.one_of(st.none(), st.integers(-5, 5)),
        st.booleans(),
        st.integers(0, 10_000),
    ),
    max_size=12,
    unique_by=lambda o: o.key,
)


def expected_status(f: Firm, o: Offer) -> str | None:
    """The rules in words, independently of the engine: what a firm is told about one single-condition offer."""
    if o.deadline is not None and o.deadline < TODAY:
        return None
    if o.applied:
        return APPLIED
    (kind, tier), *_ = o.requires.items()
    verdict = f.verdicts.get(tier) if isinstance(tier, str) else None
    if kind == "in_register":
        return QUALIFIES if f.in_register else None
    if kind == "has_score":
        return QUALIFIES if f.score else None
    if kind == "employs_talents":
        return QUALIFIES if f.talents else None
    if kind == "tier_held":
        if tier in f.held:
            return QUALIFIES
        # not held: one step away only when the ladder finds it eligible (the application is the step)
        return GAP if verdict is not None and verdict.eligible else None
    if kind == "tier_open":
        if tier in f.held or verdict is None or verdict.failed is None:
            return None
        if verdict.eligible:
            return QUALIFIES
        return GAP if verdict.failed <= MAX_GAP else None
    raise AssertionError(kind)


@given(firms, offers)
def test_push_list_matches_the_rules_on_generated_firms(f, some_offers):
    listed = {i.offer.key: i.status for i in push_list(f, some_offers, TODAY)}
    expected = {o.key: s for o in some_offers if (s := expected_status(f, o)) is not None}
    assert listed == expected


@given(firms, offers)
def test_a_listed_offer_that_is_not_met_always_says_what_is_missing(f, some_offers):
    for item in push_list(f, some_offers, TODAY):
        if item.status == GAP:
            assert item.outcome.gaps
        if item.status == QUALIFIES:
            assert item.outcome.reasons and not item.outcome.gaps
