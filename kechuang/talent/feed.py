"""What the talent register offers the indicator module, through core.registry (never by import).

Four catalogue indicators are counted here, by region and for the city, for every year up to this one:
- talents_provincial_plus_new: distinct talents newly selected (batch year) into a programme counting towards the
  provincial-or-above quota, the membership still live (not removed or withdrawn);
- young_talents_selected: the same for the young-talent programme (selected every two years);
- foreign_experts_introduced: foreign-expert person-visits (人次) starting in the year;
- talent_projects_foreign: 引智 projects of the year.
Services call `talents_changed(years)` after a change; the signal is sent on commit."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from urllib.parse import urlencode

from django.db.models import Count
from django.db.models.functions import ExtractYear
from django.urls import reverse
from django.utils import timezone

from kechuang.core import registry
from kechuang.core.registry import FeedRow, IndicatorFeed

SOURCE = "本平台人才库统计"
QUOTA_INDICATORS = {
    "provincial_plus": "talents_provincial_plus_new",
    "young": "young_talents_selected",
}
VISITS, PROJECTS = "foreign_experts_introduced", "talent_projects_foreign"
RULES = {
    "talents_provincial_plus_new": (
        "入选年度为统计年、计入省级以上重点人才工程配额且未被撤销或退出的人才数（按人去重），"
        "计入其所在区县，全市为各区县之和"
    ),
    "young_talents_selected": "入选年度为统计年的优秀青年科技人才数（按人去重，每两年遴选一次），计入其所在区县",
    VISITS: "当年到访开始的外国专家来访人次（一次来访计一人次），计入接待单位所在区县",
    PROJECTS: "当年立项的各级引智项目数，计入承担单位所在区县",
}


def quota_counts(quota: str, years: set[int] | None = None) -> dict[tuple[str, int], int]:
    """{(region code, year): distinct talents} of live memberships in the quota's programmes."""
    from kechuang.talent.models import Membership

    qs = Membership.objects.filter(programme__quota=quota, status__in=Membership.LIVE)
    if years is not None:
        qs = qs.filter(batch_year__in=years)
    rows = qs.values("talent__region__code", "batch_year").annotate(n=Count("talent", distinct=True))
    return {(r["talent__region__code"], r["batch_year"]): r["n"] for r in rows}


def visit_counts(years: set[int] | None = None) -> dict[tuple[str, int], int]:
    from kechuang.talent.models import Visit

    qs = Visit.objects.annotate(y=ExtractYear("arrived_on"))
    if years is not None:
        qs = qs.filter(y__in=years)
    rows = qs.values("expert__region__code", "y").annotate(n=Count("id"))
    return {(r["expert__region__code"], r["y"]): r["n"] for r in rows}


def project_counts(years: set[int] | None = None) -> dict[tuple[str, int], int]:
    from kechuang.talent.models import ForeignProject

    qs = ForeignProject.objects.all()
    if years is not None:
        qs = qs.filter(year__in=years)
    rows = qs.values("region__code", "year").annotate(n=Count("id"))
    return {(r["region__code"], r["year"]): r["n"] for r in rows}


def _rows(counter, years: Iterable[int] | None = None) -> list[FeedRow]:
    from kechuang.core.models import OrgUnit

    this_year = timezone.localdate().year
    wanted = None if years is None else set(years)
    city_of = dict(OrgUnit.objects.regions().values_list("code", "parent__code"))
    rows, cities = [], {}
    for (region, year), n in counter(wanted).items():
        if year > this_year:
            continue
        rows.append(FeedRow(region, year, n))
        city = city_of.get(region)
        if city:
            cities[(city, year)] = cities.get((city, year), 0) + n
    return rows + [FeedRow(c, y, n) for (c, y), n in cities.items()]


def _list_url(name: str, params: dict, region: str | None, year: int) -> str:
    query = {**params, "year": year} | ({"region": region} if region else {})
    return f"{reverse(name)}?{urlencode(query)}"


def indicator_feeds() -> list[IndicatorFeed]:
    feeds = [
        IndicatorFeed(
            code,
            SOURCE,
            partial(_rows, partial(quota_counts, quota)),
            rule=RULES[code],
            list_url=partial(_list_url, "talent:memberships", {"quota": quota}),
        )
        for quota, code in QUOTA_INDICATORS.items()
    ]
    feeds.append(
        IndicatorFeed(
            VISITS,
            SOURCE,
            partial(_rows, visit_counts),
            rule=RULES[VISITS],
            list_url=partial(_list_url, "talent:visits", {}),
        )
    )
    feeds.append(
        IndicatorFeed(
            PROJECTS,
            SOURCE,
            partial(_rows, project_counts),
            rule=RULES[PROJECTS],
            list_url=partial(_list_url, "talent:projects", {}),
        )
    )
    return feeds


def talents_changed(years: Iterable[int] | None = None) -> None:
    """Tell whoever listens, once the transaction commits, that the talent counts may have moved."""
    from kechuang.talent.models import Membership

    registry.feed_changed(Membership, years)
