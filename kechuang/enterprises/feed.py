"""What the enterprise register offers the indicator module, through core.registry (never by import).

`indicator_feeds()`: for each ladder tier with an indicator in the catalogue, the number of enterprises holding a
valid title, by region and for the city, for every year up to this one (selectors.qualification_counts: a past year
at its 31 December, this year as of today). The indicator module writes them as observations with the provenance
SOURCE; the services and the importer call `register_changed()`, which announces it once the change commits.

`indicator_pipeline(code)`: the same counts (future years: titles still valid then) and the reserve pool one and
two criteria away, for the bottom-up projection on the indicator page.

`support_pool(user, code)`: the reserve pool of the indicator's tier as the user sees it (closest first), each firm
with its distance and the names of the criteria it fails, and the back-tested conversion rates, for the what-if.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Any
from urllib.parse import urlencode

from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language

from kechuang.core import registry
from kechuang.core.codes import TechField
from kechuang.core.registry import FeedRow, IndicatorFeed, IndicatorPipeline, SupportCandidate, SupportPool
from kechuang.enterprises.models import Qualification
from kechuang.enterprises.selectors import qualification_counts, reserve_pool, reserve_pool_counts

__all__ = [
    "INDICATOR_OF_TIER",
    "SOURCE",
    "conversion_rates",
    "indicator_feeds",
    "indicator_pipeline",
    "qualification_counts",
    "register_changed",
    "reserve_pool_counts",
    "support_pool",
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


RULE = (
    "持有有效资质（未撤销，发证日不晚于、有效期不早于统计日）的企业数：往年按12月31日统计，当年按今日统计；"
    "每家企业计入其注册所在区县，全市为各区县（含功能区）之和"
)


def register_list_url(tier: str, region_code: str | None, year: int) -> str:
    """The register's list of the enterprises holding the tier today (in the region; the city: every region)."""
    query = {"held": tier} | ({"region": region_code} if region_code else {})
    return f"{reverse('enterprises:list')}?{urlencode(query)}"


def indicator_feeds() -> list[IndicatorFeed]:
    return [
        IndicatorFeed(code, SOURCE, partial(_feed_rows, tier), rule=RULE, list_url=partial(register_list_url, tier))
        for tier, code in INDICATOR_OF_TIER.items()
    ]


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


def _criterion_names(tier: str, rule_version: str, language: str | None) -> dict[str, str]:
    from kechuang.enterprises import ladder
    from kechuang.enterprises.ladder.labels import criterion_name

    rule_set = next((rs for rs in ladder.rule_sets(tier) if rs.version == rule_version), None)
    if rule_set is None:
        return {}
    criteria = [(c.id, c.name) for c in rule_set.criteria]
    if rule_set.line:
        criteria.append(("score_line", rule_set.line.name))
    return {cid: criterion_name(tier, cid, name, language) for cid, name in criteria}


def support_pool(
    user: Any, code: str, *, region: str = "", field: str = "", limit: int | None = None
) -> SupportPool | None:
    """The reserve pool of the tier counted by indicator `code`, in the user's scope (only `region`, only `field`),
    closest first, the first `limit` of it (None: all), for the what-if; `available` counts the whole pool."""
    tier = next((t for t, c in INDICATOR_OF_TIER.items() if c == code), None)
    if tier is None:
        return None
    pool = reserve_pool(user, tier, region=region)
    if field:
        pool = pool.filter(enterprise__tech_field=field)
    available = pool.count()
    if limit is not None:
        pool = pool[:limit]
    language = get_language()
    names: dict[str, dict[str, str]] = {}
    fields = dict(TechField.choices)
    detail = reverse("enterprises:detail", args=["CODE"]).replace("CODE", "{}")  # one reverse, not one per firm
    candidates = []
    for (
        credit_code,
        name,
        region_code,
        region_name,
        tech_field,
        failed,
        shortfall,
        score,
        version,
        criteria,
    ) in pool.values_list(
        "enterprise__credit_code",
        "enterprise__name",
        "enterprise__region__code",
        "enterprise__region__name",
        "enterprise__tech_field",
        "failed",
        "shortfall",
        "score",
        "rule_version",
        "failed_criteria",
    ).iterator(chunk_size=5000):
        if version not in names:
            names[version] = _criterion_names(tier, version, language)
        candidates.append(
            SupportCandidate(
                key=credit_code,
                name=name,
                region_code=region_code,
                region_name=region_name,
                field=tech_field or "",
                field_label=str(fields.get(tech_field, "")) if tech_field else "",
                failed=failed,
                shortfall=shortfall or 0.0,
                score=score or 0.0,
                gaps=tuple(names[version].get(cid, cid) for cid in criteria or ()),
                url=detail.format(credit_code),
            )
        )
    measured = conversion_rates().get(tier)
    return SupportPool(
        candidates=candidates,
        available=available,
        rates={1: float(measured["one_away"]), 2: float(measured["two_away"])} if measured else None,
        rates_year=measured["year"] if measured else None,
        rates_base={1: measured["base_one_away"], 2: measured["base_two_away"]} if measured else {},
        source=SOURCE,
        list_url=f"{reverse('enterprises:reserve')}?tier={tier}",
    )


def register_changed(years: Iterable[int] | None = None) -> None:
    """Tell whoever listens, once the transaction commits, that the register's counts may have moved."""
    registry.feed_changed(Qualification, years)
