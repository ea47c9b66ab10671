"""API of the technology market: achievements, demands, experts, matches, contracts, search, check queries. Scoped
and masked exactly like the pages (every query starts from the selectors' scoped querysets)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate

from kechuang.core.models import OrgUnit
from kechuang.techmarket import index, selectors, services, workflow
from kechuang.techmarket.models import Demand, MatchCheck

router = Router(tags=["techmarket"])


class ContactOut(Schema):
    name: str
    phone: str
    email: str
    masked: bool


class AchievementOut(Schema):
    id: int
    title: str
    abstract: str
    keywords: list[str]
    field: str
    industry_chain: str
    trl: int
    owner_name: str
    owner_type: str
    patent_numbers: list[str]
    transfer_modes: list[str]
    price_wan: Decimal | None
    status: str
    is_demo: bool
    contact: ContactOut


class DemandOut(Schema):
    id: int
    title: str
    description: str
    enterprise_name: str
    region: str
    field: str
    cooperation_mode: str
    budget_min_wan: Decimal | None
    budget_max_wan: Decimal | None
    deadline: dt.date | None
    status: str
    source: str
    is_demo: bool
    contact: ContactOut


class DemandIn(Schema):
    enterprise_name: str
    credit_code: str = ""
    region: str
    title: str
    description: str
    field: str
    cooperation_mode: str
    budget_min_wan: Decimal | None = None
    budget_max_wan: Decimal | None = None
    deadline: dt.date | None = None
    contact_name: str
    contact_phone: str
    contact_email: str = ""


class ExpertOut(Schema):
    id: int
    name: str
    institution: str
    title: str
    field: str
    fields: list[str]
    expertise: str
    is_active: bool
    phone: str | None
    email: str | None


class MatchOut(Schema):
    id: int
    demand_id: int
    achievement_id: int | None
    expert_id: int | None
    stage: str
    score: float | None
    matched_terms: list[str]
    recommended_on: dt.date
    contacted_on: dt.date | None
    negotiation_on: dt.date | None
    signed_on: dt.date | None
    closed_on: dt.date | None
    note: str


class StepIn(Schema):
    on: dt.date | None = None
    note: str = ""


class PartyOut(Schema):
    role: str
    name: str
    nature: str
    region_code: str
    region: str | None


class ContractOut(Schema):
    id: int
    registration_number: str
    rule_version: str
    contract_type: str
    project_name: str
    tech_field: str
    region: str
    signed_on: dt.date
    registered_on: dt.date | None
    total_amount_wan: Decimal
    technology_amount_wan: Decimal | None
    status: str
    parties: list[PartyOut]


class ExplanationOut(Schema):
    matched_terms: list[str]
    vocabulary: dict[str, list[str]]
    matched_expansions: list[str]
    snippet: str
    snippet_html: str
    field_match: bool


class SearchHit(Schema):
    kind: str
    id: int
    title: str
    field: str
    score: float
    explanation: ExplanationOut | None


class TurnoverOut(Schema):
    basis: str
    region_code: str
    year: int
    amount_wan: Decimal
    technology_amount_wan: Decimal
    contracts: int


class MatchCheckOut(Schema):
    id: int
    query: str
    any_terms: list[str]
    all_terms: list[str]
    note: str
    is_active: bool
    created_at: dt.datetime
    updated_at: dt.datetime


class MatchCheckIn(Schema):
    query: str
    any_terms: list[str] = []
    all_terms: list[str] = []
    note: str = ""
    is_active: bool = True


class MatchCheckPatch(Schema):
    query: str | None = None
    any_terms: list[str] | None = None
    all_terms: list[str] | None = None
    note: str | None = None
    is_active: bool | None = None


def _achievement(request: HttpRequest, a) -> dict[str, Any]:
    data = {f: getattr(a, f) for f in AchievementOut.model_fields if f != "contact"}
    return data | {"contact": selectors.contact_of(a, request.user)}


def _demand(request: HttpRequest, d) -> dict[str, Any]:
    data = {f: getattr(d, f) for f in DemandOut.model_fields if f not in ("contact", "region")}
    return data | {"region": d.region.code, "contact": selectors.contact_of(d, request.user)}


def _expert(request: HttpRequest, e) -> dict[str, Any]:
    data = {f: getattr(e, f) for f in ExpertOut.model_fields if f not in ("phone", "email")}
    contact = selectors.expert_contact(e, request.user) or {"phone": None, "email": None}
    return data | contact


def _contract(c) -> dict[str, Any]:
    data = {f: getattr(c, f) for f in ContractOut.model_fields if f not in ("parties", "region")}
    parties = [
        {
            "role": p.role,
            "name": p.name,
            "nature": p.nature,
            "region_code": p.region_code,
            "region": p.region.code if p.region else None,
        }
        for p in c.sellers + c.buyers
    ]
    return data | {"region": c.region.code, "parties": parties}


@router.get("/techmarket/achievements", response=list[AchievementOut])
@paginate(LimitOffsetPagination)
def achievements(request: HttpRequest, field: str = "", chain: str = "", status: str = "", trl: str = "", q: str = ""):
    filters = {"field": field, "chain": chain, "status": status, "trl": trl, "q": q}
    return [_achievement(request, a) for a in selectors.achievement_list(request.user, filters)]


@router.get("/techmarket/achievements/{pk}", response=AchievementOut)
def achievement(request: HttpRequest, pk: int):
    return _achievement(request, get_object_or_404(selectors.achievements(request.user), pk=pk))


@router.get("/techmarket/achievements/{pk}/demands", response=list[SearchHit])
def achievement_demands(request: HttpRequest, pk: int, k: int = 10):
    """Achievement → the published demands it answers (push to enterprises)."""
    a = get_object_or_404(selectors.achievements(request.user), pk=pk)
    return _hits(request, index.search(index.query_text(a), kind="demand", k=min(k, 50), exclude=[index.doc_id(a)]))


@router.get("/techmarket/demands", response=list[DemandOut])
@paginate(LimitOffsetPagination)
def demands(request: HttpRequest, field: str = "", region: str = "", status: str = "", q: str = ""):
    filters = {"field": field, "region": region, "status": status, "q": q}
    return [_demand(request, d) for d in selectors.demand_list(request.user, filters)]


@router.get("/techmarket/demands/{pk}", response=DemandOut)
def demand(request: HttpRequest, pk: int):
    return _demand(request, get_object_or_404(selectors.demands(request.user), pk=pk))


@router.post("/techmarket/demands", response={201: DemandOut})
def demand_create(request: HttpRequest, payload: DemandIn):
    data = payload.dict()
    region = OrgUnit.objects.regions().filter(code=data.pop("region")).first()
    if region is None:
        raise ValidationError({"region": "unknown region code"})
    obj = Demand(region=region, **data)
    services.demand_save(actor=request.user, demand=obj)
    return Status(201, _demand(request, obj))


@router.get("/techmarket/demands/{pk}/recommendations", response=dict[str, list[SearchHit]])
def demand_recommendations(request: HttpRequest, pk: int, k: int = 10):
    """Demand → top achievements and top experts, with explanations."""
    d = get_object_or_404(selectors.demands(request.user), pk=pk)
    text = index.query_text(d)
    return {
        "achievements": _hits(request, index.search(text, kind="achievement", k=min(k, 50))),
        "experts": _hits(request, index.search(text, kind="expert", k=min(k, 50))),
    }


@router.get("/techmarket/experts", response=list[ExpertOut])
@paginate(LimitOffsetPagination)
def experts(request: HttpRequest, field: str = "", q: str = ""):
    return [_expert(request, e) for e in selectors.expert_list(request.user, {"field": field, "q": q})]


@router.get("/techmarket/experts/{pk}", response=ExpertOut)
def expert(request: HttpRequest, pk: int):
    return _expert(request, get_object_or_404(selectors.experts(request.user), pk=pk))


@router.get("/techmarket/matches", response=list[MatchOut])
@paginate(LimitOffsetPagination)
def matches(request: HttpRequest, stage: str = "", field: str = "", region: str = ""):
    return selectors.match_list(request.user, {"stage": stage, "field": field, "region": region})


@router.get("/techmarket/matches/{pk}", response=MatchOut)
def match(request: HttpRequest, pk: int):
    return get_object_or_404(selectors.matches(request.user), pk=pk)


@router.post("/techmarket/matches/{pk}/{action}", response=MatchOut)
def match_step(request: HttpRequest, pk: int, action: str, payload: StepIn):
    case = get_object_or_404(selectors.matches(request.user), pk=pk)
    service = services.MATCH_SERVICES.get(action)
    if service is None:
        raise HttpError(404, "unknown action")
    try:
        return service(actor=request.user, case=case, on=payload.on, note=payload.note)
    except workflow.TransitionRefused as exc:
        raise HttpError(409, f"not allowed: {exc}") from exc


@router.get("/techmarket/contracts", response=list[ContractOut])
@paginate(LimitOffsetPagination)
def contracts(request: HttpRequest, type: str = "", status: str = "", region: str = "", year: str = ""):
    filters = {"type": type, "status": status, "region": region, "year": year}
    rows = list(selectors.contract_list(request.user, filters)[:5000])
    return [_contract(c) for c in selectors.with_parties(rows)]


@router.get("/techmarket/contracts/{pk}", response=ContractOut)
def contract(request: HttpRequest, pk: int):
    c = get_object_or_404(selectors.contracts(request.user), pk=pk)
    return _contract(selectors.with_parties([c])[0])


@router.get("/techmarket/turnover", response=list[TurnoverOut])
def turnover(request: HttpRequest, year: int | None = None):
    """Registered turnover per year × region, output and absorbed bases (scoped to the caller's regions)."""
    return selectors.contract_turnover(year, user=request.user)


@router.get("/techmarket/search", response=list[SearchHit])
def search(request: HttpRequest, q: str, kind: str = "achievement", k: int = 10):
    if kind not in ("achievement", "demand", "expert"):
        raise HttpError(400, "kind must be achievement, demand or expert")
    return _hits(request, index.search(q[:2000], kind=kind, k=min(max(k, 1), 50)))


# ---------------------------------------------------------------- check queries (bureau staff only, like the pages)
def _require_bureau(request: HttpRequest) -> None:
    if not selectors.is_bureau(request.user):
        raise PermissionDenied


@router.get("/techmarket/checks", response=list[MatchCheckOut])
@paginate(LimitOffsetPagination)
def checks(request: HttpRequest, q: str = "", active: str = "", sort: str = ""):
    _require_bureau(request)
    return selectors.match_checks({"q": q, "active": active, "sort": sort})


@router.post("/techmarket/checks", response={201: MatchCheckOut})
def check_create(request: HttpRequest, payload: MatchCheckIn):
    _require_bureau(request)
    return Status(201, services.match_check_save(actor=request.user, check=MatchCheck(**payload.dict())))


@router.get("/techmarket/checks/run", response=dict[str, Any])
def checks_run(request: HttpRequest, k: int = 10):
    """Run the active check queries on the live index: hit rate, MRR and precision at k, and each check's result."""
    _require_bureau(request)
    return services.run_saved_checks(k=min(max(k, 1), 50))


@router.patch("/techmarket/checks/{pk}", response=MatchCheckOut)
def check_update(request: HttpRequest, pk: int, payload: MatchCheckPatch):
    _require_bureau(request)
    found = get_object_or_404(MatchCheck, pk=pk)
    for name, value in payload.dict(exclude_unset=True).items():
        if value is None:
            raise ValidationError({name: "may not be null"})
        setattr(found, name, value)
    return services.match_check_save(actor=request.user, check=found)


@router.delete("/techmarket/checks/{pk}", response={204: None})
def check_delete(request: HttpRequest, pk: int):
    _require_bureau(request)
    services.match_check_delete(actor=request.user, check=get_object_or_404(MatchCheck, pk=pk))
    return Status(204, None)


def _hits(request: HttpRequest, found) -> list[dict[str, Any]]:
    out = []
    for r in index.resolve(found, request.user):
        m, obj = r["match"], r["object"]
        ex = m.explanation.as_dict() if m.explanation else None
        out.append(
            {
                "kind": r["kind"],
                "id": obj.pk,
                "title": getattr(obj, "title", "") if r["kind"] != "expert" else obj.name,
                "field": m.field,
                "score": m.score,
                "explanation": ex,
            }
        )
    return out
