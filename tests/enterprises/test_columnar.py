"""The columnar path (`bulk.evaluate_frame`): same verdicts as the per-record engine, same bad rows flagged."""

from __future__ import annotations

import copy
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kechuang.enterprises.ladder import FactsError, evaluate, parse_facts
from kechuang.enterprises.ladder.bulk import evaluate_bulk, evaluate_frame
from kechuang.enterprises.ladder.facts import (
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
    validate_frame,
)
from kechuang.enterprises.ladder.row import ROW_SCHEMA, YEAR_OFFSETS, year_column
from kechuang.enterprises.ladder.samples import random_records
from tests.enterprises.test_properties import SETTINGS, assert_bulk_matches
from tests.enterprises.test_properties import facts_records as valid_records

DERIVED = ("latest_year", "registration_year")


def _fen(v: Any) -> int | None:
    if v is None:
        return None
    d = Decimal(repr(v)) if isinstance(v, float) else Decimal(v)
    return int(d.quantize(Decimal("0.000001"), rounding=ROUND_HALF_EVEN).scaleb(6))


def raw_row(rec: dict[str, Any]) -> dict[str, Any]:
    """A record as one row of the columnar input, copied field by field with no validation at all."""
    on = date.fromisoformat(rec["assessment_date"])
    latest = on.year - 1
    reg = rec.get("registration_date")
    row: dict[str, Any] = {"assessment_date": on, "registration_date": reg and date.fromisoformat(reg)}
    for name in (*OPTIONAL_BOOL_FIELDS, *DEFAULT_FALSE_BOOL_FIELDS, *COUNT_FIELDS, "niche_market_rank_national"):
        row[name] = rec.get(name)
    for name in NUMBER_RANGES:
        row[name] = None if rec.get(name) is None else float(rec[name])
    for name in ENUM_FIELDS:
        row[name] = rec.get(name)
    for name in (*MONEY_FIELDS, *MONEY_DEFAULT_ZERO_FIELDS):
        row[name] = _fen(rec.get(name))
    ip, ex = rec.get("ip") or {}, rec.get("hte_expert_points") or {}
    for name in (*IP_FIELDS, *IP_DEFAULT_ZERO_FIELDS):
        row[f"ip.{name}"] = ip.get(name)
    for name in EXPERT_RANGES:
        row[f"hte_expert_points.{name}"] = ex.get(name)
    for name in YEAR_MONEY_FIELDS:
        series = rec.get(name) or {}
        for k in YEAR_OFFSETS:
            row[year_column(name, k)] = _fen(series.get(str(latest + k)))
    return row


def raw_frame(records: list[dict[str, Any]]) -> pl.DataFrame:
    schema = {k: v for k, v in ROW_SCHEMA.items() if k not in DERIVED}
    frame = pl.DataFrame([raw_row(r) for r in records], schema=schema, orient="row")
    return frame.with_columns(pl.Series("credit_code", [r.get("credit_code") for r in records], dtype=pl.String))


def assert_frame_matches(records: list[dict[str, Any]]) -> None:
    """evaluate_frame on the raw columns == evaluate_bulk on the records (itself == per record, see
    test_properties), column for column, and the statuses equal the per-record ones."""
    by_frame = evaluate_frame(raw_frame(records)).frame
    by_records = evaluate_bulk(records).frame
    assert by_frame.columns == by_records.columns
    assert by_frame.to_dicts() == by_records.to_dicts()
    for rec, row in zip(records, by_frame.to_dicts(), strict=True):
        for r in evaluate(rec):
            assert (row[f"{r.tier}.status"], row[f"{r.tier}.score"]) == (r.status, r.score)


@SETTINGS
@given(st.lists(valid_records(), min_size=1, max_size=6))
def test_columnar_path_equals_per_record_on_random_records(records):
    assert_frame_matches(records)


def test_columnar_path_equals_per_record_on_plausible_samples():
    records = random_records(600, seed=11)
    assert_frame_matches(records)
    assert_bulk_matches(records[:100])


def _set(rec: dict, path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    node = rec
    for p in parents:
        node = node.setdefault(p, {})
    node[leaf] = value


def _year(rec: dict, k: int) -> str:
    return str(date.fromisoformat(rec["assessment_date"]).year - 1 + k)


# Corruptions a typed column can still carry: each keeps the types and breaks a value rule of parse_facts.
CORRUPTIONS = {
    "negative count": lambda rec, draw: _set(rec, draw(st.sampled_from(COUNT_FIELDS)), -draw(st.integers(1, 5))),
    "rank below 1": lambda rec, draw: _set(rec, "niche_market_rank_national", draw(st.integers(-2, 0))),
    "range": lambda rec, draw: _set(
        rec,
        (name := draw(st.sampled_from(sorted(NUMBER_RANGES)))),
        NUMBER_RANGES[name][1] + draw(st.sampled_from([0.5, 7])),
    ),
    "below range": lambda rec, draw: _set(rec, draw(st.sampled_from(sorted(NUMBER_RANGES))), -0.5),
    "enum": lambda rec, draw: _set(rec, draw(st.sampled_from(sorted(ENUM_FIELDS))), "unknown_level"),
    "negative money": lambda rec, draw: _set(
        rec, draw(st.sampled_from([*MONEY_FIELDS, *MONEY_DEFAULT_ZERO_FIELDS])), -1
    ),
    "huge money": lambda rec, draw: _set(rec, "total_income_wan", 1_000_000_000.01),
    "negative yearly money": lambda rec, draw: _set(
        rec, f"{draw(st.sampled_from(YEAR_MONEY_FIELDS[:-1]))}.{_year(rec, draw(st.sampled_from(YEAR_OFFSETS)))}", -3.5
    ),
    "huge profit": lambda rec, draw: _set(rec, f"net_profit_wan.{_year(rec, 0)}", -2_000_000_000),
    "negative ip": lambda rec, draw: _set(
        rec, f"ip.{draw(st.sampled_from([*IP_FIELDS, *IP_DEFAULT_ZERO_FIELDS]))}", -1
    ),
    "expert points": lambda rec, draw: _set(
        rec,
        f"hte_expert_points.{(name := draw(st.sampled_from(sorted(EXPERT_RANGES))))}",
        draw(st.sampled_from([-1, EXPERT_RANGES[name] + 1])),
    ),
    "staff over employees": lambda rec, draw: rec.update(
        employees_total=10, st_staff=11, rd_staff=draw(st.integers(0, 12))
    ),
    "ip sub-count over total": lambda rec, draw: rec.update(
        ip={
            "class_I": 1,
            "class_I_self_developed": 2,
            "class_I_high_value": draw(st.integers(0, 3)),
            "class_II": 0,
            "class_II_used_in_prior_hte": draw(st.integers(0, 1)),
        }
    ),
    "domestic over total": lambda rec, draw: rec.update(
        rd_expense_wan={_year(rec, 0): 0, _year(rec, -1): 100.5},
        domestic_rd_expense_wan={_year(rec, 0): 0.01, _year(rec, -1): draw(st.sampled_from([100.5, 100.51]))},
    ),
    "registered after assessment": lambda rec, draw: rec.update(
        registration_date=(date.fromisoformat(rec["assessment_date"]).replace(day=1, month=1, year=2029)).isoformat()
    ),
}


@st.composite
def maybe_corrupted(draw) -> dict[str, Any]:
    rec = copy.deepcopy(draw(valid_records()))
    for name in draw(st.lists(st.sampled_from(sorted(CORRUPTIONS)), max_size=3, unique=True)):
        CORRUPTIONS[name](rec, draw)
    return rec


def _errors(rec: dict) -> list[tuple[str, str]] | None:
    try:
        parse_facts(rec)
    except FactsError as e:
        return sorted(e.errors)
    return None


@SETTINGS
@given(st.lists(maybe_corrupted(), min_size=1, max_size=8))
def test_columnar_validation_flags_the_same_rows_and_fields(records):
    frame = raw_frame(records)
    bad, errors = validate_frame(frame)
    expected = [_errors(r) for r in records]
    assert bad.to_list() == [e is not None for e in expected]
    assert [sorted(e.errors) for e in errors] == [e for e in expected if e is not None]
    assert [e.record for e in errors] == [f"#{i} (HYP)" for i, e in enumerate(expected) if e is not None]

    result = evaluate_frame(frame, skip_invalid=True)
    assert result.frame["record_index"].to_list() == [i for i, e in enumerate(expected) if e is None]
    assert [e.record for e in result.errors] == [e.record for e in errors]
    valid = [r for r, e in zip(records, expected, strict=True) if e is None]
    if valid:
        assert (
            result.frame.drop("record_index").to_dicts() == evaluate_bulk(valid).frame.drop("record_index").to_dicts()
        )
    if any(e is not None for e in expected):
        with pytest.raises(FactsError):
            evaluate_frame(frame)


def test_columnar_input_contract():
    rec = random_records(1, seed=3)[0]
    frame = raw_frame([rec]).drop(
        "credit_code", "ip.class_I_high_value", "excluded_single_champion_or_little_giant_affiliate"
    )
    out = evaluate_frame(frame).frame  # absent columns: missing data / the format's defaults
    expected = evaluate_bulk([{k: v for k, v in rec.items() if k != "credit_code"}]).frame
    if "class_I_high_value" not in rec.get("ip", {}):
        assert out.drop("credit_code").to_dicts() == expected.drop("credit_code").to_dicts()
    assert out["record_index"].to_list() == [0] and out["credit_code"].to_list() == [None]
    # as_of replaces the assessment date (the yearly columns are relative to it)
    on = date.fromisoformat(rec["assessment_date"])
    moved = evaluate_frame(frame.with_columns(pl.lit(None, dtype=pl.Date).alias("assessment_date")), on).frame
    assert moved["assessment_date"].to_list() == [on]
    with pytest.raises(FactsError, match="assessment_date"):
        evaluate_frame(frame.with_columns(pl.lit(None, dtype=pl.Date).alias("assessment_date")))
    empty = evaluate_frame(frame.clear()).frame
    assert empty.height == 0
