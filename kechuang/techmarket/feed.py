"""What the technology market offers the indicator module (its contract; the logic is in selectors).

`contract_turnover(year=None)` → [{basis: 'output'|'absorbed', region_code, year, amount_wan, ...}]: registered
technology-contract turnover (合同成交额, 万元) per registration year and region of the city, on the seller
(技术输出) and buyer (技术吸纳) bases kept apart. Extra keys: `technology_amount_wan` (approved 技术交易额) and
`contracts` (number of contracts).

`indicator_feeds()`: the same turnover as two indicators of the catalogue, by region and for the city (a contract
counted once), which the indicator module writes as observations whenever a registration changes
(`turnover_changed(years)`, called by the contract services and the importer, announces it after commit).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from functools import partial
from typing import Any

from kechuang.core import registry
from kechuang.core.registry import IndicatorFeed

SOURCE = "科创平台技术合同认定登记（自动汇总）"
FEED_CODES = {
    "output": "tech_contract_turnover_registered_output",
    "absorbed": "tech_contract_turnover_registered_absorbed",
}


def contract_turnover(year: int | None = None) -> list[dict[str, Any]]:
    from kechuang.techmarket.selectors import contract_turnover as turnover

    return turnover(year)


def _feed_rows(basis: str, years: Iterable[int] | None = None) -> list[tuple[str, int, Decimal]]:
    from kechuang.techmarket.selectors import contract_turnover as turnover

    rows = turnover(years=None if years is None else set(years), with_city=True)
    return [(r["region_code"], r["year"], r["amount_wan"]) for r in rows if r["basis"] == basis]


RULES = {
    "output": "登记合同的成交额按认定登记年份汇总；卖方（技术输出方）所在区县计入，全市每份合同计一次",
    "absorbed": "登记合同的成交额按认定登记年份汇总；买方（技术吸纳方）所在区县计入，全市每份合同计一次",
}


def _statistics_url(region_code: str | None, year: int) -> str:
    from django.urls import reverse

    return reverse("techmarket:statistics")


def indicator_feeds() -> list[IndicatorFeed]:
    return [
        IndicatorFeed(code, SOURCE, partial(_feed_rows, basis), rule=RULES[basis], list_url=_statistics_url)
        for basis, code in FEED_CODES.items()
    ]


def turnover_changed(years: Iterable[int]) -> None:
    """Tell whoever listens, once the transaction commits, that these years' registered turnover moved."""
    from kechuang.techmarket.models import Contract

    registry.feed_changed(Contract, years)


__all__ = ["FEED_CODES", "SOURCE", "contract_turnover", "indicator_feeds", "turnover_changed"]
