"""Flatten `Facts` into one row of plain values: the shared input of the per-record and the bulk path.

Column names: scalar fields keep their facts name (`employees_total`, `ip.class_I`,
`hte_expert_points.rd_management`); per-year money is relative to the latest fiscal year
L = year(assessment_date) − 1: `rd_expense_wan@0` is year L, `@-1` is L−1, `@-2` is L−2.
Money is integer fen (1 万元 = 1,000,000 分), so every comparison is exact integer arithmetic.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from .facts import (
    COUNT_FIELDS,
    DEFAULT_FALSE_BOOL_FIELDS,
    ENUM_FIELDS,
    EXPERT_RANGES,
    IP_DEFAULT_ZERO_FIELDS,
    IP_FIELDS,
    MONEY_DEFAULT_ZERO_FIELDS,
    MONEY_FIELDS,
    NUMBER_RANGES,
    OPTIONAL_BOOL_FIELDS,
    YEAR_MONEY_FIELDS,
    Facts,
    fen,
)

YEAR_OFFSETS = (0, -1, -2)


def year_column(field: str, offset: int) -> str:
    return f"{field}@{offset}"


def _schema() -> dict[str, pl.DataType]:
    s: dict[str, Any] = {
        "assessment_date": pl.Date,
        "registration_date": pl.Date,
        "latest_year": pl.Int64,
        "registration_year": pl.Int64,
    }
    for name in (*OPTIONAL_BOOL_FIELDS, *DEFAULT_FALSE_BOOL_FIELDS):
        s[name] = pl.Boolean
    for name in (*COUNT_FIELDS, "niche_market_rank_national"):
        s[name] = pl.Int64
    for name in NUMBER_RANGES:
        s[name] = pl.Float64
    for name in ENUM_FIELDS:
        s[name] = pl.String
    for name in (*MONEY_FIELDS, *MONEY_DEFAULT_ZERO_FIELDS):
        s[name] = pl.Int64
    for name in (*IP_FIELDS, *IP_DEFAULT_ZERO_FIELDS):
        s[f"ip.{name}"] = pl.Int64
    for name in EXPERT_RANGES:
        s[f"hte_expert_points.{name}"] = pl.Int64
    for name in YEAR_MONEY_FIELDS:
        for k in YEAR_OFFSETS:
            s[year_column(name, k)] = pl.Int64
    return s


ROW_SCHEMA: dict[str, pl.DataType] = _schema()


def flatten(facts: Facts, assessment_date: date) -> dict[str, Any]:
    """One row (column name → value) for `facts` assessed on `assessment_date`."""
    latest = assessment_date.year - 1
    reg = facts.registration_date
    row: dict[str, Any] = {
        "assessment_date": assessment_date,
        "registration_date": reg,
        "latest_year": latest,
        "registration_year": reg.year if reg else None,
    }
    flags = facts.flags
    for name in (*OPTIONAL_BOOL_FIELDS, *DEFAULT_FALSE_BOOL_FIELDS):
        row[name] = flags.get(name)
    for name in (*COUNT_FIELDS, "niche_market_rank_national", *NUMBER_RANGES, *ENUM_FIELDS):
        row[name] = getattr(facts, name)
    for name in (*MONEY_FIELDS, *MONEY_DEFAULT_ZERO_FIELDS):
        row[name] = fen(getattr(facts, name))
    ip = facts.ip
    for name in (*IP_FIELDS, *IP_DEFAULT_ZERO_FIELDS):
        row[f"ip.{name}"] = getattr(ip, name)
    ex = facts.hte_expert_points
    for name in EXPERT_RANGES:
        row[f"hte_expert_points.{name}"] = getattr(ex, name)
    for name in YEAR_MONEY_FIELDS:
        by_year = facts.years.get(name, {})
        for k in YEAR_OFFSETS:
            row[year_column(name, k)] = fen(by_year.get(latest + k))
    return row
