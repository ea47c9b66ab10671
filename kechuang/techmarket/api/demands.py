"""API of demands: list, read, create, recommendations, review, close and recommend."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from kechuang.core.api_params import Pagination
from kechuang.core.entity_fields import API_IN, API_OUT
from kechuang.core.filters import filtered_or_422
from kechuang.core.models import OrgUnit
from kechuang.core.permissions import get_for_user
from kechuang.techmarket import index, selectors, services
from kechuang.techmarket.api._common import ContactOut, MatchOut, ReasonIn, SearchHit, search_hits
from kechuang.techmarket.filters import DemandFilter
from kechuang.techmarket.models import DEMAND_FIELDS, Demand

router = Router()


# Generated from the demand's one field declaration (models.DEMAND_FIELDS); the contact comes masked (ContactOut).
DemandOut = DEMAND_FIELDS.schema("DemandOut", API_OUT, first={"id": int}, extra={"contact": ContactOut})
DemandIn = DEMAND_FIELDS.schema("DemandIn", API_IN)


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


def _demand(request: HttpRequest, d) -> dict[str, Any]:
    data = {f: getattr(d, f) for f in DemandOut.model_fields if f not in ("contact", "region")}
    return data | {"region": d.region.code, "contact": selectors.contact_of(d)}


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
        "achievements": search_hits(request, index.search(text, kind="achievement", k=min(k, 50), query_field=d.field)),
        "experts": search_hits(request, index.search(text, kind="expert", k=min(k, 50), query_field=d.field)),
    }


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
