"""API of the technology market: achievements, demands, experts, matches, contracts, search, check queries. Scoped
and masked exactly like the pages (every query starts from the selectors' scoped querysets)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import prefetch_related_objects
from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from kechuang.core.api_params import Pagination, year_query
from kechuang.core.codes import TechField
from kechuang.core.filters import filtered_or_422
from kechuang.core.models import OrgUnit
from kechuang.core.permissions import get_for_user, require_bureau
from kechuang.techmarket import index, selectors, services, workflow
from kechuang.techmarket.filters import (
    AchievementFilter,
    ContractFilter,
    DemandFilter,
    ExpertFilter,
    MatchCheckFilter,
    MatchFilter,
)
from kechuang.techmarket.models import (
    Achievement,
    Contract,
    ContractField,
    ContractParty,
    ContractType,
    Demand,
    Expert,
    InstitutionType,
    MatchCheck,
    NonTechnicalItem,
)

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
    trl_basis: str
    owner_name: str
    owner_type: str
    region: str | None
    patent_numbers: list[str]
    transfer_modes: list[str]
    price_wan: Decimal | None
    status: str
    status_reason: str
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
    past_projects: str
    region: str | None
    is_active: bool
    archived_reason: str
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
    credit_code: str
    nature: str
    region_code: str
    region: str | None


class ItemOut(Schema):
    kind: str
    description: str
    quantity: int
    amount_wan: Decimal


class ContractOut(Schema):
    id: int
    registration_number: str
    rule_version: str
    contract_type: str
    sub_type: str
    project_name: str
    subject: str
    tech_field: str
    region: str
    signed_on: dt.date
    valid_from: dt.date | None
    valid_until: dt.date | None
    submitted_on: dt.date | None
    accepted_on: dt.date | None
    registered_on: dt.date | None
    total_amount_wan: Decimal
    technology_amount_wan: Decimal | None
    amount_note: str
    in_writing: bool
    seals_consistent: bool
    monopolising_clauses: bool
    quantified_goal: str
    acceptance_clause: bool
    ip_ownership_stated: bool
    ip_numbers: list[str]
    licence_scope: str
    deliverable: str
    status: str
    status_reason: str
    parties: list[PartyOut]
    non_technical_items: list[ItemOut]


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


# ---------------------------------------------------------------- write payloads
class AchievementIn(Schema):
    title: str
    abstract: str
    keywords: list[str] = []
    field: str
    industry_chain: str = ""
    trl: int
    trl_basis: str = ""
    owner_name: str
    owner_type: str
    region: str | None = None
    patent_numbers: list[str] = []
    transfer_modes: list[str] = []
    price_wan: Decimal | None = None
    contact_name: str
    contact_phone: str
    contact_email: str = ""


class AchievementPatch(Schema):
    title: str | None = None
    abstract: str | None = None
    keywords: list[str] | None = None
    field: str | None = None
    industry_chain: str | None = None
    trl: int | None = None
    trl_basis: str | None = None
    owner_name: str | None = None
    owner_type: str | None = None
    region: str | None = None
    patent_numbers: list[str] | None = None
    transfer_modes: list[str] | None = None
    price_wan: Decimal | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None


class StatusIn(Schema):
    status: str
    reason: str = ""


class ExpertIn(Schema):
    name: str
    institution: str
    title: str = ""
    field: str
    fields: list[str] = []
    expertise: str
    past_projects: str = ""
    phone: str = ""
    email: str = ""
    region: str | None = None


class ExpertPatch(Schema):
    name: str | None = None
    institution: str | None = None
    title: str | None = None
    field: str | None = None
    fields: list[str] | None = None
    expertise: str | None = None
    past_projects: str | None = None
    phone: str | None = None
    email: str | None = None
    region: str | None = None


class ReasonIn(Schema):
    reason: str


class ReviewIn(Schema):
    decision: Literal["approve", "reject"]
    reason: str = ""


class RecommendIn(Schema):
    achievement_id: int | None = None
    expert_id: int | None = None
    score: float | None = None
    matched_terms: list[str] = []
    note: str = ""
    on: dt.date | None = None


class PartyIn(Schema):
    role: str
    name: str
    credit_code: str = ""
    nature: str
    region: str | None = None
    region_code: str = ""


class ItemIn(Schema):
    kind: str
    description: str = ""
    quantity: int = 1
    amount_wan: Decimal


class ContractIn(Schema):
    contract_type: str
    sub_type: str = ""
    project_name: str
    subject: str
    tech_field: str
    region: str
    signed_on: dt.date
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    total_amount_wan: Decimal
    in_writing: bool = True
    seals_consistent: bool = True
    monopolising_clauses: bool = False
    quantified_goal: str = ""
    acceptance_clause: bool = False
    ip_ownership_stated: bool = False
    ip_numbers: list[str] = []
    licence_scope: str = ""
    deliverable: str = ""
    parties: list[PartyIn]
    non_technical_items: list[ItemIn] = []


class ContractPatch(Schema):
    contract_type: str | None = None
    sub_type: str | None = None
    project_name: str | None = None
    subject: str | None = None
    tech_field: str | None = None
    region: str | None = None
    signed_on: dt.date | None = None
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    total_amount_wan: Decimal | None = None
    in_writing: bool | None = None
    seals_consistent: bool | None = None
    monopolising_clauses: bool | None = None
    quantified_goal: str | None = None
    acceptance_clause: bool | None = None
    ip_ownership_stated: bool | None = None
    ip_numbers: list[str] | None = None
    licence_scope: str | None = None
    deliverable: str | None = None
    parties: list[PartyIn] | None = None
    non_technical_items: list[ItemIn] | None = None


class ContractStepIn(Schema):
    on: dt.date | None = None
    note: str = ""
    technology_amount_wan: Decimal | None = None
    amount_note: str = ""
    registration_number: str = ""


# ---------------------------------------------------------------- funnel, statistics, facets
class StageCountOut(Schema):
    stage: str
    label: str
    count: int


class FunnelRowOut(Schema):
    code: str
    label: str
    counts: dict[str, int]


class ReachedOut(Schema):
    stage: str
    label: str
    count: int
    percent: float | None


class FunnelOut(Schema):
    stages: list[StageCountOut]
    reached: list[ReachedOut]
    by_field: list[FunnelRowOut]
    by_region: list[FunnelRowOut]


class StatisticsCellOut(Schema):
    year: int
    output_wan: Decimal | None
    absorbed_wan: Decimal | None


class StatisticsRegionOut(Schema):
    region: str
    name: str
    cells: list[StatisticsCellOut]


class YearAmountOut(Schema):
    year: int
    amount_wan: Decimal


class StatisticsTypeOut(Schema):
    contract_type: str
    sub_type: str
    label: str
    year: int
    contracts: int
    amount_wan: Decimal | None
    technology_amount_wan: Decimal | None
    average_wan: Decimal | None


class StatisticsFieldOut(Schema):
    tech_field: str
    label: str
    year: int
    contracts: int
    amount_wan: Decimal | None
    technology_amount_wan: Decimal | None


class StatisticsPartyOut(Schema):
    year: int
    role: str
    role_label: str
    nature: str
    label: str
    contracts: int
    amount_wan: Decimal


class StatisticsOut(Schema):
    years: list[int]
    regions: list[StatisticsRegionOut]
    city_output: list[YearAmountOut]
    by_type: list[StatisticsTypeOut]
    by_field: list[StatisticsFieldOut]
    by_party: list[StatisticsPartyOut]


class FacetValueOut(Schema):
    value: str
    label: str
    count: int
    selected: bool


class FacetOut(Schema):
    name: str
    label: str
    values: list[FacetValueOut]


def _achievement(request: HttpRequest, a) -> dict[str, Any]:
    data = {f: getattr(a, f) for f in AchievementOut.model_fields if f not in ("contact", "region")}
    region = a.region.code if a.region_id else None
    return data | {"region": region, "contact": selectors.contact_of(a, request.user)}


def _demand(request: HttpRequest, d) -> dict[str, Any]:
    data = {f: getattr(d, f) for f in DemandOut.model_fields if f not in ("contact", "region")}
    return data | {"region": d.region.code, "contact": selectors.contact_of(d, request.user)}


def _expert(request: HttpRequest, e) -> dict[str, Any]:
    data = {f: getattr(e, f) for f in ExpertOut.model_fields if f not in ("phone", "email", "region")}
    contact = selectors.expert_contact(e, request.user) or {"phone": None, "email": None}
    return data | contact | {"region": e.region.code if e.region_id else None}


_CONTRACT_COMPUTED = ("parties", "region", "non_technical_items")


def _contract(c) -> dict[str, Any]:
    """A contract as the API shows it; `c` has been through selectors.with_parties and has its items prefetched."""
    data = {f: getattr(c, f) for f in ContractOut.model_fields if f not in _CONTRACT_COMPUTED}
    parties = [
        {
            "role": p.role,
            "name": p.name,
            "credit_code": p.credit_code,
            "nature": p.nature,
            "region_code": p.region_code,
            "region": p.region.code if p.region else None,
        }
        for p in c.sellers + c.buyers
    ]
    items = [
        {"kind": i.kind, "description": i.description, "quantity": i.quantity, "amount_wan": i.amount_wan}
        for i in c.non_technical_items.all()
    ]
    return data | {"region": c.region.code, "parties": parties, "non_technical_items": items}


def _contracts_out(rows: list[Contract]) -> list[dict[str, Any]]:
    """Parties and items of a page of contracts with two queries, then the output dicts."""
    prefetch_related_objects(rows, "non_technical_items")
    return [_contract(c) for c in selectors.with_parties(rows)]


# ---------------------------------------------------------------- input helpers (services validate and decide rights)
def _region(code: str | None, field: str, *, required: bool = True) -> OrgUnit | None:
    """A region named by its code. Any region of the city resolves, so that the service, not the lookup, refuses
    a region outside the caller's scope (403, as demand_create does)."""
    if not code:
        if required:
            raise ValidationError({field: "give a region code"})
        return None
    found = OrgUnit.objects.regions().filter(code=code).first()
    if found is None:
        raise ValidationError({field: "unknown region code"})
    return found


def _apply(obj: Any, data: dict[str, Any], nullable: frozenset[str] = frozenset()) -> None:
    """Set the fields of a PATCH body; null is refused for fields that cannot be empty (as check_update does)."""
    for name, value in data.items():
        if value is None and name not in nullable:
            raise ValidationError({name: "may not be null"})
        setattr(obj, name, value)


def _words(values: list[str], *, upper: bool = False) -> list[str]:
    """Stripped, non-empty, de-duplicated words (the pages split their text inputs the same way)."""
    out = (v.strip().upper() if upper else v.strip() for v in values)
    return list(dict.fromkeys(v for v in out if v))


def _achievement_data(data: dict[str, Any]) -> dict[str, Any]:
    if "region" in data:
        data["region"] = _region(data["region"], "region", required=False)
    if data.get("keywords") is not None:
        data["keywords"] = _words(data["keywords"])
    if data.get("patent_numbers") is not None:
        data["patent_numbers"] = _words(data["patent_numbers"], upper=True)
    return data


def _expert_data(data: dict[str, Any]) -> dict[str, Any]:
    if "region" in data:
        data["region"] = _region(data["region"], "region", required=False)
    if data.get("fields") is not None:
        bad = [v for v in data["fields"] if v not in TechField.values]
        if bad:  # the page offers these as choices; the model stores any list
            raise ValidationError({"fields": f"unknown field: {', '.join(bad)}"})
        data["fields"] = list(dict.fromkeys(data["fields"]))
    return data


def _parties(rows: list[dict[str, Any]]) -> list[ContractParty]:
    """Parties of a contract body, validated one by one so that an error names `parties.N.field`."""
    parties, errors = [], {}
    for n, row in enumerate(rows):
        row = dict(row)
        try:
            region = _region(row.pop("region"), f"parties.{n}.region", required=False)
        except ValidationError as exc:
            errors.update(exc.message_dict)
            continue
        if not row["region_code"]:
            if region is None:
                errors[f"parties.{n}.region_code"] = ["give the region code of a party outside the city"]
                continue
            row["region_code"] = region.region_code  # as the page's party form
        party = ContractParty(region=region, **row)
        try:
            party.full_clean(exclude=["contract"])
        except ValidationError as exc:
            errors.update({f"parties.{n}.{k}": v for k, v in exc.message_dict.items()})
        parties.append(party)
    if errors:
        raise ValidationError(errors)
    return parties


def _items(rows: list[dict[str, Any]]) -> list[NonTechnicalItem]:
    items, errors = [], {}
    for n, row in enumerate(rows):
        item = NonTechnicalItem(**row)
        try:
            item.full_clean(exclude=["contract"])
        except ValidationError as exc:
            errors.update({f"non_technical_items.{n}.{k}": v for k, v in exc.message_dict.items()})
        items.append(item)
    if errors:
        raise ValidationError(errors)
    return items


@router.get("/techmarket/achievements", response=list[AchievementOut])
@paginate(Pagination)
def achievements(request: HttpRequest, field: str = "", chain: str = "", status: str = "", trl: str = "", q: str = ""):
    rows = filtered_or_422(AchievementFilter, request.GET, selectors.achievements(request.user))
    return [_achievement(request, a) for a in rows]


@router.get("/techmarket/achievements/{pk}", response=AchievementOut)
def achievement(request: HttpRequest, pk: int):
    return _achievement(request, get_for_user(request, selectors.achievements(request.user), pk))


@router.get("/techmarket/achievements/{pk}/demands", response=list[SearchHit])
def achievement_demands(request: HttpRequest, pk: int, k: int = 10):
    """Achievement → the published demands it answers (push to enterprises)."""
    a = get_for_user(request, selectors.achievements(request.user), pk)
    return _hits(request, index.search(index.query_text(a), kind="demand", k=min(k, 50), exclude=[index.doc_id(a)]))


@router.get("/techmarket/demands", response=list[DemandOut])
@paginate(Pagination)
def demands(request: HttpRequest, field: str = "", region: str = "", status: str = "", q: str = ""):
    rows = filtered_or_422(DemandFilter, request.GET, selectors.demands(request.user))
    return [_demand(request, d) for d in rows]


@router.get("/techmarket/demands/{pk}", response=DemandOut)
def demand(request: HttpRequest, pk: int):
    return _demand(request, get_for_user(request, selectors.demands(request.user), pk))


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
    d = get_for_user(request, selectors.demands(request.user), pk)
    text = index.query_text(d)
    return {
        "achievements": _hits(request, index.search(text, kind="achievement", k=min(k, 50))),
        "experts": _hits(request, index.search(text, kind="expert", k=min(k, 50))),
    }


@router.get("/techmarket/experts", response=list[ExpertOut])
@paginate(Pagination)
def experts(request: HttpRequest, field: str = "", q: str = ""):
    if field and field not in TechField.values:
        raise ValidationError({"field": "one of: " + ", ".join(TechField.values)})
    rows = filtered_or_422(ExpertFilter, request.GET, selectors.experts(request.user))
    return [_expert(request, e) for e in rows]


@router.get("/techmarket/experts/{pk}", response=ExpertOut)
def expert(request: HttpRequest, pk: int):
    return _expert(request, get_for_user(request, selectors.experts(request.user), pk))


@router.get("/techmarket/matches", response=list[MatchOut])
@paginate(Pagination)
def matches(request: HttpRequest, stage: str = "", field: str = "", region: str = ""):
    return filtered_or_422(MatchFilter, request.GET, selectors.matches(request.user))


@router.get("/techmarket/matches/{pk}", response=MatchOut)
def match(request: HttpRequest, pk: int):
    return get_for_user(request, selectors.matches(request.user), pk)


@router.post("/techmarket/matches/{pk}/{action}", response=MatchOut)
def match_step(request: HttpRequest, pk: int, action: str, payload: StepIn):
    case = get_for_user(request, selectors.matches(request.user), pk)
    service = services.MATCH_SERVICES.get(action)
    if service is None:
        raise HttpError(404, "unknown action")
    try:
        return service(actor=request.user, case=case, on=payload.on, note=payload.note)
    except workflow.TransitionRefused as exc:
        raise HttpError(409, f"not allowed: {exc}") from exc


@router.get("/techmarket/contracts", response=list[ContractOut])
@paginate(Pagination)
def contracts(request: HttpRequest, type: str = "", status: str = "", region: str = "", year: str = ""):
    rows = list(filtered_or_422(ContractFilter, request.GET, selectors.contracts(request.user))[:5000])
    return _contracts_out(rows)


@router.get("/techmarket/contracts/{pk}", response=ContractOut)
def contract(request: HttpRequest, pk: int):
    c = get_for_user(request, selectors.contracts(request.user), pk)
    return _contracts_out([c])[0]


@router.get("/techmarket/turnover", response=list[TurnoverOut])
def turnover(request: HttpRequest, year: int | None = year_query()):
    """Registered turnover per year × region, output and absorbed bases (scoped to the caller's regions)."""
    return selectors.contract_turnover(year, user=request.user)


SEARCH_POOL = 100  # as the search page: facets are counted over the best 100 hits


def _selected(request: HttpRequest) -> dict[str, str]:
    """The selected facet values, read as the search page reads them (every name in selectors.SEARCH_FACETS); the
    routes also declare them as parameters for the OpenAPI docs."""
    return {name: request.GET.get(name, "").strip() for name in selectors.SEARCH_FACETS}


def _faceted(request: HttpRequest, q: str, kind: str, selected: dict[str, str]):
    if kind not in ("achievement", "demand", "expert"):
        raise HttpError(400, "kind must be achievement, demand or expert")
    pool = index.resolve(index.search(q[:2000], kind=kind, k=SEARCH_POOL), request.user)
    return selectors.search_facets(pool, kind, selected)


@router.get("/techmarket/search", response=list[SearchHit])
def search(
    request: HttpRequest,
    q: str,
    kind: str = "achievement",
    k: int = 10,
    field: str = "",
    chain: str = "",
    maturity: str = "",
    transfer_mode: str = "",
    region: str = "",
    status: str = "",
):
    """Search with the page's facets: field, chain (industry chain), maturity (research = TRL 1–3, development =
    4–6, ready = 7–9), transfer_mode, region, status; a facet that does not apply to `kind` is ignored."""
    if kind not in ("achievement", "demand", "expert"):
        raise HttpError(400, "kind must be achievement, demand or expert")
    k = min(max(k, 1), 50)
    selected = _selected(request)
    if not any(selected.values()):
        return _hits(request, index.search(q[:2000], kind=kind, k=k))
    kept, _facets = _faceted(request, q, kind, selected)
    return _hit_rows(kept[:k])


@router.get("/techmarket/search/facets", response=list[FacetOut])
def search_facets(
    request: HttpRequest,
    q: str,
    kind: str = "achievement",
    field: str = "",
    chain: str = "",
    maturity: str = "",
    transfer_mode: str = "",
    region: str = "",
    status: str = "",
):
    """The facet counts of a search (each facet counted over the hits passing the other selected facets)."""
    selected = _selected(request)
    _kept, facets = _faceted(request, q, kind, selected)
    return [
        {
            "name": name,
            "label": str(label),
            "values": [{"value": v, "label": str(lab), "count": n, "selected": on} for v, lab, n, on in entries],
        }
        for name, label, entries in facets
    ]


# ---------------------------------------------------------------- writes: achievements and experts (bureau staff)
@router.post("/techmarket/achievements", response={201: AchievementOut})
def achievement_create(request: HttpRequest, payload: AchievementIn):
    obj = Achievement(**_achievement_data(payload.dict()))
    services.achievement_save(actor=request.user, achievement=obj)
    return Status(201, _achievement(request, obj))


@router.patch("/techmarket/achievements/{pk}", response=AchievementOut)
def achievement_update(request: HttpRequest, pk: int, payload: AchievementPatch):
    obj = get_for_user(request, selectors.achievements(request.user), pk)
    _apply(obj, _achievement_data(payload.dict(exclude_unset=True)), frozenset({"region", "price_wan"}))
    return _achievement(request, services.achievement_save(actor=request.user, achievement=obj))


@router.post("/techmarket/achievements/{pk}/status", response=AchievementOut)
def achievement_status(request: HttpRequest, pk: int, payload: StatusIn):
    """Publish, withdraw (reason required) or otherwise set an achievement's status."""
    obj = get_for_user(request, selectors.achievements(request.user), pk)
    services.achievement_set_status(actor=request.user, achievement=obj, status=payload.status, reason=payload.reason)
    return _achievement(request, obj)


@router.post("/techmarket/experts", response={201: ExpertOut})
def expert_create(request: HttpRequest, payload: ExpertIn):
    obj = Expert(**_expert_data(payload.dict()))
    services.expert_save(actor=request.user, expert=obj)
    return Status(201, _expert(request, obj))


@router.patch("/techmarket/experts/{pk}", response=ExpertOut)
def expert_update(request: HttpRequest, pk: int, payload: ExpertPatch):
    obj = get_for_user(request, selectors.experts(request.user), pk)
    _apply(obj, _expert_data(payload.dict(exclude_unset=True)), frozenset({"region"}))
    return _expert(request, services.expert_save(actor=request.user, expert=obj))


@router.post("/techmarket/experts/{pk}/deactivate", response=ExpertOut)
def expert_deactivate(request: HttpRequest, pk: int, payload: ReasonIn):
    obj = get_for_user(request, selectors.experts(request.user), pk)
    return _expert(request, services.expert_deactivate(actor=request.user, expert=obj, reason=payload.reason))


# ---------------------------------------------------------------- writes: demand review, close, recommend
@router.post("/techmarket/demands/{pk}/review", response=DemandOut)
def demand_review(request: HttpRequest, pk: int, payload: ReviewIn):
    """Bureau staff publish a demand awaiting review, or reject it with a reason."""
    obj = get_for_user(request, selectors.demands(request.user), pk)
    services.demand_review(actor=request.user, demand=obj, approve=payload.decision == "approve", reason=payload.reason)
    return _demand(request, obj)


@router.post("/techmarket/demands/{pk}/close", response=DemandOut)
def demand_close(request: HttpRequest, pk: int, payload: ReasonIn):
    obj = get_for_user(request, selectors.demands(request.user), pk)
    return _demand(request, services.demand_close(actor=request.user, demand=obj, reason=payload.reason))


@router.post("/techmarket/demands/{pk}/recommend", response={201: MatchOut})
def demand_recommend(request: HttpRequest, pk: int, payload: RecommendIn):
    """Recommend an achievement or an expert for a demand (step 1 of a match)."""
    # rights before the body's content: a read-only caller learns nothing more
    obj = get_for_user(request, selectors.demands(request.user), pk, write=True)
    if (payload.achievement_id is None) == (payload.expert_id is None):
        raise ValidationError({"achievement_id": "give either achievement_id or expert_id"})
    achievement = expert = None
    if payload.achievement_id is not None:
        achievement = get_for_user(request, selectors.achievements(request.user), payload.achievement_id)
    else:
        expert = get_for_user(request, selectors.experts(request.user), payload.expert_id)
    case = services.match_recommend(
        actor=request.user,
        demand=obj,
        achievement=achievement,
        expert=expert,
        score=payload.score,
        matched_terms=payload.matched_terms,
        note=payload.note,
        on=payload.on,
    )
    return Status(201, case)


# ---------------------------------------------------------------- writes: contracts and their registration workflow
@router.post("/techmarket/contracts", response={201: ContractOut})
def contract_create(request: HttpRequest, payload: ContractIn):
    """A contract draft with its parties and non-technical items."""
    data = payload.dict()
    parties, items = _parties(data.pop("parties")), _items(data.pop("non_technical_items"))
    data["region"] = _region(data["region"], "region")
    data["ip_numbers"] = _words(data["ip_numbers"], upper=True)
    obj = Contract(**data)
    services.contract_save(actor=request.user, contract=obj, parties=parties, items=items)
    return Status(201, _contracts_out([obj])[0])


@router.patch("/techmarket/contracts/{pk}", response=ContractOut)
def contract_update(request: HttpRequest, pk: int, payload: ContractPatch):
    """Edit a draft or a contract sent back for correction; `parties` / `non_technical_items` replace the lists."""
    obj = get_for_user(request, selectors.contracts(request.user), pk)
    data = payload.dict(exclude_unset=True)
    parties = data.pop("parties", None)
    items = data.pop("non_technical_items", None)
    parties = _parties(parties) if parties is not None else None
    items = _items(items) if items is not None else None
    if "region" in data:
        data["region"] = _region(data["region"], "region")
    if data.get("ip_numbers") is not None:
        data["ip_numbers"] = _words(data["ip_numbers"], upper=True)
    _apply(obj, data, frozenset({"valid_from", "valid_until"}))
    services.contract_save(actor=request.user, contract=obj, parties=parties, items=items)
    return _contracts_out([obj])[0]


REGISTER_ONLY = ("technology_amount_wan", "amount_note", "registration_number")


@router.post("/techmarket/contracts/{pk}/steps/{action}", response=ContractOut)
def contract_step(request: HttpRequest, pk: int, action: str, payload: ContractStepIn):
    """submit, request_correction, accept, send_to_experts, register, refuse, cancel (services.CONTRACT_SERVICES)."""
    obj = get_for_user(request, selectors.contracts(request.user), pk)
    service = services.CONTRACT_SERVICES.get(action)
    if service is None:
        raise HttpError(404, "unknown action")
    kwargs: dict[str, Any] = {"on": payload.on, "note": payload.note}
    given = payload.dict(exclude_unset=True)
    if action == workflow.REGISTER:
        kwargs |= {name: getattr(payload, name) for name in REGISTER_ONLY}
    elif extra := [name for name in REGISTER_ONLY if given.get(name) not in (None, "")]:
        raise ValidationError({name: "only the register step takes this" for name in extra})
    try:
        service(actor=request.user, contract=obj, **kwargs)
    except workflow.TransitionRefused as exc:
        raise HttpError(409, f"not allowed: {exc}") from exc
    return _contracts_out([obj])[0]


# ---------------------------------------------------------------- funnel and statistics
@router.get("/techmarket/funnel", response=FunnelOut)
def funnel(request: HttpRequest):
    """Matches per stage now, by field and by region, and how many reached each forward step (percent of those
    recommended), scoped to the caller."""
    data = selectors.funnel(request.user)
    stages = [
        {"stage": s, "label": str(label), "count": n}
        for (s, label), n in zip(data["stages"], data["totals"], strict=True)
    ]

    def rows(entries) -> list[dict[str, Any]]:
        return [{"code": code, "label": str(label), "counts": dict(counts)} for code, label, counts in entries]

    stage_of = {str(label): s for s, label in data["stages"]}
    reached = [
        {"stage": stage_of.get(str(label), ""), "label": str(label), "count": n, "percent": pct}
        for label, n, pct in data.get("reached", [])
    ]
    return {
        "stages": stages,
        "reached": reached,
        "by_field": rows(data["by_field"]),
        "by_region": rows(data["by_region"]),
    }


@router.get("/techmarket/statistics", response=StatisticsOut)
def statistics(request: HttpRequest):
    """The contract statistics page as data (selectors.turnover_table): output and absorbed turnover (万元) per
    region × year, the city's output per year (a contract counted once), registered contracts by type and sub-type,
    by technology field and by the kind of seller and buyer. Amounts are decimal strings, as in /turnover."""
    data = selectors.turnover_table(request.user)
    years = data["years"]
    regions = [
        {
            "region": row["region"].code,
            "name": row["region"].name,
            "cells": [
                {"year": y, "output_wan": out, "absorbed_wan": absorbed}
                for y, (out, absorbed) in zip(years, row["cells"], strict=True)
            ],
        }
        for row in data["table"]
    ]
    types, fields = dict(ContractType.choices), dict(ContractField.choices)
    roles, natures = dict(ContractParty.Role.choices), dict(InstitutionType.choices)
    by_type = [
        {
            "contract_type": r["contract_type"],
            "sub_type": r.get("sub_type") or "",
            "label": str(types.get(r["contract_type"], r["contract_type"])),
            "year": r["registered_on__year"],
            "contracts": r["n"],
            "amount_wan": r["total"],
            "technology_amount_wan": r["tech"],
            "average_wan": r.get("average"),
        }
        for r in data["by_type"]
    ]
    by_field = [
        {
            "tech_field": r["tech_field"],
            "label": str(fields.get(r["tech_field"], r["tech_field"])),
            "year": r["registered_on__year"],
            "contracts": r["n"],
            "amount_wan": r["total"],
            "technology_amount_wan": r["tech"],
        }
        for r in data.get("by_field", [])
    ]
    by_party = [
        {
            "year": r["year"],
            "role": r["role"],
            "role_label": str(roles.get(r["role"], r["role"])),
            "nature": r["nature"],
            "label": str(natures.get(r["nature"], r["nature"])),
            "contracts": r["n"],
            "amount_wan": r["total"],
        }
        for r in data.get("by_party", [])
    ]
    city = [{"year": y, "amount_wan": a} for y, a in zip(years, data["city_output"], strict=True)]
    return {
        "years": years,
        "regions": regions,
        "city_output": city,
        "by_type": by_type,
        "by_field": by_field,
        "by_party": by_party,
    }


# ---------------------------------------------------------------- check queries (bureau staff only, like the pages)
@router.get("/techmarket/checks", response=list[MatchCheckOut])
@paginate(Pagination)
def checks(request: HttpRequest, q: str = "", active: str = "", sort: str = ""):
    require_bureau(request.user, message="")
    return filtered_or_422(MatchCheckFilter, request.GET, selectors.match_checks())


@router.post("/techmarket/checks", response={201: MatchCheckOut})
def check_create(request: HttpRequest, payload: MatchCheckIn):
    require_bureau(request.user, message="")
    return Status(201, services.match_check_save(actor=request.user, check=MatchCheck(**payload.dict())))


@router.get("/techmarket/checks/run", response=dict[str, Any])
def checks_run(request: HttpRequest, k: int = 10):
    """Run the active check queries on the live index: hit rate, MRR and precision at k, and each check's result."""
    require_bureau(request.user, message="")
    return services.run_saved_checks(k=min(max(k, 1), 50))


@router.patch("/techmarket/checks/{pk}", response=MatchCheckOut)
def check_update(request: HttpRequest, pk: int, payload: MatchCheckPatch):
    require_bureau(request.user, message="")
    found = get_for_user(request, MatchCheck, pk)
    for name, value in payload.dict(exclude_unset=True).items():
        if value is None:
            raise ValidationError({name: "may not be null"})
        setattr(found, name, value)
    return services.match_check_save(actor=request.user, check=found)


@router.delete("/techmarket/checks/{pk}", response={204: None})
def check_delete(request: HttpRequest, pk: int):
    require_bureau(request.user, message="")
    services.match_check_delete(actor=request.user, check=get_for_user(request, MatchCheck, pk))
    return Status(204, None)


def _hits(request: HttpRequest, found) -> list[dict[str, Any]]:
    return _hit_rows(index.resolve(found, request.user))


def _hit_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for r in rows:
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
