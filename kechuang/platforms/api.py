"""API: the platform register (scoped), its task-2 board, a step of a platform's life, the incubation carriers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from kechuang.core.api_params import Pagination
from kechuang.core.filters import filtered_or_422
from kechuang.core.permissions import get_for_user
from kechuang.platforms import selectors, services
from kechuang.platforms.filters import CarrierFilter, PlatformFilter
from kechuang.platforms.models import Carrier, Platform

router = Router(tags=["platforms"])


class PlatformOut(Schema):
    id: int
    name: str
    type: str
    type_name: str
    level: str
    state: str
    region: str
    host_kind: str
    host_name: str
    host_credit_code: str
    co_builders: list[str]
    industry_chain: str
    recognition_document: str
    recognition_date: dt.date | None

    @staticmethod
    def resolve_type(obj: Platform) -> str:
        return obj.type.code

    @staticmethod
    def resolve_type_name(obj: Platform) -> str:
        return obj.type.name

    @staticmethod
    def resolve_region(obj: Platform) -> str:
        return obj.region.code

    @staticmethod
    def resolve_host_credit_code(obj: Platform, context: dict) -> str:
        request = (context or {}).get("request")
        return obj.host_credit_code if selectors.show_host_code(getattr(request, "user", None)) else ""

    @staticmethod
    def resolve_co_builders(obj: Platform) -> list[str]:
        return obj.co_builder_list


class PlatformStepIn(Schema):
    target: str
    document: str = ""
    on: dt.date | None = None
    note: str = ""
    level: str = ""


class StepOut(Schema):
    state: str
    level: str
    document: str
    on: dt.date


class CountRow(Schema):
    code: str
    label: str
    count: int


class BoardOut(Schema):
    year: int
    total: int
    target: float | None
    deadline: int
    counted_types: list[str]
    count_under_construction: bool
    by_type: list[CountRow]
    by_level: list[CountRow]
    by_region: list[CountRow]
    trajectory: list[list[int]]
    forecast_deadline_value: float | None
    probability_of_meeting_target: float | None


class CarrierOut(Schema):
    id: int
    name: str
    stage: str
    level: str
    region: str
    operator_name: str
    space_total_m2: float | None
    space_incubatee_m2: float | None

    @staticmethod
    def resolve_region(obj: Carrier) -> str:
        return obj.region.code


@router.get("/platforms", response=list[PlatformOut])
@paginate(Pagination)
def platform_list(
    request: HttpRequest,
    type: str = "",
    family: str = "",
    level: str = "",
    state: str = "",
    region: str = "",
    chain: str = "",
    host: str = "",
    counted: int | None = None,
    q: str = "",
):
    return filtered_or_422(PlatformFilter, request.GET, selectors.platforms(request.user), user=request.user)


@router.get("/platforms/board", response=BoardOut)
def platform_board(request: HttpRequest) -> dict[str, Any]:
    data = selectors.board(request.user)
    forecast = data.forecast or {}
    last = next((p for p in forecast.get("forecast", []) if p["year"] == data.deadline), None)
    return {
        "year": data.year,
        "total": data.tally.total,
        "target": data.target,
        "deadline": data.deadline,
        "counted_types": sorted(data.rule.counted_types),
        "count_under_construction": data.rule.count_under_construction,
        "by_type": data.by_type,
        "by_level": data.by_level,
        "by_region": data.by_region,
        "trajectory": [[y, v] for y, v in data.series],
        "forecast_deadline_value": last["value"] if last else None,
        "probability_of_meeting_target": forecast.get("probability_of_meeting_target"),
    }


@router.get("/platforms/{pk}", response=PlatformOut)
def platform_detail(request: HttpRequest, pk: int):
    return get_for_user(request, selectors.platforms(request.user), pk)


@router.post("/platforms/{pk}/steps", response=StepOut)
def platform_step(request: HttpRequest, pk: int, body: PlatformStepIn):
    platform = get_for_user(request, Platform, pk, write=True)
    event = services.platform_transition(actor=request.user, platform=platform, **body.dict())
    return {"state": event.state, "level": event.level, "document": event.document, "on": event.on}


@router.get("/carriers", response=list[CarrierOut])
@paginate(Pagination)
def carrier_list(request: HttpRequest, stage: str = "", level: str = "", region: str = "", q: str = ""):
    return filtered_or_422(CarrierFilter, request.GET, selectors.carriers(request.user))


@router.get("/carriers/{pk}", response=CarrierOut)
def carrier_detail(request: HttpRequest, pk: int):
    return get_for_user(request, selectors.carriers(request.user), pk)
