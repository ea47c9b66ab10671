"""Changing the register and computing the ladder. Each write is one transaction and is audited."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core import audit
from kechuang.core.models import OrgUnit
from kechuang.core.scope import can_write, can_write_unit
from kechuang.enterprises import ladder
from kechuang.enterprises.facts_builder import build_facts
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


def ladder_evaluate_register(
    *, as_of: dt.date | None = None, batch_size: int = 20_000, progress=None, region: OrgUnit | None = None
) -> dict[str, int]:
    """Evaluate the whole register (or one region) with the vectorised engine and store the results.

    Stored per tier: status, score, route, rule version, the failed criteria and, where the engine
    gives it, the relative shortfall. Gap sentences are produced on demand (enterprise page, reserve
    pool page) by the per-record engine, which explains every criterion.
    """
    as_of = as_of or default_as_of()
    qs = Enterprise.objects.filter(status=Enterprise.Status.ACTIVE)
    if region is not None:
        qs = qs.filter(region=region)
    ids = list(qs.order_by("pk").values_list("pk", flat=True))
    stats = {"enterprises": 0, "results": 0, "invalid": 0}
    for start in range(0, len(ids), batch_size):
        chunk = ids[start : start + batch_size]
        records = facts_records(chunk, as_of)
        order = list(records)
        bulk = ladder.evaluate_bulk([records[pk] for pk in order], as_of, skip_invalid=True)
        stats["invalid"] += len(bulk.errors)
        rows = _rows_from_frame(bulk.frame, order, as_of)
        with transaction.atomic():
            _store(rows, chunk)
        stats["enterprises"] += len(chunk)
        stats["results"] += len(rows)
        if progress is not None:
            progress(stats["enterprises"], len(ids))
    return stats


def _rule_kinds(tier: str, version: str) -> tuple[list[str], list[str]]:
    """(hard criterion ids, route criterion ids) of one rule version."""
    rule_set = next(r for r in ladder.rule_sets(tier) if r.version == version)
    return [c.id for c in rule_set.by_kind("hard")], [c.id for c in rule_set.by_kind("route")]


def _rows_from_frame(frame, order: list[int], as_of: dt.date) -> list[LadderResult]:
    """Stored verdicts from the bulk frame, with the failed criteria counted as TierResult.failed_criteria does:
    failing hard conditions, plus the score line when it fails and no direct route can still apply."""
    kinds: dict[tuple[str, str], tuple[list[str], list[str]]] = {}
    rows: list[LadderResult] = []
    for row in frame.iter_rows(named=True):
        pk = order[row["record_index"]]
        for tier in EVALUATED_TIERS:
            version = row[f"{tier}.rule_version"] or ""
            if (tier, version) not in kinds:
                kinds[(tier, version)] = _rule_kinds(tier, version) if version else ([], [])
            hard, routes = kinds[(tier, version)]
            failing = [cid for cid in hard if row.get(f"{tier}.{cid}.passed") is False]
            route_possible = any(row.get(f"{tier}.{cid}.passed") is not False for cid in routes)
            if row.get(f"{tier}.score_line.passed") is False and not route_possible:
                failing.append("score_line")
            rows.append(
                LadderResult(
                    enterprise_id=pk,
                    tier=tier,
                    as_of=as_of,
                    rule_version=version,
                    status=row[f"{tier}.status"],
                    score=row[f"{tier}.score"],
                    route=row[f"{tier}.route"] or "",
                    failed=row[f"{tier}.failed"] or 0,
                    failed_criteria=failing,
                    shortfall=row.get(f"{tier}.shortfall"),
                )
            )
    return rows


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
    return enterprise


@transaction.atomic
def enterprise_update(*, actor: Any, enterprise: Enterprise, **fields: Any) -> Enterprise:
    """Change an enterprise; moving it to another region needs rights on both regions."""
    if not can_write(actor, enterprise):
        raise PermissionDenied(_("You cannot change this enterprise."))
    if "region" in fields:
        _check_region(actor, fields["region"])
    for name, value in fields.items():
        setattr(enterprise, name, value)
    if audit.save(enterprise, actor=actor):
        ladder_recompute(enterprise_ids=[enterprise.pk])
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
    return enterprise


@transaction.atomic
def facts_save(*, actor: Any, enterprise: Enterprise, year: int, **fields: Any) -> EnterpriseYear:
    """Create or update one year of facts, then re-evaluate the enterprise."""
    if not can_write(actor, enterprise):
        raise PermissionDenied(_("You cannot change this enterprise."))
    row = EnterpriseYear.objects.filter(enterprise=enterprise, year=year).first() or EnterpriseYear(
        enterprise=enterprise, year=year
    )
    for name, value in fields.items():
        setattr(row, name, value)
    if audit.save(row, actor=actor):
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
    return record
