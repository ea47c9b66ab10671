"""Every write of the outreach module: one service, one transaction, its audit entry (core.audit)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core import audit
from kechuang.core.permissions import require_bureau, require_writer
from kechuang.core.roles import Role
from kechuang.core.scope import can_write, can_write_unit
from kechuang.outreach import feed, rules
from kechuang.outreach.models import (
    Activity,
    Assessment,
    BaseEvaluation,
    Commissioner,
    Dispatch,
    PopsciBase,
    ServiceLog,
)

COMMISSIONER_FIELDS = (
    "name",
    "field",
    "expertise",
    "title",
    "level",
    "employer_kind",
    "employer_name",
    "employer_credit_code",
    "team",
    "region",
    "department",
    "since",
    "is_active",
)
DISPATCH_FIELDS = ("kind", "served_name", "served_credit_code", "region", "town", "village", "start", "end", "task")
LOG_FIELDS = (
    "date",
    "place",
    "content",
    "people_trained",
    "technologies_introduced",
    "technologies",
    "income_effect_wan",
)
BASE_FIELDS = (
    "name",
    "organisation",
    "category",
    "level",
    "recognised_year",
    "document_number",
    "region",
    "department",
    "provincial_candidate",
)
ACTIVITY_FIELDS = (
    "kind",
    "title",
    "date",
    "place",
    "region",
    "organiser",
    "department",
    "audience",
    "participants",
    "base",
)


def commissioner_bands() -> tuple[tuple[Decimal, str], ...]:
    return getattr(settings, "KECHUANG_OUTREACH_COMMISSIONER_BANDS", rules.COMMISSIONER_BANDS)


def base_bands() -> tuple[tuple[Decimal, str], ...]:
    return getattr(settings, "KECHUANG_OUTREACH_BASE_BANDS", rules.BASE_BANDS)


def candidate_rule() -> tuple[Decimal, int]:
    return (
        Decimal(str(getattr(settings, "KECHUANG_OUTREACH_CANDIDATE_SCORE", rules.CANDIDATE_SCORE))),
        int(getattr(settings, "KECHUANG_OUTREACH_CANDIDATE_YEARS", rules.CANDIDATE_YEARS)),
    )


def _owned(actor: Any, obj: Any) -> None:
    """The owning units of a new or changed record must be the actor's to write."""
    require_writer(actor)
    for name in ("region", "department"):
        unit = getattr(obj, name, None)
        if unit is None:
            continue
        if actor.role == Role.DISTRICT_OFFICER and name == "region" and not can_write_unit(actor, unit):
            raise ValidationError({name: _("You may only record data of your own region.")})
        if actor.role == Role.DEPARTMENT_OFFICER and name == "department" and not can_write_unit(actor, unit):
            raise ValidationError({name: _("You may only record data of your own department.")})


# ---------------------------------------------------------------- commissioners
@transaction.atomic
def commissioner_create(*, actor: Any, data: dict[str, Any]) -> Commissioner:
    obj = Commissioner()
    audit.assign(obj, data, allowed=COMMISSIONER_FIELDS)
    _owned(actor, obj)
    audit.save(obj, actor=actor)
    return obj


@transaction.atomic
def commissioner_update(*, actor: Any, commissioner: Commissioner, data: dict[str, Any]) -> Commissioner:
    if not can_write(actor, commissioner):
        raise PermissionDenied
    audit.assign(commissioner, data, allowed=COMMISSIONER_FIELDS)
    _owned(actor, commissioner)
    audit.save(commissioner, actor=actor)
    return commissioner


@transaction.atomic
def dispatch_create(*, actor: Any, commissioner: Commissioner, data: dict[str, Any]) -> Dispatch:
    """Send a commissioner to a village, cooperative or enterprise for a term. Whoever manages the commissioner
    dispatches them; a district officer only into their own region."""
    if not can_write(actor, commissioner):
        raise PermissionDenied
    if not commissioner.is_active:
        raise ValidationError(_("This commissioner is no longer active."))
    obj = Dispatch(commissioner=commissioner)
    audit.assign(obj, data, allowed=DISPATCH_FIELDS)
    if obj.kind != Dispatch.Kind.VILLAGE and not obj.served_name:
        raise ValidationError({"served_name": _("Name the cooperative or enterprise served.")})
    if obj.kind == Dispatch.Kind.VILLAGE and not obj.served_name:
        obj.served_name = obj.village
    if obj.kind == Dispatch.Kind.VILLAGE and not obj.village:
        raise ValidationError({"village": _("Name the village served.")})
    _owned(actor, obj)
    audit.save(obj, actor=actor)
    return obj


@transaction.atomic
def servicelog_create(
    *, actor: Any, dispatch: Dispatch, data: dict[str, Any], today: dt.date | None = None
) -> ServiceLog:
    """Log one visit under a dispatch: its date lies in the term and not in the future."""
    require_writer(actor)
    if not can_write(actor, dispatch):
        raise PermissionDenied
    obj = ServiceLog(dispatch=dispatch)
    audit.assign(obj, data, allowed=LOG_FIELDS)
    today = today or timezone.localdate()
    if obj.date and not dispatch.covers(obj.date):
        raise ValidationError(
            {
                "date": _("The date lies outside the dispatch term (%(start)s to %(end)s).")
                % {"start": dispatch.start, "end": dispatch.end}
            }
        )
    if obj.date and obj.date > today:
        raise ValidationError({"date": _("A visit cannot be logged before it happens.")})
    audit.save(obj, actor=actor)
    return obj


@transaction.atomic
def assessment_record(
    *, actor: Any, commissioner: Commissioner, year: int, score: Decimal, comment: str = ""
) -> Assessment:
    """The yearly assessment (one per year; recording again corrects it). The grade follows the bands in force.
    District officers do not assess: the programme's department or the bureau does."""
    if actor.role == Role.DISTRICT_OFFICER or not can_write(actor, commissioner):
        raise PermissionDenied
    try:
        grade = rules.grade(score, commissioner_bands(), rules.COMMISSIONER_FAIL)
    except (ValueError, ArithmeticError):
        raise ValidationError({"score": _("A score between 0 and 100.")}) from None
    obj = Assessment.objects.filter(commissioner=commissioner, year=year).first() or Assessment(
        commissioner=commissioner, year=year
    )
    obj.score, obj.grade, obj.comment = Decimal(str(score)), grade, comment
    audit.save(obj, actor=actor)
    return obj


# ---------------------------------------------------------------- popular science
@transaction.atomic
def base_create(*, actor: Any, data: dict[str, Any]) -> PopsciBase:
    obj = PopsciBase()
    audit.assign(obj, data, allowed=BASE_FIELDS)
    if obj.level != PopsciBase.Level.CITY:
        require_bureau(actor, _("Only bureau staff record a provincial or national title."))
    _owned(actor, obj)
    audit.save(obj, actor=actor)
    feed.bases_changed(set(range(obj.recognised_year, timezone.localdate().year + 1)))
    return obj


@transaction.atomic
def base_recognise(*, actor: Any, base: PopsciBase, level: str, year: int, document_number: str) -> PopsciBase:
    """The base wins a higher title (the provincial title is the policy's milestone): bureau only."""
    require_bureau(actor, _("Only bureau staff record a provincial or national title."))
    order = [PopsciBase.Level.CITY, PopsciBase.Level.PROVINCIAL, PopsciBase.Level.NATIONAL]
    if level not in order or order.index(level) <= order.index(base.level):
        raise ValidationError({"level": _("The new title must be higher than the present one.")})
    if not document_number.strip():
        raise ValidationError({"document_number": _("State the recognition document.")})
    years = {base.recognised_year, year}
    base.level, base.recognised_year, base.document_number = level, year, document_number.strip()
    base.provincial_candidate = False
    audit.save(base, actor=actor)
    feed.bases_changed(set(range(min(years), timezone.localdate().year + 1)))
    return base


@transaction.atomic
def base_evaluate(*, actor: Any, base: PopsciBase, year: int, score: Decimal, visitors: int = 0) -> BaseEvaluation:
    if not can_write(actor, base):
        raise PermissionDenied
    try:
        grade = rules.grade(score, base_bands(), rules.BASE_FAIL)
    except (ValueError, ArithmeticError):
        raise ValidationError({"score": _("A score between 0 and 100.")}) from None
    obj = BaseEvaluation.objects.filter(base=base, year=year).first() or BaseEvaluation(base=base, year=year)
    obj.score, obj.grade, obj.visitors = Decimal(str(score)), grade, visitors
    audit.save(obj, actor=actor)
    return obj


@transaction.atomic
def activity_create(*, actor: Any, data: dict[str, Any]) -> Activity:
    obj = Activity()
    audit.assign(obj, data, allowed=ACTIVITY_FIELDS)
    _owned(actor, obj)
    audit.save(obj, actor=actor)
    return obj
