"""Period on period for the briefings: the collection's monthly or quarterly returns (cumulative to the period's end),
their approved values summed over the reporting regions, compared with the previous period and the same period last
year; and, apart, the returns not approved yet (drafts are shown as drafts, never added in).

The reference period of a data set is the latest ended one whose returns are all approved (a final figure); when no
period is complete, the latest with any approved return, its coverage shown. A comparison is made on the same
regions only: a period where one of them has no approved value is not compared ("—"), rather than comparing totals of
different regions.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from kechuang.core.models import OrgUnit
from kechuang.indicators.models import DataSet, Indicator, Observation, Submission
from kechuang.indicators.selectors import approved_observations, period_end, readable_org_units

LOOK_BACK_YEARS = 2  # this year and the last two: the same period last year, and its previous period in January


@dataclass
class Figure:
    """One indicator of a data set in its reference period."""

    indicator: Indicator
    year: int
    period: int
    cumulative: float  # year to date: the approved values of `regions` summed
    alone: float | None  # the period by itself (cumulative less the previous period's)
    previous_alone: float | None  # the previous period by itself
    year_ago: float | None  # the same period last year, cumulative
    year_ago_alone: float | None  # the same period last year by itself
    regions: int  # regions whose approved values are summed


@dataclass
class Pending:
    """A period after the reference whose returns are not all approved: the forms by state and what they hold."""

    year: int
    period: int
    states: dict[str, int]  # approved, submitted, returned, draft, missing (not started)
    values: list[tuple[Indicator, float, int]] = field(default_factory=list)  # (indicator, sum, regions) unapproved


@dataclass
class Returns:
    data_set: DataSet
    units: int  # the reporting regions the reader may see
    approved: int  # of them, with every value of the reference period approved
    year: int
    period: int
    figures: list[Figure]
    pending: list[Pending]

    @property
    def complete(self) -> bool:
        return self.approved == self.units


def _step(data_set: DataSet, year: int, period: int, back: int = 1) -> tuple[int, int]:
    """The period `back` periods before (year, period)."""
    n = 12 if data_set.period_type == DataSet.PeriodType.MONTHLY else 4
    index = year * n + period - 1 - back
    return index // n, index % n + 1


def _ended(data_set: DataSet, today: dt.date, count: int) -> list[tuple[int, int]]:
    """The last `count` periods that have ended by `today`, latest first."""
    n = 12 if data_set.period_type == DataSet.PeriodType.MONTHLY else 4
    year, period = today.year, n
    while period_end(data_set, year, period) >= today:
        year, period = _step(data_set, year, period)
    out = [(year, period)]
    while len(out) < count:
        out.append(_step(data_set, *out[-1]))
    return out


def returns_for(user: Any, period_type: str, today: dt.date) -> list[Returns]:
    """Every active data set of `period_type` (monthly or quarterly) reported by regions, as `user` may read it."""
    found = []
    for data_set in DataSet.objects.filter(is_active=True, period_type=period_type).prefetch_related(
        "org_units", "indicators"
    ):
        regions = [u for u in readable_org_units(user, data_set) if u.kind == OrgUnit.Kind.REGION]
        # in the catalogue's order (the seller's turnover before the buyer's): the summary names the first
        indicators = sorted(
            (i for i in data_set.indicators.all() if not i.formula and i.aggregation == Indicator.Aggregation.SUM),
            key=lambda i: i.pk,
        )
        if regions and indicators:
            result = _returns(user, data_set, regions, indicators, today)
            if result is not None:
                found.append(result)
    return found


def _returns(
    user: Any, data_set: DataSet, regions: list[OrgUnit], indicators: list[Indicator], today: dt.date
) -> Returns | None:
    field_name = "month" if data_set.period_type == DataSet.PeriodType.MONTHLY else "quarter"
    rows = (
        Observation.objects.visible_to(user)
        .filter(indicator__in=indicators, region__in=regions, year__gte=today.year - LOOK_BACK_YEARS)
        .filter(**{f"{field_name}__gt": 0})
    )
    approved: dict[tuple[int, int, int], dict[int, float]] = defaultdict(dict)  # (indicator, year, period) → region
    for ind, region, year, period, value in approved_observations(rows).values_list(
        "indicator_id", "region_id", "year", field_name, "value"
    ):
        approved[(ind, year, period)][region] = float(value)
    ended = _ended(data_set, today, 12 * (LOOK_BACK_YEARS + 1))
    region_ids = {r.pk for r in regions}

    def approved_regions(year: int, period: int) -> set[int]:
        sets = [set(approved.get((i.pk, year, period), {})) for i in indicators]
        return set.intersection(*sets) & region_ids

    reference = next((p for p in ended if approved_regions(*p) == region_ids), None)
    if reference is None:
        reference = next((p for p in ended if approved_regions(*p)), None)
    if reference is None:
        return None
    year, period = reference
    chosen = approved_regions(year, period)

    def total(ind: Indicator, y: int, p: int) -> float | None:
        values = approved.get((ind.pk, y, p), {})
        return sum(values[r] for r in chosen) if chosen <= set(values) else None

    def alone(ind: Indicator, y: int, p: int) -> float | None:
        now = total(ind, y, p)
        if now is None or p == 1:
            return now  # the first period of the year is its own cumulative figure
        before = total(ind, y, p - 1)
        return None if before is None else now - before

    figures = []
    for ind in indicators:
        previous = _step(data_set, year, period)
        figures.append(
            Figure(
                indicator=ind,
                year=year,
                period=period,
                cumulative=total(ind, year, period) or 0.0,
                alone=alone(ind, year, period),
                previous_alone=alone(ind, *previous),
                year_ago=total(ind, year - 1, period),
                year_ago_alone=alone(ind, year - 1, period),
                regions=len(chosen),
            )
        )
    later = [p for p in ended if p > reference]
    return Returns(
        data_set, len(regions), len(chosen), year, period, figures, _pending(user, data_set, regions, indicators, later)
    )


def _pending(
    user: Any, data_set: DataSet, regions: list[OrgUnit], indicators: list[Indicator], periods: list[tuple[int, int]]
) -> list[Pending]:
    """The returns after the reference period, latest first: forms by state (not started counted too) and the sums of
    the values in forms not approved."""
    if not periods:
        return []
    forms = (
        Submission.objects.visible_to(user)
        .filter(data_set=data_set, org_unit__in=regions, year__gte=min(periods)[0])
        .values_list("org_unit_id", "year", "period", "state")
    )
    states: dict[tuple[int, int], dict[int, str]] = defaultdict(dict)
    for unit, year, period, state in forms:
        states[(year, period)][unit] = state
    values: dict[tuple[int, int, int], list[float]] = defaultdict(list)
    for ind, year, period, value in (
        Observation.objects.visible_to(user)
        .filter(submission__data_set=data_set, submission__org_unit__in=regions, year__gte=min(periods)[0])
        .exclude(submission__state=Submission.State.APPROVED)
        .values_list("indicator_id", "submission__year", "submission__period", "value")
    ):
        values[(ind, year, period)].append(float(value))
    out = []
    for year, period in sorted(periods, reverse=True):
        of_period = states.get((year, period), {})
        counts = {
            state: sum(1 for s in of_period.values() if s == state)
            for state in (Submission.State.SUBMITTED, Submission.State.RETURNED, Submission.State.DRAFT)
        }
        counts["missing"] = len(regions) - len(of_period)
        if not any(counts.values()):
            continue  # every return of the period approved
        counts[Submission.State.APPROVED] = sum(1 for s in of_period.values() if s == Submission.State.APPROVED)
        sums = [(i, sum(values[(i.pk, year, period)]), len(values[(i.pk, year, period)])) for i in indicators]
        out.append(Pending(year, period, counts, [s for s in sums if s[2]]))
    return out
