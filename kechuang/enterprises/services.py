"""Changing the register and computing the ladder. Each write is one transaction and is audited."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core import audit
from kechuang.core.db import analyze
from kechuang.core.models import OrgUnit
from kechuang.core.scope import can_write, can_write_unit
from kechuang.enterprises import ladder
from kechuang.enterprises.facts_builder import (
    EXPERT_FIELDS,
    INSTITUTION_RANK,
    LIST_KINDS,
    MAJOR_INCIDENT_KINDS,
    TIER_FLAGS,
    YEAR_L_FIELDS,
    YEAR_MONEY_FIELDS,
    build_facts,
)
from kechuang.enterprises.feed import register_changed
from kechuang.enterprises.ladder.bulk import evaluate_frame
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

# What an edit may change: the credit code is the record's identity, the status changes by `enterprise_set_status`.
ENTERPRISE_FIELDS = (
    "name",
    "region",
    "industry",
    "tech_field",
    "tech_field_note",
    "registration_date",
    "is_sme_per_2011_standard",
    "resident_enterprise_mainland",
)
# A year's facts: every figure of the row, not its enterprise, its year or its timestamp.
FACT_FIELDS = tuple(
    f.name for f in EnterpriseYear._meta.concrete_fields if f.name not in ("id", "enterprise", "year", "updated_at")
)

# Tiers the engine evaluates (leading_tech has no official criteria in the reference).
EVALUATED_TIERS = tuple(ladder.TIERS)
RELATED = (
    ("years", EnterpriseYear),
    ("ip", IntellectualProperty),
    ("qualifications", Qualification),
    ("awards", Award),
    ("standards", Standard),
    ("institutions", RdInstitution),
    ("events", ComplianceEvent),
)


def default_as_of() -> dt.date:
    return timezone.localdate()


def facts_records(enterprise_ids: Sequence[int], as_of: dt.date) -> dict[int, dict[str, Any]]:
    """Facts records for the given enterprises, built from the register in one query per table."""
    enterprises = Enterprise.objects.filter(pk__in=enterprise_ids).values(
        "id",
        "credit_code",
        "name",
        "registration_date",
        "industry",
        "tech_field",
        "resident_enterprise_mainland",
        "is_sme_per_2011_standard",
    )
    related: dict[str, dict[int, list[dict]]] = {}
    for key, model in RELATED:
        rows: dict[int, list[dict]] = defaultdict(list)
        qs = model.objects.filter(enterprise_id__in=enterprise_ids)
        if key == "years":
            qs = qs.filter(year__gte=as_of.year - 3, year__lte=as_of.year - 1)
        for row in qs.values():
            rows[row["enterprise_id"]].append(row)
        related[key] = rows
    return {
        e["id"]: build_facts(enterprise=e, as_of=as_of, **{key: related[key].get(e["id"], ()) for key, _m in RELATED})
        for e in enterprises
    }


def ladder_evaluate(enterprise: Enterprise, as_of: dt.date | None = None) -> tuple[dict, list[ladder.TierResult]]:
    """The facts record and the full per-tier results (with explanations) for one enterprise."""
    as_of = as_of or default_as_of()
    record = facts_records([enterprise.pk], as_of)[enterprise.pk]
    return record, ladder.evaluate(record, as_of)


def _result_row(enterprise_id: int, result: ladder.TierResult, as_of: dt.date) -> LadderResult:
    failing = result.failed_criteria()
    return LadderResult(
        enterprise_id=enterprise_id,
        tier=result.tier,
        as_of=as_of,
        rule_version=result.rule_version or "",
        status=result.status,
        score=float(result.score) if result.score is not None else None,
        route=result.route or "",
        failed=len(failing),
        failed_criteria=[c.id for c in failing],
        shortfall=ladder.shortfall(result) if failing else None,
        gaps=[c.gap["text"] for c in failing if c.gap],
        missing=list(result.missing),
    )


def _store(rows: list[LadderResult], enterprise_ids: Iterable[int]) -> None:
    LadderResult.objects.filter(enterprise_id__in=list(enterprise_ids)).delete()
    LadderResult.objects.bulk_create(rows, batch_size=2000)


@transaction.atomic
def ladder_recompute(*, enterprise_ids: Sequence[int], as_of: dt.date | None = None) -> int:
    """Re-evaluate a few enterprises through the per-record engine (after their facts changed)."""
    as_of = as_of or default_as_of()
    rows = []
    for pk, record in facts_records(enterprise_ids, as_of).items():
        try:
            results = ladder.evaluate(record, as_of)
        except ladder.FactsError:
            continue  # the register holds a figure the engine rejects: no verdict rather than a wrong one
        rows.extend(_result_row(pk, r, as_of) for r in results)
    _store(rows, enterprise_ids)
    return len(rows)


# Past this many changed enterprises the columnar whole-register evaluation is cheaper than one by one.
REGISTER_EVALUATION_FROM = 5_000


def ladder_schedule(enterprise_ids: Sequence[int]) -> None:
    """Re-evaluate these enterprises on the task worker once the current transaction commits (a rolled-back change
    queues nothing); many at once re-evaluate the whole register, column by column."""
    from kechuang.enterprises.tasks import evaluate_register, recompute_ladder

    ids = sorted(set(enterprise_ids))
    if not ids:
        return
    if len(ids) >= REGISTER_EVALUATION_FROM:
        transaction.on_commit(lambda: evaluate_register.enqueue())
    else:
        transaction.on_commit(lambda: recompute_ladder.enqueue(ids))


def ladder_evaluate_register(
    *, as_of: dt.date | None = None, batch_size: int = 50_000, progress=None, region: OrgUnit | None = None
) -> dict[str, int]:
    """Evaluate the whole register (or one region) with the vectorised engine and store the results.

    Stored per tier: status, score, route, rule version and the failed criteria. Gap sentences, shortfall
    and missing data are produced on demand (enterprise page, reserve pool page) by the per-record engine,
    which explains every criterion.

    Columnar from end to end, in batches of `batch_size` enterprises (a pk range, one transaction each):
    the register is read with a few SQL queries (yearly facts pivoted by join, IP / titles / awards /
    standards / institutions / compliance events aggregated by the database), assembled in Polars into the
    engine's flattened frame (the same facts `facts_records` + `build_facts` give record by record; a test
    holds the two together), evaluated by `ladder.bulk.evaluate_frame`, and the verdicts replace the old
    ones by one DELETE and a bulk insert (COPY on PostgreSQL).
    """
    as_of = as_of or default_as_of()
    qs = Enterprise.objects.filter(status=Enterprise.Status.ACTIVE)
    if region is not None:
        qs = qs.filter(region=region)
    ids = list(qs.order_by("pk").values_list("pk", flat=True))
    stats = {"enterprises": 0, "results": 0, "invalid": 0}
    for start in range(0, len(ids), batch_size):
        chunk = ids[start : start + batch_size]
        scope = _Scope(chunk[0], chunk[-1], region.pk if region is not None else None)
        frame = _register_frame(scope, as_of)
        result = evaluate_frame(frame, as_of, skip_invalid=True)
        stats["invalid"] += len(result.errors)
        rows = _result_frame(result.frame, frame["enterprise_id"], as_of)
        with transaction.atomic():
            _store_frame(rows, scope)
        stats["enterprises"] += len(chunk)
        stats["results"] += rows.height
        if progress is not None:
            progress(stats["enterprises"], len(ids))
    if len(ids) >= 10_000:
        analyze()  # hundreds of thousands of fresh verdict rows: give the planner their statistics
    return stats


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


def _result_frame(frame: pl.DataFrame, enterprise_ids: pl.Series, as_of: dt.date) -> pl.DataFrame:
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


def _rows_from_frame(frame, order: list[int], as_of: dt.date) -> list[LadderResult]:
    """Stored verdicts from the bulk frame as model instances (`order[record_index]` is the enterprise id)."""
    rows = _result_frame(frame, pl.Series(order, dtype=pl.Int64), as_of)
    return [
        LadderResult(**{**row, "failed_criteria": json.loads(row["failed_criteria"]), "gaps": [], "missing": []})
        for row in rows.iter_rows(named=True)
    ]


# --- reading the register in columns ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Scope:
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


def _register_frame(scope: _Scope, as_of: dt.date) -> pl.DataFrame:
    """The engine's flattened input frame (row.ROW_SCHEMA, plus `enterprise_id`, `credit_code`) for the
    enterprises of `scope`, ordered by pk — what `facts_records` + `build_facts` + `flatten` give per record."""
    where, params = scope.where()
    latest = as_of.year - 1
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
    base = _fetch(
        f"SELECT {', '.join(select)} FROM {e_t} e {joins} WHERE {where} ORDER BY e.id",
        [latest + k for k in YEAR_OFFSETS] + params,
        schema,
    )
    on = _sql_date(as_of)
    start3, start5 = _sql_date(_years_back(as_of, 3)), _sql_date(_years_back(as_of, 5))
    recent = _sql_date(dt.date(as_of.year - 1, 1, 1))

    def aggregate(model, alias: str, flags: dict[str, tuple[str, list[Any]]], condition: str, cond_params: list[Any]):
        """One row per enterprise with any matching row: each flag is whether some row meets its condition."""
        sql = (
            f"SELECT {alias}.enterprise_id, "
            + ", ".join(f"MAX(CASE WHEN {c} THEN 1 ELSE 0 END)" for c, _p in flags.values())
            + f" FROM {_table(model)} {alias} JOIN {e_t} e ON e.id = {alias}.enterprise_id"
            + f" WHERE {condition} AND {where} GROUP BY {alias}.enterprise_id"
        )
        flag_params = [p for _c, ps in flags.values() for p in ps]
        schema = {"enterprise_id": pl.Int64} | dict.fromkeys(flags, pl.Int64)
        return _fetch(sql, flag_params + cond_params + params, schema)

    i_t = _table(IntellectualProperty)
    ip = _fetch(
        "SELECT i.enterprise_id, SUM(CASE WHEN i.ip_class = 'I' THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN i.ip_class = 'I' AND i.acquisition = 'self_developed' THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN i.ip_class = 'I' AND i.high_value THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN i.ip_class = 'II' THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN i.ip_class = 'II' AND i.used_in_prior_hte THEN 1 ELSE 0 END)"
        f" FROM {i_t} i JOIN {e_t} e ON e.id = i.enterprise_id"
        f" WHERE i.is_valid AND i.grant_date <= %s AND {where} GROUP BY i.enterprise_id",
        [on, *params],
        {
            "enterprise_id": pl.Int64,
            "ip.class_I": pl.Int64,
            "ip.class_I_self_developed": pl.Int64,
            "ip.class_I_high_value": pl.Int64,
            "ip.class_II": pl.Int64,
            "ip.class_II_used_in_prior_hte": pl.Int64,
        },
    )
    titles = aggregate(
        Qualification,
        "q",
        {flag: (f"q.tier = '{tier}'", []) for tier, flag in TIER_FLAGS.items()},
        "NOT q.revoked AND q.issue_date <= %s AND q.expiry_date >= %s",
        [on, on],
    )
    top3 = f"a.{connection.ops.quote_name('rank')} <= 3"  # a null rank is not top 3
    st = "a.kind IN ('national_st', 'provincial_st')"
    awards = aggregate(
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
    standards = aggregate(
        Standard,
        "s",
        {"led_standard_within_5y": ("s.led AND s.level IN ('international', 'national', 'industry')", [])},
        "s.published_on >= %s AND s.published_on <= %s",
        [start5, on],
    )
    rank_sql = " ".join(f"WHEN '{level}' THEN {rank}" for level, rank in INSTITUTION_RANK.items())
    institutions = _fetch(
        f"SELECT r.enterprise_id, MAX(CASE r.level {rank_sql} END)"
        f" FROM {_table(RdInstitution)} r JOIN {e_t} e ON e.id = r.enterprise_id"
        f" WHERE r.recognised_on <= %s AND (r.revoked_on IS NULL OR r.revoked_on > %s) AND {where}"
        " GROUP BY r.enterprise_id",
        [on, on, *params],
        {"enterprise_id": pl.Int64, "__institution_rank": pl.Int64},
    )
    major = ", ".join(f"'{k}'" for k in sorted(MAJOR_INCIDENT_KINDS))
    listed = ", ".join(f"'{k}'" for k in sorted(LIST_KINDS))
    events = aggregate(
        ComplianceEvent,
        "c",
        {
            "__event_recent": (f"c.kind IN ({major}) AND c.occurred_on >= %s", [recent]),
            "__event_3y": (f"c.kind IN ({major}) AND c.occurred_on >= %s", [start3]),
            "__event_listed": (f"c.kind IN ({listed}) AND (c.resolved_on IS NULL OR c.resolved_on > %s)", [on]),
        },
        "c.occurred_on <= %s",
        [on],
    )
    frame = base
    for extra in (ip, titles, awards, standards, institutions, events):
        frame = frame.join(extra, on="enterprise_id", how="left", maintain_order="left")
    levels = {rank: level for level, rank in INSTITUTION_RANK.items()}
    ip_cols = [c for c in ip.columns if c != "enterprise_id"]
    flag_cols = [c for c in (*titles.columns, *awards.columns, *standards.columns) if c != "enterprise_id"]
    rank = pl.col("__institution_rank")
    frame = frame.with_columns(
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
    missing = [pl.lit(None, dtype=dtype).alias(name) for name, dtype in ROW_SCHEMA.items() if name not in frame.columns]
    return frame.with_columns(missing).select(
        "enterprise_id",
        "credit_code",
        *[name for name in ROW_SCHEMA if name not in ("latest_year", "registration_year")],
    )


def _store_frame(rows: pl.DataFrame, scope: _Scope) -> None:
    """Replace the verdicts of the enterprises in `scope` by `rows` (LadderResult's columns)."""
    where, params = scope.where()
    table = _table(LadderResult)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE enterprise_id IN (SELECT e.id FROM {_table(Enterprise)} e WHERE {where})",
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
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", rows.rows())
        return
    LadderResult.objects.bulk_create(  # any other backend: through the ORM
        [
            LadderResult(**{**row, "failed_criteria": json.loads(row["failed_criteria"]), "gaps": [], "missing": []})
            for row in rows.drop("computed_at").iter_rows(named=True)
        ],
        batch_size=5000,
    )


# --- the register -------------------------------------------------------------------------------


def _check_region(actor: Any, region: OrgUnit) -> None:
    if region.kind != OrgUnit.Kind.REGION:
        raise ValidationError({"region": _("Choose a district, county or functional zone.")})
    if not can_write_unit(actor, region):
        raise PermissionDenied(_("You cannot manage enterprises of %(unit)s.") % {"unit": region})


@transaction.atomic
def enterprise_create(*, actor: Any, region: OrgUnit, credit_code: str, name: str, **fields: Any) -> Enterprise:
    _check_region(actor, region)
    enterprise = Enterprise(region=region, credit_code=credit_code.strip().upper(), name=name.strip(), **fields)
    audit.save(enterprise, actor=actor)
    ladder_recompute(enterprise_ids=[enterprise.pk])
    register_changed()
    return enterprise


@transaction.atomic
def enterprise_update(*, actor: Any, enterprise: Enterprise, **fields: Any) -> Enterprise:
    """Change an enterprise; moving it to another region needs rights on both regions."""
    if not can_write(actor, enterprise):
        raise PermissionDenied(_("You cannot change this enterprise."))
    if "region" in fields:
        _check_region(actor, fields["region"])
    if audit.update(enterprise, fields, allowed=ENTERPRISE_FIELDS, actor=actor):
        ladder_recompute(enterprise_ids=[enterprise.pk])
        register_changed()  # a move to another region moves its titles' counts
    return enterprise


@transaction.atomic
def enterprise_set_status(*, actor: Any, enterprise: Enterprise, status: str, reason: str) -> Enterprise:
    """Close or move out an enterprise (never deleted); its verdicts are withdrawn from the lists."""
    if not reason.strip():
        raise ValidationError({"status_reason": _("Give the reason.")})
    if not can_write(actor, enterprise):
        raise PermissionDenied(_("You cannot change this enterprise."))
    enterprise.status = status
    enterprise.status_reason = reason.strip()
    audit.save(enterprise, actor=actor, action=audit.Action.ARCHIVE if status != "active" else audit.Action.UPDATE)
    if status != Enterprise.Status.ACTIVE:
        LadderResult.objects.filter(enterprise=enterprise).delete()
    else:
        ladder_recompute(enterprise_ids=[enterprise.pk])
    register_changed()
    return enterprise


@transaction.atomic
def facts_save(*, actor: Any, enterprise: Enterprise, year: int, **fields: Any) -> EnterpriseYear:
    """Create or update one year of facts, then re-evaluate the enterprise."""
    if not can_write(actor, enterprise):
        raise PermissionDenied(_("You cannot change this enterprise."))
    row = EnterpriseYear.objects.filter(enterprise=enterprise, year=year).first() or EnterpriseYear(
        enterprise=enterprise, year=year
    )
    if audit.update(row, fields, allowed=FACT_FIELDS, actor=actor):
        ladder_recompute(enterprise_ids=[enterprise.pk])
    return row


@transaction.atomic
def register_record_add(*, actor: Any, enterprise: Enterprise, record: Any) -> Any:
    """Add an IP item, qualification, award, standard, R&D institution or compliance event; re-evaluate."""
    if not can_write(actor, enterprise):
        raise PermissionDenied(_("You cannot change this enterprise."))
    record.enterprise = enterprise
    audit.save(record, actor=actor)
    ladder_recompute(enterprise_ids=[enterprise.pk])
    if isinstance(record, Qualification):
        register_changed()
    return record


def ladder_conversion_rates(year: int | None = None, *, min_base: int = 20) -> dict[str, dict[str, Any]]:
    """Historic conversion of the reserve pool, measured by back-testing the ladder on the register.

    The register is evaluated as it stood on 1 January of `year` (default: last year, so facts of the year
    before are used); of the enterprises then one (two) criteria away from a tier and not holding it, the
    share that obtained that tier's qualification during `year`. Tiers with fewer than `min_base` near
    misses are left out (too few to be a rate).
    """
    year = year or default_as_of().year - 1
    start = dt.date(year, 1, 1)
    ids = list(Enterprise.objects.filter(status=Enterprise.Status.ACTIVE).order_by("pk").values_list("pk", flat=True))
    near: list[pl.DataFrame] = []
    for begin in range(0, len(ids), 50_000):
        chunk = ids[begin : begin + 50_000]
        frame = _register_frame(_Scope(chunk[0], chunk[-1]), start)
        result = evaluate_frame(frame, start, skip_invalid=True)
        rows = _result_frame(result.frame, frame["enterprise_id"], start)
        near.append(
            rows.filter((pl.col("status") == "not_eligible") & pl.col("failed").is_between(1, 2)).select(
                "enterprise_id", "tier", "failed"
            )
        )
    if not near:
        return {}
    pool = pl.concat(near)
    held = set(
        Qualification.objects.filter(revoked=False, issue_date__lte=start, expiry_date__gte=start).values_list(
            "enterprise_id", "tier"
        )
    )
    obtained = set(
        Qualification.objects.filter(revoked=False, issue_date__year=year).values_list("enterprise_id", "tier")
    )
    rates: dict[str, dict[str, Any]] = {}
    for tier in EVALUATED_TIERS:
        counts = {1: [0, 0], 2: [0, 0]}  # failed → [near misses, converted]
        for enterprise_id, failed in pool.filter(pl.col("tier") == tier).select("enterprise_id", "failed").iter_rows():
            if (enterprise_id, tier) in held:
                continue
            counts[failed][0] += 1
            counts[failed][1] += (enterprise_id, tier) in obtained
        if counts[1][0] + counts[2][0] < min_base:
            continue
        rates[tier] = {
            "one_away": counts[1][1] / counts[1][0] if counts[1][0] else 0.0,
            "two_away": counts[2][1] / counts[2][0] if counts[2][0] else 0.0,
            "base_one_away": counts[1][0],
            "base_two_away": counts[2][0],
            "year": year,
        }
    return rates
