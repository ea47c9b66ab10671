"""Every write of the talent module: one service, one transaction, its audit entry."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core import audit, registry
from kechuang.core.encrypted import blind_lookup
from kechuang.core.permissions import is_bureau, require_writer
from kechuang.core.roles import Role
from kechuang.core.scope import can_write, can_write_unit
from kechuang.talent import feed
from kechuang.talent.engines import idcard, tiers
from kechuang.talent.engines import workflow as wf
from kechuang.talent.models import Application, Membership, Review, SelectionRound, Talent, Tier, Tranche

TALENT_FIELDS = (
    "name",
    "gender",
    "birth_date",
    "nationality",
    "id_type",
    "id_number",
    "phone",
    "degree",
    "university",
    "title",
    "discipline",
    "industry",
    "employer_credit_code",
    "region",
    "mode",
    "arrival_date",
)


def _employer(talent: Talent) -> None:
    """The employer's name from the organisation register (core.registry), by its credit code."""
    found = registry.organisation(talent.employer_credit_code or "")
    if found:
        talent.employer_name = found["name"]


def _fill_from_id(talent: Talent) -> None:
    if talent.id_type == Talent.IdType.RESIDENT and not idcard.problem(talent.id_number):
        talent.birth_date = talent.birth_date or idcard.birth_date(talent.id_number)
        talent.gender = talent.gender or idcard.gender(talent.id_number)


def _check_duplicate(talent: Talent) -> None:
    others = Talent.objects.filter(**blind_lookup(Talent, "id_number", talent.id_number)).exclude(pk=talent.pk)
    if talent.id_number and others.exists():
        raise ValidationError({"id_number": _("A talent with this ID number is already registered.")})


@transaction.atomic
def talent_create(*, actor: Any, region: Any, **fields: Any) -> Talent:
    require_writer(actor)
    if not can_write_unit(actor, region):
        raise PermissionDenied(_("You may register talents of your own region only."))
    talent = Talent(region=region)
    audit.assign(talent, fields, allowed=TALENT_FIELDS)
    _fill_from_id(talent)
    _employer(talent)
    talent.full_clean()
    _check_duplicate(talent)
    audit.save(talent, actor=actor)
    return talent


@transaction.atomic
def talent_update(*, actor: Any, talent: Talent, **fields: Any) -> Talent:
    if not can_write(actor, talent):
        raise PermissionDenied(_("You cannot change this talent."))
    if "region" in fields and not can_write_unit(actor, fields["region"]):
        raise PermissionDenied(_("You may register talents of your own region only."))
    audit.assign(talent, fields, allowed=TALENT_FIELDS)
    _fill_from_id(talent)
    _employer(talent)
    talent.full_clean()
    _check_duplicate(talent)
    audit.save(talent, actor=actor)
    return talent


@transaction.atomic
def talent_archive(*, actor: Any, talent: Talent, reason: str) -> Talent:
    from kechuang.core.services import archive

    if not can_write(actor, talent):
        raise PermissionDenied(_("You cannot change this talent."))
    return archive(talent, actor=actor, reason=reason)


def talent_by_id_number(user: Any, id_number: str) -> Talent | None:
    """The talent with this ID number among those `user` may read (blind-index lookup; no decryption)."""
    lookup = blind_lookup(Talent, "id_number", idcard.normalise(id_number))
    return Talent.objects.visible_to(user).filter(**lookup).first()


def recompute_tier(talent: Talent, *, actor: Any = None) -> Tier | None:
    """Set the talent's derived tier from its live memberships (the highest); logged when it moves."""
    live = Membership.objects.filter(talent=talent, status__in=Membership.LIVE).values_list(
        "programme__tier__code", "programme__tier__rank"
    )
    code = tiers.derived_tier(live)
    tier = Tier.objects.filter(code=code).first() if code else None
    if talent.tier_id != (tier.pk if tier else None):
        before = talent.tier.code if talent.tier_id else None
        talent.tier = tier
        talent.save(update_fields=["tier", "updated_at"])
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            obj=talent,
            changes={"tier": [before, code]},
            detail={"rule": "derived_tier"},
        )
    return tier


@transaction.atomic
def membership_record(*, actor: Any, talent: Talent, programme: Any, **fields: Any) -> Membership:
    """Record a title the talent holds (e.g. a national programme); bureau staff only."""
    if not is_bureau(actor):
        raise PermissionDenied(_("Only bureau staff may record programme titles."))
    membership = Membership(talent=talent, programme=programme, **fields)
    audit.save(membership, actor=actor)
    recompute_tier(talent, actor=actor)
    feed.talents_changed({membership.batch_year})
    return membership


# ---------------------------------------------------------------- selection rounds (§1.6)
def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _today() -> dt.date:
    return timezone.localdate()


def _may_act(actor: Any, application: Application, who: str) -> bool:
    """The employer step is taken by whoever enters for the employer (bureau, the district, the employer's own
    portal user); the district's by its district officers (and the bureau); the department's by the programme's
    owner department (and the bureau)."""
    if actor is None or not getattr(actor, "is_authenticated", False) or actor.role in (Role.LEADER,):
        return False
    if is_bureau(actor):
        return True
    if who == "employer":
        if getattr(actor, "credit_code", "") and actor.credit_code == application.employer_credit_code:
            return True
        return actor.role == Role.DISTRICT_OFFICER and can_write_unit(actor, application.region)
    if who == "district":
        return actor.role == Role.DISTRICT_OFFICER and can_write_unit(actor, application.region)
    owner = application.round.programme.owner_department
    if who == "reviewer":
        if actor.role == Role.DISTRICT_OFFICER:
            return application.state == wf.SUBMITTED and can_write_unit(actor, application.region)
        return actor.role == Role.DEPARTMENT_OFFICER and can_write_unit(actor, owner)
    return actor.role == Role.DEPARTMENT_OFFICER and owner is not None and can_write_unit(actor, owner)


@transaction.atomic
def application_create(
    *, actor: Any, round: SelectionRound, talent: Talent, category: str = "", requested_wan: Any = 0
) -> Application:
    """A draft application of a talent in an open round (the employer, its district or the bureau)."""
    require_writer(actor)
    if not round.is_open:
        raise ValidationError({"round": _("This round is closed.")})
    if talent.status != Talent.Status.ACTIVE or not talent.is_active:
        raise ValidationError({"talent": _("Only talents in the city can apply.")})
    app = Application(
        round=round,
        talent=talent,
        region=talent.region,
        employer_credit_code=talent.employer_credit_code,
        category=category,
        requested_wan=Decimal(str(requested_wan or 0)),
    )
    if not _may_act(actor, app, "employer"):
        raise PermissionDenied(_("You may apply only for your own talents."))
    if Application.objects.filter(round=round, talent=talent).exists():
        raise ValidationError({"talent": _("This talent already has an application in this round.")})
    audit.save(app, actor=actor)
    return app


@transaction.atomic
def application_step(
    *, actor: Any, application: Application, action: str, note: str = "", on: dt.date | None = None, **extra: Any
) -> Application:
    """Take one step of the workflow; refused when the table has no such step from the current state, when the actor
    is not the one who takes it, or when the step's own condition fails (公示 still open, a reviewer missing)."""
    app = (
        Application.objects.select_for_update()
        .select_related("round__programme__tier", "talent")
        .get(pk=application.pk)
    )
    if action not in wf.ACTOR_OF or not _may_act(actor, app, wf.ACTOR_OF[action]):
        raise PermissionDenied(_("You may not take this step."))
    try:
        new_state = wf.next_state(app.state, action)
    except wf.TransitionRefused:
        raise ValidationError(
            {"action": _("This step is not possible from the state “%(state)s”.") % {"state": app.get_state_display()}}
        ) from None
    note = " ".join((note or "").split())
    if action in wf.NOTE_REQUIRED and not note:
        raise ValidationError({"note": _("Give the reason.")})
    on = on or _today()
    programme = app.round.programme
    before = app.state
    detail: dict[str, Any] = {"transition": action, "from": before, "to": new_state}
    years: set[int] = set()
    if action == wf.SUBMIT:
        app.submitted_on = on
    elif action == wf.PUBLISH:
        scored = app.reviews.filter(conflict=False, score__isnull=False)
        if not scored.exists():
            raise ValidationError({"action": _("At least one expert without a conflict must score it first.")})
        days = int(programme.rule("objection_days"))
        app.publicity_start = on
        app.publicity_end = wf.publicity_closes(on, days)
        detail["objection_days"] = days
    elif action == wf.APPROVE:
        if app.publicity_end is None or on <= app.publicity_end:
            raise ValidationError(
                {"action": _("The public notice runs until %(day)s: approve after it.") % {"day": app.publicity_end}}
            )
        approved = Decimal(str(extra.get("approved_wan") or app.requested_wan or 0))
        cap = programme.rule("max_wan")
        if cap is not None and approved > Decimal(str(cap)):
            raise ValidationError({"approved_wan": _("More than the programme's maximum of %(n)s.") % {"n": cap}})
        app.approved_wan = approved
        app.decided_on = on
        app.term_start = on
        years_term = int(programme.rule("term_years"))
        app.term_end = _add_years(on, years_term) - dt.timedelta(days=1)
        membership = Membership(
            talent=app.talent,
            programme=programme,
            category=app.category,
            batch_year=app.round.year,
            approved_on=on,
            term_end=app.term_end,
            approved_wan=approved,
        )
        audit.save(membership, actor=actor)
        app.membership = membership
        years.add(app.round.year)
    elif action == wf.REJECT:
        app.decided_on = on
    elif action == wf.DISBURSE:
        amount = Decimal(str(extra.get("amount_wan") or 0))
        if amount <= 0:
            raise ValidationError({"amount_wan": _("Give the amount paid.")})
        if app.paid_wan + amount > app.approved_wan:
            raise ValidationError({"amount_wan": _("More than the approved amount still unpaid.")})
        tranche = Tranche(application=app, paid_on=on, amount_wan=amount, note=note)
        audit.save(tranche, actor=actor)
        app.paid_wan += amount
        detail["amount_wan"] = str(amount)
    elif action in (wf.SUSPEND, wf.REMOVE, wf.REINSTATE, wf.CLOSE, wf.LEAVE) and app.membership_id:
        status = {
            wf.SUSPEND: Membership.Status.SUSPENDED,
            wf.REMOVE: Membership.Status.REMOVED,
            wf.REINSTATE: Membership.Status.ACTIVE,
            wf.CLOSE: Membership.Status.CLOSED,
            wf.LEAVE: Membership.Status.WITHDRAWN,
        }[action]
        membership = app.membership
        membership.status = status
        membership.paid_wan = app.paid_wan
        audit.save(membership, actor=actor)
        years.add(membership.batch_year)
    if action == wf.LEAVE:
        rule = str(programme.rule("clawback"))
        amount = wf.clawback(app.paid_wan, app.term_start, app.term_end, on, rule)
        if amount > 0:
            audit.save(Tranche(application=app, paid_on=on, amount_wan=-amount, note=_("Claw-back")), actor=actor)
        app.clawback_wan = amount
        detail.update(clawback_wan=str(amount), clawback_rule=rule)
    if app.membership_id and action == wf.DISBURSE:
        app.membership.paid_wan = app.paid_wan
        audit.save(app.membership, actor=actor)
    app.state = new_state
    app.note = note[:300]
    app.full_clean()
    app.save()
    audit.record(
        actor=actor, action=audit.Action.UPDATE, obj=app, changes={"state": [before, new_state]}, detail=detail
    )
    if years:
        recompute_tier(app.talent, actor=actor)
        feed.talents_changed(years)
    application.refresh_from_db()
    return application


def reviewable_by(user: Any):
    """Applications in expert review that `user` may review: never their own organisation's."""
    qs = Application.objects.filter(state=wf.EXPERT_REVIEW).select_related("talent", "round__programme")
    own = getattr(user, "credit_code", "")
    return qs.exclude(employer_credit_code=own) if own else qs


@transaction.atomic
def review_submit(
    *,
    actor: Any,
    application: Application,
    score: int | None = None,
    comment: str = "",
    conflict: bool = False,
    conflict_note: str = "",
) -> Review:
    """A reviewer scores an application, or declares a conflict of interest (then no score). An application of the
    reviewer's own organisation cannot be reviewed at all."""
    require_writer(actor)
    if application.state != wf.EXPERT_REVIEW:
        raise ValidationError({"application": _("This application is not in expert review.")})
    own = getattr(actor, "credit_code", "")
    if own and own == application.employer_credit_code:
        raise PermissionDenied(_("You cannot review an application of your own organisation."))
    if not (
        is_bureau(actor) or actor.role == getattr(Role, "EXPERT", None) or _may_act(actor, application, "department")
    ):
        raise PermissionDenied(_("Only the appointed experts review applications."))
    if conflict:
        if not conflict_note.strip():
            raise ValidationError({"conflict_note": _("Say what the conflict is.")})
        score = None
    elif score is None or not 0 <= int(score) <= 100:
        raise ValidationError({"score": _("Give a score from 0 to 100.")})
    review, _created = Review.objects.get_or_create(application=application, reviewer=actor)
    review.conflict, review.conflict_note = conflict, conflict_note.strip()
    review.score, review.comment = score, comment.strip()
    audit.save(review, actor=actor)
    return review
