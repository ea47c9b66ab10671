"""Changing the register and computing the ladder. Each write is one transaction and is audited.
Reading the register in columns, for the whole-register evaluation, is frame.py."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import polars as pl
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core import audit
from kechuang.core.db import analyze
from kechuang.core.models import OrgUnit
from kechuang.core.scope import can_write, can_write_unit
from kechuang.enterprises import ladder
from kechuang.enterprises.facts_builder import build_facts
from kechuang.enterprises.feed import register_changed
from kechuang.enterprises.frame import EVALUATED_TIERS, Scope, register_frame, result_frame, store_frame
from kechuang.enterprises.ladder.bulk import evaluate_frame
from kechuang.enterprises.models import (
    FACT_SOURCES,
    Enterprise,
    EnterpriseYear,
    FactCorrection,
    LadderResult,
    Qualification,
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
    for key, model in FACT_SOURCES:
        rows: dict[int, list[dict]] = defaultdict(list)
        qs = model.objects.filter(enterprise_id__in=enterprise_ids)
        if key == "years":
            qs = qs.filter(year__gte=as_of.year - 3, year__lte=as_of.year - 1)
        for row in qs.values():
            rows[row["enterprise_id"]].append(row)
        related[key] = rows
    return {
        e["id"]: build_facts(
            enterprise=e, as_of=as_of, **{key: related[key].get(e["id"], ()) for key, _m in FACT_SOURCES}
        )
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
        scope = Scope(chunk[0], chunk[-1], region.pk if region is not None else None)
        frame = register_frame(scope, as_of)
        result = evaluate_frame(frame, as_of, skip_invalid=True)
        stats["invalid"] += len(result.errors)
        rows = result_frame(result.frame, frame["enterprise_id"], as_of)
        with transaction.atomic():
            store_frame(rows, scope)
        stats["enterprises"] += len(chunk)
        stats["results"] += rows.height
        if progress is not None:
            progress(stats["enterprises"], len(ids))
    if len(ids) >= 10_000:
        analyze()  # hundreds of thousands of fresh verdict rows: give the planner their statistics
    return stats


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
        frame = register_frame(Scope(chunk[0], chunk[-1]), start)
        result = evaluate_frame(frame, start, skip_invalid=True)
        rows = result_frame(result.frame, frame["enterprise_id"], start)
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


# --- corrections a firm proposes to its own yearly facts -------------------------------------------------------

# What a firm may propose: its figures and declarations, not the experts' points (the experts give them), the
# free-text source or the 2022 product-field category (a classification the district makes).
PROPOSABLE_FIELDS = tuple(
    name
    for name in FACT_FIELDS
    if not name.startswith("hte_") and name not in ("source", "product_field_category_2022")
)
# How many fiscal years back a firm may propose figures for (the ladder reads the last three).
PROPOSABLE_YEARS = 5


def proposable_years(today: dt.date | None = None) -> list[int]:
    """The closed fiscal years a firm may propose figures for, latest first."""
    latest = (today or default_as_of()).year - 1
    return list(range(latest, latest - PROPOSABLE_YEARS, -1))


def fact_text(value: Any) -> str:
    """A figure in the register's notation, as a correction stores it ("" = none)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return text
    return str(value)


def fact_value(field: str, text: str) -> Any:
    """A correction's stored text back as the register's value."""
    if text == "":
        return None
    return EnterpriseYear._meta.get_field(field).to_python(text)


def _own_enterprise(actor: Any) -> Enterprise:
    from kechuang.core.roles import Role

    if getattr(actor, "role", None) != Role.ENTERPRISE or not getattr(actor, "credit_code", ""):
        raise PermissionDenied(_("Only an enterprise account proposes corrections to its own facts."))
    enterprise = Enterprise.objects.filter(credit_code=actor.credit_code, status=Enterprise.Status.ACTIVE).first()
    if enterprise is None:
        raise PermissionDenied(_("Your account is not bound to an active enterprise of the register."))
    return enterprise


@transaction.atomic
def fact_correction_propose(*, actor: Any, year: int, field: str, value: Any, reason: str) -> FactCorrection:
    """An enterprise account proposes a figure for one of its own yearly facts; the register is not changed."""
    enterprise = _own_enterprise(actor)
    if year not in proposable_years():
        raise ValidationError({"year": _("Choose one of the last %(n)s fiscal years.") % {"n": PROPOSABLE_YEARS}})
    if field not in PROPOSABLE_FIELDS:
        raise ValidationError({"field": _("This figure cannot be proposed.")})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for the correction.")})
    model_field = EnterpriseYear._meta.get_field(field)
    if value in (None, ""):
        raise ValidationError({"value": _("Enter the proposed value.")})
    try:
        cleaned = model_field.clean(value, None)
    except ValidationError as exc:
        raise ValidationError({"value": exc.messages}) from None
    if isinstance(cleaned, Decimal) and cleaned < 0 and field != "net_profit_wan":
        raise ValidationError({"value": _("A figure of 万元 other than the net profit cannot be negative.")})
    row = EnterpriseYear.objects.filter(enterprise=enterprise, year=year).first()
    current = getattr(row, field) if row is not None else None
    if current is not None and fact_text(current) == fact_text(cleaned):
        raise ValidationError({"value": _("The register already holds this value.")})
    if FactCorrection.objects.filter(
        enterprise=enterprise, year=year, field=field, status=FactCorrection.Status.PROPOSED
    ).exists():
        raise ValidationError({"field": _("A correction of this figure is already awaiting the district.")})
    correction = FactCorrection(
        enterprise=enterprise,
        year=year,
        field=field,
        current_value=fact_text(current),
        proposed_value=fact_text(cleaned),
        reason=reason.strip(),
        proposed_by=actor,
    )
    audit.save(correction, actor=actor)
    return correction


@transaction.atomic
def fact_correction_decide(*, actor: Any, correction: FactCorrection, confirm: bool, note: str = "") -> FactCorrection:
    """The district of the firm (or the bureau) confirms or rejects a proposal. Confirming writes the figure into
    the register through `facts_save` (audited, the ladder re-evaluated); rejecting changes nothing but the
    proposal. A proposal is decided once."""
    locked = FactCorrection.objects.select_for_update().select_related("enterprise").get(pk=correction.pk)
    if not can_write(actor, locked):
        raise PermissionDenied(_("You cannot decide corrections of this enterprise."))
    if locked.status != FactCorrection.Status.PROPOSED:
        raise ValidationError({"status": _("This correction has already been decided.")})
    if not confirm and not note.strip():
        raise ValidationError({"note": _("Give the reason for the rejection.")})
    if confirm:
        facts_save(
            actor=actor,
            enterprise=locked.enterprise,
            year=locked.year,
            **{locked.field: fact_value(locked.field, locked.proposed_value)},
        )
    locked.status = FactCorrection.Status.CONFIRMED if confirm else FactCorrection.Status.REJECTED
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.decision_note = note.strip()
    audit.save(locked, actor=actor)
    correction.refresh_from_db()
    return locked
