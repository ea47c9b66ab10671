"""What-if for one firm (企业自测): change some of its facts, evaluate again with the same engine, compare. Pure Python.

A change names a lever: a figure of the last fiscal year L (money in 万元, counts, the niche share) set to a new
value, or IP items added (`ip.class_I_added`: self-developed invention patents; `ip.class_II_added`: utility models
and the like). The record is never modified in place; nothing is stored.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from .engine import TierResult, evaluate

# Figures of year L, kept as {year: value} in the facts record (their three-year history stays as it is).
YEAR_LEVERS = (
    "operating_revenue_wan",
    "main_business_revenue_wan",
    "rd_expense_wan",
    "domestic_rd_expense_wan",
    "total_assets_wan",
    "total_liabilities_wan",
)
# Figures of year L kept as one value in the facts record.
VALUE_LEVERS = (
    "high_tech_income_wan",
    "total_income_wan",
    "employees_total",
    "st_staff",
    "rd_staff",
    "conversions_3y",
    "niche_market_share_pct",
)
# IP items added: the counts they raise in the facts record.
IP_LEVERS: dict[str, tuple[str, ...]] = {
    "ip.class_I_added": ("class_I", "class_I_self_developed"),
    "ip.class_II_added": ("class_II", "class_II_miit"),
}
LEVERS = (*YEAR_LEVERS, *VALUE_LEVERS, *IP_LEVERS)
INTEGER_LEVERS = frozenset({"employees_total", "st_staff", "rd_staff", "conversions_3y", *IP_LEVERS})


def lever_value(record: Mapping[str, Any], lever: str, latest_year: int) -> Any:
    """The record's value of a lever now (0 for the IP added)."""
    if lever in IP_LEVERS:
        return 0
    if lever in YEAR_LEVERS:
        return (record.get(lever) or {}).get(str(latest_year))
    return record.get(lever)


def apply_changes(record: Mapping[str, Any], changes: Mapping[str, Any], latest_year: int) -> dict[str, Any]:
    """A copy of `record` with `changes` ({lever: value}) applied. Raises KeyError naming an unknown lever."""
    out = copy.deepcopy(dict(record))
    for lever, value in changes.items():
        if lever not in LEVERS:
            raise KeyError(lever)
        if lever in YEAR_LEVERS:
            series = dict(out.get(lever) or {})
            series[str(latest_year)] = value
            out[lever] = series
        elif lever in IP_LEVERS:
            ip = dict(out.get("ip") or {})
            for key in IP_LEVERS[lever]:
                ip[key] = (ip.get(key) or 0) + int(value)
            out["ip"] = ip
        else:
            out[lever] = value
    return out


@dataclass
class Change:
    lever: str
    before: Any
    after: Any


@dataclass
class WhatIf:
    before: list[TierResult]
    after: list[TierResult]
    changes: list[Change]

    def changed_tiers(self) -> list[str]:
        """Tiers whose status or number of failed criteria moves."""
        return [
            b.tier
            for b, a in zip(self.before, self.after, strict=True)
            if (b.status, len(b.failed_criteria())) != (a.status, len(a.failed_criteria()))
        ]


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is b
    try:
        return Decimal(str(a)) == Decimal(str(b))
    except ArithmeticError:
        return a == b


def what_if(record: Mapping[str, Any], changes: Mapping[str, Any], as_of: date) -> WhatIf:
    """Evaluate `record` as it is and with `changes`, on the same date and rules (raises FactsError when the
    changed record is invalid, e.g. a negative figure)."""
    latest = as_of.year - 1
    real = {k: v for k, v in changes.items() if not _same(v, lever_value(record, k, latest)) and v is not None}
    real = {k: v for k, v in real.items() if not (k in IP_LEVERS and not v)}
    changed = apply_changes(record, real, latest)
    return WhatIf(
        before=evaluate(record, as_of),
        after=evaluate(changed, as_of),
        changes=[Change(k, lever_value(record, k, latest), v) for k, v in real.items()],
    )
