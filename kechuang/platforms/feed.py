"""What the platform register offers the indicator module, through core.registry (never by import).

`indicator_feeds()`: the task-2 count `innovation_platforms_provincial_plus` (the board's counting rule), by region
and for the city, every year from the first recognition to this one (a past year at its 31 December, this year as
of today). The services call `platforms_changed(years)`, which announces it once the change commits."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from kechuang.core import registry
from kechuang.core.registry import FeedRow, IndicatorFeed

SOURCE = "本平台创新平台库统计"
INDICATOR = "innovation_platforms_provincial_plus"
RULE = (
    "认定（含整改期、降级后仍属省级以上）的省级以上创新平台数，类型按市科技局设定的计入范围；同一平台只按其最高级别计一次；"
    "被撤销、合并或关闭的平台自当年起不再计入；在建（筹建/试点培育）平台是否计入按设定；往年按12月31日统计，当年按今日统计"
)


def _rows(years: Iterable[int] | None = None) -> list[FeedRow]:
    from kechuang.core.models import OrgUnit
    from kechuang.platforms.engine import counting
    from kechuang.platforms.selectors import all_histories, counting_rule, first_year

    today = timezone.localdate()
    items = all_histories()
    if not items:
        return []
    wanted = set(range(first_year(items, today), today.year + 1)) if years is None else set(years)
    wanted = {y for y in wanted if y <= today.year}
    rule = counting_rule()
    city = OrgUnit.objects.cities().values_list("code", flat=True).first()
    rows: list[FeedRow] = []
    for year, tally in sorted(counting.trajectory(items, wanted, rule, today).items()):
        rows += [FeedRow(code, year, n) for code, n in tally.by_region.items()]
        if city:
            rows.append(FeedRow(city, year, tally.total))
    return rows


def list_url(region_code: str | None, year: int) -> str:
    query = {"counted": year} | ({"region": region_code} if region_code else {})
    return f"{reverse('platforms:list')}?{urlencode(query)}"


def indicator_feeds() -> list[IndicatorFeed]:
    return [IndicatorFeed(INDICATOR, SOURCE, _rows, rule=RULE, list_url=list_url)]


def platforms_changed(years: Iterable[int] | None = None) -> None:
    """Tell whoever listens, once the transaction commits, that the task-2 counts of `years` (None: all) may have
    moved."""
    from kechuang.platforms.models import Platform

    registry.feed_changed(Platform, years)
