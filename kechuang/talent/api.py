"""API of the talent module: the register (masked: the API never unmasks), lookup by ID number, applications and
their workflow steps, the quota board, talent cards and the service desk (lists, details, applications, requests and
their steps), teams, foreign experts, visits and 引智 projects."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from kechuang.core.api_params import Pagination, year_query
from kechuang.core.filters import filtered_or_422
from kechuang.core.masking import mask_attr
from kechuang.core.models import OrgUnit
from kechuang.core.permissions import get_for_user, require_writer
from kechuang.core.roles import Role
from kechuang.talent import selectors, services
from kechuang.talent.engines import cards as card_rules
from kechuang.talent.engines import requests as reqflow
from kechuang.talent.engines import workflow as wf
from kechuang.talent.filters import (
    ApplicationFilter,
    CardFilter,
    ForeignExpertFilter,
    ProjectFilter,
    RequestFilter,
    TalentFilter,
    TeamFilter,
    VisitFilter,
)
from kechuang.talent.models import CardGrade, SelectionRound, ServiceItem, ServiceRequest, Talent, TalentCard

router = Router(tags=["talent"])


class TalentOut(Schema):
    id: int
    name: str
    gender: str
    nationality: str
    id_type: str
    id_number: str  # masked
    phone: str  # masked
    degree: str
    title: str
    discipline: str
    industry: str
    employer_credit_code: str
    employer_name: str
    region: str
    mode: str
    arrival_date: dt.date | None
    tier: str | None
    status: str


def _talent_out(t: Talent) -> dict:
    return {
        **{
            k: getattr(t, k)
            for k in (
                "id",
                "name",
                "gender",
                "nationality",
                "id_type",
                "degree",
                "title",
                "discipline",
                "industry",
                "employer_credit_code",
                "employer_name",
                "mode",
                "arrival_date",
                "status",
            )
        },
        "id_number": mask_attr(t, "id_number"),
        "phone": mask_attr(t, "phone"),
        "region": t.region.code,
        "tier": t.tier.code if t.tier_id else None,
    }


class TalentIn(Schema):
    name: str
    id_number: str
    id_type: str = "resident"
    nationality: str = "中国"
    phone: str = ""
    degree: str = ""
    title: str = ""
    discipline: str = ""
    industry: str = ""
    employer_credit_code: str
    region: str
    mode: str = "full_time"
    arrival_date: dt.date | None = None


class LookupIn(Schema):
    id_number: str


class ApplicationOut(Schema):
    id: int
    talent_id: int
    programme: str
    year: int
    region: str
    state: str
    requested_wan: Decimal
    approved_wan: Decimal
    paid_wan: Decimal
    clawback_wan: Decimal
    publicity_end: dt.date | None


def _app_out(a) -> dict:
    return {
        "id": a.id,
        "talent_id": a.talent_id,
        "programme": a.round.programme.code,
        "year": a.round.year,
        "region": a.region.code,
        "state": a.state,
        "requested_wan": a.requested_wan,
        "approved_wan": a.approved_wan,
        "paid_wan": a.paid_wan,
        "clawback_wan": a.clawback_wan,
        "publicity_end": a.publicity_end,
    }


class ApplicationIn(Schema):
    round_id: int
    talent_id: int
    category: str = ""
    requested_wan: Decimal = Decimal(0)


class TalentStepIn(Schema):
    note: str = ""
    on: dt.date | None = None
    amount_wan: Decimal | None = None
    approved_wan: Decimal | None = None


class QuotaOut(Schema):
    key: str
    indicator: str
    target: int
    span_years: int
    first_year: int
    last_year: int
    value: int
    met: bool


@router.get("/talents", response=list[TalentOut])
@paginate(Pagination)
def talents(request: HttpRequest, tier: str = "", programme: str = "", region: str = "", mode: str = "", q: str = ""):
    return [_talent_out(t) for t in filtered_or_422(TalentFilter, request.GET, selectors.talents(request.user))]


@router.post("/talents/lookup", response=TalentOut)
def talent_lookup(request: HttpRequest, payload: LookupIn):
    """The talent with this ID number (blind-index lookup), among those the caller may read; 404 otherwise."""
    found = services.talent_by_id_number(request.user, payload.id_number)
    if found is None:
        raise Http404
    return _talent_out(found)


@router.get("/talents/{talent_id}", response=TalentOut)
def talent(request: HttpRequest, talent_id: int):
    return _talent_out(get_for_user(request, Talent.objects.select_related("region", "tier"), talent_id))


@router.post("/talents", response={201: TalentOut})
def talent_create(request: HttpRequest, payload: TalentIn):
    require_writer(request.user)
    data = payload.dict()
    region = OrgUnit.objects.regions().filter(code=data.pop("region")).first()
    if region is None:
        raise ValidationError({"region": "unknown region"})
    created = services.talent_create(actor=request.user, region=region, **data)
    return Status(201, _talent_out(Talent.objects.select_related("region", "tier").get(pk=created.pk)))


@router.get("/talent-applications", response=list[ApplicationOut])
@paginate(Pagination)
def talent_applications(
    request: HttpRequest, programme: str = "", year: int | None = year_query(), region: str = "", state: str = ""
):
    return [_app_out(a) for a in filtered_or_422(ApplicationFilter, request.GET, selectors.applications(request.user))]


@router.post("/talent-applications", response={201: ApplicationOut})
def talent_application_create(request: HttpRequest, payload: ApplicationIn):
    require_writer(request.user)
    rnd = get_for_user(request, SelectionRound, payload.round_id)
    found = get_for_user(request, Talent, payload.talent_id)
    app = services.application_create(
        actor=request.user, round=rnd, talent=found, category=payload.category, requested_wan=payload.requested_wan
    )
    return Status(201, _app_out(selectors.applications(request.user).get(pk=app.pk)))


@router.get("/talent-applications/{application_id}", response=ApplicationOut)
def talent_application(request: HttpRequest, application_id: int):
    return _app_out(get_for_user(request, selectors.applications(request.user), application_id))


@router.post("/talent-applications/{application_id}/steps/{action}", response=ApplicationOut)
def talent_application_step(request: HttpRequest, application_id: int, action: str, payload: TalentStepIn):
    app = get_for_user(request, selectors.applications(request.user), application_id)
    if action not in wf.ACTOR_OF:
        raise Http404
    require_writer(request.user)
    services.application_step(
        actor=request.user,
        application=app,
        action=action,
        note=payload.note,
        on=payload.on,
        amount_wan=payload.amount_wan,
        approved_wan=payload.approved_wan,
    )
    return _app_out(selectors.applications(request.user).get(pk=app.pk))


@router.get("/talent-quotas", response=list[QuotaOut])
def talent_quotas(request: HttpRequest, year: int | None = year_query()):
    return [
        {
            "key": q["key"],
            "indicator": q["indicator"],
            "target": q["target"],
            "span_years": q["span"],
            "first_year": q["years"][0],
            "last_year": q["years"][1],
            "value": q["value"],
            "met": q["met"],
        }
        for q in selectors.quota_progress(request.user, year)
    ]


# ---------------------------------------------------------------- talent cards and the service desk
# Scoped like the pages: a district reads its talents' cards and requests, a provider department its own queue, the
# card's issuing department its cards, a talent account only its own (selectors.cards / service_requests).
class CardOut(Schema):
    id: int
    number: str
    talent_id: int
    talent_name: str
    region: str
    card_type: str
    card_type_name: str
    grade: str
    grade_name: str
    state: str
    issued_on: dt.date | None
    expires_on: dt.date | None
    note: str
    services: list[str]


def _card_out(c: TalentCard, *, with_services: bool = False) -> dict:
    return {
        "id": c.pk,
        "number": c.number,
        "talent_id": c.talent_id,
        "talent_name": c.talent.name,
        "region": c.talent.region.code,
        "card_type": c.card_type.code,
        "card_type_name": c.card_type.name,
        "grade": c.grade.code,
        "grade_name": c.grade.name,
        "state": c.state,
        "issued_on": c.issued_on,
        "expires_on": c.expires_on,
        "note": c.note,
        "services": [i.code for i in selectors.services_of_card(c)] if with_services else [],
    }


class CardApplyIn(Schema):
    grade_id: int
    talent_id: int | None = None  # a talent account applies for itself and may leave it out


class StepNoteIn(Schema):
    note: str = ""


class SlaOut(Schema):
    started: bool
    used: int | None = None
    left: int | None = None
    late: bool = False
    paused: bool = False


class RequestOut(Schema):
    id: int
    talent_id: int
    talent_name: str
    region: str
    item: str
    item_name: str
    provider: str
    state: str
    detail: str
    submitted_on: dt.date
    accepted_on: dt.date | None
    due_on: dt.date | None
    completed_on: dt.date | None
    breached: bool
    rating: int | None
    note: str
    sla: SlaOut


def _request_out(r: ServiceRequest, cal=None) -> dict:
    return {
        "id": r.pk,
        "talent_id": r.talent_id,
        "talent_name": r.talent.name,
        "region": r.talent.region.code,
        "item": r.item.code,
        "item_name": r.item.name,
        "provider": r.item.provider.code,
        "state": r.state,
        "detail": r.detail,
        "submitted_on": r.submitted_on,
        "accepted_on": r.accepted_on,
        "due_on": r.due_on,
        "completed_on": r.completed_on,
        "breached": r.breached,
        "rating": r.rating,
        "note": r.note,
        "sla": services.sla_status(r, cal=cal),
    }


class RequestIn(Schema):
    item_id: int
    detail: str = ""
    talent_id: int | None = None  # a talent account asks for itself and may leave it out


class RequestStepIn(Schema):
    note: str = ""
    rating: int | None = None


class ServiceItemOut(Schema):
    id: int
    code: str
    name: str
    category: str
    provider: str
    sla_days: int
    online: bool
    open_to_me: bool | None = None  # a talent account: may it ask for this service, and why
    why: str = ""


class VerifyIn(Schema):
    code: str


class VerifyOut(Schema):
    ok: bool
    reason: str
    card_number: str = ""
    card_type: str = ""
    holder: str = ""  # masked
    expires_on: dt.date | None = None


def _talent_for(request: HttpRequest, talent_id: int | None) -> Talent:
    """The talent a write is for: a talent account's own record (another id is a 404, like any record out of its
    scope); for staff, the talent named, among those they may read."""
    if request.user.role == Role.TALENT:
        own = Talent.objects.filter(account=request.user, is_active=True).select_related("region", "tier").first()
        if own is None or (talent_id is not None and talent_id != own.pk):
            raise Http404
        return own
    if talent_id is None:
        raise ValidationError({"talent_id": _("Choose the talent.")})
    return get_for_user(request, Talent.objects.select_related("region", "tier"), talent_id)


@router.get("/talent-cards", response=list[CardOut])
@paginate(Pagination)
def talent_cards(
    request: HttpRequest, state: str = "", type: str = "", region: str = "", talent: int | None = None, q: str = ""
):
    return [_card_out(c) for c in filtered_or_422(CardFilter, request.GET, selectors.cards(request.user))]


@router.get("/talent-cards/{card_id}", response=CardOut)
def talent_card(request: HttpRequest, card_id: int):
    return _card_out(get_for_user(request, selectors.cards(request.user), card_id), with_services=True)


@router.post("/talent-cards", response={201: CardOut})
def talent_card_apply(request: HttpRequest, payload: CardApplyIn):
    """Apply for a card (a talent for itself; its district or the bureau for a talent)."""
    require_writer(request.user)
    found = _talent_for(request, payload.talent_id)
    grade = CardGrade.objects.select_related("card_type").filter(pk=payload.grade_id).first()
    if grade is None:
        raise ValidationError({"grade_id": _("No such card grade.")})
    card = services.card_apply(actor=request.user, talent=found, card_type=grade.card_type, grade=grade)
    return Status(201, _card_out(selectors.cards(request.user).get(pk=card.pk)))


@router.post("/talent-card-verifications", response=VerifyOut)
def talent_card_verify(request: HttpRequest, payload: VerifyIn):
    """The service desk's check of a scanned code: signature, age, the card's current secret, state and expiry."""
    result = services.card_verify(payload.code.strip())
    card = result.card
    return {
        "ok": result.ok,
        "reason": result.reason,
        "card_number": card.number if card and result.ok else "",
        "card_type": card.card_type.code if card and result.ok else "",
        "holder": mask_attr(card.talent, "name") if card and result.ok else "",
        "expires_on": card.expires_on if card and result.ok else None,
    }


@router.post("/talent-cards/{card_id}/steps/{action}", response=CardOut)
def talent_card_step(request: HttpRequest, card_id: int, action: str, payload: StepNoteIn):
    """A step of the card desk (district review, department re-check, issue, suspend, reinstate, revoke, renew,
    turn down), through the same service as the card page."""
    card = get_for_user(request, selectors.cards(request.user), card_id)
    if action not in card_rules.ACTOR_OF:
        raise Http404
    require_writer(request.user)
    services.card_step(actor=request.user, card=card, action=action, note=payload.note)
    return _card_out(selectors.cards(request.user).get(pk=card.pk))


@router.get("/talent-service-items", response=list[ServiceItemOut])
def talent_service_items(request: HttpRequest):
    """The service catalogue; for a talent account, whether each item is open to it and why."""
    own = None
    if request.user.role == Role.TALENT:
        own = Talent.objects.filter(account=request.user, is_active=True).select_related("tier").first()
    out = []
    for item in ServiceItem.objects.filter(is_active=True).select_related("provider"):
        row = {
            "id": item.pk,
            "code": item.code,
            "name": item.name,
            "category": item.category,
            "provider": item.provider.code,
            "sla_days": item.sla_days,
            "online": item.online,
        }
        if own is not None:
            ok, why = services.item_open_to(item, own)
            row |= {"open_to_me": ok, "why": str(why)}
        out.append(row)
    return out


@router.get("/talent-service-requests", response=list[RequestOut])
@paginate(Pagination)
def talent_service_requests(
    request: HttpRequest,
    state: str = "",
    provider: str = "",
    item: str = "",
    region: str = "",
    talent: int | None = None,
    late: str = "",
    q: str = "",
):
    cal = services.calendar()
    rows = filtered_or_422(RequestFilter, request.GET, selectors.service_requests(request.user))
    return [_request_out(r, cal) for r in rows]


@router.get("/talent-service-requests/{request_id}", response=RequestOut)
def talent_service_request(request: HttpRequest, request_id: int):
    return _request_out(get_for_user(request, selectors.service_requests(request.user), request_id))


@router.post("/talent-service-requests", response={201: RequestOut})
def talent_service_request_create(request: HttpRequest, payload: RequestIn):
    """Ask for a service (a talent for itself; its district or the bureau for a talent)."""
    require_writer(request.user)
    found = _talent_for(request, payload.talent_id)
    item = ServiceItem.objects.filter(pk=payload.item_id).first()
    if item is None:
        raise ValidationError({"item_id": _("No such service item.")})
    req = services.request_submit(actor=request.user, talent=found, item=item, detail=payload.detail)
    return Status(201, _request_out(selectors.service_requests(request.user).get(pk=req.pk)))


@router.post("/talent-service-requests/{request_id}/steps/{action}", response=RequestOut)
def talent_service_request_step(request: HttpRequest, request_id: int, action: str, payload: RequestStepIn):
    """A step of the request: the provider's (accept, start, return for information, complete, turn down) or the
    requester's (information supplied, rate, cancel), through the same service as the pages."""
    req = get_for_user(request, selectors.service_requests(request.user), request_id)
    if action not in reqflow.ACTOR_OF:
        raise Http404
    require_writer(request.user)
    services.request_step(actor=request.user, request=req, action=action, note=payload.note, rating=payload.rating)
    return _request_out(selectors.service_requests(request.user).get(pk=req.pk))


# ---------------------------------------------------------------- teams
class TeamOut(Schema):
    id: int
    name: str
    leader_id: int
    leader_name: str
    region: str
    member_ids: list[int]
    field: str
    programme: str | None
    platforms: str
    is_active: bool


def _team_out(t) -> dict:
    return {
        "id": t.pk,
        "name": t.name,
        "leader_id": t.leader_id,
        "leader_name": t.leader.name,
        "region": t.leader.region.code,
        "member_ids": sorted(m.pk for m in t.members.all()),
        "field": t.field,
        "programme": t.programme.code if t.programme_id else None,
        "platforms": t.platforms,
        "is_active": t.is_active,
    }


@router.get("/talent-teams", response=list[TeamOut])
@paginate(Pagination)
def talent_teams(request: HttpRequest, region: str = "", programme: str = "", q: str = "", active: str = "1"):
    return [_team_out(t) for t in filtered_or_422(TeamFilter, request.GET, selectors.teams(request.user))]


@router.get("/talent-teams/{team_id}", response=TeamOut)
def talent_team(request: HttpRequest, team_id: int):
    return _team_out(get_for_user(request, selectors.teams(request.user), team_id))


# ---------------------------------------------------------------- foreign experts, visits, 引智 projects
class ForeignExpertOut(Schema):
    id: int
    talent_id: int
    name: str
    nationality: str
    host_credit_code: str
    host_name: str
    programme: str | None
    region: str
    visits: int


class VisitOut(Schema):
    id: int
    expert_id: int
    name: str
    region: str
    arrived_on: dt.date
    left_on: dt.date | None
    purpose: str


class ForeignProjectOut(Schema):
    id: int
    title: str
    host_credit_code: str
    host_name: str
    region: str
    level: str
    year: int
    funding_wan: Decimal
    expert_ids: list[int]
    outcomes: str
    in_library: bool


@router.get("/talent-foreign-experts", response=list[ForeignExpertOut])
@paginate(Pagination)
def talent_foreign_experts(request: HttpRequest, region: str = "", programme: str = "", q: str = ""):
    return [
        {
            "id": e.pk,
            "talent_id": e.talent_id,
            "name": e.talent.name,
            "nationality": e.talent.nationality,
            "host_credit_code": e.host_credit_code,
            "host_name": e.host_name,
            "programme": e.programme.code if e.programme_id else None,
            "region": e.region.code,
            "visits": e.n_visits,
        }
        for e in filtered_or_422(ForeignExpertFilter, request.GET, selectors.foreign_experts(request.user))
    ]


@router.get("/talent-visits", response=list[VisitOut])
@paginate(Pagination)
def talent_visits(request: HttpRequest, year: int | None = year_query(), region: str = "", expert: int | None = None):
    """Person-visits (one stay each, counted in the year it starts: the quota's count)."""
    return [
        {
            "id": v.pk,
            "expert_id": v.expert_id,
            "name": v.expert.talent.name,
            "region": v.expert.region.code,
            "arrived_on": v.arrived_on,
            "left_on": v.left_on,
            "purpose": v.purpose,
        }
        for v in filtered_or_422(VisitFilter, request.GET, selectors.visits(request.user))
    ]


@router.get("/talent-foreign-projects", response=list[ForeignProjectOut])
@paginate(Pagination)
def talent_foreign_projects(
    request: HttpRequest,
    year: int | None = year_query(),
    region: str = "",
    level: str = "",
    library: str = "",
    q: str = "",
):
    rows = filtered_or_422(ProjectFilter, request.GET, selectors.projects(request.user).prefetch_related("experts"))
    return [
        {
            "id": p.pk,
            "title": p.title,
            "host_credit_code": p.host_credit_code,
            "host_name": p.host_name,
            "region": p.region.code,
            "level": p.level,
            "year": p.year,
            "funding_wan": p.funding_wan,
            "expert_ids": sorted(e.pk for e in p.experts.all()),
            "outcomes": p.outcomes,
            "in_library": p.in_library,
        }
        for p in rows
    ]
