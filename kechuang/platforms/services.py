"""Writes of the platform register and the incubation chain: each one service in one transaction with its audit
entry. The rules themselves are the engines' (engine/workflow.py, engine/grading.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core import audit, registry
from kechuang.core.models import OrgUnit
from kechuang.core.permissions import is_bureau, require_bureau, require_writer
from kechuang.core.roles import Role
from kechuang.core.scope import can_write, can_write_unit
from kechuang.platforms import feed
from kechuang.platforms.engine import grading, workflow
from kechuang.platforms.models import (
    CARRIER_FIELDS,
    CARRIER_YEAR_FIELDS,
    INCUBATEE_STEPS,
    PLATFORM_FIELDS,
    YEAR_FIELDS,
    Carrier,
    CarrierYear,
    Evaluation,
    Incubatee,
    Platform,
    PlatformEvent,
    PlatformSettings,
    PlatformType,
    PlatformYear,
    State,
)

REFUSALS = {
    "not_a_step": "A platform cannot go from “%(source)s” to “%(target)s”.",
    "not_allowed": "Your role may not move a platform from “%(source)s” to “%(target)s”.",
    "document_required": "This step needs the number of its document.",
}
# States a person may create a record in: the pool and the steps before the bureau's review. A platform recognised
# before the register existed is entered by the bureau with its document (`initial_state` recognised).
OPEN_STATES = {workflow.RESERVE, workflow.APPLIED}


def _years_from(day: dt.date | None) -> set[int]:
    this_year = timezone.localdate().year
    start = day.year if day else this_year
    return set(range(min(start, this_year), this_year + 1))


def _check_host(data: dict[str, Any]) -> None:
    """An enterprise host is a firm of the register (by its credit code, through core.registry)."""
    code = (data.get("host_credit_code") or "").strip().upper()
    data["host_credit_code"] = code
    if data.get("host_kind", Platform.HostKind.ENTERPRISE) == Platform.HostKind.ENTERPRISE:
        if not code:
            raise ValidationError({"host_credit_code": _("An enterprise host is named by its credit code.")})
        found = registry.enterprise_refs([code]).get(code)
        if found is None:
            raise ValidationError({"host_credit_code": _("No enterprise of the register has this credit code.")})
        if not data.get("host_name"):
            data["host_name"] = found.name


def _check_level(platform: Platform) -> None:
    if platform.type_id and platform.level not in platform.type.levels:
        raise ValidationError({"level": _("This type of platform has no such level.")})


def _check_unit(actor: Any, data: dict[str, Any]) -> None:
    region = data.get("region")
    if region is not None and not can_write_unit(actor, region):
        raise ValidationError({"region": _("Choose a region you manage.")})


def _lineage(platform: Platform) -> int:
    seen = set()
    node = platform
    while node.continues_id and node.continues_id not in seen:
        seen.add(node.pk)
        node = node.continues
    return node.pk


@transaction.atomic
def platform_create(
    *,
    actor: Any,
    data: dict[str, Any],
    initial_state: str = workflow.RESERVE,
    document: str = "",
    on: dt.date | None = None,
    is_demo: bool = False,
) -> Platform:
    """A new platform: in the reserve pool (or applied) for any writer of its region; entered as already recognised
    (or under construction) only by the bureau, with its document and date."""
    require_writer(actor)
    data = dict(data)
    _check_unit(actor, data)
    _check_host(data)
    on = on or timezone.localdate()
    if initial_state not in OPEN_STATES:
        require_bureau(actor, _("Only the bureau enters a platform past the reserve pool."))
        if initial_state not in State.values or initial_state in workflow.ENDED:
            raise ValidationError({"state": _("Not a state a platform is entered in.")})
        if initial_state in workflow.HOLDING | workflow.BUILDING and not document.strip():
            raise ValidationError({"recognition_document": _("This step needs the number of its document.")})
    platform = Platform(state=initial_state, is_demo=is_demo)
    audit.assign(platform, data, allowed=[*PLATFORM_FIELDS, "continues"])
    if initial_state in workflow.HOLDING:
        platform.recognition_document, platform.recognition_date = document.strip(), on
    elif initial_state in workflow.BUILDING:
        platform.construction_start = on
    if platform.type_id and not platform.department_id and platform.type.authority:
        platform.department = OrgUnit.objects.departments().filter(code=platform.type.authority).first()
    _check_level(platform)
    audit.save(platform, actor=actor)
    platform.lineage = _lineage(platform)
    Platform.objects.filter(pk=platform.pk).update(lineage=platform.lineage)
    PlatformEvent.objects.create(
        platform=platform, on=on, state=initial_state, level=platform.level, document=document.strip(), actor=actor
    )
    feed.platforms_changed(_years_from(on))
    return platform


@transaction.atomic
def platform_update(*, actor: Any, platform: Platform, data: dict[str, Any]) -> dict:
    if not can_write(actor, platform):
        raise PermissionDenied
    data = dict(data)
    _check_unit(actor, data)
    merged = {f: getattr(platform, f) for f in ("host_kind", "host_name", "host_credit_code")} | data
    if {"host_kind", "host_credit_code", "host_name"} & set(data):
        _check_host(merged)
        data["host_credit_code"] = merged["host_credit_code"]
        data["host_name"] = merged["host_name"]
    level_before = platform.level
    region_before = platform.region_id
    audit.assign(platform, data, allowed=PLATFORM_FIELDS)
    _check_level(platform)
    changes = audit.save(platform, actor=actor)
    if platform.level != level_before:
        # the level the record holds now is a step of its history too (a correction of the register)
        PlatformEvent.objects.create(
            platform=platform,
            on=timezone.localdate(),
            source_state=platform.state,
            state=platform.state,
            level=platform.level,
            note=_("level corrected"),
            actor=actor,
        )
    if changes and (platform.level != level_before or platform.region_id != region_before or "type" in changes):
        feed.platforms_changed(None)
    return changes


@transaction.atomic
def platform_transition(
    *,
    actor: Any,
    platform: Platform,
    target: str,
    document: str = "",
    on: dt.date | None = None,
    note: str = "",
    level: str = "",
) -> PlatformEvent:
    """Move a platform one step of §2.5, keeping the step's document number and date. Refused (naming why): a step
    the table has not (reserve → recognised), a step of the bureau taken by anyone else (a district officer
    recognising), a missing document. A downgrade names the new, lower level."""
    require_writer(actor)
    platform = Platform.objects.select_for_update().select_related("type").get(pk=platform.pk)
    may_write = can_write(actor, platform)
    if not may_write:
        raise PermissionDenied
    kinds = workflow.actor_kinds(
        is_bureau=is_bureau(actor),
        is_district_of_record=actor.role == Role.DISTRICT_OFFICER and may_write,
        may_write=may_write,
    )
    try:
        workflow.check(platform.state, target, kinds, document)
    except workflow.TransitionRefused as refused:
        labels = dict(State.choices)
        message = _(REFUSALS[refused.reason]) % {
            "source": labels.get(refused.source, refused.source),
            "target": labels.get(refused.target, refused.target),
        }
        if refused.reason == "not_allowed":
            raise PermissionDenied(message) from None
        field = "document" if refused.reason == "document_required" else "target"
        raise ValidationError({field: message}) from None
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise ValidationError({"on": _("The date of a step cannot be in the future.")})
    last = platform.events.order_by("-on", "-id").values_list("on", flat=True).first()
    if last and on < last:
        raise ValidationError(
            {"on": _("A step cannot be dated before the platform's previous step (%(d)s).") % {"d": last}}
        )
    before = {"state": platform.state, "level": platform.level}
    if target == workflow.DOWNGRADED:
        order = ["national", "province", "city"]
        if level not in order or order.index(level) <= order.index(platform.level):
            raise ValidationError({"level": _("A downgrade names a lower level.")})
        platform.level = level
    platform.state = target
    if target == workflow.RECOGNISED and before["state"] in (workflow.PUBLICITY, workflow.ACCEPTANCE_REVIEW):
        platform.recognition_document, platform.recognition_date = document.strip(), on
        if before["state"] == workflow.ACCEPTANCE_REVIEW:
            platform.acceptance_date = on
    elif target == workflow.UNDER_CONSTRUCTION and before["state"] == workflow.PUBLICITY:
        platform.construction_start = on
    platform.save()
    event = PlatformEvent.objects.create(
        platform=platform,
        on=on,
        source_state=before["state"],
        state=target,
        level=platform.level,
        document=document.strip(),
        note=note.strip()[:300],
        actor=actor,
    )
    audit.record(
        actor=actor,
        action="update",
        obj=platform,
        changes={"state": [before["state"], target], "level": [before["level"], platform.level]},
        detail={"document": event.document, "on": on.isoformat(), "note": event.note},
    )
    feed.platforms_changed(_years_from(on))
    return event


@transaction.atomic
def platform_year_save(*, actor: Any, platform: Platform, year: int, data: dict[str, Any]) -> PlatformYear:
    if not can_write(actor, platform):
        raise PermissionDenied
    if not 1980 <= int(year) <= timezone.localdate().year:
        raise ValidationError({"year": _("A year of facts is a past or the current year.")})
    found = PlatformYear.objects.filter(platform=platform, year=year).first() or PlatformYear(
        platform=platform, year=year
    )
    audit.update(found, data, allowed=YEAR_FIELDS, actor=actor)
    return found


@transaction.atomic
def evaluation_record(
    *, actor: Any, platform: Platform, year: int, score: Decimal, document: str = "", on: dt.date | None = None
) -> Evaluation:
    """The bureau's periodic evaluation: the grade comes from the type's bands (data). Only a platform holding its
    title is evaluated (never a revoked, merged or closed one, nor one still in the pool). A failing grade puts the
    platform under rectification (the bureau then decides: recognised again, downgraded or revoked)."""
    require_bureau(actor, _("Only the bureau records evaluations."))
    platform = Platform.objects.select_for_update().select_related("type").get(pk=platform.pk)
    if platform.state not in workflow.EVALUABLE:
        raise ValidationError(
            {"score": _("A platform in the state “%(s)s” is not evaluated.") % {"s": platform.get_state_display()}}
        )
    try:
        score = Decimal(str(score))
    except ArithmeticError:
        raise ValidationError({"score": _("Enter a score from 0 to 100.")}) from None
    if not score.is_finite() or not 0 <= score <= 100:
        raise ValidationError({"score": _("Enter a score from 0 to 100.")})
    if Evaluation.objects.filter(platform=platform, year=year).exists():
        raise ValidationError({"year": _("This platform already has an evaluation for that year.")})
    grade = grading.grade_for(float(score), platform.type.grade_bands or grading.DEFAULT_BANDS)
    on = on or timezone.localdate()
    evaluation = Evaluation(
        platform=platform, year=year, score=score, grade=grade, document=document, on=on, actor=actor
    )
    audit.save(evaluation, actor=actor)
    if grade == grading.FAIL and platform.state == workflow.RECOGNISED:
        platform_transition(
            actor=actor,
            platform=platform,
            target=workflow.RECTIFICATION,
            document=document or _("evaluation %(y)s") % {"y": year},
            on=on,
            note=_("failed the %(y)s evaluation") % {"y": year},
        )
    return evaluation


@transaction.atomic
def settings_update(*, actor: Any, data: dict[str, Any], counted_types: set[str] | None = None) -> PlatformSettings:
    """The bureau's choices the reference leaves open: which types count, whether platforms under construction
    count, the reward rule of the incubation chain."""
    require_bureau(actor, _("Only the bureau sets the counting rule."))
    current = PlatformSettings.current()
    audit.update(
        current,
        data,
        allowed=["count_under_construction", "reward_each_wan", "reward_cap_wan", "hte_window_years", "reward_source"],
        actor=actor,
    )
    if counted_types is not None:
        for platform_type in PlatformType.objects.all():
            wanted = platform_type.code in counted_types
            if platform_type.counts_for_task2 != wanted:
                audit.update(platform_type, {"counts_for_task2": wanted}, allowed=["counts_for_task2"], actor=actor)
    feed.platforms_changed(None)
    return current


# ------------------------------------------------------------------------------------------------ incubation chain


@transaction.atomic
def carrier_save(*, actor: Any, data: dict[str, Any], carrier: Carrier | None = None, is_demo: bool = False) -> Carrier:
    require_writer(actor)
    if carrier is not None and not can_write(actor, carrier):
        raise PermissionDenied
    data = dict(data)
    _check_unit(actor, data)
    carrier = carrier or Carrier(is_demo=is_demo)
    audit.assign(carrier, data, allowed=CARRIER_FIELDS)
    total, incubatee = carrier.space_total_m2, carrier.space_incubatee_m2
    if total is not None and incubatee is not None and incubatee > total:
        raise ValidationError({"space_incubatee_m2": _("The space for incubatees exceeds the total space.")})
    audit.save(carrier, actor=actor)
    return carrier


@transaction.atomic
def carrier_year_save(*, actor: Any, carrier: Carrier, year: int, data: dict[str, Any]) -> CarrierYear:
    if not can_write(actor, carrier):
        raise PermissionDenied
    if not 1980 <= int(year) <= timezone.localdate().year:
        raise ValidationError({"year": _("A year of facts is a past or the current year.")})
    found = CarrierYear.objects.filter(carrier=carrier, year=year).first() or CarrierYear(carrier=carrier, year=year)
    audit.update(found, data, allowed=CARRIER_YEAR_FIELDS, actor=actor)
    return found


@transaction.atomic
def incubatee_add(
    *, actor: Any, carrier: Carrier, credit_code: str, entered_on: dt.date, is_demo: bool = False
) -> Incubatee:
    """An enterprise of the register enters a carrier (linked by its credit code from entry to graduation)."""
    if not can_write(actor, carrier):
        raise PermissionDenied
    code = (credit_code or "").strip().upper()
    found = registry.enterprise_refs([code]).get(code)
    if found is None:
        raise ValidationError({"credit_code": _("No enterprise of the register has this credit code.")})
    if entered_on > timezone.localdate():
        raise ValidationError({"entered_on": _("The date of a step cannot be in the future.")})
    if (
        Incubatee.objects.filter(carrier=carrier, credit_code=code)
        .exclude(state__in=[Incubatee.State.GRADUATED, Incubatee.State.LEFT, Incubatee.State.FAILED])
        .exists()
    ):
        raise ValidationError({"credit_code": _("This enterprise is already in this carrier.")})
    incubatee = Incubatee(carrier=carrier, credit_code=code, name=found.name, entered_on=entered_on, is_demo=is_demo)
    audit.save(incubatee, actor=actor)
    return incubatee


@transaction.atomic
def incubatee_move(
    *, actor: Any, incubatee: Incubatee, target: str, on: dt.date | None = None, reason: str = ""
) -> Incubatee:
    """entered → in incubation → graduated | left | failed."""
    if not can_write(actor, incubatee.carrier):
        raise PermissionDenied
    if target not in INCUBATEE_STEPS.get(incubatee.state, set()):
        labels = dict(Incubatee.State.choices)
        raise ValidationError(
            {
                "state": _("An incubatee cannot go from “%(source)s” to “%(target)s”.")
                % {"source": labels.get(incubatee.state, incubatee.state), "target": labels.get(target, target)}
            }
        )
    on = on or timezone.localdate()
    if on < incubatee.entered_on or on > timezone.localdate():
        raise ValidationError({"on": _("The date lies before the entry or in the future.")})
    data: dict[str, Any] = {"state": target}
    if target != Incubatee.State.IN_INCUBATION:
        data |= {"exited_on": on, "exit_reason": reason.strip()[:200]}
    audit.update(incubatee, data, allowed=["state", "exited_on", "exit_reason"], actor=actor)
    return incubatee
