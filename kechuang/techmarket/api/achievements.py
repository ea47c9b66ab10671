"""API of achievements: list, read, the demands an achievement answers, and bureau writes."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from kechuang.core.api_params import Pagination
from kechuang.core.entity_fields import API_IN, API_OUT
from kechuang.core.filters import filtered_or_422
from kechuang.core.permissions import get_for_user
from kechuang.techmarket import index, selectors, services
from kechuang.techmarket.api._common import ContactOut, SearchHit, apply_patch, clean_words, region_by_code, search_hits
from kechuang.techmarket.filters import AchievementFilter
from kechuang.techmarket.models import ACHIEVEMENT_FIELDS, Achievement

router = Router()


# Generated from the achievement's one field declaration (models.ACHIEVEMENT_FIELDS); the contact comes masked.
AchievementOut = ACHIEVEMENT_FIELDS.schema("AchievementOut", API_OUT, first={"id": int}, extra={"contact": ContactOut})
AchievementIn = ACHIEVEMENT_FIELDS.schema("AchievementIn", API_IN)
AchievementPatch = ACHIEVEMENT_FIELDS.schema("AchievementPatch", API_IN, patch=True)


class StatusIn(Schema):
    status: str
    reason: str = ""


def _achievement(request: HttpRequest, a) -> dict[str, Any]:
    data = {f: getattr(a, f) for f in AchievementOut.model_fields if f not in ("contact", "region")}
    region = a.region.code if a.region_id else None
    return data | {"region": region, "contact": selectors.contact_of(a)}


def _achievement_data(data: dict[str, Any]) -> dict[str, Any]:
    if "region" in data:
        data["region"] = region_by_code(data["region"], "region", required=False)
    if data.get("keywords") is not None:
        data["keywords"] = clean_words(data["keywords"])
    if data.get("patent_numbers") is not None:
        data["patent_numbers"] = clean_words(data["patent_numbers"], upper=True)
    return data


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
    return search_hits(
        request,
        index.search(index.query_text(a), kind="demand", k=min(k, 50), exclude=[index.doc_id(a)], query_field=a.field),
    )


@router.post("/techmarket/achievements", response={201: AchievementOut})
def achievement_create(request: HttpRequest, payload: AchievementIn):
    obj = Achievement(**_achievement_data(payload.dict()))
    services.achievement_save(actor=request.user, achievement=obj)
    return Status(201, _achievement(request, obj))


@router.patch("/techmarket/achievements/{pk}", response=AchievementOut)
def achievement_update(request: HttpRequest, pk: int, payload: AchievementPatch):
    obj = get_for_user(request, selectors.achievements(request.user), pk)
    apply_patch(obj, _achievement_data(payload.dict(exclude_unset=True)), ACHIEVEMENT_FIELDS.nullable(API_IN))
    return _achievement(request, services.achievement_save(actor=request.user, achievement=obj))


@router.post("/techmarket/achievements/{pk}/status", response=AchievementOut)
def achievement_status(request: HttpRequest, pk: int, payload: StatusIn):
    """Publish, withdraw (reason required) or otherwise set an achievement's status."""
    obj = get_for_user(request, selectors.achievements(request.user), pk)
    services.achievement_set_status(actor=request.user, achievement=obj, status=payload.status, reason=payload.reason)
    return _achievement(request, obj)
