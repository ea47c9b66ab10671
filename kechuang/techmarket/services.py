"""Services that change the technology market: one transaction each, audited, the match index kept in step."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core import audit, consent
from kechuang.core.db import lock_current
from kechuang.core.models import ConsentRecord, Notice
from kechuang.core.permissions import is_bureau, require_bureau, require_firm_in_scope, require_writer
from kechuang.core.registration import address_hash, over_limit
from kechuang.core.registry import registered_firms
from kechuang.core.roles import CITY_WIDE, READ_ONLY, Role
from kechuang.core.scope import can_write, can_write_unit
from kechuang.core.services import archive
from kechuang.techmarket import index, registration, workflow
from kechuang.techmarket.feed import turnover_changed
from kechuang.techmarket.matching.checks import CheckQuery, run_checks
from kechuang.techmarket.models import (
    Achievement,
    Contract,
    ContractEvent,
    ContractParty,
    ContractType,
    CooperationMode,
    Demand,
    Expert,
    InstitutionType,
    MatchCase,
    MatchCheck,
    MatchEvent,
    NonTechnicalItem,
    PublicSubmission,
    VocabularyTerm,
)

# A closed deal turns into a registration draft of the matching contract type (tech-contracts.md §7.3).
CONTRACT_TYPE_OF_MODE = {
    CooperationMode.TRANSFER: ContractType.TRANSFER,
    CooperationMode.LICENCE: ContractType.LICENCE,
    CooperationMode.COMMISSIONED_DEVELOPMENT: ContractType.DEVELOPMENT,
    CooperationMode.JOINT_DEVELOPMENT: ContractType.DEVELOPMENT,
    CooperationMode.CONSULTING: ContractType.CONSULTING,
    CooperationMode.SERVICE: ContractType.SERVICE,
    CooperationMode.JOINT_PLATFORM: ContractType.DEVELOPMENT,
    CooperationMode.EQUITY: ContractType.TRANSFER,
}


def _require_writer(actor: Any) -> None:
    require_writer(actor, _("You may not change technology-market records."))


# ---------------------------------------------------------------- achievements
def achievement_save(*, actor: Any, achievement: Achievement) -> Achievement:
    """Create or update an achievement (bureau staff keep the library)."""
    require_bureau(actor)
    with transaction.atomic():
        audit.save(achievement, actor=actor)
        index.schedule(achievement)
    return achievement


def achievement_set_status(*, actor: Any, achievement: Achievement, status: str, reason: str = "") -> Achievement:
    require_bureau(actor)
    if status == Achievement.Status.WITHDRAWN and not reason.strip():
        raise ValidationError({"reason": _("Give a reason for withdrawing.")})
    if status == Achievement.Status.PUBLISHED and achievement.status not in (
        Achievement.Status.DRAFT,
        Achievement.Status.WITHDRAWN,
        Achievement.Status.NEGOTIATING,
    ):
        raise ValidationError({"status": _("Only a draft or withdrawn achievement can be published.")})
    achievement.status = status
    achievement.status_reason = reason.strip()
    return achievement_save(actor=actor, achievement=achievement)


# ---------------------------------------------------------------- demands
def demand_save(*, actor: Any, demand: Demand, old_region_id: int | None = None) -> Demand:
    """Create or update a demand; officers only within their region (old and new)."""
    _require_writer(actor)
    stored = Demand.objects.get(pk=demand.pk) if demand.pk is not None else None
    if stored is not None and not can_write(actor, stored):
        raise PermissionDenied
    if not can_write_unit(actor, demand.region):
        raise PermissionDenied(_("You may not file demands for this region."))
    require_firm_in_scope(actor, demand.credit_code, stored=stored.credit_code if stored else "")
    with transaction.atomic():
        audit.save(demand, actor=actor)
        index.schedule(demand)
    return demand


def public_rate_limited(ip: str | None, *, now: dt.datetime | None = None) -> bool:
    """Has this client used up its hour? Accepted demands and refused attempts are counted apart: a firm
    that mistypes its credit code a few times keeps its allowance of demands
    (TECHMARKET_PUBLIC_LIMIT_PER_HOUR), while a script hammering the form with junk is stopped by the
    higher TECHMARKET_PUBLIC_FAILURE_LIMIT_PER_HOUR. The client is `core.middleware.client_ip`."""
    # The address is kept as core.registration's keyed hash without a salt: the rows stored before still count.
    hour = dt.timedelta(hours=1)
    rows = PublicSubmission.objects
    limit = getattr(settings, "TECHMARKET_PUBLIC_LIMIT_PER_HOUR", 5)
    if over_limit(rows.filter(accepted=True), ip, limit=limit, window=hour, at="at", now=now):
        return True
    limit = getattr(settings, "TECHMARKET_PUBLIC_FAILURE_LIMIT_PER_HOUR", 30)
    return over_limit(rows.filter(accepted=False), ip, limit=limit, window=hour, at="at", now=now)


PUBLIC_DUPLICATE_WINDOW = dt.timedelta(days=7)


def public_duplicate(data: dict[str, Any], *, now: dt.datetime | None = None) -> Demand | None:
    """A demand the same firm sent from the public form with the same title and description in the last
    week (whitespace and case aside), or None. A second copy would only be a second review for staff."""
    now = now or timezone.now()

    def norm(text: str) -> str:
        return " ".join(str(text or "").split()).casefold()

    candidates = Demand.objects.filter(
        source=Demand.Source.PUBLIC,
        credit_code=data.get("credit_code", ""),
        created_at__gte=now - PUBLIC_DUPLICATE_WINDOW,
    ).only("pk", "title", "description", "created_at")
    for demand in candidates:
        if norm(demand.title) == norm(data.get("title")) and norm(demand.description) == norm(data.get("description")):
            return demand
    return None


def public_attempt(*, ip: str | None, accepted: bool, reason: str = "") -> None:
    PublicSubmission.objects.create(ip_hash=address_hash(ip), accepted=accepted, reason=reason[:50])


PUBLIC_DEMAND_PURPOSE = "techmarket.public_demand"  # the Notice and ConsentRecord purpose of the public form


def demand_submit_public(
    *, data: dict[str, Any], ip: str | None, consent_given: bool, notice: Notice | None
) -> tuple[Demand, ConsentRecord]:
    """A demand from the public form: stored as awaiting review, not indexed until bureau staff approve it, with
    the sender's consent to `notice` recorded in the same transaction (refused without it)."""
    if not consent_given:
        raise ValidationError({"consent": _("Consent is required: tick the box to agree to the privacy notice.")})
    demand = Demand(
        **data, status=Demand.Status.PENDING, source=Demand.Source.PUBLIC, submitter_ip_hash=address_hash(ip)
    )
    with transaction.atomic():
        audit.save(demand, actor=None)
        record = consent.give(
            purpose=PUBLIC_DEMAND_PURPOSE,
            notice=notice,
            contact=demand.contact_phone,
            obj=demand,
            channel=ConsentRecord.Channel.PUBLIC_FORM,
        )
        public_attempt(ip=ip, accepted=True)
    return demand, record


# What a firm may still edit from the enterprise portal (a deal under way is the bureau's to change).
FIRM_EDITABLE = (Demand.Status.PENDING, Demand.Status.PUBLISHED, Demand.Status.REJECTED)


# What the bureau's review manages on a firm's demand; a change of anything else sends the demand to review again.
_REVIEW_MANAGED = {"status", "status_reason", "reviewed_by", "reviewed_at", "source", "submitter_ip_hash", "is_demo"}


def _firm_changes(stored: Demand, demand: Demand) -> list[str]:
    return [
        f.attname
        for f in Demand._meta.concrete_fields
        if f.editable
        and f.name not in _REVIEW_MANAGED
        and not getattr(f, "auto_now", False)
        and getattr(stored, f.attname) != getattr(demand, f.attname)
    ]


def demand_save_for_firm(*, actor: Any, demand: Demand) -> Demand:
    """An enterprise account posts or edits its own firm's demand (the enterprise portal). The firm's name, code and
    district come from the account and the register; each save goes to bureau review again (awaiting review, out
    of the matching index until published), like a demand from the public form."""
    code = getattr(actor, "credit_code", "") or ""
    if getattr(actor, "role", None) != Role.ENTERPRISE or not code:
        raise PermissionDenied(_("Only an enterprise account posts demands for its firm."))
    if demand.pk is not None:
        stored = Demand.objects.filter(pk=demand.pk).first()
        if stored is None or stored.credit_code != code:
            raise PermissionDenied
        if stored.status not in FIRM_EDITABLE:
            raise ValidationError({"status": _("A demand in negotiation, signed or closed can no longer be edited.")})
        if not _firm_changes(stored, demand):
            return stored  # saved unchanged: nothing to review again
    firm = registered_firms([code]).get(code)  # the firm's register region: the one lookup every module uses
    if firm is None:
        raise ValidationError({"credit_code": _("Your firm is not in the enterprise register.")})
    demand.credit_code = code
    demand.enterprise_name = firm.name
    demand.region = firm.region
    if demand.pk is None:
        demand.source = Demand.Source.PORTAL
    demand.status = Demand.Status.PENDING
    demand.status_reason = ""
    demand.reviewed_by = None
    demand.reviewed_at = None
    with transaction.atomic():
        audit.save(demand, actor=actor)
        index.schedule(demand)
    return demand


def demand_consent_withdrawn(record: ConsentRecord) -> None:
    """Withdrawal stops the brokering of a public demand: its contacts are blanked, it is closed and leaves the
    matching index (runs in the withdrawal's transaction)."""
    demand = Demand.objects.filter(pk=record.object_id).first()
    if demand is None:
        return
    consent.anonymise(
        Demand,
        [demand.pk],
        ["contact_name", "contact_phone", "contact_email"],
        status=Demand.Status.CLOSED,
        status_reason=_("Consent withdrawn"),
        submitter_ip_hash="",
    )
    index.schedule(demand)


def _require_consent(demand: Demand) -> None:
    """A public demand is processed on consent: publishing or matching it needs a consent not withdrawn."""
    if demand.source == Demand.Source.PUBLIC and not consent.has_current_consent(demand, PUBLIC_DEMAND_PURPOSE):
        raise ValidationError(
            {"status": _("The sender has not consented (or withdrew consent): it cannot be processed.")}
        )


def demand_review(*, actor: Any, demand: Demand, approve: bool, reason: str = "") -> Demand:
    """Bureau staff publish a pending demand or reject it with a reason."""
    require_bureau(actor)
    if demand.status != Demand.Status.PENDING:
        raise ValidationError({"status": _("Only a demand awaiting review can be reviewed.")})
    if not approve and not reason.strip():
        raise ValidationError({"reason": _("Give a reason for rejecting.")})
    if approve:
        _require_consent(demand)
    demand.status = Demand.Status.PUBLISHED if approve else Demand.Status.REJECTED
    demand.status_reason = reason.strip()
    demand.reviewed_by = actor
    demand.reviewed_at = timezone.now()
    with transaction.atomic():
        audit.save(demand, actor=actor)
        index.schedule(demand)
    return demand


def demand_close(*, actor: Any, demand: Demand, reason: str) -> Demand:
    _require_writer(actor)
    if not can_write(actor, demand):
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason for closing.")})
    demand.status = Demand.Status.CLOSED
    demand.status_reason = reason.strip()
    with transaction.atomic():
        audit.save(demand, actor=actor)
        index.schedule(demand)
    return demand


# ---------------------------------------------------------------- experts
def expert_save(*, actor: Any, expert: Expert) -> Expert:
    require_bureau(actor)
    with transaction.atomic():
        audit.save(expert, actor=actor)
        index.schedule(expert)
    return expert


def expert_deactivate(*, actor: Any, expert: Expert, reason: str) -> Expert:
    """Archive an expert with a reason (bureau staff keep the pool); searches stop offering them."""
    require_bureau(actor)
    with transaction.atomic():
        archive(expert, actor=actor, reason=reason)
        index.schedule(expert)
    return expert


# ---------------------------------------------------------------- vocabulary
def vocabulary_save(*, actor: Any, term: VocabularyTerm) -> VocabularyTerm:
    """Bureau staff edit the vocabulary; the next search uses it (index.engine() notices the change)."""
    require_bureau(actor)
    with transaction.atomic():
        audit.save(term, actor=actor)
    return term


# ---------------------------------------------------------------- check queries
def match_check_save(*, actor: Any, check: MatchCheck) -> MatchCheck:
    """Bureau staff keep the check queries that verify matching (validated by MatchCheck.clean, audited)."""
    require_bureau(actor)
    with transaction.atomic():
        audit.save(check, actor=actor)
    return check


def match_check_delete(*, actor: Any, check: MatchCheck) -> None:
    """A check query is configuration, not a registry record: it is deleted, with its last values in the log."""
    require_bureau(actor)
    with transaction.atomic():
        audit.record(
            actor=actor, action=audit.Action.DELETE, obj=check, changes=audit.diff(audit.snapshot(check), None)
        )
        check.delete()


def run_saved_checks(k: int = 10) -> dict[str, Any]:
    """Run the active check queries on the live index's achievements (matching/checks.py scores them).

    Each result carries `check_id` (its MatchCheck row) and each top entry `pk` (the achievement's id)."""
    rows = list(MatchCheck.objects.filter(is_active=True).order_by("note", "id"))
    checks = [CheckQuery(r.query, tuple(r.any_terms), tuple(r.all_terms), r.note) for r in rows]
    report = run_checks(index.engine(), checks, k=k)
    for row, result in zip(rows, report["results"], strict=True):
        result["check_id"] = row.pk
        for item in result["top"]:
            item["pk"] = index.parse_id(item["id"])[1]
    return report


# ---------------------------------------------------------------- matchmaking
def match_recommend(
    *,
    actor: Any,
    demand: Demand,
    achievement: Achievement | None = None,
    expert: Expert | None = None,
    score: float | None = None,
    matched_terms: Iterable[str] = (),
    note: str = "",
    on: dt.date | None = None,
) -> MatchCase:
    """Step 1: the bureau recommends an achievement or an expert for a demand."""
    _require_writer(actor)
    if not can_write(actor, demand):
        raise PermissionDenied
    if (achievement is None) == (expert is None):
        raise ValidationError(_("Recommend either an achievement or an expert."))
    if demand.status not in Demand.OPEN_STATES:
        raise ValidationError(_("Only a published demand can be matched."))
    existing = MatchCase.objects.filter(demand=demand, achievement=achievement, expert=expert).exclude(
        stage=workflow.CLOSED
    )
    if existing.exists():
        raise ValidationError(_("This recommendation already exists."))
    on = on or timezone.localdate()
    case = MatchCase(
        demand=demand,
        achievement=achievement,
        expert=expert,
        score=score,
        matched_terms=list(matched_terms)[:20],
        recommended_on=on,
        note=note,
    )
    with transaction.atomic():
        audit.save(case, actor=actor)
        MatchEvent.objects.create(
            match=case, from_stage="", to_stage=workflow.RECOMMENDED, on=on, note=note, actor=actor
        )
    return case


_STAGE_DATE = {
    workflow.CONTACTED: "contacted_on",
    workflow.NEGOTIATING: "negotiation_on",
    workflow.SIGNED: "signed_on",
    workflow.CLOSED: "closed_on",
}


def match_contract_region(case: MatchCase) -> Any:
    """The district a match's contract belongs to: the seller's (registration is seller-side, once, where the
    seller is, 按地域一次登记 — tech-contracts.md), or the demand's when the seller is outside the city."""
    seller_region = case.achievement.region if case.achievement else case.expert.region
    return seller_region or case.demand.region


def match_step_blockers(actor: Any, case: MatchCase, stage: str) -> list[str]:
    """What moving `case` to `stage` would change that `actor` may not write (empty: the step is theirs).

    A step writes beyond the match: in negotiation and at signing the achievement follows (the library is
    the bureau's), and signing drafts a contract in the seller's district (`match_contract_region`)."""
    blockers = []
    achievement = case.achievement
    changes_achievement = achievement is not None and (
        stage == workflow.SIGNED
        or (stage == workflow.NEGOTIATING and achievement.status == Achievement.Status.PUBLISHED)
    )
    if changes_achievement and not is_bureau(actor):
        blockers.append(_("the achievement %(title)s, kept by the bureau") % {"title": achievement.title})
    if stage == workflow.SIGNED:
        region = match_contract_region(case)
        if not can_write_unit(actor, region):
            blockers.append(_("the draft contract, registered in %(region)s") % {"region": region})
    return blockers


def match_actions_for(actor: Any, case: MatchCase) -> list[str]:
    """The workflow actions `actor` may take on `case` now (the page offers only these)."""
    if not can_write(actor, case) or actor.role in READ_ONLY:
        return []
    return [
        a
        for a in workflow.match_actions(case.stage)
        if not match_step_blockers(actor, case, workflow.next_match_stage(case.stage, a))
    ]


def _check_step_date(on: dt.date, previous: Iterable[dt.date | None]) -> None:
    """A workflow step (of a match or a contract, by page, API or service) is dated between the previous step and
    today."""
    if on > timezone.localdate():
        raise ValidationError({"on": _("The date of a step cannot be in the future.")})
    dates = [d for d in previous if d]
    if dates and on < max(dates):
        raise ValidationError({"on": _("This step cannot be dated before the previous one.")})


@transaction.atomic
def _match_step(*, actor: Any, case: MatchCase, action: str, on: dt.date | None, note: str) -> MatchCase:
    lock_current(case)  # a second, simultaneous request signs nothing twice (one contract draft)
    _require_writer(actor)
    if not can_write(actor, case):
        raise PermissionDenied
    new = workflow.next_match_stage(case.stage, action)  # TransitionRefused for anything not in the table
    blockers = match_step_blockers(actor, case, new)
    if blockers:
        # Refused as a whole: half a signing (match signed, contract missing) would be worse than none.
        raise PermissionDenied(
            _("This step also changes %(records)s, outside your data scope; ask the bureau (市科技局) to take it.")
            % {"records": "；".join(blockers)}
        )
    if action in workflow.MATCH_NOTE_REQUIRED and not note.strip():
        raise ValidationError({"note": _("Give a reason.")})
    on = on or timezone.localdate()
    _check_step_date(on, [case.recommended_on, case.contacted_on, case.negotiation_on])
    old = case.stage
    case.stage = new
    setattr(case, _STAGE_DATE[new], on)
    if note.strip():
        case.note = (case.note + "\n" if case.note else "") + f"{on:%Y-%m-%d} {note.strip()}"
    with transaction.atomic():
        audit.save(case, actor=actor)
        MatchEvent.objects.create(match=case, from_stage=old, to_stage=new, on=on, note=note.strip(), actor=actor)
        _follow_match(actor, case, new)
    return case


def _follow_match(actor: Any, case: MatchCase, stage: str) -> None:
    """The demand and the achievement follow their match: in negotiation, then signed / transferred."""
    demand, achievement = case.demand, case.achievement
    if stage == workflow.NEGOTIATING:
        if demand.status == Demand.Status.PUBLISHED:
            demand.status = Demand.Status.NEGOTIATING
            audit.save(demand, actor=actor)
            index.schedule(demand)
        if achievement and achievement.status == Achievement.Status.PUBLISHED:
            achievement.status = Achievement.Status.NEGOTIATING
            audit.save(achievement, actor=actor)
            index.schedule(achievement)
    elif stage == workflow.SIGNED:
        demand.status = Demand.Status.SIGNED
        audit.save(demand, actor=actor)
        index.schedule(demand)
        if achievement:
            achievement.status = Achievement.Status.TRANSFERRED
            audit.save(achievement, actor=actor)
            index.schedule(achievement)
        contract_draft_from_match(actor=actor, case=case)


def match_contact(*, actor: Any, case: MatchCase, on: dt.date | None = None, note: str = "") -> MatchCase:
    """Step 2: the parties have been put in touch."""
    return _match_step(actor=actor, case=case, action=workflow.CONTACT, on=on, note=note)


def match_negotiate(*, actor: Any, case: MatchCase, on: dt.date | None = None, note: str = "") -> MatchCase:
    """Step 3: the parties negotiate."""
    return _match_step(actor=actor, case=case, action=workflow.NEGOTIATE, on=on, note=note)


def match_sign(*, actor: Any, case: MatchCase, on: dt.date | None = None, note: str = "") -> MatchCase:
    """Step 4: a contract is signed; a registration draft is created from the match."""
    return _match_step(actor=actor, case=case, action=workflow.SIGN, on=on, note=note)


def match_close(*, actor: Any, case: MatchCase, note: str, on: dt.date | None = None) -> MatchCase:
    """Close a match without a contract (reason required)."""
    return _match_step(actor=actor, case=case, action=workflow.CLOSE, on=on, note=note)


MATCH_SERVICES = {
    workflow.CONTACT: match_contact,
    workflow.NEGOTIATE: match_negotiate,
    workflow.SIGN: match_sign,
    workflow.CLOSE: match_close,
}


# ---------------------------------------------------------------- contracts
def contract_draft_from_match(*, actor: Any, case: MatchCase) -> Contract:
    """The registration draft of a signed match, in `match_contract_region` (the seller's district)."""
    demand, achievement = case.demand, case.achievement
    seller_name = achievement.owner_name if achievement else case.expert.institution
    seller_type = achievement.owner_type if achievement else InstitutionType.UNIVERSITY
    seller_region = achievement.region if achievement else case.expert.region
    contract = Contract(
        contract_type=CONTRACT_TYPE_OF_MODE.get(demand.cooperation_mode, ContractType.DEVELOPMENT),
        project_name=demand.title[:200],
        subject=demand.description,
        tech_field=_contract_field(demand.field),
        region=match_contract_region(case),
        signed_on=case.signed_on or timezone.localdate(),
        total_amount_wan=demand.budget_max_wan or Decimal(0),
        demand=demand,
        achievement=achievement,
        match=case,
        is_demo=case.is_demo,
    )
    audit.save(contract, actor=actor)
    _party(contract, ContractParty.Role.SELLER, seller_name, seller_type, seller_region)
    _party(
        contract,
        ContractParty.Role.BUYER,
        demand.enterprise_name,
        InstitutionType.ENTERPRISE,
        demand.region,
        credit_code=demand.credit_code,
    )
    ContractEvent.objects.create(contract=contract, to_status=workflow.DRAFT, on=contract.signed_on, actor=actor)
    return contract


def _contract_field(tech_field: str) -> str:
    from kechuang.techmarket.models import CONTRACT_FIELD_OF

    return CONTRACT_FIELD_OF.get(tech_field, "advanced_manufacturing")


def _party(contract, role, name, nature, region, credit_code: str = "") -> ContractParty:
    party = ContractParty(
        contract=contract,
        role=role,
        name=name,
        nature=nature,
        region=region,
        # A party in no region of the city is placed in its province (the draft's code, the registry corrects it).
        region_code=region.region_code if region else contract.region.city.province_code,
        credit_code=credit_code,
    )
    party.full_clean()
    party.save()
    return party


def contract_save(
    *,
    actor: Any,
    contract: Contract,
    parties: list[ContractParty] | None = None,
    items: list[NonTechnicalItem] | None = None,
) -> Contract:
    """Create or edit a contract (only while draft or sent back for correction), with its parties and items."""
    _require_writer(actor)
    if contract.pk is not None:
        stored = Contract.objects.get(pk=contract.pk)
        if not can_write(actor, stored):
            raise PermissionDenied
        if stored.status not in workflow.CONTRACT_EDITABLE:
            raise ValidationError(_("A contract can be edited only as a draft or when sent back for correction."))
    if not can_write_unit(actor, contract.region):
        raise PermissionDenied(_("You may not register contracts for this region."))
    created = contract.pk is None
    with transaction.atomic():
        audit.save(contract, actor=actor)
        if parties is not None:
            contract.parties.all().delete()
            for p in parties:
                p.contract = contract
                p.full_clean()
                p.save()
            audit.record(
                actor=actor,
                action=audit.Action.UPDATE,
                obj=contract,
                detail={"parties": [f"{p.role}: {p.name} ({p.region_code})" for p in parties]},
            )
        if items is not None:
            contract.non_technical_items.all().delete()
            for item in items:
                item.contract = contract
                item.full_clean()
                item.save()
            audit.record(
                actor=actor,
                action=audit.Action.UPDATE,
                obj=contract,
                detail={"non_technical_items": [f"{i.kind}: {i.amount_wan}" for i in items]},
            )
        if created:
            ContractEvent.objects.create(
                contract=contract, to_status=contract.status, on=timezone.localdate(), actor=actor
            )
    return contract


def _next_serial(year: int, city_code: str) -> int:
    prefix = registration.registration_prefix(year, city_code)
    last = (
        Contract.objects.filter(registration_number__startswith=prefix, registration_number__regex=r"^\d{14}$")
        .aggregate(m=Max("registration_number"))
        .get("m")
    )
    return int(last[-6:]) + 1 if last else 1


@transaction.atomic
def _contract_step(
    *, actor: Any, contract: Contract, action: str, note: str = "", on: dt.date | None = None, **changes: Any
) -> Contract:
    lock_current(contract)  # a second, simultaneous request registers (and numbers) nothing twice
    _require_writer(actor)
    if not can_write(actor, contract):
        raise PermissionDenied
    new = workflow.next_contract_status(contract.status, action)
    bureau_only = {
        workflow.REQUEST_CORRECTION,
        workflow.ACCEPT,
        workflow.SEND_TO_EXPERTS,
        workflow.REGISTER,
        workflow.REFUSE,
        workflow.CANCEL,
    }
    if action in bureau_only and actor.role not in CITY_WIDE:
        raise PermissionDenied(_("Only the registry (bureau staff) may do this."))
    if action in workflow.CONTRACT_NOTE_REQUIRED and not note.strip():
        raise ValidationError({"note": _("Give a reason.")})
    on = on or timezone.localdate()
    if on < contract.signed_on:
        raise ValidationError({"on": _("A step of a contract cannot be dated before its signing.")})
    # a registration dated in 2999 was numbered and counted in that year's turnover
    # (the draft's creation, dated the day it was keyed in, is no step: a paper application may be entered later)
    steps = contract.events.exclude(from_status="").values_list("on", flat=True)
    _check_step_date(on, [contract.submitted_on, contract.accepted_on, *steps])
    for name, value in changes.items():
        setattr(contract, name, value)
    parties = list(contract.parties.all())
    items = list(contract.non_technical_items.all())
    if action == workflow.SUBMIT:
        contract.submitted_on = on
        contract.rule_version = registration.rule_version_for(on)
        problems = registration.registrability_problems(contract, parties)
        if problems:
            raise ValidationError(problems)
    elif action == workflow.ACCEPT:
        contract.accepted_on = on  # the time limit runs from acceptance (§4)
    elif action == workflow.REGISTER:
        problems = registration.registrability_problems(contract, parties)
        problems |= registration.amount_problems(
            contract.total_amount_wan,
            [registration.Item(i.kind, i.amount_wan, i.quantity) for i in items],
            contract.technology_amount_wan,
            contract.amount_note,
        )
        if contract.status != workflow.EXPERT_REVIEW and registration.needs_expert_review(
            contract.rule_version, contract.technology_amount_wan
        ):
            problems["technology_amount_wan"] = str(
                _("A technology transaction amount of 5 million yuan or more goes to the expert review first.")
            )
        if problems:
            raise ValidationError(problems)
        contract.registered_on = on
        if not contract.registration_number:
            city_code = contract.region.city.admin_code
            contract.registration_number = registration.old_registration_number(
                on.year, _next_serial(on.year, city_code), city_code=city_code
            )
    elif action in (workflow.REFUSE, workflow.CANCEL, workflow.REQUEST_CORRECTION):
        contract.status_reason = note.strip()
    old = contract.status
    contract.status = new
    with transaction.atomic():
        audit.save(contract, actor=actor)
        ContractEvent.objects.create(
            contract=contract, from_status=old, to_status=new, on=on, note=note.strip(), actor=actor
        )
        if Contract.Status.REGISTERED in (old, new):
            turnover_changed({contract.registered_on.year})
    return contract


def contract_submit(*, actor: Any, contract: Contract, on: dt.date | None = None, note: str = "") -> Contract:
    """The registrant hands the contract in; registrability is checked first (§2.4)."""
    return _contract_step(actor=actor, contract=contract, action=workflow.SUBMIT, on=on, note=note)


def contract_request_correction(*, actor: Any, contract: Contract, note: str, on: dt.date | None = None) -> Contract:
    """The registry sends an incomplete application back (补正)."""
    return _contract_step(actor=actor, contract=contract, action=workflow.REQUEST_CORRECTION, on=on, note=note)


def contract_accept(*, actor: Any, contract: Contract, on: dt.date | None = None, note: str = "") -> Contract:
    """受理: the application is complete; the time limit starts."""
    return _contract_step(actor=actor, contract=contract, action=workflow.ACCEPT, on=on, note=note)


def contract_send_to_experts(*, actor: Any, contract: Contract, on: dt.date | None = None, note: str = "") -> Contract:
    """2026 rules: large or disputed contracts go to the provincial expert review."""
    return _contract_step(actor=actor, contract=contract, action=workflow.SEND_TO_EXPERTS, on=on, note=note)


def contract_register(
    *,
    actor: Any,
    contract: Contract,
    technology_amount_wan: Decimal | None = None,
    amount_note: str = "",
    registration_number: str = "",
    on: dt.date | None = None,
    note: str = "",
) -> Contract:
    """认定登记: approve (核定) the technology transaction amount and register; the number is assigned if empty."""
    changes: dict[str, Any] = {}
    if technology_amount_wan is not None:
        changes["technology_amount_wan"] = technology_amount_wan
    if amount_note:
        changes["amount_note"] = amount_note
    if registration_number:
        changes["registration_number"] = registration_number
    return _contract_step(actor=actor, contract=contract, action=workflow.REGISTER, on=on, note=note, **changes)


def contract_refuse(*, actor: Any, contract: Contract, note: str, on: dt.date | None = None) -> Contract:
    """不予登记, with the reason recorded."""
    return _contract_step(actor=actor, contract=contract, action=workflow.REFUSE, on=on, note=note)


def contract_cancel(*, actor: Any, contract: Contract, note: str, on: dt.date | None = None) -> Contract:
    """The contract was terminated or revoked: cancel its registration."""
    return _contract_step(actor=actor, contract=contract, action=workflow.CANCEL, on=on, note=note)


CONTRACT_SERVICES = {
    workflow.SUBMIT: contract_submit,
    workflow.REQUEST_CORRECTION: contract_request_correction,
    workflow.ACCEPT: contract_accept,
    workflow.SEND_TO_EXPERTS: contract_send_to_experts,
    workflow.REGISTER: contract_register,
    workflow.REFUSE: contract_refuse,
    workflow.CANCEL: contract_cancel,
}
