"""The platform engines on plain data: the §2.5 transition table, the task-2 counting rule, the grade bands and the
gaps to the provincial criteria (talent-platforms-projects.md §2.2–2.5)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kechuang.platforms.engine import counting, gaps, grading, workflow
from kechuang.platforms.engine.counting import CountingRule, Event, PlatformHistory

BUREAU = {workflow.WRITER, workflow.DISTRICT, workflow.BUREAU}
DISTRICT = {workflow.WRITER, workflow.DISTRICT}
WRITER = {workflow.WRITER}

# The whole road of §2.5, each step with who takes it.
ROAD = [
    (workflow.RESERVE, workflow.APPLIED, WRITER),
    (workflow.APPLIED, workflow.DISTRICT_RECOMMENDED, DISTRICT),
    (workflow.DISTRICT_RECOMMENDED, workflow.FORMAL_CHECK, BUREAU),
    (workflow.FORMAL_CHECK, workflow.EXPERT_REVIEW, BUREAU),
    (workflow.EXPERT_REVIEW, workflow.PUBLICITY, BUREAU),
    (workflow.PUBLICITY, workflow.UNDER_CONSTRUCTION, BUREAU),
    (workflow.UNDER_CONSTRUCTION, workflow.ACCEPTANCE_REVIEW, BUREAU),
    (workflow.ACCEPTANCE_REVIEW, workflow.RECOGNISED, BUREAU),
    (workflow.RECOGNISED, workflow.RECTIFICATION, BUREAU),
    (workflow.RECTIFICATION, workflow.DOWNGRADED, BUREAU),
    (workflow.DOWNGRADED, workflow.REVOKED, BUREAU),
]


@pytest.mark.parametrize(("source", "target", "kinds"), ROAD)
def test_each_step_of_the_road_is_taken_by_its_actor_and_no_less(source, target, kinds):
    workflow.check(source, target, kinds, document_number="文号")
    smaller = {workflow.BUREAU: DISTRICT, workflow.DISTRICT: WRITER, workflow.WRITER: set()}[
        workflow.TRANSITIONS[(source, target)].actor
    ]
    with pytest.raises(workflow.TransitionRefused) as refused:
        workflow.check(source, target, smaller, document_number="文号")
    assert refused.value.reason == "not_allowed"


@pytest.mark.parametrize(
    ("source", "target", "kinds", "reason"),
    [
        (workflow.RESERVE, workflow.RECOGNISED, BUREAU, "not_a_step"),  # a jump from the pool to the title
        (workflow.APPLIED, workflow.RECOGNISED, BUREAU, "not_a_step"),
        (workflow.REVOKED, workflow.RECOGNISED, BUREAU, "not_a_step"),  # revoked is final
        (workflow.MERGED, workflow.RECTIFICATION, BUREAU, "not_a_step"),
        (workflow.PUBLICITY, workflow.RECOGNISED, DISTRICT, "not_allowed"),  # a district recognising
        (workflow.ACCEPTANCE_REVIEW, workflow.RECOGNISED, DISTRICT, "not_allowed"),
        (workflow.DISTRICT_RECOMMENDED, workflow.FORMAL_CHECK, DISTRICT, "not_allowed"),
        (workflow.ACCEPTANCE_REVIEW, workflow.RECOGNISED, BUREAU, "document_required"),  # no document number
        (workflow.RECOGNISED, workflow.REVOKED, BUREAU, "document_required"),
    ],
)
def test_forbidden_steps_are_refused_with_their_reason(source, target, kinds, reason):
    with pytest.raises(workflow.TransitionRefused) as refused:
        workflow.check(source, target, kinds, document_number="")
    assert refused.value.reason == reason


def test_no_actor_kind_but_the_bureau_takes_a_step_into_a_title():
    for (source, target), step in workflow.TRANSITIONS.items():
        if target in workflow.HOLDING or target in workflow.ENDED:
            assert step.actor == workflow.BUREAU, (source, target)


@given(st.lists(st.integers(min_value=0, max_value=50), max_size=30), st.sampled_from([WRITER, DISTRICT, BUREAU]))
def test_any_walk_stays_in_the_table(choices, kinds):
    state = workflow.RESERVE
    for choice in choices:
        steps = workflow.allowed(state, kinds)
        if not steps:
            break
        step = steps[choice % len(steps)]
        workflow.check(state, step.target, kinds, document_number="x")
        state = step.target
        assert state in workflow.STATES
        if kinds != BUREAU:
            assert state not in workflow.HOLDING | workflow.ENDED


# ------------------------------------------------------------------------------------------------ counting

D = dt.date
RULE = CountingRule(counted_types=frozenset({"erc", "lab"}))


def history(pk, events, *, lineage=None, type_code="erc", region="r1"):
    return PlatformHistory(pk, lineage or pk, type_code, region, tuple(Event(*e) for e in events))


def test_a_platform_at_two_levels_counts_once_at_its_highest():
    provincial = history(1, [(D(2020, 5, 1), "recognised", "province")])
    national = history(2, [(D(2023, 5, 1), "recognised", "national")], lineage=1)
    tally = counting.count_on([provincial, national], D(2024, 12, 31), RULE)
    assert tally.total == 1 and tally.by_level == {"national": 1}
    assert [c.pk for c in tally.counted] == [2]
    # before the national title it counted once, as provincial
    assert counting.count_on([provincial, national], D(2022, 12, 31), RULE).by_level == {"province": 1}


def test_the_setting_on_platforms_under_construction_changes_the_count():
    building = history(1, [(D(2024, 3, 1), "under_construction", "province")])
    held = history(2, [(D(2021, 3, 1), "recognised", "province")])
    assert counting.count_on([building, held], D(2024, 12, 31), RULE).total == 1
    with_building = CountingRule(counted_types=RULE.counted_types, count_under_construction=True)
    assert counting.count_on([building, held], D(2024, 12, 31), with_building).total == 2


def test_a_revoked_platform_leaves_the_count_the_year_it_is_revoked():
    p = history(1, [(D(2019, 6, 1), "recognised", "province"), (D(2025, 3, 10), "revoked", "province")])
    today = D(2026, 6, 30)
    trajectory = counting.trajectory([p], [2024, 2025, 2026], RULE, today)
    assert [trajectory[y].total for y in (2024, 2025, 2026)] == [1, 0, 0]


def test_type_flag_level_and_state_decide():
    items = [
        history(1, [(D(2020, 1, 1), "recognised", "province")], type_code="station"),  # type not counted
        history(2, [(D(2020, 1, 1), "recognised", "city")]),  # municipal
        history(3, [(D(2020, 1, 1), "reserve", "province")]),  # in the pool
        history(4, [(D(2020, 1, 1), "recognised", "province"), (D(2021, 1, 1), "rectification", "province")]),
        history(5, [(D(2020, 1, 1), "recognised", "province"), (D(2021, 1, 1), "downgraded", "city")]),
    ]
    tally = counting.count_on(items, D(2022, 12, 31), RULE)
    assert [c.pk for c in tally.counted] == [4]
    assert counting.count_on(items, D(2020, 12, 31), RULE).total == 2  # 4 and 5 before the downgrade


def test_this_year_is_counted_as_of_today():
    assert counting.reference_day(2026, D(2026, 6, 30)) == D(2026, 6, 30)
    assert counting.reference_day(2025, D(2026, 6, 30)) == D(2025, 12, 31)


event = st.tuples(
    st.dates(min_value=D(2010, 1, 1), max_value=D(2026, 12, 31)),
    st.sampled_from(["reserve", "recognised", "under_construction", "rectification", "revoked", "closed"]),
    st.sampled_from(["national", "province", "city"]),
)


@given(
    st.lists(
        st.tuples(st.integers(1, 8), st.sampled_from(["erc", "lab", "other"]), st.lists(event, min_size=1, max_size=4)),
        max_size=25,
    ),
    st.booleans(),
)
def test_counting_invariants(rows, building):
    items = [
        history(i + 1, sorted(evts), lineage=lineage, type_code=type_code)
        for i, (lineage, type_code, evts) in enumerate(rows)
    ]
    rule = CountingRule(counted_types=RULE.counted_types, count_under_construction=building)
    tally = counting.count_on(items, D(2024, 12, 31), rule)
    assert tally.total <= len({h.lineage for h in items})
    assert tally.total == sum(tally.by_type.values()) == sum(tally.by_level.values()) == sum(tally.by_region.values())
    assert set(tally.by_level) <= {"national", "province"}
    today = D(2026, 6, 30)
    by_year = counting.trajectory(items, range(2010, 2027), rule, today)
    for year, tally_of_year in by_year.items():  # the one-pass trajectory is count_on for each year
        expected = counting.count_on(items, counting.reference_day(year, today), rule)
        assert (tally_of_year.total, tally_of_year.by_type, tally_of_year.by_level, tally_of_year.by_region) == (
            expected.total,
            expected.by_type,
            expected.by_level,
            expected.by_region,
        )
    assert by_year[2026].counted == counting.count_on(items, today, rule).counted
    wider = counting.count_on(items, D(2024, 12, 31), CountingRule(RULE.counted_types, count_under_construction=True))
    assert wider.total >= counting.count_on(items, D(2024, 12, 31), CountingRule(RULE.counted_types)).total


# ------------------------------------------------------------------------------------------------ grades and gaps

ERC = [[85, "excellent"], [60, "pass"], [0, "fail"]]  # 鲁发改高技〔2021〕427号


@pytest.mark.parametrize(
    ("score", "grade"),
    [(100, "excellent"), (85, "excellent"), (84.99, "pass"), (60, "pass"), (59.99, "fail"), (0, "fail")],
)
def test_engineering_research_centre_grades(score, grade):
    assert grading.grade_for(score, ERC) == grade


@pytest.mark.parametrize(
    "bands",
    [
        [[85, "excellent"], [60, "pass"]],
        [[85, "great"], [0, "fail"]],
        [[60, "pass"], [60, "good"], [0, "fail"]],
        [[120, "pass"], [0, "fail"]],
    ],
)
def test_bad_bands_are_refused(bands):
    with pytest.raises(grading.BandsError):
        grading.check_bands(bands)


def test_a_score_outside_0_100_has_no_grade():
    with pytest.raises(ValueError):
        grading.grade_for(101, ERC)


def test_gaps_show_have_need_and_shortfall_closest_first():
    criteria = {"rd_staff": 50, "space_m2": 2000, "equipment_wan": 1000}
    near = gaps.distance({"rd_staff": 48, "space_m2": 2500, "equipment_wan": 1000}, criteria)
    far = gaps.distance({"rd_staff": 10, "space_m2": None, "equipment_wan": 200}, criteria)
    assert near.failed == 1 and [g.shortfall for g in near.gaps] == [2, 0, 0]
    assert far.failed == 3 and far.gaps[1].shortfall == 2000 and far.gaps[1].have is None
    assert sorted([far, near], key=gaps.rank_key) == [near, far]


def test_the_types_file_reads_and_keeps_the_reference_rules():
    from kechuang.platforms.catalogue import read_types

    types = {row["code"]: row for row in read_types()}
    erc = types["engineering_research_centre"]
    assert erc["grade_bands"] == ERC and erc["province_criteria"] == {
        "space_m2": 2000,
        "equipment_wan": 1000,
        "rd_staff": 50,
    }
    counted = {code for code, row in types.items() if row["counts_for_task2"]}
    assert {
        "tech_innovation_centre",
        "industry_innovation_centre",
        "manufacturing_innovation_centre",
        "enterprise_tech_centre",
        "engineering_research_centre",
    } <= counted
    assert "academician_station" not in counted
