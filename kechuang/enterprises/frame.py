"""The register in columns: the ladder engine's input frame for a range of enterprises (a few SQL queries
assembled in Polars; what `services.facts_records` + `build_facts` + `flatten` give record by record),
the verdicts as a frame and their bulk store."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.db import connection
from django.utils import timezone

from kechuang.enterprises import ladder
from kechuang.enterprises.facts_builder import (
    EXPERT_FIELDS,
    INSTITUTION_RANK,
    LIST_KINDS,
    MAJOR_INCIDENT_KINDS,
    TIER_FLAGS,
    YEAR_L_FIELDS,
    YEAR_MONEY_FIELDS,
)
from kechuang.enterprises.ladder.facts import FEN_PER_WAN, MONEY_DEFAULT_ZERO_FIELDS
from kechuang.enterprises.ladder.row import ROW_SCHEMA, YEAR_OFFSETS, year_column
from kechuang.enterprises.models import (
    Award,
    ComplianceEvent,
    Enterprise,
    EnterpriseYear,
    IntellectualProperty,
    LadderResult,
    Qualification,
    RdInstitution,
    Standard,
)

# Tiers the engine evaluates (leading_tech has no official criteria in the reference).
EVALUATED_TIERS = tuple(ladder.TIERS)


def _rule_kinds(tier: str, version: str) -> tuple[list[str], list[str]]:
    """(hard criterion ids, route criterion ids) of one rule version."""
    rule_set = next(r for r in ladder.rule_sets(tier) if r.version == version)
    return [c.id for c in rule_set.by_kind("hard")], [c.id for c in rule_set.by_kind("route")]


def _failed_criteria_expr(tier: str, columns: Sequence[str]) -> pl.Expr:
    """The failed criteria as TierResult.failed_criteria lists them — failing hard conditions, plus the score
    line when it fails and no direct route can still apply — as JSON text (what JSONField stores)."""

    def is_false(name: str) -> pl.Expr:
        return pl.col(name).eq_missing(False) if name in columns else pl.lit(False)

    chain: Any = None
    for rs in ladder.rule_sets(tier):
        hard, routes = _rule_kinds(tier, rs.version)
        parts = [pl.when(is_false(f"{tier}.{cid}.passed")).then(pl.lit(f'"{cid}"')) for cid in hard]
        route_possible = pl.any_horizontal([~is_false(f"{tier}.{cid}.passed") for cid in routes] or [pl.lit(False)])
        parts.append(pl.when(is_false(f"{tier}.score_line.passed") & ~route_possible).then(pl.lit('"score_line"')))
        text = pl.concat_str([pl.lit("["), pl.concat_list(parts).list.drop_nulls().list.join(", "), pl.lit("]")])
        cond = pl.col(f"{tier}.rule_version") == rs.version
        chain = (pl.when(cond) if chain is None else chain.when(cond)).then(text)
    return chain.otherwise(pl.lit("[]")) if chain is not None else pl.lit("[]")


def result_frame(frame: pl.DataFrame, enterprise_ids: pl.Series, as_of: dt.date) -> pl.DataFrame:
    """Stored verdicts (one row per enterprise and tier, LadderResult's columns) from the bulk frame."""
    enterprise = enterprise_ids.gather(frame["record_index"]).alias("enterprise_id")
    parts = []
    for tier in EVALUATED_TIERS:
        parts.append(
            frame.select(
                pl.lit(enterprise).alias("enterprise_id"),
                pl.lit(tier).alias("tier"),
                pl.lit(as_of, dtype=pl.Date).alias("as_of"),
                pl.col(f"{tier}.rule_version").fill_null("").alias("rule_version"),
                pl.col(f"{tier}.status").alias("status"),
                pl.col(f"{tier}.score").cast(pl.Float64).alias("score"),
                pl.col(f"{tier}.route").fill_null("").alias("route"),
                pl.col(f"{tier}.failed").fill_null(0).cast(pl.Int64).alias("failed"),
                _failed_criteria_expr(tier, frame.columns).alias("failed_criteria"),
                pl.lit(None, dtype=pl.Float64).alias("shortfall"),
                pl.lit("[]").alias("gaps"),
                pl.lit("[]").alias("missing"),
            )
        )
    return pl.concat(parts)


def rows_from_frame(frame, order: list[int], as_of: dt.date) -> list[LadderResult]:
    """Stored verdicts from the bulk frame as model instances (`order[record_index]` is the enterprise id)."""
    rows = result_frame(frame, pl.Series(order, dtype=pl.Int64), as_of)
    return [
        LadderResult(**{**row, "failed_criteria": json.loads(row["failed_criteria"]), "gaps": [], "missing": []})
        for row in rows.iter_rows(named=True)
    ]


@dataclass(frozen=True)
class Scope:
    """Active enterprises with lo ≤ pk ≤ hi (and of one region)."""

    lo: int
    hi: int
    region_id: int | None = None

    def where(self, alias: str = "e") -> tuple[str, list[Any]]:
        sql = f"{alias}.status = %s AND {alias}.id BETWEEN %s AND %s"
        params: list[Any] = [Enterprise.Status.ACTIVE.value, self.lo, self.hi]
        if self.region_id is not None:
            sql += f" AND {alias}.region_id = %s"
            params.append(self.region_id)
        return sql, params


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _sql_date(day: dt.date) -> Any:
    return connection.ops.adapt_datefield_value(day)


def _years_back(as_of: dt.date, years: int) -> dt.date:
    """First day of the `years` years before as_of (facts_builder._years_before's window)."""
    try:
        return as_of.replace(year=as_of.year - years)
    except ValueError:  # 29 February
        return as_of.replace(year=as_of.year - years, day=28)


def _fetch(sql: str, params: Sequence[Any], schema: dict[str, Any]) -> pl.DataFrame:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return pl.DataFrame(rows, schema=schema, orient="row", strict=False)


def _fen(expr: str) -> str:
    """A 万元 column as integer fen, exact on both backends (SQLite keeps ≤ 15 significant digits, which is
    what Django's Decimal read-back also keeps)."""
    return f"CAST(ROUND({expr} * {FEN_PER_WAN}) AS BIGINT)"


_MONEY_L = ("high_tech_income_wan", "total_income_wan", *MONEY_DEFAULT_ZERO_FIELDS)
_COMPLIANCE_DECLARED = (
    "major_incident_or_violation_recent",
    "major_incident_or_violation_3y",
    "abnormal_or_serious_dishonesty_list",
)


def register_frame(scope: Scope, as_of: dt.date) -> pl.DataFrame:
    """The engine's flattened input frame (row.ROW_SCHEMA, plus `enterprise_id`, `credit_code`) for the
    enterprises of `scope`, ordered by pk — what `facts_records` + `build_facts` + `flatten` give per record."""
    q = _Query.of(scope, as_of)
    frame = _yearly_facts(q)
    ip, flags = _ip_counts(q), [_titles(q), _awards(q), _standards(q)]
    for extra in (ip, *flags, _institution_rank(q), _compliance_events(q)):
        frame = frame.join(extra, on="enterprise_id", how="left", maintain_order="left")
    ip_cols = [c for c in ip.columns if c != "enterprise_id"]
    flag_cols = [c for part in flags for c in part.columns if c != "enterprise_id"]
    return _engine_row(_derived(frame, ip_cols, flag_cols, as_of))


@dataclass(frozen=True)
class _Query:
    """What every query of one frame shares: the scope's condition on the enterprises `e` and the dates of the
    facts' windows as SQL parameters."""

    where: str
    params: list[Any]
    as_of: dt.date
    on: Any
    start3: Any
    start5: Any
    recent: Any

    @classmethod
    def of(cls, scope: Scope, as_of: dt.date) -> _Query:
        where, params = scope.where()
        return cls(
            where,
            params,
            as_of,
            on=_sql_date(as_of),
            start3=_sql_date(_years_back(as_of, 3)),
            start5=_sql_date(_years_back(as_of, 5)),
            recent=_sql_date(dt.date(as_of.year - 1, 1, 1)),
        )

    def aggregate(
        self, model, alias: str, flags: dict[str, tuple[str, list[Any]]], condition: str, cond_params: list[Any]
    ) -> pl.DataFrame:
        """One row per enterprise with any matching row: each flag is whether some row meets its condition."""
        sql = (
            f"SELECT {alias}.enterprise_id, "
            + ", ".join(f"MAX(CASE WHEN {c} THEN 1 ELSE 0 END)" for c, _p in flags.values())
            + f" FROM {_table(model)} {alias} JOIN {_table(Enterprise)} e ON e.id = {alias}.enterprise_id"
            + f" WHERE {condition} AND {self.where} GROUP BY {alias}.enterprise_id"
        )
        flag_params = [p for _c, ps in flags.values() for p in ps]
        schema = {"enterprise_id": pl.Int64} | dict.fromkeys(flags, pl.Int64)
        return _fetch(sql, flag_params + cond_params + self.params, schema)


def _yearly_facts(q: _Query) -> pl.DataFrame:
    """The enterprise's own columns and its yearly facts, pivoted by one join per year (money as fen)."""
    latest = q.as_of.year - 1
    e_t, y_t = _table(Enterprise), _table(EnterpriseYear)
    year_l = [n for n in YEAR_L_FIELDS if n not in _MONEY_L] + list(_COMPLIANCE_DECLARED)
    select = ["e.id", "e.credit_code", "e.registration_date", "e.resident_enterprise_mainland"]
    select.append("e.is_sme_per_2011_standard")
    schema: dict[str, Any] = {
        "enterprise_id": pl.Int64,
        "credit_code": pl.String,
        "registration_date": pl.Date,
        "resident_enterprise_mainland": pl.Boolean,
        "is_sme_per_2011_standard": pl.Boolean,
    }
    for name in year_l:
        select.append(f"y0.{name}")
        schema[name] = ROW_SCHEMA[name]
    for column, key in EXPERT_FIELDS.items():
        select.append(f"y0.{column}")
        schema[f"hte_expert_points.{key}"] = pl.Int64
    for name in _MONEY_L:
        select.append(_fen(f"y0.{name}"))
        schema[name] = pl.Int64
    for k in YEAR_OFFSETS:
        for name in YEAR_MONEY_FIELDS:
            select.append(_fen(f"y{-k}.{name}"))
            schema[year_column(name, k)] = pl.Int64
    joins = " ".join(f"LEFT JOIN {y_t} y{-k} ON y{-k}.enterprise_id = e.id AND y{-k}.year = %s" for k in YEAR_OFFSETS)
    return _fetch(
        f"SELECT {', '.join(select)} FROM {e_t} e {joins} WHERE {q.where} ORDER BY e.id",  # nosec B608  # table and column names come from model metadata; every value is a bound parameter
        [latest + k for k in YEAR_OFFSETS] + q.params,
        schema,
    )


def _ip_counts(q: _Query) -> pl.DataFrame:
    """Valid IP granted by the assessment date, counted by class, acquisition and value."""
    return _fetch(
        "SELECT i.enterprise_id, SUM(CASE WHEN i.ip_class = 'I' THEN 1 ELSE 0 END),"  # nosec B608  # table and column names come from model metadata; every value is a bound parameter
        " SUM(CASE WHEN i.ip_class = 'I' AND i.acquisition = 'self_developed' THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN i.ip_class = 'I' AND i.high_value THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN i.ip_class = 'II' THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN i.ip_class = 'II' AND i.used_in_prior_hte THEN 1 ELSE 0 END)"
        f" FROM {_table(IntellectualProperty)} i JOIN {_table(Enterprise)} e ON e.id = i.enterprise_id"
        f" WHERE i.is_valid AND i.grant_date <= %s AND {q.where} GROUP BY i.enterprise_id",
        [q.on, *q.params],
        {
            "enterprise_id": pl.Int64,
            "ip.class_I": pl.Int64,
            "ip.class_I_self_developed": pl.Int64,
            "ip.class_I_high_value": pl.Int64,
            "ip.class_II": pl.Int64,
            "ip.class_II_used_in_prior_hte": pl.Int64,
        },
    )


def _titles(q: _Query) -> pl.DataFrame:
    """The titles held on the assessment date, one flag per tier."""
    return q.aggregate(
        Qualification,
        "q",
        {flag: (f"q.tier = '{tier}'", []) for tier, flag in TIER_FLAGS.items()},
        "NOT q.revoked AND q.issue_date <= %s AND q.expiry_date >= %s",
        [q.on, q.on],
    )


def _awards(q: _Query) -> pl.DataFrame:
    """The award flags of the criteria, each within its window."""
    top3 = f"a.{connection.ops.quote_name('rank')} <= 3"  # a null rank is not top 3
    st = "a.kind IN ('national_st', 'provincial_st')"
    on, start3, start5 = q.on, q.start3, q.start5
    return q.aggregate(
        Award,
        "a",
        {
            "national_st_award_top3_within_5y": (f"a.kind = 'national_st' AND {top3} AND a.awarded_on >= %s", [start5]),
            "national_st_award_top3_within_3y": (f"a.kind = 'national_st' AND {top3} AND a.awarded_on >= %s", [start3]),
            "st_award_national_or_provincial_within_3y": (f"{st} AND a.awarded_on >= %s", [start3]),
            "st_award_provincial_plus_top3_within_3y": (f"{st} AND a.awarded_on >= %s AND {top3}", [start3]),
            "st_award_provincial_top3_or_national_within_3y": (
                f"{st} AND a.awarded_on >= %s AND (a.kind = 'national_st' OR {top3})",
                [start3],
            ),
            "maker_china_top500_within_3y": ("a.kind = 'maker_china_top500' AND a.awarded_on >= %s", [start3]),
            "other_valid_honor_tech_innovation_demo_or_ip_advantage": (
                "a.kind = 'innovation_honor' AND (a.valid_until IS NULL OR a.valid_until >= %s)",
                [on],
            ),
        },
        "a.awarded_on <= %s",
        [on],
    )


def _standards(q: _Query) -> pl.DataFrame:
    """Whether the enterprise led a standard published in the last five years."""
    return q.aggregate(
        Standard,
        "s",
        {"led_standard_within_5y": ("s.led AND s.level IN ('international', 'national', 'industry')", [])},
        "s.published_on >= %s AND s.published_on <= %s",
        [q.start5, q.on],
    )


def _institution_rank(q: _Query) -> pl.DataFrame:
    """The rank (INSTITUTION_RANK) of the highest R&D institution recognised and not revoked on the date."""
    rank_sql = " ".join(f"WHEN '{level}' THEN {rank}" for level, rank in INSTITUTION_RANK.items())
    return _fetch(
        f"SELECT r.enterprise_id, MAX(CASE r.level {rank_sql} END)"  # nosec B608  # table and column names come from model metadata; every value is a bound parameter
        f" FROM {_table(RdInstitution)} r JOIN {_table(Enterprise)} e ON e.id = r.enterprise_id"
        f" WHERE r.recognised_on <= %s AND (r.revoked_on IS NULL OR r.revoked_on > %s) AND {q.where}"
        " GROUP BY r.enterprise_id",
        [q.on, q.on, *q.params],
        {"enterprise_id": pl.Int64, "__institution_rank": pl.Int64},
    )


def _compliance_events(q: _Query) -> pl.DataFrame:
    """Recorded major incidents (last year, three years) and unresolved listings, as flags."""
    major = ", ".join(f"'{k}'" for k in sorted(MAJOR_INCIDENT_KINDS))
    listed = ", ".join(f"'{k}'" for k in sorted(LIST_KINDS))
    return q.aggregate(
        ComplianceEvent,
        "c",
        {
            "__event_recent": (f"c.kind IN ({major}) AND c.occurred_on >= %s", [q.recent]),
            "__event_3y": (f"c.kind IN ({major}) AND c.occurred_on >= %s", [q.start3]),
            "__event_listed": (f"c.kind IN ({listed}) AND (c.resolved_on IS NULL OR c.resolved_on > %s)", [q.on]),
        },
        "c.occurred_on <= %s",
        [q.on],
    )


def _derived(frame: pl.DataFrame, ip_cols: list[str], flag_cols: list[str], as_of: dt.date) -> pl.DataFrame:
    """The joined columns as the engine reads them: absent counts 0, absent flags false, the institution rank as
    its level, a recorded compliance event overriding the declared answer, and the assessment date."""
    levels = {rank: level for level, rank in INSTITUTION_RANK.items()}
    rank = pl.col("__institution_rank")
    return frame.with_columns(
        pl.col(ip_cols).fill_null(0),
        pl.col("ip.class_II").fill_null(0).alias("ip.class_II_miit"),
        pl.col(flag_cols).cast(pl.Boolean).fill_null(False),
        rank.replace_strict(levels, default="none", return_dtype=pl.String).alias("rd_institution_level"),
        (rank >= INSTITUTION_RANK["provincial"]).fill_null(False).alias("provincial_ministerial_rd_institution"),
        pl.col("product_field_category_2022").replace("", None),
        *[
            pl.when(pl.col(event).eq(1)).then(True).otherwise(pl.col(name)).alias(name)
            for name, event in zip(
                _COMPLIANCE_DECLARED, ("__event_recent", "__event_3y", "__event_listed"), strict=True
            )
        ],
        pl.lit(as_of, dtype=pl.Date).alias("assessment_date"),
    )


def _engine_row(frame: pl.DataFrame) -> pl.DataFrame:
    """ROW_SCHEMA's columns in its order (those no query gives as nulls), after `enterprise_id`, `credit_code`."""
    missing = [pl.lit(None, dtype=dtype).alias(name) for name, dtype in ROW_SCHEMA.items() if name not in frame.columns]
    return frame.with_columns(missing).select(
        "enterprise_id",
        "credit_code",
        *[name for name in ROW_SCHEMA if name not in ("latest_year", "registration_year")],
    )


def store_frame(rows: pl.DataFrame, scope: Scope) -> None:
    """Replace the verdicts of the enterprises in `scope` by `rows` (LadderResult's columns)."""
    where, params = scope.where()
    table = _table(LadderResult)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE enterprise_id IN (SELECT e.id FROM {_table(Enterprise)} e WHERE {where})",  # nosec B608  # table and column names come from model metadata; every value is a bound parameter
            params,
        )
    if rows.height == 0:
        return
    rows = rows.with_columns(pl.lit(timezone.now()).alias("computed_at"))
    columns = rows.columns
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    if connection.vendor == "postgresql":
        payload = rows.write_csv(
            include_header=False,
            null_value="\\N",
            date_format="%Y-%m-%d",
            datetime_format="%Y-%m-%d %H:%M:%S%.6f%:z",
        )
        with connection.cursor() as cursor:
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(f"COPY {table} ({names}) FROM STDIN WITH (FORMAT csv, NULL '\\N')") as copy:
                copy.write(payload)
        return
    if connection.vendor == "sqlite":
        rows = rows.with_columns(
            pl.col("as_of").dt.strftime("%Y-%m-%d"),
            pl.col("computed_at").dt.replace_time_zone(None).dt.strftime("%Y-%m-%d %H:%M:%S%.6f"),
        )
        placeholders = ", ".join(["%s"] * len(columns))
        with connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", rows.rows())  # nosec B608  # table and column names come from model metadata; every value is a bound parameter
        return
    LadderResult.objects.bulk_create(  # any other backend: through the ORM
        [
            LadderResult(**{**row, "failed_criteria": json.loads(row["failed_criteria"]), "gaps": [], "missing": []})
            for row in rows.drop("computed_at").iter_rows(named=True)
        ],
        batch_size=5000,
    )
