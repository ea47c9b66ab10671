"""Bulk evaluation: many facts records in one columnar pass with Polars.

Records are validated and flattened (the same `flatten` as the per-record path), stacked into one frame,
and every rule version's criteria, score line and status are computed as Polars expressions compiled from
the same rule definitions (`expr.Node.expr()`), one `with_columns` pass per stage and version. No Python
code runs per record after flattening.

Output frame: one row per valid record, in input order, with `record_index`, `credit_code`,
`assessment_date`, and for each tier `<tier>.rule_version`, `<tier>.status`, `<tier>.route`,
`<tier>.score`, `<tier>.failed`, and per criterion `<tier>.<criterion>.value|passed|points`
(`<tier>.score_line.value|passed` for the score line). Values: ratios as fractions, money in 万元.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl

from .engine import assessment_date_of
from .facts import FactsError, parse_facts
from .row import ROW_SCHEMA, flatten
from .rules import TIERS, RuleSet, rule_sets


@dataclass
class BulkResult:
    frame: pl.DataFrame
    errors: list[FactsError] = field(default_factory=list)


def facts_frame(records: Iterable[Any], as_of: date | None = None, *, skip_invalid: bool = False) -> BulkResult:
    """Validate and flatten records into the input frame (columns of `row.ROW_SCHEMA`)."""
    columns: dict[str, list[Any]] = {name: [] for name in ROW_SCHEMA}
    index: list[int] = []
    codes: list[str | None] = []
    errors: list[FactsError] = []
    for i, rec in enumerate(records):
        try:
            facts = parse_facts(rec, label=f"#{i}")
            row = flatten(facts, assessment_date_of(facts, as_of))
        except FactsError as e:
            if not skip_invalid:
                raise
            errors.append(e)
            continue
        index.append(i)
        codes.append(facts.credit_code)
        for name, values in columns.items():
            values.append(row[name])
    frame = pl.DataFrame(columns, schema=ROW_SCHEMA).with_columns(
        pl.Series("record_index", index, dtype=pl.Int64), pl.Series("credit_code", codes, dtype=pl.String)
    )
    return BulkResult(frame, errors)


@functools.cache
def compiled_stages(rs: RuleSet) -> tuple[list[pl.Expr], ...]:
    """The rule set's nodes as Polars expressions, one list per stage (built once per version)."""
    return tuple([node.expr().alias(name) for name, node in stage] for stage in (rs.stage1(), rs.stage2(), rs.stage3()))


def _version_frame(rs: RuleSet, frame: pl.DataFrame) -> pl.DataFrame:
    prefix = re.escape(rs.tier + ".")
    lf = frame.lazy()
    for exprs in compiled_stages(rs):
        if exprs:
            lf = lf.with_columns(exprs)
    lf = lf.with_columns(pl.lit(rs.version, dtype=pl.String).alias(f"{rs.tier}.rule_version"))
    return lf.select("record_index", pl.col(f"^{prefix}.*$")).collect()


def _tier_frame(tier: str, frame: pl.DataFrame) -> pl.DataFrame:
    versions = rule_sets(tier)
    chooser: Any = pl.lit(None, dtype=pl.String)
    for rs in versions:  # ascending effective dates: later versions override
        chooser = (
            pl.when(pl.col("assessment_date") >= pl.lit(rs.effective_from)).then(pl.lit(rs.version)).otherwise(chooser)
        )
    tagged = frame.with_columns(chooser.alias("__version"))
    parts = []
    for rs in versions:
        sub = tagged.filter(pl.col("__version") == rs.version)
        if sub.height:
            parts.append(_version_frame(rs, sub))
    none = tagged.filter(pl.col("__version").is_null())
    if none.height:
        parts.append(
            none.select(
                "record_index",
                pl.lit(None, dtype=pl.String).alias(f"{tier}.rule_version"),
                pl.lit("not_evaluable").alias(f"{tier}.status"),
                pl.lit(None, dtype=pl.String).alias(f"{tier}.route"),
                pl.lit(None, dtype=pl.Int64).alias(f"{tier}.score"),
                pl.lit(0, dtype=pl.Int64).alias(f"{tier}.failed"),
            )
        )
    if not parts:
        return frame.select("record_index")
    return pl.concat(parts, how="diagonal_relaxed").sort("record_index")


def evaluate_bulk(
    records: Iterable[Any], as_of: date | None = None, *, skip_invalid: bool = False, tiers: Sequence[str] = TIERS
) -> BulkResult:
    """Evaluate many facts records at once. Invalid records raise `FactsError` (or, with `skip_invalid`,
    are left out of the frame and listed in `BulkResult.errors`)."""
    base = facts_frame(records, as_of, skip_invalid=skip_invalid)
    frame = base.frame
    out = frame.select("record_index", "credit_code", "assessment_date")
    for tier in tiers:
        tf = _tier_frame(tier, frame)
        out = out.join(tf, on="record_index", how="left", maintain_order="left")
    return BulkResult(out, base.errors)


def reserve_pool_frame(result: pl.DataFrame, tier: str, max_failed: int = 2) -> pl.DataFrame:
    """Records not eligible for `tier` that fail at most `max_failed` criteria, fewest failures first
    (then highest score). Columns: record_index, credit_code, failed, score, status."""
    return (
        result.filter((pl.col(f"{tier}.status") == "not_eligible") & pl.col(f"{tier}.failed").is_between(1, max_failed))
        .select(
            "record_index",
            "credit_code",
            pl.col(f"{tier}.failed").alias("failed"),
            pl.col(f"{tier}.score").alias("score"),
            pl.col(f"{tier}.status").alias("status"),
        )
        .sort(["failed", "score"], descending=[False, True], nulls_last=True)
    )
