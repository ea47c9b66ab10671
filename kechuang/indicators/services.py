"""Changing indicator data: observations (entry, revision, import) and region target breakdowns."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core import audit, registry
from kechuang.core.models import OrgUnit
from kechuang.core.permissions import require_bureau
from kechuang.core.roles import CITY_WIDE, READ_ONLY, Role
from kechuang.core.scope import can_write_unit
from kechuang.indicators.models import Indicator, Observation, ObservationRevision, TargetAllocation


def can_enter(user: Any, indicator: Indicator, region: OrgUnit) -> bool:
    """May `user` enter a value of `indicator` for `region`?

    Bureau staff and admins: anything. District officers: their own region (and its sub-units), any indicator.
    Department officers: the indicators their department is responsible for, any region. Leaders: nothing.
    """
    if user is None or not getattr(user, "is_authenticated", False) or user.role in READ_ONLY:
        return False
    if indicator.formula:
        return False
    if user.role in CITY_WIDE:
        return True
    if user.role == Role.DISTRICT_OFFICER:
        return region.kind == OrgUnit.Kind.REGION and can_write_unit(user, region)
    if user.role == Role.DEPARTMENT_OFFICER:
        return any(can_write_unit(user, d) for d in indicator.departments.all())
    return False


@dataclass
class SaveResult:
    observation: Observation
    created: bool
    changed: bool


def observation_save(
    *,
    actor: Any,
    indicator: Indicator,
    region: OrgUnit,
    year: int,
    quarter: int = 0,
    value: Decimal,
    status: str = Observation.Status.PRELIMINARY,
    source: str,
    definition_version: str = "",
    reason: str = "",
) -> SaveResult:
    """Create the observation or revise it. A revision keeps the previous version and needs a reason."""
    if indicator.formula:
        raise ValidationError(
            {
                "indicator": _("%(name)s is derived (%(formula)s): it is computed, never entered.")
                % {"name": indicator.name, "formula": indicator.formula}
            }
        )
    if not can_enter(actor, indicator, region):
        raise PermissionDenied(_("You may not enter this indicator for this region."))
    with transaction.atomic():
        return _upsert(
            actor=actor,
            indicator=indicator,
            region=region,
            year=year,
            quarter=quarter,
            value=value,
            status=status,
            source=source,
            definition_version=definition_version,
            reason=reason,
        )


def _upsert(
    *,
    actor: Any,
    indicator: Indicator,
    region: OrgUnit,
    year: int,
    quarter: int,
    value: Decimal,
    status: str,
    source: str,
    definition_version: str = "",
    reason: str = "",
) -> SaveResult:
    """Create or revise one observation (inside the caller's transaction); a revision keeps the old version."""
    key = {"indicator": indicator, "region": region, "year": year, "quarter": quarter}
    existing = Observation.objects.select_for_update().filter(**key).first()
    if existing is None:
        obs = Observation(
            **key,
            value=value,
            status=status,
            source=source,
            definition_version=definition_version,
            entered_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit.save(obs, actor=actor)
        return SaveResult(obs, True, True)
    new_value = Decimal(value).quantize(Decimal("0.0001"))
    changed = (
        existing.value != new_value
        or existing.status != status
        or existing.source != source
        or existing.definition_version != definition_version
    )
    if not changed:
        return SaveResult(existing, False, False)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for revising a value that was already entered.")})
    if existing.status == Observation.Status.FINAL and status == Observation.Status.PRELIMINARY:
        raise ValidationError({"status": _("A final value cannot go back to preliminary.")})
    revision = ObservationRevision(
        observation=existing,
        value=existing.value,
        status=existing.status,
        source=existing.source,
        new_value=new_value,
        new_status=status,
        reason=reason.strip()[:300],
        changed_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    existing.value = new_value
    existing.status = status
    existing.source = source
    existing.definition_version = definition_version
    existing.is_demo = False
    existing.entered_by = actor if getattr(actor, "is_authenticated", False) else existing.entered_by
    audit.save(existing, actor=actor, action=audit.Action.UPDATE)
    revision.save()
    return SaveResult(existing, False, True)


def observations_write(*, actor: Any, clean: list[dict[str, Any]], errors: list, filename: str) -> dict[str, int]:
    """Save the checked rows of an imported file (`kechuang.indicators.imports.validate_rows`) inside the import's
    transaction; returns the counts. The rows are saved even when others failed (the pipeline then rolls back) so
    that the errors only saving finds come in the same report (one pass); they are appended to `errors`."""
    from kechuang.core.imports import RowError
    from kechuang.indicators.imports import LABELS, SHEET_TITLE

    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for item in clean:
        try:
            saved = observation_save(
                actor=actor, reason=_("Imported from %(file)s") % {"file": filename}, **item["data"]
            )
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                errors.append(RowError(SHEET_TITLE, item["row"], LABELS.get(name, name), "", " ".join(messages), name))
            continue
        except PermissionDenied as exc:
            errors.append(RowError(SHEET_TITLE, item["row"], LABELS["indicator_code"], "", str(exc), "indicator_code"))
            continue
        counts["created" if saved.created else "updated" if saved.changed else "unchanged"] += 1
    return counts


def allocations_set(*, actor: Any, target: Any, values: dict[OrgUnit, Decimal | None]) -> int:
    """Set a target's region breakdown (bureau staff only). None removes a region's share. Returns changes."""
    require_bureau(actor, _("Only bureau staff set region targets."))
    changes = 0
    with transaction.atomic():
        current = {a.region_id: a for a in TargetAllocation.objects.filter(target=target)}
        for region, value in values.items():
            found = current.get(region.pk)
            if value is None:
                if found is not None:
                    audit.record(
                        actor=actor,
                        action=audit.Action.DELETE,
                        obj=found,
                        changes={"value": [audit._jsonable(found.value), None]},
                    )
                    found.delete()
                    changes += 1
                continue
            if found is None:
                found = TargetAllocation(target=target, region=region)
            found.value = value
            if audit.save(found, actor=actor):
                changes += 1
    return changes


FEED_REASON = "数据来源模块的登记数据变动，自动更新"


def sync_feeds(years: Iterable[int] | None = None) -> int:
    """Write the observations other modules feed (core.registry.indicator_feeds), for `years` or all years.

    A feed reports in its indicator's unit. Each fed row becomes the observation of its region (or the city) and
    period (annual unless the row names a quarter); a period the module no longer reports (a registration
    cancelled) goes to 0. Past years are final, the current one preliminary; every change keeps a revision. A value
    a person entered (an official figure) is never overwritten: the pages show the fed count beside it
    (`fed_values`). One transaction per feed. Returns the number of observations created or changed."""
    wanted = None if years is None else {int(y) for y in years}
    units = {u.code: u for u in OrgUnit.objects.filter(kind__in=(OrgUnit.Kind.CITY, OrgUnit.Kind.REGION))}
    this_year = timezone.localdate().year
    changed = 0
    for feed in registry.indicator_feeds():
        indicator = Indicator.objects.filter(code=feed.code).first()
        if indicator is None or indicator.formula:
            continue
        values: dict[tuple[str, int, int], Decimal] = {}
        for row in map(lambda r: registry.FeedRow(*r), feed.rows(wanted)):
            if row.region_code in units and (wanted is None or row.year in wanted):
                values[(row.region_code, row.year, row.quarter)] = row.value
        with transaction.atomic():
            stale = Observation.objects.filter(indicator=indicator, source=feed.source)
            if wanted is not None:
                stale = stale.filter(year__in=wanted)
            for key in stale.values_list("region__code", "year", "quarter"):
                values.setdefault(key, Decimal(0))
            entered = Observation.objects.filter(indicator=indicator, is_demo=False).exclude(source=feed.source)
            if wanted is not None:
                entered = entered.filter(year__in=wanted)
            for key in entered.values_list("region__code", "year", "quarter"):
                values.pop(key, None)
            for (code, year, quarter), value in sorted(values.items()):
                result = _upsert(
                    actor=None,
                    indicator=indicator,
                    region=units[code],
                    year=year,
                    quarter=quarter,
                    value=value,
                    status=Observation.Status.FINAL if year < this_year else Observation.Status.PRELIMINARY,
                    source=feed.source,
                    reason=FEED_REASON,
                )
                changed += result.changed
    return changed
