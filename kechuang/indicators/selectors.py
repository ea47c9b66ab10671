"""Reading indicator data: the resolver over visible observations, target cards, detail, ranking, forecast."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import BooleanField, Case, Count, F, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from kechuang.core import registry
from kechuang.core.models import OrgUnit
from kechuang.core.roles import Role
from kechuang.core.scope import _unit_ids
from kechuang.indicators import collection_rules as rules
from kechuang.indicators import forecast as engine
from kechuang.indicators import whatif as whatif_engine
from kechuang.indicators.compute import Resolver, Spec, parse_formula
from kechuang.indicators.models import (
    DataSet,
    Indicator,
    Observation,
    ObservationRevision,
    PublishedFigure,
    Submission,
    TargetAllocation,
    period_label,
)
from kechuang.indicators.progress import (
    AT_RISK,
    NO_DATA,
    OFF_TRACK,
    ON_TRACK,
    PROBABILITY_AT_RISK,
    PROBABILITY_ON_TRACK,
    QUOTA_AT_RISK,
    Assessment,
    assess,
    assess_quota,
    path_kind,
    status_from_probability,
)
from kechuang.policy.models import Policy, Target

FORECAST_LEVEL = 0.8
# Share of the reserve pool expected to qualify by the target year when the counting module measured no rates:
# one step away 50 %, two steps away 25 % (a stated assumption, shown on the page).
DEFAULT_CONVERSION = {"one_away": 0.5, "two_away": 0.25}


# ---------------------------------------------------------------------------------------------------------------------
# The resolver: every value a user may see, computed from entered observations


def partition_of(city: OrgUnit) -> list[OrgUnit]:
    return list(OrgUnit.objects.filter(parent=city, kind=OrgUnit.Kind.REGION, is_active=True, in_partition=True))


def regions_of(city: OrgUnit) -> list[OrgUnit]:
    return list(OrgUnit.objects.filter(parent=city, kind=OrgUnit.Kind.REGION, is_active=True))


def specs() -> dict[str, Spec]:
    return {
        code: Spec(code, aggregation, parse_formula(formula))
        for code, aggregation, formula in Indicator.objects.values_list("code", "aggregation", "formula")
    }


def department_codes(user: Any) -> set[str] | None:
    """Indicator codes a department officer is responsible for (None: not confined by department)."""
    if user.role != Role.DEPARTMENT_OFFICER:
        return None
    if user.org_unit_id is None:
        return set()
    ids = _unit_ids(user.org_unit)
    return set(Indicator.objects.filter(departments__in=ids).values_list("code", flat=True).distinct())


def _component_codes(codes: set[str], all_specs: dict[str, Spec]) -> set[str]:
    out: set[str] = set()
    stack = list(codes)
    while stack:
        spec = all_specs.get(stack.pop())
        if spec and spec.formula:
            for c in (spec.formula.numerator, spec.formula.denominator):
                if c not in out:
                    out.add(c)
                    stack.append(c)
    return out


@dataclass
class Context:
    """What one request needs to compute values: the city, its regions, the resolver, demo markers."""

    city: OrgUnit
    regions: list[OrgUnit]
    partition: list[OrgUnit]
    resolver: Resolver
    demo_keys: set[tuple[str, str, int]] = field(default_factory=set)
    allowed_codes: set[str] | None = None  # None: every indicator

    @property
    def any_demo(self) -> bool:
        return bool(self.demo_keys)

    def allows(self, code: str) -> bool:
        """Whether the user's scope covers indicator `code` (a department officer sees its department's)."""
        return self.allowed_codes is None or code in self.allowed_codes

    def is_demo(self, code: str, region: str, years: list[int] | None = None) -> bool:
        codes = {code} | _component_codes({code}, self.resolver.specs)
        return any(k[0] in codes and k[1] == region and (years is None or k[2] in years) for k in self.demo_keys)


APPROVED_OR_OUTSIDE_COLLECTION = Q(submission__isnull=True) | Q(submission__state="approved")


def approved_observations(queryset: QuerySet[Observation] | None = None) -> QuerySet[Observation]:
    """The values dashboards use: those the bureau approved in a collection form, and those entered outside the
    collection (the single-value form, imports, the registers' feeds). Drafts, submitted and returned forms' values
    are left out until approved; the observation list and the collection pages show them, marked."""
    queryset = Observation.objects.all() if queryset is None else queryset
    return queryset.filter(APPROVED_OR_OUTSIDE_COLLECTION)


def context_for(user: Any, city: OrgUnit, as_of: dt.datetime | None = None) -> Context:
    """Values from the observations the user may see. A department officer also gets, at city level, the components
    of the derived indicators their department is responsible for (so 市科技局 sees R&D intensity though GDP belongs
    to the statistics bureau); the raw component rows themselves stay out of their lists.

    `as_of`: the values as they stood at that moment (entered before it, revisions after it undone), e.g. for the
    briefing's "since last month"."""
    all_specs = specs()
    regions = regions_of(city)
    partition = [r for r in regions if r.in_partition]
    fields = ("indicator__code", "region__code", "year", "value", "is_demo")
    visible = approved_observations(Observation.objects.visible_to(user).annual().filter(region__in=[city, *regions]))
    allowed = department_codes(user)
    extra = _component_codes(allowed, all_specs) - allowed if allowed is not None else set()
    components = approved_observations(Observation.objects.annual().filter(indicator__code__in=extra, region=city))
    if as_of is None:
        rows = list(visible.values_list(*fields))
        if extra:
            rows += list(components.values_list(*fields))
    else:
        rows = _rows_as_of(visible, fields, as_of) + (_rows_as_of(components, fields, as_of) if extra else [])
    values = {(c, r, y): float(v) for c, r, y, v, _demo in rows}
    demo = {(c, r, y) for c, r, y, _v, d in rows if d}
    return Context(
        city, regions, partition, Resolver(values, all_specs, city.code, [p.code for p in partition]), demo, allowed
    )


def _rows_as_of(qs: QuerySet[Observation], fields: tuple[str, ...], as_of: dt.datetime) -> list[tuple]:
    """The rows as they stood at `as_of`: observations entered before it, each with its value of then (the old
    value of its first revision after that moment, if any)."""
    rows = list(qs.filter(created_at__lt=as_of).values_list("pk", *fields))
    before: dict[int, Decimal] = {}
    for observation_id, value in (
        ObservationRevision.objects.filter(observation__in=[r[0] for r in rows], changed_at__gte=as_of)
        .order_by("changed_at", "id")
        .values_list("observation_id", "value")
    ):
        before.setdefault(observation_id, value)
    value_at = fields.index("value")
    out = []
    for pk, *row in rows:
        if pk in before:
            row[value_at] = before[pk]
        out.append(tuple(row))
    return out


def focus_unit(user: Any, city: OrgUnit) -> OrgUnit:
    """The unit a user's dashboard looks at: a district officer's own region, otherwise the city."""
    if user.role == Role.DISTRICT_OFFICER and user.org_unit is not None and user.org_unit.kind == OrgUnit.Kind.REGION:
        return user.org_unit
    return city


# ---------------------------------------------------------------------------------------------------------------------
# Targets and their progress


def monitored_targets(policy: Policy) -> list[Target]:
    """The policy's numeric targets (deadline targets and recurring quotas), goals first."""
    qs = (
        policy.targets.exclude(comparator=Target.Comparator.ACHIEVED)
        .filter(value__isnull=False)
        .filter(Q(deadline__isnull=False) | ~Q(cadence=""))
        .select_related("indicator", "task", "goal")
        .prefetch_related("owners", Prefetch("allocations", queryset=TargetAllocation.objects.select_related("region")))
    )
    return sorted(qs, key=lambda t: (t.goal_id is None, t.deadline is None, t.task.number if t.task else 0, t.order))


def horizon_year(policy: Policy) -> int:
    """The year the headline targets fall due (the latest deadline), else the policy's last year (memoised on the
    policy object, so a page asks once)."""
    cached = getattr(policy, "_indicator_horizon", None)
    if cached is None:
        years = [d.year for d in policy.targets.filter(deadline__isnull=False).values_list("deadline", flat=True)]
        cached = max(years) if years else policy.effective_to.year
        policy._indicator_horizon = cached
    return cached


def target_of(policy: Policy, indicator: Indicator) -> Target | None:
    """The monitored target of an indicator (the first, goals first), if the policy sets one."""
    return next((t for t in monitored_targets(policy) if t.indicator_id == indicator.pk), None)


def deadline_year(target: Target | None, policy: Policy) -> int:
    """The year a target is judged in: its deadline's, else (a quota, or no target) the policy's horizon."""
    return target.deadline.year if target is not None and target.deadline else horizon_year(policy)


def is_quota(target: Target) -> bool:
    """A target with a cadence (every year, every two years …), judged period by period: a count per period (each
    year's new talents) or a level to hold every year (R&D intensity ≥ 3 %). The policy file says which: a
    `cadence` (P1Y/P2Y/P5Y) or a `deadline`, never both."""
    return bool(target.cadence)


def cadence_words(target: Target) -> str:
    """ "every year" / "every 2 years" in words (never the file's P1Y)."""
    from django.utils.translation import gettext

    years = target.cadence_years
    if not years:
        return ""
    return gettext("every year") if years == 1 else gettext("every %(n)s years") % {"n": years}


def status_rule_lines() -> list[str]:
    """The status rule in words, for every page that shows a status (progress.py holds the rule itself)."""
    from django.utils.translation import gettext

    return [
        gettext(
            "Targets with a deadline (by 2027 …): from the trend forecast's probability of meeting the target in the "
            "deadline year, shown beside the status: probability ≥ %(on)d%%: on track; ≥ %(risk)d%%: at risk; "
            "below %(risk)d%%: off track."
        )
        % {"on": round(PROBABILITY_ON_TRACK * 100), "risk": round(PROBABILITY_AT_RISK * 100)},
        gettext(
            "With fewer than three yearly values there is no forecast: the latest value is compared with the planned "
            "path from the baseline year to the target; at or above the path: on track; at least half the planned "
            "progress: at risk; less: off track."
        ),
        gettext(
            "Targets with a cadence (every year, every two years, every five years): the latest period's value meets "
            "the target: on track; at least %(quota)d%% of it: at risk; less: off track. Their probability and "
            "required growth are for the next period they fall due."
        )
        % {"quota": round(QUOTA_AT_RISK * 100)},
    ]


@dataclass
class Card:
    target: Target
    indicator: Indicator
    unit: OrgUnit
    target_value: float | None
    target_year: int
    series: list[tuple[int, float]]
    assessment: Assessment
    quota: bool
    demo: bool
    sparkline: str = ""

    @property
    def status(self) -> str:
        return self.assessment.status

    @property
    def cadence(self) -> str:
        return cadence_words(self.target)

    @property
    def is_region(self) -> bool:
        return self.unit.kind == OrgUnit.Kind.REGION

    @property
    def target_display(self) -> str:
        """The city target as the policy words it, or the region's share of it."""
        if not self.is_region or self.target_value is None:
            return self.target.value_display
        from kechuang.indicators.charts import fmt

        return f"{self.target.get_comparator_display()} {fmt(self.target_value)} {self.indicator.unit}".strip()


def target_value_for(target: Target, unit: OrgUnit, city: OrgUnit) -> float | None:
    """The city target, or a region's share of it (a ratio target applies to every region unless broken down)."""
    if unit.pk == city.pk:
        return float(target.value)
    for allocation in target.allocations.all():
        if allocation.region_id == unit.pk:
            return float(allocation.value)
    if target.indicator.aggregation == "ratio_of_sums" or target.indicator.formula:
        return float(target.value)
    return None


def assess_target(target: Target, series: list[tuple[int, float]], value: float | None, policy: Policy) -> Assessment:
    """The status of a target, by the one rule of progress.py: every page (cockpit, dashboard, indicator page,
    briefing, API) takes it from here, with the forecast whose probability decided it."""
    result = _assess(target, series, value, policy)
    result.rule = rule_sentence(result, target)
    return result


def _assess(target: Target, series: list[tuple[int, float]], value: float | None, policy: Policy) -> Assessment:
    if value is None:
        return Assessment(NO_DATA, *(series[-1] if series else (None, None)))
    indicator = target.indicator
    comparator = target.comparator
    if is_quota(target):
        result = assess_quota(series, quota=value, comparator=comparator)
        if result.latest_year is not None:
            # The probability and growth a cadence target needs are for its next due period, not the policy's end.
            result.due_year = result.latest_year + (target.cadence_years or 1)
            result.required_growth, _reason = engine.required_annual_growth(
                result.latest_value, value, result.due_year - result.latest_year
            )
            if len(series) >= engine.MIN_OBSERVATIONS:
                result.forecast = forecast_for(series, value, result.due_year, comparator, indicator=indicator)
                result.probability = result.forecast.get("probability_of_meeting_target")
        return result
    target_year = deadline_year(target, policy)
    result = assess(
        series,
        target=value,
        target_year=target_year,
        comparator=comparator,
        baseline_year=policy.issue_date.year,
        kind=path_kind(indicator.aggregation, bool(indicator.formula)),
        lower_is_better=indicator.direction == Indicator.Direction.DOWN,
    )
    result.due_year = target_year
    if result.latest_year is not None and result.latest_value is not None:
        result.required_growth, _reason = engine.required_annual_growth(
            result.latest_value, value, target_year - result.latest_year
        )
    if len(series) >= engine.MIN_OBSERVATIONS:
        result.forecast = forecast_for(series, value, target_year, comparator, indicator=indicator)
        result.probability = result.forecast.get("probability_of_meeting_target")
        if result.probability is not None:
            result.status = status_from_probability(result.probability)
            result.basis = "probability"
    return result


def rule_sentence(a: Assessment, target: Target) -> str:
    """The clause of the status rule that decided this assessment, in one short sentence with its numbers."""
    from django.utils.translation import gettext

    if a.latest_value is None or a.status == NO_DATA:
        return gettext("No status: no value entered yet.")
    if a.basis == "probability":
        return gettext(
            "By %(year)s: %(p)s%% probability of meeting the target (on track from %(on)d%%, at risk from %(risk)d%%)."
        ) % {
            "year": a.due_year,
            "p": round(a.probability * 100),
            "on": round(PROBABILITY_ON_TRACK * 100),
            "risk": round(PROBABILITY_AT_RISK * 100),
        }
    if a.basis == "quota":
        text = gettext(
            "%(cadence)s: the latest period (%(year)s) against the target (met: on track; at least %(q)d%%: at risk)."
        ) % {"cadence": cadence_words(target).capitalize(), "year": a.latest_year, "q": round(QUOTA_AT_RISK * 100)}
        if a.probability is not None:
            text += " " + gettext("Probability of meeting it in %(year)s: %(p)s%%.") % {
                "year": a.due_year,
                "p": round(a.probability * 100),
            }
        return text
    return gettext(
        "By %(year)s, with fewer than three yearly values (no forecast): the %(latest)s value against the planned "
        "path (on track at or above it; at risk from half the planned progress)."
    ) % {"year": a.due_year, "latest": a.latest_year}


def target_cards(user: Any, policy: Policy, ctx: Context | None = None) -> tuple[Context, OrgUnit, list[Card]]:
    ctx = ctx or context_for(user, policy.city)
    unit = focus_unit(user, policy.city)
    cards = [card_for(ctx, policy, t, unit) for t in monitored_targets(policy) if ctx.allows(t.indicator.code)]
    return ctx, unit, cards


def card_for(
    ctx: Context,
    policy: Policy,
    target: Target,
    unit: OrgUnit,
    *,
    indicator: Indicator | None = None,
    series: list[tuple[int, float]] | None = None,
    sparkline: bool = True,
) -> Card:
    """Where a target stands for `unit`: its value there, the unit's series and the assessment by the one status
    rule (the dashboard's cards, the indicator page, the briefing, the API and the cockpit all read it here)."""
    from kechuang.indicators.charts import sparkline_points

    indicator = indicator or target.indicator
    series = ctx.resolver.series(indicator.code, unit.code) if series is None else series
    value = target_value_for(target, unit, policy.city)
    assessment = assess_target(target, series, value, policy)
    return Card(
        target=target,
        indicator=indicator,
        unit=unit,
        target_value=value,
        target_year=deadline_year(target, policy),
        series=series,
        assessment=assessment,
        quota=is_quota(target),
        demo=ctx.is_demo(indicator.code, unit.code),
        sparkline=sparkline_points(series[-11:]) if sparkline else "",
    )


def status_counts(cards: list[Card]) -> dict[str, int]:
    """How many cards are on track, at risk, off track and without data."""
    return {k: sum(1 for c in cards if c.status == k) for k in (ON_TRACK, AT_RISK, OFF_TRACK, NO_DATA)}


def allocation_addup(target: Target, partition: list[OrgUnit]) -> dict[str, Any]:
    """Do the region shares add up to the city target? Only for additive (sum) indicators."""
    allocations = list(target.allocations.all())
    if not allocations:
        return {"state": "none"}
    if not target.indicator.is_additive:
        return {"state": "not_additive"}
    ids = {p.pk for p in partition}
    total = sum((a.value for a in allocations if a.region_id in ids), Decimal(0))
    missing = [p for p in partition if p.pk not in {a.region_id for a in allocations}]
    goal = target.value
    state = "ok" if total >= goal and not missing else "short"
    return {"state": state, "total": total, "goal": goal, "difference": total - goal, "missing": missing}


# ---------------------------------------------------------------------------------------------------------------------
# Forecast (cached: the engine takes a few ms per series)


def comparator_for_engine(comparator: str) -> str:
    return comparator if comparator in engine.COMPARATORS else "ge"


def forecast_for(
    series: list[tuple[int, float]], target: float, deadline: int, comparator: str, *, indicator: Indicator
) -> dict[str, Any]:
    """The indicator's forecast, cut at its floor (a count never forecast below 0): every page (cockpit, detail
    page, API, briefing, platform board) reads it here."""
    floor = indicator.floor
    key_data = json.dumps([series, target, deadline, comparator, FORECAST_LEVEL, floor])
    key = "indicators:forecast:" + hashlib.sha1(key_data.encode(), usedforsecurity=False).hexdigest()
    found = cache.get(key)
    if found is None:
        result = engine.forecast_series(
            series, target, deadline, comparator_for_engine(comparator), FORECAST_LEVEL, floor=floor
        )
        found = result.to_dict()
        cache.set(key, found, 3600)
    return found


def recent_growth(series: list[tuple[int, float]], years: int = 3) -> float | None:
    """Average (compound) annual growth over the last `years` years, as a fraction."""
    if len(series) < 2:
        return None
    tail = sorted(series)[-(years + 1) :]
    (y0, v0), (y1, v1) = tail[0], tail[-1]
    if v0 <= 0 or v1 <= 0 or y1 <= y0:
        return None
    return (v1 / v0) ** (1 / (y1 - y0)) - 1


# ---------------------------------------------------------------------------------------------------------------------
# Detail, region ranking, consistency


def observation_rows(user: Any, indicator: Indicator) -> QuerySet[Observation]:
    return (
        Observation.objects.visible_to(user)
        .filter(indicator=indicator)
        .select_related("region", "indicator", "submission__data_set", "submission__org_unit")
        .order_by("-year", "-quarter", "-month", "region__sort_order")
    )


def published_for(indicator: Indicator) -> list[PublishedFigure]:
    return list(
        PublishedFigure.objects.filter(indicator=indicator).select_related("indicator").order_by("region_label", "year")
    )


# Published figures that are not a full-year value of the same definition are listed, never drawn as a line.
_NOT_COMPARABLE = ("quarter", "not the", "first batch")


def province_comparison(figures: list[PublishedFigure], province: str) -> list[tuple[int, float, str]]:
    """The province's published full-year figures for the chart's comparison line: [(year, value, source), ...]."""
    if not province:
        return []
    by_year: dict[int, PublishedFigure] = {}
    for f in figures:
        if f.region_label != province or any(word in f.unit.lower() for word in _NOT_COMPARABLE):
            continue
        # One point a year: the province's series (stored under the catalogue code) over a figure quoted elsewhere
        kept = by_year.get(f.year)
        if kept is None or (f.indicator is not None and f.indicator_code == f.indicator.code):
            by_year[f.year] = f
    return [(year, float(f.value), f.source) for year, f in sorted(by_year.items())]


def comparison_source_summary(sources: list[str]) -> str:
    """The comparison line's sources in a few words: the bracketed kinds and the documents, without repeating the
    year in every title ("《2011年全国科技经费投入统计公报》 … 《2023年…》" → one entry)."""
    import re

    names: list[str] = []
    for source in sources:
        titles = re.findall(r"《([^》]+)》", source)
        if titles:
            found = ["《" + re.sub(r"^\d{4}年", "", t) + "》" for t in titles]
        else:  # "[tag] 中国科技统计年鉴(earlier edition) 技术市场…, tidy table …" → the document's name
            tag = re.match(r"^\[([^\]]*)\]\s*", source)
            bare = source[tag.end() :] if tag else source
            if tag and (bare.startswith("http") or not bare):  # a bare address: the bracket names the publisher
                found = [tag.group(1)]
            else:
                found = [re.split(r"[,，(（]| as | same", bare)[0].strip()[:40] or bare[:40]]
        for name in found:
            if name and name not in names:
                names.append(name)
    return "；".join(names)


def region_table(ctx: Context, code: str, years: list[int]) -> list[dict[str, Any]]:
    """One row per unit (city first), one value per year, each with how it was obtained."""
    rows = []
    for unit in [ctx.city, *ctx.regions]:
        cells = []
        for year in years:
            found = ctx.resolver.get(code, unit.code, year)
            cells.append({"value": None if found is None else found.value, "how": found.how if found else ""})
        if any(c["value"] is not None for c in cells):
            rows.append({"unit": unit, "cells": cells})
    return rows


def ranking(ctx: Context, indicator: Indicator, year: int, target: Target | None = None) -> list[dict[str, Any]]:
    """Regions ranked by the indicator in `year` (best first by its direction), with their region target."""
    allocations = {a.region_id: float(a.value) for a in target.allocations.all()} if target is not None else {}
    rows = []
    for unit in ctx.regions:
        value = ctx.resolver.value(indicator.code, unit.code, year)
        if value is None:
            continue
        allocation = allocations.get(unit.pk)
        rows.append(
            {
                "unit": unit,
                "value": value,
                "allocation": allocation,
                "percent": value / allocation * 100 if allocation else None,
                "demo": ctx.is_demo(indicator.code, unit.code, [year]),
            }
        )
    reverse = indicator.direction != Indicator.Direction.DOWN
    rows.sort(key=lambda r: r["value"], reverse=reverse)
    for i, row in enumerate(rows, start=1):
        row["rank"] = i
    return rows


def mismatches(ctx: Context, indicators: list[Indicator]) -> list[dict[str, Any]]:
    out = []
    for indicator in indicators:
        for m in ctx.resolver.mismatches(indicator.code):
            out.append({"indicator": indicator, "m": m})
    return out


# ---------------------------------------------------------------------------------------------------------------------
# Bottom-up pipeline projection from a module that counts the indicator (core.registry.indicator_pipeline)


def pipeline_projection(
    indicator_code: str, deadline: int | None = None, today_year: int | None = None
) -> dict[str, Any]:
    """Latest count + expected conversions from the reserve pool, as offered by the module that counts the
    indicator (the enterprise register for its tiers); measured conversion rates if it has them, otherwise
    DEFAULT_CONVERSION."""
    pipeline = registry.indicator_pipeline(indicator_code)
    if pipeline is None:
        return {"applicable": False}
    by_year = pipeline.counts
    if not by_year:
        return {"applicable": True, "empty": True}
    rates = dict(pipeline.rates or DEFAULT_CONVERSION)
    # Counts run into the future (a certificate counts in every year it covers): "now" is this year's count.
    today_year = today_year or dt.date.today().year
    past = [y for y in by_year if y <= today_year]
    latest_year = max(past) if past else min(by_year)
    expected = pipeline.one_away * rates["one_away"] + pipeline.two_away * rates["two_away"]
    return {
        "applicable": True,
        "empty": False,
        "latest_year": latest_year,
        "latest": by_year[latest_year],
        "one_away": pipeline.one_away,
        "two_away": pipeline.two_away,
        "rates": rates,
        "rates_source": "historic" if pipeline.rates else "default",
        "projected": by_year[latest_year] + expected,
        "history": sorted((y, n) for y, n in by_year.items() if y <= latest_year),
        "deadline": deadline,
        "secured": by_year.get(deadline) if deadline else None,
    }


def fed_values(
    code: str, years: Iterable[int] | None = None, feeds: list[registry.IndicatorFeed] | None = None
) -> list[tuple[str, registry.FeedRow]]:
    """What the modules feed for indicator `code`, computed now: [(source, row)] — for showing a module's count
    beside an official figure that differs from it. A page that already holds the feeds passes them."""
    return [
        (feed.source, registry.FeedRow(*row))
        for feed in (registry.indicator_feeds() if feeds is None else feeds)
        if feed.code == code
        for row in feed.rows(None if years is None else set(years))
    ]


def counted_beside_entered(
    user: Any,
    indicator: Indicator,
    unit: OrgUnit,
    feeds: list[registry.IndicatorFeed] | None = None,
    fed: list[tuple[str, registry.FeedRow]] | None = None,
) -> dict[str, Any]:
    """Where a module counts the indicator (core.registry feeds): its provenance, and every year of `unit` whose
    observation is a figure a person entered (an official figure) that differs from the module's count — both are
    shown, labelled. {} when no module counts it. `fed`: the indicator's fed values, if the page has them."""
    fed = fed_values(indicator.code, feeds=feeds) if fed is None else fed
    fed = [(source, row) for source, row in fed if row.region_code == unit.code]
    if not fed:
        return {}
    sources = sorted({source for source, _row in fed})
    counted = {(row.year, row.quarter): (source, row.value) for source, row in fed}
    entered = (
        Observation.objects.visible_to(user)
        .filter(indicator=indicator, region=unit, is_demo=False, year__in={y for y, _q in counted}, month=0)
        .exclude(source__in=sources)
        .order_by("-year", "-quarter")
    )
    rows = []
    for obs in entered:
        source, value = counted.get((obs.year, obs.quarter), ("", None))
        if value is not None and Decimal(value) != obs.value:
            rows.append(
                {
                    "period": obs.period_label,
                    "entered": obs.value,
                    "entered_source": obs.source,
                    "counted": Decimal(value),
                    "counted_source": source,
                    "difference": obs.value - Decimal(value),
                }
            )
    return {"sources": sources, "rows": rows}


def provenance(
    indicator: Indicator,
    unit: OrgUnit,
    year: int | None,
    feeds: list[registry.IndicatorFeed] | None = None,
    fed: list[tuple[str, registry.FeedRow]] | None = None,
) -> dict[str, Any]:
    """The source of `unit`'s annual value in `year` and, when a module counted it, the module's rule, when the value
    was last computed and a link to the records counted; a module's differing count of an entered figure if any.
    `fed`: the indicator's fed values (any years), if the page has them."""
    obs = Observation.objects.annual().filter(indicator=indicator, region=unit, year=year).first() if year else None
    if obs is None:
        return {}
    feeds = registry.indicator_feeds() if feeds is None else feeds
    mine = [f for f in feeds if f.code == indicator.code]
    counter = next((f for f in mine if f.source == obs.source), None)
    fed = fed_values(indicator.code, [year], mine) if fed is None else fed
    fed = [(s, r) for s, r in fed if r.region_code == unit.code and r.year == year and r.quarter == 0]
    other = next(((s, r.value) for s, r in fed if s != obs.source and Decimal(r.value) != obs.value), None)
    other_feed = next((f for f in mine if other and f.source == other[0]), None)

    def link(feed: registry.IndicatorFeed | None) -> str:
        if feed is None or feed.list_url is None:
            return ""
        return feed.list_url(None if unit.kind == OrgUnit.Kind.CITY else unit.code, year)

    return {
        "source": obs.source,
        "year": year,
        "counted_here": counter is not None,
        "rule": counter.rule if counter else "",
        "computed_at": obs.updated_at if counter else None,
        "list_url": link(counter),
        "counted_source": other[0] if other else "",
        "counted": other[1] if other else None,
        "counted_url": link(other_feed),
    }


# ---------------------------------------------------------------------------------------------------------------------
# Data collection: periods, deadlines, the completeness board


def period_end(data_set: DataSet, year: int, period: int) -> dt.date:
    """The last day of a form's period (a year, a quarter or a month)."""
    if data_set.period_type == DataSet.PeriodType.YEARLY or not period:
        return dt.date(year, 12, 31)
    month = period * 3 if data_set.period_type == DataSet.PeriodType.QUARTERLY else period
    return (dt.date(year, month, 1) + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


def period_start(data_set: DataSet, year: int, period: int) -> dt.date:
    if data_set.period_type == DataSet.PeriodType.YEARLY or not period:
        return dt.date(year, 1, 1)
    return dt.date(year, period * 3 - 2 if data_set.period_type == DataSet.PeriodType.QUARTERLY else period, 1)


def form_deadline(data_set: DataSet, year: int, period: int) -> dt.date:
    """When a form is due: the period's end plus the data set's deadline days."""
    return period_end(data_set, year, period) + dt.timedelta(days=data_set.deadline_days)


def periods_of(data_set: DataSet, year: int) -> list[int]:
    return data_set.periods()


def parse_period(text: str) -> tuple[int, int, str] | None:
    """A form URL's period: '2025' → (2025, 0, yearly); '2025Q3' → (2025, 3, quarterly); '2025-07' → (2025, 7,
    monthly); anything else None."""
    text = (text or "").strip().upper()
    year, rest = text[:4], text[4:]
    if not year.isdigit() or len(year) != 4:
        return None
    if not rest:
        return int(year), 0, DataSet.PeriodType.YEARLY
    if rest in ("Q1", "Q2", "Q3", "Q4"):
        return int(year), int(rest[1]), DataSet.PeriodType.QUARTERLY
    if len(rest) == 3 and rest[0] == "-" and rest[1:].isdigit() and 1 <= int(rest[1:]) <= 12:
        return int(year), int(rest[1:]), DataSet.PeriodType.MONTHLY
    return None


PERIOD_ORDER = {DataSet.PeriodType.YEARLY: 0, DataSet.PeriodType.QUARTERLY: 1, DataSet.PeriodType.MONTHLY: 2}


@dataclass
class BoardCell:
    """One form on the completeness board: organisation × data set × period."""

    data_set: DataSet
    org_unit: OrgUnit
    year: int
    period: int
    expected: int
    entered: int
    submission: Submission | None
    deadline: dt.date
    today: dt.date

    @property
    def state(self) -> str:
        return self.submission.state if self.submission else "missing"

    @property
    def state_label(self) -> str:
        from django.utils.translation import pgettext

        return self.submission.get_state_display() if self.submission else pgettext("return state", "Not started")

    @property
    def period_label(self) -> str:
        return period_label(self.year, self.period, self.data_set.period_type)

    @property
    def column(self) -> tuple[int, int]:
        """The board's column: the year first, then the quarters, then the months."""
        return PERIOD_ORDER[self.data_set.period_type], self.period

    @property
    def completeness(self) -> rules.Completeness:
        return rules.Completeness(self.expected, self.entered)

    @property
    def submitted_on(self) -> dt.date | None:
        found = self.submission.submitted_at if self.submission else None
        return timezone.localtime(found).date() if found else None

    @property
    def on_time(self) -> bool | None:
        """Submitted by the deadline (True), late or overdue (False), not yet due and not submitted (None)."""
        if self.submitted_on is not None and self.state in ("submitted", "approved"):
            return self.submitted_on <= self.deadline
        return False if self.today > self.deadline else None

    @property
    def overdue(self) -> bool:
        return self.today > self.deadline and self.state not in ("submitted", "approved")

    @property
    def colour(self) -> str:
        """The one status colour system: approved green, submitted or complete amber/green, missing red."""
        if self.state == "approved":
            return "on_track"
        if self.overdue and self.entered < self.expected:
            return "off_track"
        if self.entered == 0:
            return "none"
        return "at_risk"


# A form no longer needs its officer once it is submitted or approved, or once every value of its data set is in (a
# draft with all its values included): the one rule of a form's completeness for the reminders job
# (services.collection_reminders_send) and the message centre's "needs action" of a reminder
# (services.message_needs_action). Both read it through `forms_with_progress` / `FORM_HANDLED`.
FORM_HANDLED = Q(state__in=(Submission.State.SUBMITTED, Submission.State.APPROVED)) | Q(entered__gte=F("expected"))


def forms_with_progress(forms: QuerySet[Submission] | None = None) -> QuerySet[Submission]:
    """The forms (default: all) with `entered` (values stored in the form), `expected` (its data set's indicators)
    and `handled` (FORM_HANDLED) annotated, each as a subquery, so the queryset may itself be a subquery."""
    from django.db.models import OuterRef, Subquery
    from django.db.models.functions import Coalesce

    entered = (
        Observation.objects.filter(submission=OuterRef("pk")).order_by().values("submission").annotate(n=Count("pk"))
    )
    expected = (
        DataSet.indicators.through.objects.filter(dataset=OuterRef("data_set"))
        .order_by()
        .values("dataset")
        .annotate(n=Count("pk"))
    )
    forms = Submission.objects.all() if forms is None else forms
    return forms.annotate(
        entered=Coalesce(Subquery(entered.values("n")), 0),
        expected=Coalesce(Subquery(expected.values("n")), 0),
    ).annotate(handled=Case(When(FORM_HANDLED, then=Value(True)), default=Value(False), output_field=BooleanField()))


def incomplete_forms(forms: QuerySet[Submission] | None = None) -> QuerySet[Submission]:
    """The forms (default: all) that still need their officer: not submitted or approved, and a value missing. A
    form not started has no row: it is incomplete too, and its callers count it so."""
    return forms_with_progress(forms).filter(handled=False)


def readable_org_units(user: Any, data_set: DataSet) -> list[OrgUnit]:
    """The organisations of a data set whose forms `user` may read (city-wide roles: all; an officer: their own)."""
    from kechuang.core.roles import CITY_WIDE

    units = list(data_set.org_units.all())
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    if user.role in CITY_WIDE:
        return units
    kind = {Role.DISTRICT_OFFICER: OrgUnit.Kind.REGION, Role.DEPARTMENT_OFFICER: OrgUnit.Kind.DEPARTMENT}.get(user.role)
    own = _own_unit_ids(user)
    # the same rule as services.can_read_form (an officer reads the forms of their own organisation), with the
    # user's units read once for the whole board
    return [u for u in units if u.kind == kind and u.pk in own]


def _own_unit_ids(user: Any) -> set[int]:
    cached = getattr(user, "_collection_unit_ids", None)
    if cached is None:
        cached = set(_unit_ids(user.org_unit)) if user.org_unit_id else set()
        user._collection_unit_ids = cached
    return cached


def completeness_board(
    user: Any,
    *,
    year: int,
    today: dt.date,
    data_set_code: str = "",
    org_unit_code: str = "",
    state: str = "",
    period_type: str = "",
) -> list[BoardCell]:
    """Every form `user` may read for `year`: expected vs entered values, state and timeliness; periods that have
    not begun are left out. Filters: a data set, an organisation, a state ("missing" for forms not started,
    "overdue" for forms past their deadline and not submitted), a period type (yearly, quarterly, monthly)."""
    data_sets = DataSet.objects.filter(is_active=True).prefetch_related(
        Prefetch("org_units", queryset=OrgUnit.objects.order_by("kind", "sort_order"))
    )
    if data_set_code:
        data_sets = data_sets.filter(code=data_set_code)
    if period_type:
        data_sets = data_sets.filter(period_type=period_type)
    data_sets = list(data_sets.annotate(expected=Count("indicators", distinct=True)))
    forms = {
        (s.data_set_id, s.org_unit_id, s.period): s
        for s in Submission.objects.visible_to(user)
        .filter(year=year, data_set__in=data_sets)
        .annotate(entered=Count("observations"))
        .select_related("data_set", "org_unit")
    }
    cells = []
    for data_set in data_sets:
        for unit in readable_org_units(user, data_set):
            if org_unit_code and unit.code != org_unit_code:
                continue
            for period in periods_of(data_set, year):
                if period_start(data_set, year, period) > today:
                    continue
                form = forms.get((data_set.pk, unit.pk, period))
                cell = BoardCell(
                    data_set,
                    unit,
                    year,
                    period,
                    data_set.expected,
                    form.entered if form else 0,
                    form,
                    form_deadline(data_set, year, period),
                    today,
                )
                if state == "overdue" and not cell.overdue:
                    continue
                if state and state != "overdue" and cell.state != state:
                    continue
                cells.append(cell)
    return cells


@dataclass
class BoardRow:
    data_set: DataSet
    org_unit: OrgUnit
    cells: dict[tuple[int, int], BoardCell]


def board_rows(cells: list[BoardCell]) -> tuple[list[tuple[tuple[int, int], str]], list[BoardRow]]:
    """The board as a table: one row per data set × organisation, one column per period of the year (the year,
    then its quarters, then its months, as the data sets shown have them). Returns the columns (key, label) and
    the rows, whose cells are keyed by column."""
    columns = {c.column: c.period_label for c in cells}
    rows: dict[tuple[int, int], BoardRow] = {}
    for cell in cells:
        row = rows.setdefault((cell.data_set.pk, cell.org_unit.pk), BoardRow(cell.data_set, cell.org_unit, {}))
        row.cells[cell.column] = cell
    return sorted(columns.items()), list(rows.values())


def board_totals(cells: list[BoardCell]) -> dict[str, Any]:
    """Counts for the board's header: forms by state, values expected and entered, submitted on time."""
    due = [c for c in cells if c.today > c.deadline]
    counts = {
        k: sum(1 for c in cells if c.state == k) for k in ("missing", "draft", "submitted", "returned", "approved")
    }
    expected = sum(c.expected for c in cells)
    entered = sum(c.entered for c in cells)
    on_time = sum(1 for c in due if c.on_time)
    return {
        "forms": len(cells),
        "counts": counts,
        "expected": expected,
        "entered": entered,
        "completeness": entered / expected if expected else None,
        "due": len(due),
        "on_time": on_time,
        "timeliness": on_time / len(due) if due else None,
        "overdue": sum(1 for c in cells if c.overdue),
    }


def form_values(data_set: DataSet, org_unit: OrgUnit, year: int, period: int) -> dict[str, Observation]:
    """The stored values of a form's indicators (whatever form or source holds them), by indicator code."""
    from kechuang.indicators.services import observation_region

    return {
        o.indicator.code: o
        for o in Observation.objects.filter(
            indicator__in=data_set.indicators.all(),
            region=observation_region(org_unit),
            year=year,
            **data_set.observation_period(period),
        ).select_related("indicator", "submission__data_set")
    }


def forms_awaiting_approval(user: Any) -> QuerySet[Submission]:
    return (
        Submission.objects.visible_to(user)
        .filter(state=Submission.State.SUBMITTED)
        .select_related("data_set", "org_unit", "submitted_by")
        .order_by("submitted_at")
    )


# ---------------------------------------------------------------------------------------------------------------------
# What-if: a support programme on a ladder-backed target (whatif.py is the engine; the pool comes through
# core.registry.support_pool from the module that counts the indicator)


@dataclass
class WhatIfPage:
    """What the what-if page and its export show; `problem` says why there is no projection."""

    target: Target | None
    card: Card | None
    pool: registry.SupportPool | None
    result: whatif_engine.WhatIf | None = None
    rates: dict[int, float] = field(default_factory=dict)
    rates_source: str = ""  # historic / default
    years: float = 0.0
    problem: str = ""

    def chosen_rows(self) -> list[tuple[registry.SupportCandidate, float]]:
        """The chosen firms (closest first), each with its probability of obtaining the title by the deadline."""
        if self.result is None or self.pool is None:
            return []
        by_key = {c.key: c for c in self.pool.candidates}
        return [(by_key[c.key], self.result.conversion[c.failed]) for c in self.result.chosen]


def what_if_applies(target: Target | None) -> bool:
    """Whether the target can have a what-if: a count to reach by a deadline that a module counts from a register."""
    return (
        target is not None
        and target.deadline is not None
        and target.comparator in whatif_engine.COMPARATORS
        and target.indicator.code in registry.support_pool_codes()
    )


def what_if(
    user: Any,
    policy: Policy,
    indicator: Indicator,
    programme: whatif_engine.Programme,
    today: dt.date,
) -> WhatIfPage:
    """The what-if of `programme` on the indicator's target, for the unit the user looks at (the city, or a district
    officer's region with its region target and its own reserve pool)."""
    from django.utils.translation import gettext

    target = target_of(policy, indicator)
    # the module reads only the closest `firms` of its pool (in its own order), and counts the rest
    pool = registry.support_pool(
        user, indicator.code, region=programme.region, field=programme.field, limit=programme.firms
    )
    if pool is None:
        return WhatIfPage(target, None, None, problem=gettext("No module counts this indicator from a register."))
    if target is None or target.deadline is None or target.comparator not in whatif_engine.COMPARATORS:
        return WhatIfPage(target, None, pool, problem=gettext("The policy sets no count to reach by a deadline here."))
    ctx = context_for(user, policy.city)
    card = card_for(ctx, policy, target, focus_unit(user, policy.city), indicator=indicator, sparkline=False)
    if card.target_year is not None and today.year > card.target_year:
        problem = gettext("The deadline year %(year)s has passed: a support programme can no longer change it.") % {
            "year": card.target_year
        }
        return WhatIfPage(target, card, pool, problem=problem)
    forecast = card.assessment.forecast or {}
    point = next((p for p in forecast.get("forecast", []) if p["year"] == card.target_year), None)
    if point is None or card.target_value is None:
        problem = gettext("There is no trend forecast for the deadline year yet (fewer than three yearly values).")
        return WhatIfPage(target, card, pool, problem=problem)
    rates = dict(pool.rates) if pool.rates else {1: DEFAULT_CONVERSION["one_away"], 2: DEFAULT_CONVERSION["two_away"]}
    years = whatif_engine.years_left(today, card.target_year)
    trend = whatif_engine.Trend(
        value=float(point["value"]),
        lower=min(float(point["lower"]), float(point["value"])),
        upper=max(float(point["upper"]), float(point["value"])),
        level=FORECAST_LEVEL,
        probability=forecast.get("probability_of_meeting_target"),
    )
    candidates = [
        whatif_engine.Candidate(c.key, c.failed, c.shortfall, c.score, c.region_code, c.field) for c in pool.candidates
    ]
    result = whatif_engine.what_if(
        trend=trend,
        target=card.target_value,
        comparator=target.comparator,
        candidates=candidates,
        programme=programme,
        rates=rates,
        years=years,
    )
    result.available = pool.available  # the whole pool's size, not only the firms read
    return WhatIfPage(
        target,
        card,
        pool,
        result=result,
        rates=rates,
        rates_source="historic" if pool.rates else "default",
        years=years,
    )
