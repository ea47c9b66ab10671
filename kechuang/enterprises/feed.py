"""What the enterprise register offers the indicator module, through core.registry (never by import).

`indicator_feeds()`: for each ladder tier with an indicator in the catalogue, the number of enterprises holding a
valid title, by region and for the city, for every year up to this one (selectors.qualification_counts: a past year
at its 31 December, this year as of today). The indicator module writes them as observations with the provenance
SOURCE; the services and the importer call `register_changed()`, which announces it once the change commits.

`indicator_pipeline(code)`: the same counts (future years: titles still valid then) and the reserve pool one and
two criteria away, for the bottom-up projection on the indicator page.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Any

from django.core.cache import cache
from django.utils import timezone

from kechuang.core import registry
from kechuang.core.registry import FeedRow, IndicatorFeed, IndicatorPipeline
from kechuang.enterprises.models import Qualification
from kechuang.enterprises.selectors import qualification_counts, reserve_pool_counts

__all__ = [
    "INDICATOR_OF_TIER",
    "SOURCE",
    "conversion_rates",
    "indicator_feeds",
    "indicator_pipeline",
    "qualification_counts",
    "register_changed",
    "reserve_pool_counts",
]

SOURCE = "本平台企业库统计"
# The catalogue's indicator of each tier the register holds titles for; a code the catalogue lacks is skipped.
INDICATOR_OF_TIER = {
    "tech_sme": "tech_smes",
    "high_tech": "high_tech_enterprises",
    "innovative_sme": "innovative_smes",
    "specialized_sme": "specialized_smes",
    "little_giant": "little_giants",
}


def conversion_rates() -> dict[str, dict[str, Any]]:
    """{tier: {one_away, two_away, base_one_away, base_two_away, year}}: last year's measured conversion of
    near misses into holders (services.ladder_conversion_rates); cached for an hour, the back-test evaluates
    the whole register."""
    from kechuang.enterprises.services import ladder_conversion_rates

    return cache.get_or_set("enterprises:conversion_rates", ladder_conversion_rates, 3600)


def _feed_rows(tier: str, years: Iterable[int] | None = None) -> list[FeedRow]:
    from kechuang.core.models import OrgUnit

    this_year = timezone.localdate().year
    wanted = None if years is None else set(years)
    city_of = dict(OrgUnit.objects.regions().values_list("code", "parent__code"))
    rows: list[FeedRow] = []
    cities: dict[tuple[str, int], int] = {}
    for row in qualification_counts(years=wanted):
        year = row["year"]
        if row["tier"] != tier or year > this_year or (wanted is not None and year not in wanted):
            continue
        rows.append(FeedRow(row["region_code"], year, row["count"]))
        city = city_of.get(row["region_code"])
        if city:  # an enterprise sits in one region: the city's count is the sum of its regions'
            cities[(city, year)] = cities.get((city, year), 0) + row["count"]
    return rows + [FeedRow(city, year, n) for (city, year), n in cities.items()]


def indicator_feeds() -> list[IndicatorFeed]:
    return [IndicatorFeed(code, SOURCE, partial(_feed_rows, tier)) for tier, code in INDICATOR_OF_TIER.items()]


def indicator_pipeline(code: str) -> IndicatorPipeline | None:
    tier = next((t for t, c in INDICATOR_OF_TIER.items() if c == code), None)
    if tier is None:
        return None
    counts: dict[int, int] = {}
    for row in qualification_counts():
        if row["tier"] == tier:
            counts[row["year"]] = counts.get(row["year"], 0) + row["count"]
    pools = [r for r in reserve_pool_counts() if r["tier"] == tier]
    measured = conversion_rates().get(tier)
    return IndicatorPipeline(
        counts=counts,
        one_away=sum(r["one_away"] for r in pools),
        two_away=sum(r["two_away"] for r in pools),
        rates={"one_away": float(measured["one_away"]), "two_away": float(measured["two_away"])} if measured else None,
    )


def register_changed(years: Iterable[int] | None = None) -> None:
    """Tell whoever listens, once the transaction commits, that the register's counts may have moved."""
    registry.feed_changed(Qualification, years)
