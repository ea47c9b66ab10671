"""API of experts: list, read and bureau writes."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from kechuang.core.api_params import Pagination
from kechuang.core.codes import TechField
from kechuang.core.filters import filtered_or_422
from kechuang.core.permissions import get_for_user
from kechuang.techmarket import selectors, services
from kechuang.techmarket.api._common import ReasonIn, apply_patch, region_by_code
from kechuang.techmarket.filters import ExpertFilter
from kechuang.techmarket.models import Expert

router = Router()


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


def _expert(request: HttpRequest, e) -> dict[str, Any]:
    data = {f: getattr(e, f) for f in ExpertOut.model_fields if f not in ("phone", "email", "region")}
    contact = selectors.expert_contact(e, request.user) or {"phone": None, "email": None}
    return data | contact | {"region": e.region.code if e.region_id else None}


def _expert_data(data: dict[str, Any]) -> dict[str, Any]:
    if "region" in data:
        data["region"] = region_by_code(data["region"], "region", required=False)
    if data.get("fields") is not None:
        bad = [v for v in data["fields"] if v not in TechField.values]
        if bad:  # the page offers these as choices; the model stores any list
            raise ValidationError({"fields": f"unknown field: {', '.join(bad)}"})
        data["fields"] = list(dict.fromkeys(data["fields"]))
    return data


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


@router.post("/techmarket/experts", response={201: ExpertOut})
def expert_create(request: HttpRequest, payload: ExpertIn):
    obj = Expert(**_expert_data(payload.dict()))
    services.expert_save(actor=request.user, expert=obj)
    return Status(201, _expert(request, obj))


@router.patch("/techmarket/experts/{pk}", response=ExpertOut)
def expert_update(request: HttpRequest, pk: int, payload: ExpertPatch):
    obj = get_for_user(request, selectors.experts(request.user), pk)
    apply_patch(obj, _expert_data(payload.dict(exclude_unset=True)), frozenset({"region"}))
    return _expert(request, services.expert_save(actor=request.user, expert=obj))


@router.post("/techmarket/experts/{pk}/deactivate", response=ExpertOut)
def expert_deactivate(request: HttpRequest, pk: int, payload: ReasonIn):
    obj = get_for_user(request, selectors.experts(request.user), pk)
    return _expert(request, services.expert_deactivate(actor=request.user, expert=obj, reason=payload.reason))
