"""The enterprise facts record: parse and validate one JSON object into a typed `Facts`.

Contract: /work/shared/reference/ladder-facts-format.md. Money is in 万元 and kept exactly as `Decimal`
to the fen (0.000001 万元 = 0.01 元; finer digits are rounded half-even at parse time). Per-year maps are
keyed by fiscal year (int). Absent and `null` are the same thing.

Defaults from the contract: route/award/honour flags and `holds_*` title flags absent → False;
equity-financing amounts absent → 0; `ip.class_I_self_developed`, `ip.class_I_high_value` and
`ip.class_II_used_in_prior_hte` absent → 0. Every other absent field stays `None` (missing data).

Extension fields (not in the contract; used only by the 小巨人 rule sets, all optional):
`holds_valid_specialized_sme_title` (title flag, absent → False), `national_st_award_top3_within_3y`
(award flag, absent → False), `excluded_single_champion_or_little_giant_affiliate` (absent → False),
`niche_market_share_pct` (0–100), `niche_market_rank_national` (int ≥ 1), `has_own_brand` (bool),
`main_product_in_priority_field` (bool: 六基 / key industrial-chain link / 制造强国·网络强国 key area).

Keys starting with "_" are comments and ignored; any other unknown key is an error (a misspelt route
flag would otherwise silently read as "not claimed").
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

FEN_PER_WAN = 1_000_000  # 1 万元 = 10,000 元 = 1,000,000 分
_QUANTUM = Decimal("0.000001")
MONEY_LIMIT_WAN = Decimal(10) ** 9  # |money| ≤ 10 万亿元 keeps every figure exact in a double and in Int64


class FactsError(ValueError):
    """A facts record failed validation. `errors` is a list of (field path, message)."""

    def __init__(self, record: str, errors: list[tuple[str, str]]):
        self.record = record
        self.errors = list(errors)
        detail = "; ".join(f"{f}: {m}" for f, m in self.errors)
        super().__init__(f"facts record {record}: {detail}")


# --- field catalogue ------------------------------------------------------------------------------

YEAR_MONEY_FIELDS = (
    "operating_revenue_wan",
    "main_business_revenue_wan",
    "rd_expense_wan",
    "domestic_rd_expense_wan",
    "cost_expense_total_wan",
    "total_assets_wan",
    "total_liabilities_wan",
    "net_profit_wan",
)
SIGNED_YEAR_MONEY_FIELDS = frozenset({"net_profit_wan"})
MONEY_FIELDS = ("high_tech_income_wan", "total_income_wan")
MONEY_DEFAULT_ZERO_FIELDS = ("equity_financing_qualified_3y_wan", "equity_financing_qualified_2y_wan")
OPTIONAL_BOOL_FIELDS = (
    "resident_enterprise_mainland",
    "is_sme_per_2011_standard",
    "tech_field_in_catalog",
    "prohibited_or_restricted_product",
    "rd_deduction_negative_list_industry",
    "major_incident_or_violation_recent",
    "major_incident_or_violation_3y",
    "abnormal_or_serious_dishonesty_list",
    "strategic_emerging_industry",
    "market_position_leading",
    "has_own_brand",
    "main_product_in_priority_field",
)
COMPLIANCE_FLAGS = (
    "major_incident_or_violation_recent",
    "major_incident_or_violation_3y",
    "abnormal_or_serious_dishonesty_list",
    "prohibited_or_restricted_product",
    "rd_deduction_negative_list_industry",
)
DEFAULT_FALSE_BOOL_FIELDS = (
    "has_valid_hte_certificate",
    "holds_valid_tech_sme_registration",
    "holds_valid_innovative_sme_title",
    "holds_valid_specialized_sme_title",
    "national_st_award_top3_within_5y",
    "national_st_award_top3_within_3y",
    "provincial_ministerial_rd_institution",
    "led_standard_within_5y",
    "st_award_national_or_provincial_within_3y",
    "st_award_provincial_plus_top3_within_3y",
    "st_award_provincial_top3_or_national_within_3y",
    "maker_china_top500_within_3y",
    "other_valid_honor_tech_innovation_demo_or_ip_advantage",
    "excluded_single_champion_or_little_giant_affiliate",
)
COUNT_FIELDS = ("employees_total", "st_staff", "rd_staff", "conversions_3y", "digital_level", "quality_items_count")
NUMBER_RANGES: dict[str, tuple[float, float]] = {
    "market_segment_years": (0, 200),
    "specialized_platform_score": (0, 100),
    "local_characteristic_score": (0, 15),
    "niche_market_share_pct": (0, 100),
}
TEXT_FIELDS = ("credit_code", "name", "industry", "tech_field")
ENUM_FIELDS: dict[str, tuple[str, ...]] = {
    "product_field_category_2022": ("key_link_breakthrough", "six_basics_or_time_honored_or_chain_leader", "other"),
    "rd_institution_level": ("national", "provincial", "municipal", "below_municipal", "none"),
}
DATE_FIELDS = ("assessment_date", "registration_date")
IP_FIELDS = ("class_I", "class_II", "class_II_miit")
IP_DEFAULT_ZERO_FIELDS = ("class_I_self_developed", "class_I_high_value", "class_II_used_in_prior_hte")
EXPERT_RANGES = {
    "tech_advancement": 8,
    "core_support": 8,
    "ip_acquisition": 6,
    "standards_bonus": 2,
    "rd_management": 20,
}

KNOWN_FIELDS = frozenset(
    {
        *YEAR_MONEY_FIELDS,
        *MONEY_FIELDS,
        *MONEY_DEFAULT_ZERO_FIELDS,
        *OPTIONAL_BOOL_FIELDS,
        *DEFAULT_FALSE_BOOL_FIELDS,
        *COUNT_FIELDS,
        *NUMBER_RANGES,
        *TEXT_FIELDS,
        *ENUM_FIELDS,
        *DATE_FIELDS,
        "niche_market_rank_national",
        "ip",
        "hte_expert_points",
    }
)


@dataclass(frozen=True)
class IPCounts:
    class_I: int | None = None
    class_I_self_developed: int = 0
    class_I_high_value: int = 0
    class_II: int | None = None
    class_II_miit: int | None = None
    class_II_used_in_prior_hte: int = 0


@dataclass(frozen=True)
class ExpertPoints:
    tech_advancement: int | None = None
    core_support: int | None = None
    ip_acquisition: int | None = None
    standards_bonus: int | None = None
    rd_management: int | None = None


@dataclass(frozen=True)
class Facts:
    """One enterprise on one assessment date. Money in 万元 (Decimal); per-year maps keyed by int year."""

    assessment_date: date | None = None
    credit_code: str | None = None
    name: str | None = None
    registration_date: date | None = None
    industry: str | None = None
    tech_field: str | None = None
    employees_total: int | None = None
    st_staff: int | None = None
    rd_staff: int | None = None
    conversions_3y: int | None = None
    digital_level: int | None = None
    quality_items_count: int | None = None
    niche_market_rank_national: int | None = None
    market_segment_years: float | None = None
    specialized_platform_score: float | None = None
    local_characteristic_score: float | None = None
    niche_market_share_pct: float | None = None
    product_field_category_2022: str | None = None
    rd_institution_level: str | None = None
    high_tech_income_wan: Decimal | None = None
    total_income_wan: Decimal | None = None
    equity_financing_qualified_3y_wan: Decimal = Decimal(0)
    equity_financing_qualified_2y_wan: Decimal = Decimal(0)
    ip: IPCounts = field(default_factory=IPCounts)
    hte_expert_points: ExpertPoints = field(default_factory=ExpertPoints)
    years: dict[str, dict[int, Decimal]] = field(default_factory=dict)  # field name → {year: 万元}
    flags: dict[str, bool | None] = field(default_factory=dict)  # every bool field, defaults applied

    def flag(self, field_name: str) -> bool | None:
        return self.flags.get(field_name)

    def label(self) -> str:
        return self.credit_code or self.name or "<unnamed>"


# --- parsing ----------------------------------------------------------------------------------------

_YEAR_KEY = re.compile(r"^(19|20|21)\d\d$")


class _Collector:
    def __init__(self) -> None:
        self.errors: list[tuple[str, str]] = []

    def add(self, path: str, message: str) -> None:
        self.errors.append((path, message))


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float | Decimal) and not isinstance(v, bool)


def _money(v: Any, path: str, errs: _Collector, *, signed: bool = False) -> Decimal | None:
    if v is None:
        return None
    if not _is_number(v):
        errs.add(path, f"expected a number of 万元, got {type(v).__name__}")
        return None
    if isinstance(v, float) and not math.isfinite(v):
        errs.add(path, "must be a finite number")
        return None
    try:
        d = Decimal(repr(v)) if isinstance(v, float) else Decimal(v)
    except InvalidOperation:  # pragma: no cover - defensive
        errs.add(path, "not a number")
        return None
    if not d.is_finite():
        errs.add(path, "must be a finite number")
        return None
    if not signed and d < 0:
        errs.add(path, "must not be negative")
        return None
    if abs(d) > MONEY_LIMIT_WAN:
        errs.add(path, f"implausibly large (more than {MONEY_LIMIT_WAN} 万元)")
        return None
    return d.quantize(_QUANTUM, rounding=ROUND_HALF_EVEN)


def _count(v: Any, path: str, errs: _Collector, *, minimum: int = 0, maximum: int | None = None) -> int | None:
    if v is None:
        return None
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, bool) or not isinstance(v, int):
        errs.add(path, f"expected an integer, got {type(v).__name__}" + (f" {v!r}" if _is_number(v) else ""))
        return None
    if v < minimum:
        errs.add(path, f"must be ≥ {minimum}" + (" (negative count)" if v < 0 else ""))
        return None
    if maximum is not None and v > maximum:
        errs.add(path, f"must be ≤ {maximum}")
        return None
    return v


def _number(v: Any, path: str, errs: _Collector, lo: float, hi: float) -> float | None:
    if v is None:
        return None
    if not _is_number(v):
        errs.add(path, f"expected a number, got {type(v).__name__}")
        return None
    f = float(v)
    if not math.isfinite(f) or f < lo or f > hi:
        errs.add(path, f"must be between {lo:g} and {hi:g}")
        return None
    return f


def _bool(v: Any, path: str, errs: _Collector) -> bool | None:
    if v is None:
        return None
    if not isinstance(v, bool):
        errs.add(path, f"expected true/false, got {type(v).__name__} {v!r}")
        return None
    return v


def _date(v: Any, path: str, errs: _Collector) -> date | None:
    if v is None:
        return None
    if isinstance(v, datetime):
        errs.add(path, "expected a date (YYYY-MM-DD), got a datetime")
        return None
    if isinstance(v, date):
        return v
    if isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
        try:
            return date.fromisoformat(v)
        except ValueError:
            errs.add(path, f"not a valid calendar date: {v!r}")
            return None
    errs.add(path, f"expected a date string YYYY-MM-DD, got {v!r}")
    return None


def _text(v: Any, path: str, errs: _Collector) -> str | None:
    if v is None:
        return None
    if not isinstance(v, str):
        errs.add(path, f"expected a string, got {type(v).__name__}")
        return None
    return v


def parse_facts(record: Any, *, label: str | None = None) -> Facts:
    """Validate one facts record (a dict decoded from JSON, or an existing `Facts`) into `Facts`.

    Raises `FactsError(record_label, [(field, message), ...])` listing every problem found.
    """
    if isinstance(record, Facts):
        return record
    if not isinstance(record, Mapping):
        raise FactsError(label or "<unnamed>", [("", f"expected a JSON object, got {type(record).__name__}")])
    errs = _Collector()
    rec_label = label or str(record.get("credit_code") or record.get("name") or "<unnamed>")
    if label and record.get("credit_code"):
        rec_label = f"{label} ({record.get('credit_code')})"

    for key in record:
        if not isinstance(key, str):
            errs.add(str(key), "field names must be strings")
        elif key not in KNOWN_FIELDS and not key.startswith("_"):
            errs.add(key, "unknown field")

    g = record.get
    values: dict[str, Any] = {}
    for name in DATE_FIELDS:
        values[name] = _date(g(name), name, errs)
    for name in TEXT_FIELDS:
        values[name] = _text(g(name), name, errs)
    for name in COUNT_FIELDS:
        values[name] = _count(g(name), name, errs)
    values["niche_market_rank_national"] = _count(
        g("niche_market_rank_national"), "niche_market_rank_national", errs, minimum=1
    )
    for name, (lo, hi) in NUMBER_RANGES.items():
        values[name] = _number(g(name), name, errs, lo, hi)
    for name, allowed in ENUM_FIELDS.items():
        v = _text(g(name), name, errs)
        if v is not None and v not in allowed:
            errs.add(name, f"must be one of {', '.join(allowed)}; got {v!r}")
            v = None
        values[name] = v
    for name in MONEY_FIELDS:
        values[name] = _money(g(name), name, errs)
    for name in MONEY_DEFAULT_ZERO_FIELDS:
        v = _money(g(name), name, errs)
        values[name] = Decimal(0).quantize(_QUANTUM) if v is None else v

    flags: dict[str, bool | None] = {}
    for name in OPTIONAL_BOOL_FIELDS:
        flags[name] = _bool(g(name), name, errs)
    for name in DEFAULT_FALSE_BOOL_FIELDS:
        flags[name] = bool(_bool(g(name), name, errs))

    years: dict[str, dict[int, Decimal]] = {}
    for name in YEAR_MONEY_FIELDS:
        raw = g(name)
        out: dict[int, Decimal] = {}
        if raw is None:
            pass
        elif not isinstance(raw, Mapping):
            errs.add(name, f'expected an object keyed by fiscal year ("2025": number), got {type(raw).__name__}')
        else:
            for ykey, yval in raw.items():
                path = f"{name}.{ykey}"
                if not isinstance(ykey, str) or not _YEAR_KEY.match(ykey):
                    errs.add(path, 'year keys must be "YYYY" strings')
                    continue
                d = _money(yval, path, errs, signed=name in SIGNED_YEAR_MONEY_FIELDS)
                if d is not None:
                    out[int(ykey)] = d
        years[name] = out

    ip_raw = g("ip")
    ip_vals: dict[str, int | None] = {}
    if ip_raw is not None and not isinstance(ip_raw, Mapping):
        errs.add("ip", f"expected an object, got {type(ip_raw).__name__}")
        ip_raw = None
    ip_raw = ip_raw or {}
    for key in ip_raw:
        if key not in IP_FIELDS and key not in IP_DEFAULT_ZERO_FIELDS and not str(key).startswith("_"):
            errs.add(f"ip.{key}", "unknown field")
    for name in IP_FIELDS:
        ip_vals[name] = _count(ip_raw.get(name), f"ip.{name}", errs)
    for name in IP_DEFAULT_ZERO_FIELDS:
        ip_vals[name] = _count(ip_raw.get(name), f"ip.{name}", errs) or 0

    ex_raw = g("hte_expert_points")
    ex_vals: dict[str, int | None] = {}
    if ex_raw is not None and not isinstance(ex_raw, Mapping):
        errs.add("hte_expert_points", f"expected an object, got {type(ex_raw).__name__}")
        ex_raw = None
    ex_raw = ex_raw or {}
    for key in ex_raw:
        if key not in EXPERT_RANGES and not str(key).startswith("_"):
            errs.add(f"hte_expert_points.{key}", "unknown field")
    for name, hi in EXPERT_RANGES.items():
        ex_vals[name] = _count(ex_raw.get(name), f"hte_expert_points.{name}", errs, maximum=hi)

    # --- consistency between fields ---
    emp = values["employees_total"]
    for name in ("st_staff", "rd_staff"):
        if emp is not None and values[name] is not None and values[name] > emp:
            errs.add(name, f"{values[name]} exceeds employees_total {emp}")
    c1 = ip_vals["class_I"]
    for name in ("class_I_self_developed", "class_I_high_value"):
        if c1 is not None and ip_vals[name] > c1:
            errs.add(f"ip.{name}", f"{ip_vals[name]} exceeds ip.class_I {c1}")
    c2 = ip_vals["class_II"]
    if c2 is not None and ip_vals["class_II_used_in_prior_hte"] > c2:
        errs.add("ip.class_II_used_in_prior_hte", f"exceeds ip.class_II {c2}")
    for year, dom in years["domestic_rd_expense_wan"].items():
        total = years["rd_expense_wan"].get(year)
        if total is not None and dom > total:
            errs.add(f"domestic_rd_expense_wan.{year}", f"exceeds rd_expense_wan.{year} ({total})")
    a, r = values["assessment_date"], values["registration_date"]
    if a is not None and r is not None and r > a:
        errs.add("registration_date", f"{r} is after assessment_date {a}")

    if errs.errors:
        raise FactsError(rec_label, errs.errors)
    return Facts(
        **values,
        ip=IPCounts(**ip_vals),
        hte_expert_points=ExpertPoints(**ex_vals),
        years=years,
        flags=flags,
    )


def fen(value: Decimal | None) -> int | None:
    """万元 (Decimal, quantized to the fen) → integer fen."""
    return None if value is None else int(value.scaleb(6))


# --- columnar validation ------------------------------------------------------------------------------------
#
# The same value rules as `parse_facts`, applied to a flattened frame (the columns of `row.ROW_SCHEMA`,
# money in integer fen) one column at a time. Types are the frame's schema, so only the value checks
# remain: negative counts and money, ranges, enums, the money limit and the cross-field checks, which (as
# in `parse_facts`) only compare values that are themselves valid. Field paths and messages are those of
# `parse_facts`; per-year paths carry the fiscal year (L = year(assessment date) − 1, L−1, L−2).

MONEY_LIMIT_FEN = int(MONEY_LIMIT_WAN) * FEN_PER_WAN
_YEAR_OFFSETS = (0, -1, -2)


def _wan_text(fen_value: int) -> str:
    return str(Decimal(fen_value).scaleb(-6).quantize(_QUANTUM))


def _frame_checks(as_of: date | None) -> tuple[list[tuple[str, Any, Any, Any]], Any]:
    """The checks — (name, bad-row expression, field path (str or row → str), row → message), in
    `parse_facts`' order — and the expression of L (the messages' `__latest`)."""
    import polars as pl

    c = pl.col
    checks: list[tuple[str, Any, Any, Any]] = []

    def count_ok(name: str, minimum: int = 0, maximum: int | None = None) -> Any:
        ok = c(name) >= minimum
        return ok if maximum is None else ok & (c(name) <= maximum)

    def add_count(name: str, path: str, minimum: int = 0, maximum: int | None = None) -> None:
        def message(row: dict, name: str = name) -> str:
            v = row[name]
            if v < minimum:
                return f"must be ≥ {minimum}" + (" (negative count)" if v < 0 else "")
            return f"must be ≤ {maximum}"

        checks.append((name, ~count_ok(name, minimum, maximum), path, message))

    def add_money(name: str, path: Any, signed: bool = False) -> None:
        bad = c(name).abs() > MONEY_LIMIT_FEN
        if not signed:
            bad = (c(name) < 0) | bad

        def message(row: dict, name: str = name) -> str:
            if not signed and row[name] < 0:
                return "must not be negative"
            return f"implausibly large (more than {MONEY_LIMIT_WAN} 万元)"

        checks.append((name, bad, path, message))

    for name in COUNT_FIELDS:
        add_count(name, name)
    add_count("niche_market_rank_national", "niche_market_rank_national", minimum=1)
    for name, (lo, hi) in NUMBER_RANGES.items():
        checks.append(
            (
                name,
                c(name).is_nan() | (c(name) < lo) | (c(name) > hi),
                name,
                lambda row, lo=lo, hi=hi: f"must be between {lo:g} and {hi:g}",
            )
        )
    for name, allowed in ENUM_FIELDS.items():
        checks.append(
            (
                name,
                ~c(name).is_in(list(allowed)),
                name,
                lambda row, name=name, allowed=allowed: f"must be one of {', '.join(allowed)}; got {row[name]!r}",
            )
        )
    for name in (*MONEY_FIELDS, *MONEY_DEFAULT_ZERO_FIELDS):
        add_money(name, name)
    on = pl.lit(as_of, dtype=pl.Date) if as_of is not None else c("assessment_date")
    latest = on.dt.year().cast(pl.Int64) - 1
    for name in YEAR_MONEY_FIELDS:
        for k in _YEAR_OFFSETS:
            column = f"{name}@{k}"
            add_money(
                column,
                lambda row, name=name, k=k: f"{name}.{row['__latest'] + k}",
                signed=name in SIGNED_YEAR_MONEY_FIELDS,
            )
    for name in (*IP_FIELDS, *IP_DEFAULT_ZERO_FIELDS):
        add_count(f"ip.{name}", f"ip.{name}")
    for name, hi in EXPERT_RANGES.items():
        add_count(f"hte_expert_points.{name}", f"hte_expert_points.{name}", maximum=hi)

    # cross-field checks on valid values only (an invalid default-zero IP count reads as 0)
    def valid(name: str, minimum: int = 0) -> Any:
        return pl.when(c(name) >= minimum).then(c(name))

    emp = valid("employees_total")
    for name in ("st_staff", "rd_staff"):
        checks.append(
            (
                f"{name}>employees",
                valid(name) > emp,
                name,
                lambda row, name=name: f"{row[name]} exceeds employees_total {row['employees_total']}",
            )
        )
    c1 = valid("ip.class_I")
    for name in ("class_I_self_developed", "class_I_high_value"):
        checks.append(
            (
                f"ip.{name}>class_I",
                valid(f"ip.{name}").fill_null(0) > c1,
                f"ip.{name}",
                lambda row, name=name: f"{row[f'ip.{name}']} exceeds ip.class_I {row['ip.class_I']}",
            )
        )
    checks.append(
        (
            "ip.class_II_used_in_prior_hte>class_II",
            valid("ip.class_II_used_in_prior_hte").fill_null(0) > valid("ip.class_II"),
            "ip.class_II_used_in_prior_hte",
            lambda row: f"exceeds ip.class_II {row['ip.class_II']}",
        )
    )
    for k in sorted(_YEAR_OFFSETS):
        dom, rd = f"domestic_rd_expense_wan@{k}", f"rd_expense_wan@{k}"

        def money_ok(name: str) -> Any:
            return pl.when((c(name) >= 0) & (c(name) <= MONEY_LIMIT_FEN)).then(c(name))

        checks.append(
            (
                f"{dom}>{rd}",
                money_ok(dom) > money_ok(rd),
                lambda row, k=k: f"domestic_rd_expense_wan.{row['__latest'] + k}",
                lambda row, k=k, rd=rd: f"exceeds rd_expense_wan.{row['__latest'] + k} ({_wan_text(row[rd])})",
            )
        )
    checks.append(
        (
            "registration_date>assessment_date",
            c("registration_date") > c("assessment_date"),
            "registration_date",
            lambda row: f"{row['registration_date']} is after assessment_date {row['assessment_date']}",
        )
    )
    if as_of is None:
        checks.append(
            (
                "assessment_date",
                c("assessment_date").is_null(),
                "assessment_date",
                lambda row: "required (or pass as_of)",
            )
        )
    return checks, latest


def validate_frame(frame: Any, as_of: date | None = None) -> tuple[Any, list[FactsError]]:
    """Validate a flattened frame (ROW_SCHEMA columns; `record_index` and `credit_code` optional).

    Returns (a boolean Series: the row is invalid, one `FactsError` per invalid row in row order). The
    error's record label is `#<record_index>` (plus ` (<credit code>)`), as `evaluate_bulk` labels records.
    Python runs only for the invalid rows, to word their messages.
    """
    import polars as pl

    checks, latest = _frame_checks(as_of)
    flags = frame.select([expr.fill_null(False).alias(f"__check{i}") for i, (_n, expr, _p, _m) in enumerate(checks)])
    bad = flags.select(pl.any_horizontal(pl.all()).alias("invalid")).to_series()
    if not bad.any():
        return bad, []
    if "record_index" in frame.columns:
        index = frame["record_index"].filter(bad).to_list()
    else:
        index = pl.int_range(frame.height, eager=True).filter(bad).to_list()
    rows = frame.filter(bad).with_columns(latest.alias("__latest"))
    codes = rows["credit_code"].to_list() if "credit_code" in rows.columns else [None] * rows.height
    errors: list[FactsError] = []
    for row, hits, i, code in zip(rows.iter_rows(named=True), flags.filter(bad).iter_rows(), index, codes, strict=True):
        found = [
            (path(row) if callable(path) else path, message(row))
            for (_n, _e, path, message), hit in zip(checks, hits, strict=True)
            if hit
        ]
        errors.append(FactsError(f"#{i}" + (f" ({code})" if code else ""), found))
    return bad, errors


def apply_frame_defaults(frame: Any) -> Any:
    """The facts format's defaults on a flattened frame: title/route flags → False, equity financing and
    the defaulted IP counts → 0 (what `parse_facts` + `flatten` give for an absent field)."""
    import polars as pl

    return frame.with_columns(
        *[pl.col(name).fill_null(False) for name in DEFAULT_FALSE_BOOL_FIELDS],
        *[pl.col(name).fill_null(0) for name in MONEY_DEFAULT_ZERO_FIELDS],
        *[pl.col(f"ip.{name}").fill_null(0) for name in IP_DEFAULT_ZERO_FIELDS],
    )
