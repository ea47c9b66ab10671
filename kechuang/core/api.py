"""API: the signed-in user, org units and liaisons (the model the data-scope tests walk)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from kechuang.core import selectors, services
from kechuang.core.api_params import Pagination
from kechuang.core.filters import LiaisonFilter, filtered_or_422
from kechuang.core.masking import mask_attr
from kechuang.core.models import Liaison, OrgUnit
from kechuang.core.permissions import get_for_user

router = Router(tags=["core"])


class OrgUnitOut(Schema):
    id: int
    code: str
    name: str
    short_name: str
    kind: str
    region_kind: str
    in_partition: bool
    parent_id: int | None


class MeOut(Schema):
    username: str
    display_name: str
    role: str
    org_unit: OrgUnitOut | None


class LiaisonOut(Schema):
    id: int
    org_unit: OrgUnitOut
    name: str
    position: str
    phone: str
    email: str
    note: str
    is_active: bool
    archived_reason: str
    updated_at: dt.datetime


class LiaisonIn(Schema):
    org_unit_id: int
    name: str
    position: str = ""
    phone: str = ""
    email: str = ""
    note: str = ""


class LiaisonPatch(Schema):
    """Send only the fields to change. null is refused (send "" to clear a text)."""

    # The default None means "not sent" (exclude_unset); the types are not Optional, so a sent null gets a 422
    # naming the field instead of reaching a NOT NULL column.
    org_unit_id: int = Field(None)
    name: str = Field(None)
    position: str = Field(None)
    phone: str = Field(None)
    email: str = Field(None)
    note: str = Field(None)


class ArchiveIn(Schema):
    reason: str


def _liaison_out(request: HttpRequest, liaison: Liaison) -> LiaisonOut:
    """Personal fields masked for every client (full values only through the web's unmask, with a reason)."""
    out = LiaisonOut.from_orm(liaison)
    out.phone, out.email = mask_attr(liaison, "phone"), mask_attr(liaison, "email")
    return out


@router.get("/me", response=MeOut)
def me(request: HttpRequest):
    return request.user


@router.get("/org-units", response=list[OrgUnitOut])
def org_units(request: HttpRequest, kind: str | None = None):
    qs = OrgUnit.objects.filter(is_active=True).order_by("kind", "sort_order", "id")
    return qs.filter(kind=kind) if kind else qs


@router.get("/org-units/{unit_id}", response=OrgUnitOut)
def org_unit(request: HttpRequest, unit_id: int):
    return get_object_or_404(OrgUnit, pk=unit_id)


@router.get("/liaisons", response=list[LiaisonOut])
@paginate(Pagination)
def liaisons(request: HttpRequest, unit: str = "", q: str = "", active: str = "1"):
    rows = filtered_or_422(LiaisonFilter, request.GET, selectors.liaisons(request.user))
    return [_liaison_out(request, x) for x in rows]


@router.get("/liaisons/{liaison_id}", response=LiaisonOut)
def liaison(request: HttpRequest, liaison_id: int):
    found = get_for_user(request, Liaison.objects.select_related("org_unit"), liaison_id)
    return _liaison_out(request, found)


def _unit(request: HttpRequest, unit_id: int) -> OrgUnit:
    # Units come from the user's scoped picker list, so an officer cannot even name another unit.
    return get_object_or_404(selectors.liaison_units(request.user), pk=unit_id)


@router.post("/liaisons", response={201: LiaisonOut})
def liaison_create(request: HttpRequest, payload: LiaisonIn):
    data = payload.dict()
    unit = _unit(request, data.pop("org_unit_id"))
    created = services.liaison_create(actor=request.user, org_unit=unit, **data)
    return Status(201, _liaison_out(request, created))


@router.patch("/liaisons/{liaison_id}", response=LiaisonOut)
def liaison_update(request: HttpRequest, liaison_id: int, payload: LiaisonPatch):
    found = get_for_user(request, Liaison, liaison_id)
    data = payload.dict(exclude_unset=True)
    if "org_unit_id" in data:
        data["org_unit"] = _unit(request, data.pop("org_unit_id"))
    return _liaison_out(request, services.liaison_update(actor=request.user, liaison=found, **data))


@router.post("/liaisons/{liaison_id}/archive", response=LiaisonOut)
def liaison_archive(request: HttpRequest, liaison_id: int, payload: ArchiveIn):
    found = get_for_user(request, Liaison, liaison_id)
    return _liaison_out(request, services.liaison_archive(actor=request.user, liaison=found, reason=payload.reason))
