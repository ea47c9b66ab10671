"""Every write of the talent module: one service, one transaction, its audit entry."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core import audit, registry
from kechuang.core import registration as core_registration
from kechuang.core.encrypted import blind_lookup
from kechuang.core.permissions import is_bureau, require_firm_in_scope, require_writer
from kechuang.core.roles import Role
from kechuang.core.scope import can_write, can_write_unit
from kechuang.core.workdays import Calendar
from kechuang.talent import feed
from kechuang.talent.engines import cards, idcard, tiers
from kechuang.talent.engines import requests as reqflow
from kechuang.talent.engines import workflow as wf
from kechuang.talent.models import (
    Application,
    CalendarDay,
    CardGrade,
    CardType,
    ForeignExpert,
    ForeignProject,
    Membership,
    PortalRegistration,
    Review,
    SelectionRound,
    ServiceItem,
    ServiceRequest,
    Talent,
    TalentCard,
    Team,
    Tier,
    Tranche,
    Visit,
)

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
    code = talent.employer_credit_code or ""
    found = registry.enterprise_refs([code]).get(code)
    if found:
        talent.employer_name = found.name


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
    require_firm_in_scope(actor, talent.employer_credit_code, field="employer_credit_code")
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
    stored = talent.employer_credit_code
    audit.assign(talent, fields, allowed=TALENT_FIELDS)
    require_firm_in_scope(actor, talent.employer_credit_code, field="employer_credit_code", stored=stored)
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


def _checked_step(rules: Any, obj: Any, action: str, note: str, may: Any) -> tuple[str, str]:
    """The state `action` leads `obj` to under a workflow table (`rules`: ACTOR_OF, next_state, NOTE_REQUIRED), and
    the note with its spaces collapsed; refused when `may(actor kind)` says no, the table has no such step, or a
    required reason is missing. Shared by the selection workflow and the card workflow."""
    if action not in rules.ACTOR_OF or not may(rules.ACTOR_OF[action]):
        raise PermissionDenied(_("You may not take this step."))
    try:
        new_state = rules.next_state(obj.state, action)
    except rules.TransitionRefused:
        raise ValidationError(
            {"action": _("This step is not possible from the state “%(state)s”.") % {"state": obj.get_state_display()}}
        ) from None
    note = " ".join((note or "").split())
    if action in rules.NOTE_REQUIRED and not note:
        raise ValidationError({"note": _("Give the reason.")})
    return new_state, note


@transaction.atomic
def application_step(
    *, actor: Any, application: Application, action: str, note: str = "", on: dt.date | None = None, **extra: Any
) -> Application:
    """Take one step of the workflow; refused when the table has no such step from the current state, when the actor
    is not the one who takes it, or when the step's own condition fails (公示 still open, a reviewer missing)."""
    app = (
        Application.objects.select_for_update(of=("self",))
        .select_related("round__programme__tier", "talent")
        .get(pk=application.pk)
    )
    new_state, note = _checked_step(wf, app, action, note, lambda who: _may_act(actor, app, who))
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
    """Applications in expert review that `user` may review: an expert only those assigned to them, and nobody
    their own organisation's."""
    qs = Application.objects.filter(state=wf.EXPERT_REVIEW).select_related("talent", "round__programme")
    if getattr(user, "role", None) == Role.EXPERT:
        qs = qs.filter(reviews__reviewer=user)
    own = getattr(user, "credit_code", "")
    return qs.exclude(employer_credit_code=own) if own else qs


@transaction.atomic
def review_assign(*, actor: Any, application: Application, reviewer: Any) -> Review:
    """The bureau (or the programme's department) assigns an expert account to review `application`: the review
    row, unscored, is the assignment. An expert of the applicant's own organisation is refused."""
    if not (is_bureau(actor) or _may_act(actor, application, "department")):
        raise PermissionDenied(_("Only the bureau or the programme's department assigns reviewers."))
    if application.state != wf.EXPERT_REVIEW:
        raise ValidationError({"application": _("This application is not in expert review.")})
    if reviewer is None or reviewer.role != Role.EXPERT or not reviewer.is_active:
        raise ValidationError({"reviewer": _("Choose an active expert account.")})
    if reviewer.credit_code and reviewer.credit_code == application.employer_credit_code:
        raise ValidationError({"reviewer": _("This expert works for the applicant's organisation.")})
    if Review.objects.filter(application=application, reviewer=reviewer).exists():
        raise ValidationError({"reviewer": _("This expert is already assigned.")})
    review = Review(application=application, reviewer=reviewer)
    audit.save(review, actor=actor)
    return review


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
    if not (is_bureau(actor) or actor.role == Role.EXPERT or _may_act(actor, application, "department")):
        raise PermissionDenied(_("Only the appointed experts review applications."))
    if conflict:
        if not conflict_note.strip():
            raise ValidationError({"conflict_note": _("Say what the conflict is.")})
        score = None
    elif score is None or not 0 <= int(score) <= 100:
        raise ValidationError({"score": _("Give a score from 0 to 100.")})
    if actor.role == Role.EXPERT:
        # An expert scores only what the bureau assigned, and a conflict, once declared, stands.
        review = Review.objects.select_for_update().filter(application=application, reviewer=actor).first()
        if review is None:
            raise PermissionDenied(_("This application is not assigned to you."))
        if review.conflict:
            raise ValidationError({"conflict": _("You declared a conflict of interest for this application.")})
    else:
        review, _created = Review.objects.get_or_create(application=application, reviewer=actor)
    review.conflict, review.conflict_note = conflict, conflict_note.strip()
    review.score, review.comment = score, comment.strip()
    audit.save(review, actor=actor)
    return review


# ---------------------------------------------------------------- talent cards (§1.4)
CARD_SALT = "kechuang.talent.card"
CODE_MINUTES = 10  # a verification code shown on the card page is good for this long


def _card_may_act(actor: Any, card: TalentCard, who: str) -> bool:
    if actor is None or not getattr(actor, "is_authenticated", False) or actor.role == Role.LEADER:
        return False
    if is_bureau(actor):
        return True
    region = card.talent.region
    if who == "district" or (who == "reviewer" and card.state == cards.SUBMITTED):
        return actor.role == Role.DISTRICT_OFFICER and can_write_unit(actor, region)
    issuer = card.card_type.issuer
    return actor.role == Role.DEPARTMENT_OFFICER and issuer is not None and can_write_unit(actor, issuer)


def card_grades_for(talent: Talent, card_type: CardType) -> list[CardGrade]:
    """The grades of `card_type` the talent's tier qualifies for (a tier of rank ≤ the grade's lowest tier)."""
    if talent.tier_id is None:
        return []
    return [g for g in card_type.grades.select_related("min_tier") if talent.tier.rank <= g.min_tier.rank]


@transaction.atomic
def card_apply(*, actor: Any, talent: Talent, card_type: CardType, grade: CardGrade) -> TalentCard:
    """An application for a card: for the talent (portal), its employer, its district or the bureau."""
    require_writer(actor)
    own = getattr(getattr(actor, "talent_record", None), "pk", None) == talent.pk
    if not (own or is_bureau(actor) or (actor.role == Role.DISTRICT_OFFICER and can_write_unit(actor, talent.region))):
        raise PermissionDenied(_("You may apply only for your own talents."))
    if grade.card_type_id != card_type.pk:
        raise ValidationError({"grade": _("This grade belongs to another card.")})
    if grade not in card_grades_for(talent, card_type):
        raise ValidationError({"grade": _("The talent's tier does not qualify for this grade.")})
    if TalentCard.objects.filter(
        talent=talent,
        card_type=card_type,
        state__in=[s for s in cards.STATES if s not in (cards.REVOKED, cards.REJECTED, cards.EXPIRED)],
    ).exists():
        raise ValidationError({"card_type": _("The talent already holds or has applied for this card.")})
    card = TalentCard(
        talent=talent,
        card_type=card_type,
        grade=grade,
        number=f"{card_type.code[:2].upper()}{secrets.randbelow(10**10):010d}",
        nonce=secrets.token_urlsafe(16),
    )
    audit.save(card, actor=actor)
    return card


@transaction.atomic
def card_step(*, actor: Any, card: TalentCard, action: str, note: str = "", on: dt.date | None = None) -> TalentCard:
    card = (
        TalentCard.objects.select_for_update(of=("self",))
        .select_related("talent__region", "card_type__issuer")
        .get(pk=card.pk)
    )
    new_state, note = _checked_step(cards, card, action, note, lambda who: _card_may_act(actor, card, who))
    on = on or _today()
    before = card.state
    years = card.card_type.validity_years
    if action == cards.ISSUE:
        card.issued_on, card.expires_on = on, cards.expiry(on, years)
    elif action == cards.RENEW:
        current = card.expires_on is not None and card.expires_on >= on
        card.expires_on = cards.expiry(card.expires_on + dt.timedelta(days=1) if current else on, years)
    if action in (cards.SUSPEND, cards.REVOKE, cards.EXPIRE):
        card.nonce = secrets.token_urlsafe(16)  # every code shown before stops verifying at once
    card.state = new_state
    card.note = note[:300]
    card.save()
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        obj=card,
        changes={"state": [before, new_state], "expires_on": [None, str(card.expires_on) if card.expires_on else None]},
        detail={"transition": action, "from": before, "to": new_state},
    )
    return card


def card_code(card: TalentCard) -> str:
    """The signed, expiring verification code of an issued card (shown as a QR code on the card page)."""
    return signing.dumps({"c": card.pk, "n": card.nonce}, salt=CARD_SALT, compress=False)


@dataclass(frozen=True)
class Verification:
    ok: bool
    reason: str
    card: TalentCard | None = None


def card_verify(code: str, *, today: dt.date | None = None, max_minutes: int = CODE_MINUTES) -> Verification:
    """Check a scanned code: the signature, its age, the card's current secret, its state and expiry."""
    today = today or _today()
    try:
        data = signing.loads(code or "", salt=CARD_SALT, max_age=dt.timedelta(minutes=max_minutes))
    except signing.SignatureExpired:
        return Verification(False, "code_expired")
    except (signing.BadSignature, ValueError, TypeError):
        return Verification(False, "bad_signature")
    card = (
        TalentCard.objects.select_related("talent", "card_type", "grade")
        .filter(pk=data.get("c") if isinstance(data, dict) else None)
        .first()
    )
    if card is None or not secrets.compare_digest(str(data.get("n", "")), card.nonce):
        return Verification(False, "revoked" if card is not None else "bad_signature", card if card else None)
    if card.state in (cards.REVOKED, cards.SUSPENDED):
        return Verification(False, card.state, card)
    if not cards.valid_on(card.state, card.expires_on, today):
        return Verification(False, "card_expired", card)
    return Verification(True, "valid", card)


def expire_cards(*, today: dt.date | None = None) -> int:
    """Mark issued cards past their expiry as expired (daily); returns how many."""
    today = today or _today()
    n = 0
    for card in TalentCard.objects.filter(state=cards.ISSUED, expires_on__lt=today):
        _expire(card)
        n += 1
    return n


@transaction.atomic
def _expire(card: TalentCard) -> None:
    before = card.state
    card.state, card.nonce = cards.EXPIRED, secrets.token_urlsafe(16)
    card.save(update_fields=["state", "nonce", "updated_at"])
    audit.record(
        actor=None,
        action=audit.Action.UPDATE,
        obj=card,
        changes={"state": [before, cards.EXPIRED]},
        detail={"transition": cards.EXPIRE},
    )


# ---------------------------------------------------------------- service requests (§1.5)
def calendar() -> Calendar:
    """The holiday calendar kept as data (CalendarDay rows)."""
    rows = list(CalendarDay.objects.values_list("day", "kind"))
    return Calendar.of(
        (d for d, k in rows if k == CalendarDay.Kind.HOLIDAY), (d for d, k in rows if k == CalendarDay.Kind.MAKEUP)
    )


def item_open_to(item: ServiceItem, talent: Talent) -> tuple[bool, str]:
    """May the talent use the item, and why: its tier, or an issued card the item lists; an item that lists neither
    is open to every talent in the register."""
    tiers_ok = list(item.eligible_tiers.all())
    cards_ok = list(item.eligible_cards.all())
    if not tiers_ok and not cards_ok:
        return True, _("open to every talent")
    if talent.tier_id and any(t.pk == talent.tier_id for t in tiers_ok):
        return True, _("tier %(tier)s") % {"tier": talent.tier}
    held = TalentCard.objects.filter(talent=talent, state=cards.ISSUED, card_type__in=cards_ok).select_related(
        "card_type"
    )
    card = held.first()
    if card is not None:
        return True, _("holds the %(card)s") % {"card": card.card_type.name}
    return False, ""


def _request_may_act(actor: Any, req: ServiceRequest, who: str) -> bool:
    if actor is None or not getattr(actor, "is_authenticated", False) or actor.role == Role.LEADER:
        return False
    if is_bureau(actor):
        return True
    if who == "provider":
        return actor.role == Role.DEPARTMENT_OFFICER and can_write_unit(actor, req.item.provider)
    if getattr(getattr(actor, "talent_record", None), "pk", None) == req.talent_id:
        return True
    return actor.role == Role.DISTRICT_OFFICER and can_write_unit(actor, req.talent.region)


@transaction.atomic
def request_submit(*, actor: Any, talent: Talent, item: ServiceItem, detail: str = "", on: dt.date | None = None):
    require_writer(actor)
    req = ServiceRequest(talent=talent, item=item, detail=(detail or "").strip()[:500], submitted_on=on or _today())
    if not _request_may_act(actor, req, "requester"):
        raise PermissionDenied(_("You may ask for services only for yourself or your own talents."))
    if not item.is_active:
        raise ValidationError({"item": _("This service is no longer offered.")})
    ok, _why = item_open_to(item, talent)
    if not ok:
        raise ValidationError({"item": _("The talent's tier and cards do not give access to this service.")})
    audit.save(req, actor=actor)
    return req


@transaction.atomic
def request_step(
    *,
    actor: Any,
    request: ServiceRequest,
    action: str,
    note: str = "",
    on: dt.date | None = None,
    rating: int | None = None,
) -> ServiceRequest:
    req = (
        ServiceRequest.objects.select_for_update(of=("self",))
        .select_related("item__provider", "talent__region")
        .get(pk=request.pk)
    )
    if action not in reqflow.ACTOR_OF or not _request_may_act(actor, req, reqflow.ACTOR_OF[action]):
        raise PermissionDenied(_("You may not take this step."))
    try:
        new_state = reqflow.next_state(req.state, action)
    except reqflow.TransitionRefused:
        raise ValidationError(
            {"action": _("This step is not possible from the state “%(state)s”.") % {"state": req.get_state_display()}}
        ) from None
    note = " ".join((note or "").split())
    if action in reqflow.NOTE_REQUIRED and not note:
        raise ValidationError({"note": _("Give the reason.")})
    on = on or _today()
    cal = calendar()
    before = req.state
    if action == reqflow.ACCEPT:
        req.accepted_on = on
        req.due_on = cal.add(on, req.item.sla_days)
        req.assignee = str(actor)[:50]
    elif action == reqflow.RETURN:
        req.paused_since = on
    elif action == reqflow.RESUBMIT:
        req.paused_days += cal.between(req.paused_since, on)
        req.paused_since = None
        req.due_on = cal.add(req.accepted_on, req.item.sla_days + req.paused_days)
    elif action == reqflow.COMPLETE:
        req.completed_on = on
        req.breached = req.due_on is not None and on > req.due_on
    elif action == reqflow.RATE:
        if rating is None or not 1 <= int(rating) <= 5:
            raise ValidationError({"rating": _("Give a rating from 1 to 5.")})
        req.rating = int(rating)
    req.state = new_state
    req.note = note[:300]
    req.save()
    audit.record(
        actor=actor,
        action=audit.Action.UPDATE,
        obj=req,
        changes={"state": [before, new_state]},
        detail={"transition": action, "from": before, "to": new_state, "due_on": str(req.due_on or "")},
    )
    return req


def sla_status(req: ServiceRequest, today: dt.date | None = None, cal: Calendar | None = None) -> dict[str, Any]:
    """Working days used and left of the time limit; paused while returned for information."""
    today = today or _today()
    if req.accepted_on is None or req.state in (reqflow.REJECTED, reqflow.CANCELLED):
        return {"started": False}
    cal = cal or calendar()
    end = req.completed_on or (req.paused_since if req.state == reqflow.RETURNED else today)
    used = max(cal.between(req.accepted_on, end) - req.paused_days, 0)
    late = req.breached or (req.state in reqflow.OPEN and req.state != reqflow.RETURNED and today > req.due_on)
    return {
        "started": True,
        "used": used,
        "left": req.item.sla_days - used,
        "late": late,
        "paused": req.state == reqflow.RETURNED,
    }


@transaction.atomic
def flag_breaches(*, today: dt.date | None = None) -> int:
    """Mark open requests past their due day (not those waiting for the talent); daily. Returns how many."""
    today = today or _today()
    late = ServiceRequest.objects.filter(
        state__in=[reqflow.ACCEPTED, reqflow.IN_PROGRESS], due_on__lt=today, breached=False
    )
    n = 0
    for req in late:
        req.breached = True
        req.save(update_fields=["breached", "updated_at"])
        audit.record(
            actor=None,
            action=audit.Action.UPDATE,
            obj=req,
            changes={"breached": [False, True]},
            detail={"due_on": str(req.due_on)},
        )
        n += 1
    return n


@transaction.atomic
def talent_bind_account(*, actor: Any, talent: Talent, username: str) -> Talent:
    """Bind a talent account (role talent) to the talent's record, so that it signs in to the portal; bureau only."""
    from kechuang.core.models import User

    if not is_bureau(actor):
        raise PermissionDenied(_("Only bureau staff may do this."))
    user = User.objects.filter(username=(username or "").strip(), role=Role.TALENT, is_active=True).first()
    if user is None:
        raise ValidationError({"account": _("No active talent account has this user name.")})
    if Talent.objects.filter(account=user).exclude(pk=talent.pk).exists():
        raise ValidationError({"account": _("This account is already bound to another talent.")})
    talent.account = user
    audit.save(talent, actor=actor)
    return talent


# ---------------------------------------------------------------- teams
TEAM_FIELDS = ("name", "leader", "field", "programme", "platforms")


def _team_members(actor: Any, team: Team, members: Any) -> dict[str, list]:
    """Set the team's members; each must be a talent the actor may read and in the city's register (not archived).
    Returns the change for the audit entry (member ids before and after)."""
    chosen = list(members or [])
    readable = set(Talent.objects.visible_to(actor).filter(pk__in=[m.pk for m in chosen]).values_list("pk", flat=True))
    keep = set(team.members.values_list("pk", flat=True)) if team.pk else set()
    # a member already on the team stays even when the actor cannot read them (another district's member)
    if any(m.pk not in readable and m.pk not in keep for m in chosen):
        raise ValidationError({"members": _("Choose members among the talents you may see.")})
    before = sorted(keep)
    team.members.set(chosen)
    after = sorted(m.pk for m in chosen)
    return {"members": [before, after]} if before != after else {}


def _check_leader(actor: Any, leader: Talent | None) -> None:
    if leader is None:
        raise ValidationError({"leader": _("Choose the team's leader.")})
    if not can_write_unit(actor, leader.region):
        raise PermissionDenied(_("You may record teams of your own region's talents only."))


@transaction.atomic
def team_create(*, actor: Any, members: Any = (), **fields: Any) -> Team:
    """A talent team; it belongs to its leader's region (scope), so the leader is a talent the actor may manage."""
    require_writer(actor)
    _check_leader(actor, fields.get("leader"))
    team = Team()
    audit.assign(team, fields, allowed=TEAM_FIELDS)
    audit.save(team, actor=actor)
    changes = _team_members(actor, team, members)
    if changes:
        audit.record(actor=actor, action=audit.Action.UPDATE, obj=team, changes=changes)
    return team


@transaction.atomic
def team_update(*, actor: Any, team: Team, members: Any = None, **fields: Any) -> Team:
    if not can_write(actor, team):
        raise PermissionDenied(_("You cannot change this team."))
    if "leader" in fields:
        _check_leader(actor, fields["leader"])
    audit.update(team, fields, allowed=TEAM_FIELDS, actor=actor)
    if members is not None:
        changes = _team_members(actor, team, members)
        if changes:
            audit.record(actor=actor, action=audit.Action.UPDATE, obj=team, changes=changes)
    return team


@transaction.atomic
def team_archive(*, actor: Any, team: Team, reason: str) -> Team:
    from kechuang.core.services import archive

    if not can_write(actor, team):
        raise PermissionDenied(_("You cannot change this team."))
    return archive(team, actor=actor, reason=reason)


# ---------------------------------------------------------------- foreign experts, visits and 引智 projects (task 13)
EXPERT_FIELDS = ("host_credit_code", "host_name", "programme", "region")
VISIT_FIELDS = ("expert", "arrived_on", "left_on", "purpose")
PROJECT_FIELDS = ("title", "host_credit_code", "host_name", "region", "level", "year", "funding_wan", "outcomes")
PROJECT_FIELDS_LIBRARY = ("in_library",)


def _host_name(obj: Any) -> None:
    """The host unit's name from the organisation register when it holds the credit code."""
    code = obj.host_credit_code or ""
    found = registry.enterprise_refs([code]).get(code)
    if found:
        obj.host_name = found.name


def _check_region(actor: Any, region: Any) -> None:
    if region is None:
        raise ValidationError({"region": _("Choose a district or county.")})
    if not can_write_unit(actor, region):
        raise PermissionDenied(_("You may record foreign experts and projects of your own region only."))


@transaction.atomic
def foreign_expert_create(*, actor: Any, talent: Talent, **fields: Any) -> ForeignExpert:
    """Record a talent of the register as a foreign expert hosted by a unit of the actor's region."""
    require_writer(actor)
    _check_region(actor, fields.get("region"))
    if not Talent.objects.visible_to(actor).filter(pk=talent.pk, is_active=True).exists():
        raise ValidationError({"talent": _("Choose a talent of the register you may see.")})
    if ForeignExpert.objects.filter(talent=talent).exists():
        raise ValidationError({"talent": _("This talent is already recorded as a foreign expert.")})
    expert = ForeignExpert(talent=talent)
    audit.assign(expert, fields, allowed=EXPERT_FIELDS)
    _host_name(expert)
    audit.save(expert, actor=actor)
    return expert


@transaction.atomic
def foreign_expert_update(*, actor: Any, expert: ForeignExpert, **fields: Any) -> ForeignExpert:
    if not can_write(actor, expert):
        raise PermissionDenied(_("You cannot change this foreign expert."))
    if "region" in fields:
        _check_region(actor, fields["region"])
    before = expert.region_id
    audit.assign(expert, fields, allowed=EXPERT_FIELDS)
    _host_name(expert)
    audit.save(expert, actor=actor)
    if before != expert.region_id:  # the expert's visits count in its region
        feed.talents_changed({d.year for d in expert.visits.values_list("arrived_on", flat=True)})
    return expert


@transaction.atomic
def visit_create(*, actor: Any, **fields: Any) -> Visit:
    """One stay of a foreign expert: one person-visit in the year it starts (the quota and the indicator)."""
    require_writer(actor)
    expert = fields.get("expert")
    if expert is None or not can_write(actor, expert):
        raise PermissionDenied(_("You may record visits of your own region's foreign experts only."))
    visit = Visit()
    audit.assign(visit, fields, allowed=VISIT_FIELDS)
    audit.save(visit, actor=actor)
    feed.talents_changed({visit.arrived_on.year})
    return visit


@transaction.atomic
def visit_update(*, actor: Any, visit: Visit, **fields: Any) -> Visit:
    if not can_write(actor, visit):
        raise PermissionDenied(_("You cannot change this visit."))
    if "expert" in fields and (fields["expert"] is None or not can_write(actor, fields["expert"])):
        raise PermissionDenied(_("You may record visits of your own region's foreign experts only."))
    before = visit.arrived_on.year
    audit.update(visit, fields, allowed=VISIT_FIELDS, actor=actor)
    feed.talents_changed({before, visit.arrived_on.year})
    return visit


def _project_experts(actor: Any, project: ForeignProject, experts: Any) -> dict[str, list]:
    chosen = list(experts or [])
    keep = set(project.experts.values_list("pk", flat=True)) if project.pk else set()
    readable = set(
        ForeignExpert.objects.visible_to(actor).filter(pk__in=[e.pk for e in chosen]).values_list("pk", flat=True)
    )
    if any(e.pk not in readable and e.pk not in keep for e in chosen):
        raise ValidationError({"experts": _("Choose foreign experts you may see.")})
    project.experts.set(chosen)
    after = sorted(e.pk for e in chosen)
    return {"experts": [sorted(keep), after]} if sorted(keep) != after else {}


def _project_allowed(actor: Any) -> tuple[str, ...]:
    # Whether the outcomes are shared in the 引智 outcomes library is the bureau's decision.
    return PROJECT_FIELDS + (PROJECT_FIELDS_LIBRARY if is_bureau(actor) else ())


@transaction.atomic
def project_create(*, actor: Any, experts: Any = (), **fields: Any) -> ForeignProject:
    require_writer(actor)
    _check_region(actor, fields.get("region"))
    project = ForeignProject()
    audit.assign(project, fields, allowed=_project_allowed(actor))
    _host_name(project)
    audit.save(project, actor=actor)
    changes = _project_experts(actor, project, experts)
    if changes:
        audit.record(actor=actor, action=audit.Action.UPDATE, obj=project, changes=changes)
    feed.talents_changed({project.year})
    return project


@transaction.atomic
def project_update(*, actor: Any, project: ForeignProject, experts: Any = None, **fields: Any) -> ForeignProject:
    if not can_write(actor, project):
        raise PermissionDenied(_("You cannot change this project."))
    if "region" in fields:
        _check_region(actor, fields["region"])
    before = project.year
    audit.assign(project, fields, allowed=_project_allowed(actor))
    _host_name(project)
    audit.save(project, actor=actor)
    if experts is not None:
        changes = _project_experts(actor, project, experts)
        if changes:
            audit.record(actor=actor, action=audit.Action.UPDATE, obj=project, changes=changes)
    feed.talents_changed({before, project.year})
    return project


# ---------------------------------------------------------------- self-registration of talents (the portal's accounts)
# The rate limit, the user name and password checks and the account itself are core.registration's, shared with the
# enterprises' registration (core.firm_accounts).
def registration_rate_limited(ip: str | None, *, now: dt.datetime | None = None) -> bool:
    """Like the log-in (AXES_FAILURE_LIMIT within AXES_COOLOFF_TIME): an address that sent that many registration
    requests in the window is refused until it passes, whatever their outcome (which it is never told)."""
    from django.conf import settings

    from kechuang.talent.models import RegistrationAttempt

    window = getattr(settings, "AXES_COOLOFF_TIME", dt.timedelta(minutes=30))
    limit = getattr(settings, "AXES_FAILURE_LIMIT", 5)
    return core_registration.over_limit(RegistrationAttempt.objects, ip, limit=limit, window=window, at="at", now=now)


def _same_phone(stored: str, given: str) -> bool:
    digits = "".join(ch for ch in given or "" if ch.isdigit())
    return bool(stored) and secrets.compare_digest(stored, digits)


@transaction.atomic
def registration_request(
    *, ip: str | None, id_number: str, name: str, phone: str, username: str, password: str
) -> PortalRegistration | None:
    """A talent asks for a portal account. The account is created (inactive) and the request recorded only when
    the ID number is in the register (blind index) with the same name and mobile phone, the talent is in the city,
    has no account and no request pending; otherwise nothing is created. Either way the caller shows the visitor
    the same answer, so the page never tells whether a number is in the register. Returns the request, or None."""
    from django.contrib.auth.hashers import make_password

    from kechuang.talent.models import RegistrationAttempt

    RegistrationAttempt.objects.create(ip_hash=core_registration.address_hash(ip))
    talent = (
        Talent.objects.filter(**blind_lookup(Talent, "id_number", idcard.normalise(id_number)))
        .filter(is_active=True, status=Talent.Status.ACTIVE, account__isnull=True)
        .first()
    )
    matched = (
        talent is not None
        and " ".join(talent.name.split()) == " ".join((name or "").split())
        and _same_phone(talent.phone, phone)
        and not PortalRegistration.objects.filter(talent=talent, state=PortalRegistration.State.PENDING).exists()
    )
    if not matched:
        make_password(password)  # the same work as a match, so the answer's timing tells nothing either
        audit.record(
            actor=None,
            action=audit.Action.CREATE,
            object_type="talent.portalregistration",
            object_label="—",
            detail={"event": "portal_registration", "matched": False},
            success=False,
        )
        return None
    user = core_registration.new_account(
        actor=None,
        username=username,
        password=password,
        role=Role.TALENT,
        taken=_("This user name is taken: choose another."),
        display_name=talent.name[:100],
        is_active=False,
    )
    registration = PortalRegistration(talent=talent, account=user)
    audit.save(registration, actor=None)
    return registration


def _may_decide(actor: Any, registration: PortalRegistration) -> bool:
    """The bureau, the talent's district officers, and the employer's accounts (an enterprise account of the
    talent's employer) confirm a registration."""
    if actor is None or not getattr(actor, "is_authenticated", False) or actor.role == Role.LEADER:
        return False
    if is_bureau(actor):
        return True
    talent = registration.talent
    if actor.role == Role.DISTRICT_OFFICER:
        return can_write_unit(actor, talent.region)
    code = getattr(actor, "credit_code", "")
    return actor.role == Role.ENTERPRISE and bool(code) and code == talent.employer_credit_code


@transaction.atomic
def registration_decide(
    *, actor: Any, registration: PortalRegistration, activate: bool, note: str = ""
) -> PortalRegistration:
    """Activate the account and bind it to the talent's record, or turn the request down with the reason (the
    account stays inactive: accounts are never deleted)."""
    reg = (
        PortalRegistration.objects.select_for_update(of=("self",))
        .select_related("talent__region")
        .get(pk=registration.pk)
    )
    if not _may_decide(actor, reg):
        raise PermissionDenied(_("Only the talent's district, its employer or the bureau confirms a registration."))
    if reg.state != PortalRegistration.State.PENDING:
        raise ValidationError({"state": _("This request has been decided already.")})
    note = " ".join((note or "").split())
    if not activate and not note:
        raise ValidationError({"note": _("Give the reason.")})
    talent = Talent.objects.select_for_update().get(pk=reg.talent_id)
    if activate and talent.account_id is not None:
        raise ValidationError({"state": _("This talent already has a portal account.")})
    account = reg.account
    if activate:
        account.is_active = True
        audit.save(account, actor=actor)
        talent.account = account
        audit.save(talent, actor=actor)
    reg.state = PortalRegistration.State.ACTIVATED if activate else PortalRegistration.State.REFUSED
    reg.decided_by, reg.decided_at, reg.note = actor, timezone.now(), note[:300]
    audit.save(reg, actor=actor)
    return reg
