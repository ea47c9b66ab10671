"""What the outreach module offers the indicator module, through core.registry (never by import).

`provincial_popsci_base` (task 23, the milestone 争创省级科普教育基地): the 科普教育基地 holding a provincial or
national title at each year's end, by region and for the city (the sum of its regions). Services call
`bases_changed(years)` after a change; the indicator module rewrites those years' observations on commit."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlencode

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from kechuang.core import registry
from kechuang.core.registry import FeedRow, IndicatorFeed

SOURCE = "本平台科普教育基地库统计"
INDICATOR = "provincial_popsci_base"
RULE = (
    "持有省级或国家级科普教育基地称号（认定年度不晚于统计年度）的基地数；"
    "每个基地计入所在区县，全市为各区县（含功能区）之和"
)


def _rows(years: Iterable[int] | None = None) -> list[FeedRow]:
    from kechuang.core.models import OrgUnit
    from kechuang.outreach.models import PopsciBase

    this_year = timezone.localdate().year
    titled = (
        PopsciBase.objects.exclude(level=PopsciBase.Level.CITY)
        .values("region__code", "recognised_year")
        .annotate(n=Count("id"))
    )
    counts = [(r["region__code"], r["recognised_year"], r["n"]) for r in titled]
    if not counts:
        return []
    first = min(y for _c, y, _n in counts)
    wanted = set(range(first, this_year + 1)) if years is None else {y for y in years if first <= y <= this_year}
    city_of = dict(OrgUnit.objects.regions().values_list("code", "parent__code"))
    rows: list[FeedRow] = []
    for year in sorted(wanted):
        by_region: dict[str, int] = {}
        for code, recognised, n in counts:
            if recognised <= year:
                by_region[code] = by_region.get(code, 0) + n
        cities: dict[str, int] = {}
        for code, n in by_region.items():
            rows.append(FeedRow(code, year, n))
            if city_of.get(code):
                cities[city_of[code]] = cities.get(city_of[code], 0) + n
        rows += [FeedRow(city, year, n) for city, n in cities.items()]
    return rows


def bases_list_url(region_code: str | None, year: int) -> str:
    query = {"level": "provincial_plus"} | ({"region": region_code} if region_code else {})
    return f"{reverse('outreach:bases')}?{urlencode(query)}"


def indicator_feeds() -> list[IndicatorFeed]:
    return [IndicatorFeed(INDICATOR, SOURCE, _rows, rule=RULE, list_url=bases_list_url)]


def bases_changed(years: Iterable[int] | None = None) -> None:
    """Announce (on commit) that the titled bases of `years` moved."""
    from kechuang.outreach.models import PopsciBase

    registry.feed_changed(PopsciBase, years)
