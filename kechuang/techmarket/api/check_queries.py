"""API of the check queries (bureau staff only, like the pages)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from kechuang.core.api_params import Pagination
from kechuang.core.filters import filtered_or_422
from kechuang.core.permissions import get_for_user, require_bureau
from kechuang.techmarket import selectors, services
from kechuang.techmarket.filters import MatchCheckFilter
from kechuang.techmarket.models import MatchCheck

router = Router()


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
