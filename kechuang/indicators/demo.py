"""Demo data for `load_demo` (idempotent): the catalogue, the real published figures, and generated series from 2015
to last year (a demo loaded in any year looks current) for the city and each region of its partition, marked
`is_demo` (shown as 演示数据 on every page).

An indicator another module counts (the enterprise register's titles, through core.registry's feeds) is never
typed: its series is the module's counts (written by `sync_feeds`), from the first year the module has any (the
demo register keeps its titles' history: high-tech certificates from 2008, tech-SME registrations from 2017), and
nothing is generated before. The indicator module therefore loads its demo data after the others
(`demo_after_feeds`).

The generated figures are plausible, not real: they are shaped so that the dashboard shows every status (high-tech
enterprises near their path, the high-tech output share behind it) and one deliberate city/region disagreement
(technology contract turnover, 2021) so that the consistency check has something to flag.
"""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from kechuang.core import audit, registry
from kechuang.core.demo import city_demo_data
from kechuang.core.models import OrgUnit
from kechuang.indicators.catalogue import catalogue_load
from kechuang.indicators.collection_demo import load_collection_demo
from kechuang.indicators.models import Indicator, Observation, ObservationRevision, TargetAllocation
from kechuang.indicators.services import sync_feeds

FIRST_YEAR = 2015
DEMO_SOURCE = "演示数据（系统生成，非官方统计）"
# code: (value 2015, value last year, decimals, regional?) — city trajectory, geometric between the ends.
CITY = {
    "gdp": (4130.2, 5080.0, 1, True),
    "above_scale_industrial_output": (7800.0, 9850.0, 1, True),
    "high_tech_enterprises": (380, 1560, 0, True),
    "tech_smes": (260, 2480, 0, True),
    "innovation_platforms_provincial_plus": (230, 540, 0, True),
    "tech_contract_turnover_output": (22.0, 165.0, 2, True),
    "valid_invention_patents": (4200, 11800, 0, True),
    "population_10k": (468.0, 470.5, 1, True),
    "talents_provincial_plus_new": (18, 31, 0, False),
    "foreign_experts_introduced": (220, 305, 0, False),
    "talent_projects_foreign": (20, 28, 0, False),
    "tech_smes_capability_upgrade": (60, 96, 0, False),
}
# Derived shares driving the numerators: R&D intensity 2.05 % → 2.78 %, high-tech output share 33 % → 47.5 %.
RD_INTENSITY = (2.05, 2.78)
# The high-tech output share over eleven steps from 2015 to last year; it stalls in the last two, so one headline
# target shows "off track". A longer demo span stretches it (linear interpolation between the steps).
HIGH_TECH_SHARE = [33.0, 34.6, 36.1, 37.9, 39.6, 41.2, 43.0, 44.9, 46.3, 46.9, 47.5]
# The city's outstanding young S&T talents (优秀青年科技人才) selected in 2019, 2021, 2023 …
YOUNG_TALENTS = (42, 47, 51, 46, 49, 53, 50, 55)
MISMATCH = ("tech_contract_turnover_output", 2021, 1.03)


def demo_years() -> list[int]:
    """2015 to last year: the generated series end where official annual figures would."""
    return list(range(FIRST_YEAR, timezone.localdate().year))


def _stretch(points: list[float], n: int) -> list[float]:
    """n values following `points` from its first to its last (linear between neighbouring points)."""
    out = []
    for i in range(n):
        x = i * (len(points) - 1) / (n - 1)
        left = min(int(x), len(points) - 2)
        out.append(points[left] + (points[left + 1] - points[left]) * (x - left))
    return out


def _curve(years: list[int], start: float, end: float, rng: random.Random, noise: float) -> list[float]:
    n = len(years) - 1
    out = []
    for i in range(len(years)):
        base = start * (end / start) ** (i / n)
        jitter = 1.0 if i in (0, n) else 1 + rng.uniform(-noise, noise)
        out.append(base * jitter)
    return out


def _round(value: float, decimals: int) -> Decimal:
    return Decimal(str(round(value, decimals)))


def region_shares(city: OrgUnit, regions: list[OrgUnit]) -> dict[str, tuple[float, float]]:
    """Each partition region's share of the city total, first and last demo year: the city's demo file, else even."""
    listed = city_demo_data(Path(__file__).resolve().parent, city).get("region_shares")
    if listed:
        return {code: (float(a), float(b)) for code, (a, b) in listed.items()}
    partition = [r.code for r in regions if r.in_partition]
    if not partition:
        return {}
    return {code: (1 / len(partition), 1 / len(partition)) for code in partition}


def generated_values(
    region_codes: list[str], shares: dict[str, tuple[float, float]]
) -> dict[tuple[str, str, int], Decimal]:
    """{(indicator, region or "city", year): value}; deterministic. `shares`: see region_shares."""
    rng = random.Random(20231220)  # the policy's issue date  # nosec B311  # seeded pseudo-random draws for demo/sample data and evaluation, never for secrets
    years = demo_years()
    out: dict[tuple[str, str, int], Decimal] = {}
    city_series: dict[str, list[float]] = {}
    for code, (start, end, _d, _regional) in CITY.items():
        noise = 0.12 if code in ("talents_provincial_plus_new", "talent_projects_foreign") else 0.025
        city_series[code] = _curve(years, start, end, rng, noise)
    intensity = _curve(years, *RD_INTENSITY, rng, 0.02)
    share = _stretch(HIGH_TECH_SHARE, len(years))
    city_series["rd_expenditure"] = [g * s / 100 for g, s in zip(city_series["gdp"], intensity, strict=True)]
    city_series["high_tech_output"] = [
        o * s / 100 for o, s in zip(city_series["above_scale_industrial_output"], share, strict=True)
    ]
    decimals = {code: spec[2] for code, spec in CITY.items()} | {"rd_expenditure": 2, "high_tech_output": 1}
    regional = {code for code, spec in CITY.items() if spec[3]} | {"rd_expenditure", "high_tech_output"}
    codes = [c for c in region_codes if c in shares]
    for code, series in city_series.items():
        tilt = {r: rng.uniform(0.85, 1.15) for r in codes}  # each indicator distributes a little differently
        for i, year in enumerate(years):
            if code not in regional or not codes:
                out[(code, "city", year)] = _round(series[i], decimals[code])
                continue
            t = i / (len(years) - 1)
            weights = {r: (shares[r][0] + (shares[r][1] - shares[r][0]) * t) * tilt[r] for r in codes}
            total_w = sum(weights.values())
            parts = {r: _round(series[i] * w / total_w, decimals[code]) for r, w in weights.items()}
            for r, v in parts.items():
                out[(code, r, year)] = v
            city_total = sum(parts.values())
            if (code, year) == MISMATCH[:2]:
                city_total = _round(float(city_total) * MISMATCH[2], decimals[code])
            out[(code, "city", year)] = city_total
    return out


def _counted_by_modules(city: OrgUnit) -> dict[str, dict[tuple[str, int], Decimal]]:
    """{code: {(region code or "city", year): value}}: the annual values other modules feed for the demo's
    indicators, where they have any."""
    out: dict[str, dict[tuple[str, int], Decimal]] = {}
    for feed in registry.indicator_feeds():
        if feed.code not in CITY:
            continue
        for row in map(lambda r: registry.FeedRow(*r), feed.rows(None)):
            if row.quarter == 0:
                key = ("city" if row.region_code == city.code else row.region_code, row.year)
                out.setdefault(feed.code, {})[key] = Decimal(row.value)
    return out


@transaction.atomic
def load_demo(city: OrgUnit) -> str:
    summary = catalogue_load(actor=None, city=city)
    indicators = {i.code: i for i in Indicator.objects.all()}
    regions = {u.code: u for u in OrgUnit.objects.filter(parent=city, kind=OrgUnit.Kind.REGION)}
    existing = set(
        Observation.objects.annual()
        .filter(region__in=[city, *regions.values()])
        .values_list("indicator__code", "region__code", "year")
    )
    rows = []
    last = demo_years()[-1]
    generated = generated_values(list(regions), region_shares(city, list(regions.values())))
    counted = _counted_by_modules(city)
    for (code, region_code, year), value in generated.items():
        unit = city if region_code == "city" else regions.get(region_code)
        if code not in indicators or unit is None or (code, unit.code, year) in existing:
            continue
        if code in counted:  # counted by a module: its counts, never a generated value
            continue
        rows.append(
            Observation(
                indicator=indicators[code],
                region=unit,
                year=year,
                quarter=0,
                value=value,
                status=Observation.Status.PRELIMINARY if year == last else Observation.Status.FINAL,
                source=DEMO_SOURCE,
                is_demo=True,
            )
        )
    # The technology market reports quarterly: year-to-date turnover for last year (cumulative to each quarter's end).
    turnover = indicators.get("tech_contract_turnover_output")
    if turnover is not None:
        for quarter, fraction in ((1, 0.19), (2, 0.43), (3, 0.68)):
            if not Observation.objects.filter(indicator=turnover, region=city, year=last, quarter=quarter).exists():
                rows.append(
                    Observation(
                        indicator=turnover,
                        region=city,
                        year=last,
                        quarter=quarter,
                        value=_round(160.0 * fraction, 2),
                        status=Observation.Status.PRELIMINARY,
                        source=DEMO_SOURCE,
                        is_demo=True,
                    )
                )
    # Young S&T talents are selected every two years (task 11 of the bundled policy): odd years only, city level.
    young = indicators.get("young_talents_selected")
    if young is not None:
        for year, value in zip(range(2019, last + 1, 2), YOUNG_TALENTS, strict=False):
            if (young.code, city.code, year) not in existing:
                rows.append(
                    Observation(
                        indicator=young,
                        region=city,
                        year=year,
                        quarter=0,
                        value=Decimal(value),
                        status=Observation.Status.PRELIMINARY if year == last else Observation.Status.FINAL,
                        source=DEMO_SOURCE,
                        is_demo=True,
                    )
                )
    Observation.objects.bulk_create(rows)
    if rows:
        audit.record(
            actor=None,
            action=audit.Action.IMPORT,
            object_type="indicators.observation",
            object_label="演示数据",
            detail={"created": len(rows)},
        )
    _demo_revision(city, indicators)
    sync_feeds()  # the years the other modules count
    allocations = _demo_allocations(city, regions)
    collection = load_collection_demo(city)
    return f"{summary.line()}, {len(rows)} demo observations, {allocations} region targets, {collection}"


def _demo_revision(city: OrgUnit, indicators: dict[str, Indicator]) -> None:
    """One revised value, so that the revision history shows what it looks like."""
    obs = Observation.objects.filter(
        indicator=indicators.get("high_tech_enterprises"),
        region=city,
        year=demo_years()[-2],
        quarter=0,
        is_demo=True,
    ).first()
    if obs is None or obs.revisions.exists():
        return
    ObservationRevision.objects.create(
        observation=obs,
        value=obs.value - 12,
        status=Observation.Status.PRELIMINARY,
        source=DEMO_SOURCE + "（初步数）",
        new_value=obs.value,
        new_status=obs.status,
        reason="演示：年报核定后由初步数更正为最终数",
    )


def _demo_allocations(city: OrgUnit, regions: dict[str, OrgUnit]) -> int:
    """Region breakdowns of the count targets in proportion to each region's value last year; the platform target is
    deliberately left 10 short so that the add-up check shows what it flags."""
    from kechuang.policy.models import Target

    created = 0
    partition = [r for r in regions.values() if r.in_partition]
    last = demo_years()[-1]
    for target in Target.objects.filter(
        policy__city=city,
        indicator__code__in=["high_tech_enterprises", "tech_smes", "innovation_platforms_provincial_plus"],
        region__isnull=True,
    ).select_related("indicator"):
        if TargetAllocation.objects.filter(target=target).exists():
            continue
        values = dict(
            Observation.objects.annual()
            .filter(indicator=target.indicator, region__in=partition, year=last)
            .values_list("region_id", "value")
        )
        total = sum(values.values())
        if not total:
            continue
        goal = int(target.value) + (1 if target.comparator == "gt" else 0)
        if target.indicator.code == "innovation_platforms_provincial_plus":
            goal -= 10
        shares = {r: int(goal * v / total) for r, v in values.items()}
        largest = max(shares, key=shares.get)
        shares[largest] += goal - sum(shares.values())
        for region in partition:
            if region.pk in shares:
                TargetAllocation.objects.create(
                    target=target, region=region, value=shares[region.pk], note=f"演示：按{last}年各区县占比分解"
                )
                created += 1
    return created
