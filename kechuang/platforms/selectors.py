"""Reading the platform register and the incubation chain: scoped querysets, the task-2 count (the counting engine
over the platforms' steps), the lab pyramid, the reserve pool's gaps, the incubation funnel."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy

from kechuang.core import registry
from kechuang.core.models import OrgUnit
from kechuang.platforms.engine import counting, gaps, workflow
from kechuang.platforms.models import (
    Carrier,
    CarrierYear,
    Incubatee,
    Level,
    Platform,
    PlatformEvent,
    PlatformSettings,
    PlatformType,
    PlatformYear,
    Stage,
)

INDICATOR = "innovation_platforms_provincial_plus"
DEADLINE_YEAR_DEFAULT = 2027


def platforms(user: Any) -> QuerySet[Platform]:
    return Platform.objects.visible_to(user).select_related("type", "region", "department")


def show_host_code(user: Any) -> bool:
    """May the user read a host's credit code? The city-wide roles and district officers (who read the platforms
    and firms of their region); a department officer reads the platforms of its competence but not the register."""
    from kechuang.core.scope import reads_register

    return reads_register(user)


def carriers(user: Any) -> QuerySet[Carrier]:
    return Carrier.objects.visible_to(user).select_related("region")


def types() -> list[PlatformType]:
    return list(PlatformType.objects.all())


def counting_rule() -> counting.CountingRule:
    settings = PlatformSettings.current()
    return counting.CountingRule(
        counted_types=frozenset(PlatformType.objects.filter(counts_for_task2=True).values_list("code", flat=True)),
        count_under_construction=settings.count_under_construction,
    )


def histories(queryset: QuerySet[Platform]) -> list[counting.PlatformHistory]:
    """Every platform of `queryset` with its steps: two queries, whatever the size."""
    events: dict[int, list[counting.Event]] = defaultdict(list)
    for pk, on, state, level in (
        PlatformEvent.objects.filter(platform__in=queryset.values("pk"))
        .order_by("platform_id", "on", "id")
        .values_list("platform_id", "on", "state", "level")
        .iterator(chunk_size=5000)
    ):
        events[pk].append(counting.Event(on, state, level))
    return [
        counting.PlatformHistory(pk, lineage or pk, type_code, region_code, tuple(events.get(pk, ())))
        for pk, lineage, type_code, region_code in queryset.order_by().values_list(
            "pk", "lineage", "type__code", "region__code"
        )
    ]


def counted_pks(user: Any, year: int, today: dt.date | None = None) -> list[int]:
    """The platforms (of the user's scope) counted toward task 2 in `year` (this year: as of today)."""
    today = today or timezone.localdate()
    tally = counting.count_on(histories(platforms(user)), counting.reference_day(year, today), counting_rule())
    return [c.pk for c in tally.counted]


def all_histories() -> list[counting.PlatformHistory]:
    return histories(Platform.objects.all())


def first_year(items: list[counting.PlatformHistory], today: dt.date) -> int:
    years = [h.events[0].on.year for h in items if h.events]
    return min(years) if years else today.year


def target_of_600() -> tuple[float, int, str] | None:
    """(value, deadline year, comparator) of the policy's target on the indicator, if the policy module has one."""
    from kechuang.policy.models import Target

    found = Target.objects.filter(indicator__code=INDICATOR, region__isnull=True, value__isnull=False).first()
    if found is None:
        return None
    year = found.deadline.year if found.deadline else DEADLINE_YEAR_DEFAULT
    return float(found.value), year, found.comparator


@dataclass
class Board:
    year: int
    today: dt.date
    rule: counting.CountingRule
    settings: PlatformSettings
    tally: counting.Tally
    series: list[tuple[int, int]]
    target: float | None
    deadline: int
    forecast: dict[str, Any] | None
    by_type: list[dict[str, Any]] = field(default_factory=list)
    by_level: list[dict[str, Any]] = field(default_factory=list)
    by_region: list[dict[str, Any]] = field(default_factory=list)
    counted_types: list[PlatformType] = field(default_factory=list)
    other_types: list[PlatformType] = field(default_factory=list)
    building: int = 0  # under construction now: counted or not by the setting


def board(user: Any, today: dt.date | None = None) -> Board:
    """The task-2 board in the user's scope: this year's count by type, level and region, the trajectory since
    the first recognition, and the indicator engine's forecast to the deadline."""
    today = today or timezone.localdate()
    rule = counting_rule()
    items = histories(platforms(user))
    start = max(first_year(items, today), today.year - 15)
    trajectory = counting.trajectory(items, range(start, today.year + 1), rule, today)
    tally = trajectory[today.year]
    series = [(y, t.total) for y, t in sorted(trajectory.items())]
    target = target_of_600()
    target_value, deadline, comparator = target if target else (None, DEADLINE_YEAR_DEFAULT, "ge")
    forecast = None
    if target_value is not None and len(series) >= 3:
        from kechuang.indicators.models import Indicator
        from kechuang.indicators.selectors import forecast_for

        # the past years only: this year's count is not final before 31 December
        past = [(y, float(v)) for y, v in series if y < today.year]
        if len(past) >= 3:
            indicator = Indicator.objects.get(code=INDICATOR)  # the target's own indicator: it exists
            forecast = forecast_for(past, target_value, deadline, comparator, indicator=indicator)
    all_types = types()
    names = {t.code: t for t in all_types}
    regions = {u.code: u for u in OrgUnit.objects.regions()}
    result = Board(
        year=today.year,
        today=today,
        rule=rule,
        settings=PlatformSettings.current(),
        tally=tally,
        series=series,
        target=target_value,
        deadline=deadline,
        forecast=forecast,
        counted_types=[t for t in all_types if t.code in rule.counted_types],
        other_types=[t for t in all_types if t.code not in rule.counted_types],
    )
    result.by_type = [
        {"code": code, "label": names[code].name if code in names else code, "count": n}
        for code, n in sorted(tally.by_type.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    levels = dict(Level.choices)
    result.by_level = [
        {"code": code, "label": str(levels.get(code, code)), "count": tally.by_level.get(code, 0)}
        for code in ("national", "province")
    ]
    result.by_region = [
        {"code": code, "label": regions[code].name if code in regions else code, "count": n}
        for code, n in sorted(
            tally.by_region.items(), key=lambda kv: (regions[kv[0]].sort_order if kv[0] in regions else 0, kv[0])
        )
    ]
    result.building = sum(
        1
        for h in items
        if (now := counting.state_on(h, today)) is not None
        and now[0] in workflow.BUILDING
        and h.type_code in rule.counted_types
        and now[1] in rule.counted_levels
    )
    return result


# ------------------------------------------------------------------------------------------------ labs and the pool

PYRAMID = (
    ("key_lab", "national", gettext_lazy("National key laboratories")),
    ("provincial_lab", "province", gettext_lazy("Provincial laboratories")),
    ("key_lab", "province", gettext_lazy("Provincial key laboratories")),
    ("key_lab", "city", gettext_lazy("Municipal key laboratories")),
)


def pyramid(user: Any) -> list[dict[str, Any]]:
    """The four lab levels (全国重点 → 省实验室 → 省重点 → 市重点): platforms holding the title, and in the pipeline."""
    rows = (
        platforms(user)
        .filter(type__code__in={t for t, _level, _label in PYRAMID})
        .values("type__code", "type__name", "level")
        .annotate(
            holding=Count("pk", filter=Q(state__in=workflow.HOLDING)),
            building=Count("pk", filter=Q(state__in=workflow.BUILDING)),
            pipeline=Count(
                "pk",
                filter=Q(
                    state__in=[
                        workflow.APPLIED,
                        workflow.DISTRICT_RECOMMENDED,
                        workflow.FORMAL_CHECK,
                        workflow.EXPERT_REVIEW,
                        workflow.PUBLICITY,
                    ]
                ),
            ),
            reserve=Count("pk", filter=Q(state=workflow.RESERVE)),
        )
    )
    found = {(r["type__code"], r["level"]): r for r in rows}
    out = []
    for code, level, label in PYRAMID:
        row = found.get((code, level), {})
        out.append(
            {
                "type": code,
                "level": level,
                "label": label,
                "holding": row.get("holding", 0),
                "building": row.get("building", 0),
                "pipeline": row.get("pipeline", 0),
                "reserve": row.get("reserve", 0),
            }
        )
    return out


@dataclass
class Candidate:
    platform: Platform
    year: int | None
    distance: gaps.Distance


def reserve_pool(user: Any, *, type_code: str = "", region: str = "", limit: int = 200) -> list[Candidate]:
    """Municipal platforms (and reserve entries) of the types with provincial criteria, closest to those criteria
    first, each with its gaps measured on its latest reported year."""
    criteria = {t.code: t.province_criteria for t in types() if t.province_criteria}
    qs = (
        platforms(user)
        .filter(type__code__in=criteria)
        .filter(Q(level=Level.CITY, state__in=workflow.HOLDING) | Q(state=workflow.RESERVE, level=Level.PROVINCE))
    )
    if type_code:
        qs = qs.filter(type__code=type_code)
    if region:
        qs = qs.filter(region__code=region)
    candidates = list(qs)
    latest: dict[int, PlatformYear] = {}
    for row in PlatformYear.objects.filter(platform__in=[p.pk for p in candidates]).order_by("platform_id", "-year"):
        latest.setdefault(row.platform_id, row)
    out = []
    for p in candidates:
        facts_row = latest.get(p.pk)
        facts = {name: getattr(facts_row, name, None) for name in criteria[p.type.code]}
        out.append(Candidate(p, facts_row.year if facts_row else None, gaps.distance(facts, criteria[p.type.code])))
    out.sort(key=lambda c: (*gaps.rank_key(c.distance), c.platform.name))
    return out[:limit]


# ------------------------------------------------------------------------------------------------ incubation chain


@dataclass
class CarrierStats:
    carrier: Carrier
    by_state: dict[str, int]
    graduates: int
    hte: list[dict[str, Any]]  # cultivated high-tech enterprises: incubatee, title date, reward year
    reward_by_year: dict[int, Decimal]
    latest: CarrierYear | None

    @property
    def hte_count(self) -> int:
        return len(self.hte)

    @property
    def occupancy(self) -> float | None:
        c = self.carrier
        if self.latest and self.latest.space_occupied_m2 is not None and c.space_incubatee_m2:
            return float(self.latest.space_occupied_m2 / c.space_incubatee_m2)
        return None


def cultivated_hte(incubatees: list[Incubatee], settings: PlatformSettings, today: dt.date) -> dict[int, dt.date]:
    """{incubatee pk: high-tech title date} for incubatees that became high-tech enterprises while incubated or
    within `hte_window_years` of graduating (the register's first high-tech title, read through core.registry)."""
    refs = registry.enterprise_refs(i.credit_code for i in incubatees)
    out = {}
    for i in incubatees:
        ref = refs.get(i.credit_code)
        issued = ref.titles.get("high_tech") if ref else None
        if issued is None or issued < i.entered_on:
            continue
        if i.state == Incubatee.State.GRADUATED and i.exited_on:
            try:
                until = i.exited_on.replace(year=i.exited_on.year + settings.hte_window_years)
            except ValueError:  # 29 February
                until = i.exited_on.replace(year=i.exited_on.year + settings.hte_window_years, day=28)
            if issued <= until:
                out[i.pk] = issued
        elif i.state in (Incubatee.State.IN_INCUBATION, Incubatee.State.ENTERED) and issued <= today:
            out[i.pk] = issued
    return out


def reward(count: int, settings: PlatformSettings) -> Decimal:
    """The provincial reward rule (data): `reward_each_wan` per cultivated HTE, at most `reward_cap_wan` a year."""
    return min(Decimal(count) * settings.reward_each_wan, settings.reward_cap_wan)


def carrier_stats(carrier: Carrier, today: dt.date | None = None) -> CarrierStats:
    today = today or timezone.localdate()
    settings = PlatformSettings.current()
    incubatees = list(carrier.incubatees.all())
    cultivated = cultivated_hte(incubatees, settings, today)
    by_state: dict[str, int] = defaultdict(int)
    for i in incubatees:
        by_state[i.state] += 1
    per_year: dict[int, int] = defaultdict(int)
    hte = []
    for i in incubatees:
        if i.pk in cultivated:
            per_year[cultivated[i.pk].year] += 1
            hte.append({"incubatee": i, "on": cultivated[i.pk]})
    hte.sort(key=lambda r: r["on"], reverse=True)
    return CarrierStats(
        carrier=carrier,
        by_state=dict(by_state),
        graduates=by_state.get(Incubatee.State.GRADUATED, 0),
        hte=hte,
        reward_by_year={y: reward(n, settings) for y, n in sorted(per_year.items(), reverse=True)},
        latest=carrier.years.order_by("-year").first(),
    )


def carrier_rows(queryset: QuerySet[Carrier], today: dt.date | None = None) -> list[dict[str, Any]]:
    """One row per carrier of the page: incubatees by state and cultivated HTEs, in a fixed number of queries."""
    today = today or timezone.localdate()
    settings = PlatformSettings.current()
    carriers_ = list(queryset)
    incubatees = list(Incubatee.objects.filter(carrier__in=[c.pk for c in carriers_]))
    cultivated = cultivated_hte(incubatees, settings, today)
    stats: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for i in incubatees:
        stats[i.carrier_id][i.state] += 1
        if i.pk in cultivated:
            stats[i.carrier_id]["hte"] += 1
    return [{"carrier": c, "stats": dict(stats.get(c.pk, {}))} for c in carriers_]


def funnel(user: Any, today: dt.date | None = None) -> tuple[list[dict[str, Any]], int | None]:
    """Per stage of the chain: carriers, incubatees now, graduates, cultivated HTEs, space and occupancy."""
    today = today or timezone.localdate()
    settings = PlatformSettings.current()
    visible = Carrier.objects.visible_to(user).filter(is_active=True)
    space = {
        r["stage"]: r
        for r in visible.values("stage").annotate(
            carriers=Count("pk"), total=Sum("space_total_m2"), incubatee=Sum("space_incubatee_m2")
        )
    }
    latest_year = CarrierYear.objects.filter(carrier__in=visible).aggregate(y=Max("year"))["y"]
    occupied = {
        r["carrier__stage"]: r["occupied"]
        for r in CarrierYear.objects.filter(carrier__in=visible, year=latest_year)
        .values("carrier__stage")
        .annotate(occupied=Sum("space_occupied_m2"))
    }
    incubatees = list(Incubatee.objects.filter(carrier__in=visible).select_related("carrier"))
    cultivated = cultivated_hte(incubatees, settings, today)
    per_stage: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for i in incubatees:
        per_stage[i.carrier.stage][i.state] += 1
        if i.pk in cultivated:
            per_stage[i.carrier.stage]["hte"] += 1
    out = []
    for stage, label in Stage.choices:
        s = space.get(stage, {})
        row = per_stage.get(stage, {})
        incubatee_space = s.get("incubatee")
        occ = occupied.get(stage)
        out.append(
            {
                "stage": stage,
                "label": label,
                "carriers": s.get("carriers", 0),
                "now": row.get("entered", 0) + row.get("in_incubation", 0),
                "graduated": row.get("graduated", 0),
                "left": row.get("left", 0) + row.get("failed", 0),
                "hte": row.get("hte", 0),
                "space_total": s.get("total"),
                "space_incubatee": incubatee_space,
                "occupied": occ,
                "occupancy": float(occ / incubatee_space) if occ is not None and incubatee_space else None,
            }
        )
    return out, latest_year


def cockpit_cards(user: Any) -> list[registry.CockpitCard]:
    from django.urls import reverse
    from django.utils.translation import gettext as _

    if not getattr(user, "is_authenticated", False):
        return []
    today = timezone.localdate()
    tally = counting.count_on(histories(platforms(user)), today, counting_rule())
    target = target_of_600()
    detail = _("counted as the board's rule says; target %(t)s by %(y)s") % {
        "t": int(target[0]) if target else "—",
        "y": target[1] if target else DEADLINE_YEAR_DEFAULT,
    }
    return [
        registry.CockpitCard(
            title=_("Provincial-or-above innovation platforms"),
            value=str(tally.total),
            detail=detail,
            url=reverse("platforms:board"),
        )
    ]
