"""API of the talent module: the register (masked: the API never unmasks), lookup by ID number, applications and
their workflow steps, the quota board."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import Http404, HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from kechuang.core.api_params import Pagination
from kechuang.core.filters import filtered_or_422
from kechuang.core.masking import mask_attr
from kechuang.core.models import OrgUnit
from kechuang.core.permissions import get_for_user, require_writer
from kechuang.talent import selectors, services
from kechuang.talent.engines import workflow as wf
from kechuang.talent.filters import ApplicationFilter, TalentFilter
from kechuang.talent.models import SelectionRound, Talent

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
        from django.core.exceptions import ValidationError

        raise ValidationError({"region": "unknown region"})
    created = services.talent_create(actor=request.user, region=region, **data)
    return 201, _talent_out(Talent.objects.select_related("region", "tier").get(pk=created.pk))


@router.get("/talent-applications", response=list[ApplicationOut])
@paginate(Pagination)
def talent_applications(
    request: HttpRequest, programme: str = "", year: int | None = None, region: str = "", state: str = ""
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
    return 201, _app_out(selectors.applications(request.user).get(pk=app.pk))


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
def talent_quotas(request: HttpRequest, year: int | None = None):
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
