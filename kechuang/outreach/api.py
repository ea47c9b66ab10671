"""API of the outreach module: the lists (same FilterSets and scope as the pages), the yearly statistics, and
logging a visit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from kechuang.core.api_params import Pagination, year_query
from kechuang.core.filters import filtered_or_422
from kechuang.core.permissions import get_for_user
from kechuang.outreach import selectors, services
from kechuang.outreach.filters import ActivityFilter, BaseFilter, CommissionerFilter, LogFilter

router = Router(tags=["outreach"])


class CommissionerOut(Schema):
    id: int
    name: str
    field: str
    expertise: str
    level: str
    employer_kind: str
    employer_name: str
    employer_credit_code: str
    team: str | None
    region: str
    department: str
    is_active: bool

    @staticmethod
    def resolve_team(obj: Any) -> str | None:
        return obj.team.name if obj.team else None

    @staticmethod
    def resolve_region(obj: Any) -> str:
        return obj.region.code

    @staticmethod
    def resolve_department(obj: Any) -> str:
        return obj.department.code


class LogOut(Schema):
    id: int
    commissioner: str
    served: str
    region: str
    town: str
    village: str
    date: dt.date
    place: str
    content: str
    people_trained: int
    technologies_introduced: int
    technologies: str
    income_effect_wan: Decimal

    @staticmethod
    def resolve_commissioner(obj: Any) -> str:
        return obj.dispatch.commissioner.name

    @staticmethod
    def resolve_served(obj: Any) -> str:
        return obj.dispatch.served_name

    @staticmethod
    def resolve_region(obj: Any) -> str:
        return obj.dispatch.region.code

    @staticmethod
    def resolve_town(obj: Any) -> str:
        return obj.dispatch.town

    @staticmethod
    def resolve_village(obj: Any) -> str:
        return obj.dispatch.village


class LogIn(Schema):
    date: dt.date
    place: str = Field(..., max_length=100)
    content: str = Field(..., max_length=500)
    people_trained: int = Field(0, ge=0, le=1_000_000)
    technologies_introduced: int = Field(0, ge=0, le=10_000)
    technologies: str = Field("", max_length=300)
    income_effect_wan: Decimal = Field(Decimal(0), ge=0, max_digits=12, decimal_places=2)


class BaseOut(Schema):
    id: int
    name: str
    organisation: str
    category: str
    level: str
    recognised_year: int
    document_number: str
    region: str
    provincial_candidate: bool

    @staticmethod
    def resolve_region(obj: Any) -> str:
        return obj.region.code


class ActivityOut(Schema):
    id: int
    kind: str
    title: str
    date: dt.date
    place: str
    region: str
    organiser: str
    audience: str
    participants: int

    @staticmethod
    def resolve_region(obj: Any) -> str:
        return obj.region.code


class StatRow(Schema):
    region: str | None
    name: str
    commissioners: int
    dispatches: int
    villages: int
    visits: int
    people_trained: int
    technologies: int
    income_wan: Decimal


@router.get("/outreach/commissioners", response=list[CommissionerOut], url_name="outreach_commissioners")
@paginate(Pagination)
def commissioners(request: HttpRequest, region: str | None = None, field: str | None = None, q: str | None = None):
    qs = filtered_or_422(CommissionerFilter, request.GET, selectors.commissioners(request.user).order_by("name", "id"))
    return qs


@router.get("/outreach/logs", response=list[LogOut], url_name="outreach_logs")
@paginate(Pagination)
def logs(request: HttpRequest, year: int | None = year_query(), region: str | None = None, q: str | None = None):
    qs = filtered_or_422(LogFilter, request.GET, selectors.logs(request.user))
    return qs


@router.post("/outreach/dispatches/{dispatch_id}/logs", response={201: LogOut}, url_name="outreach_log_create")
def log_create(request: HttpRequest, dispatch_id: int, payload: LogIn):
    dispatch = get_for_user(request, selectors.dispatches(request.user), dispatch_id, write=True)
    log = services.servicelog_create(actor=request.user, dispatch=dispatch, data=payload.dict())
    log.dispatch = dispatch
    return Status(201, log)


@router.get("/outreach/statistics", response=list[StatRow], url_name="outreach_statistics")
def statistics(request: HttpRequest, year: int | None = year_query()):
    data = selectors.commissioner_stats(request.user, year or dt.date.today().year)
    rows = [{"region": r["code"], **{k: v for k, v in r.items() if k != "code"}} for r in data["rows"]]
    return [*rows, {"region": None, "name": "合计", **data["total"]}]


@router.get("/outreach/bases", response=list[BaseOut], url_name="outreach_bases")
@paginate(Pagination)
def bases(request: HttpRequest, region: str | None = None, level: str | None = None, q: str | None = None):
    qs = filtered_or_422(BaseFilter, request.GET, selectors.bases(request.user))
    return qs


@router.get("/outreach/activities", response=list[ActivityOut], url_name="outreach_activities")
@paginate(Pagination)
def activities(
    request: HttpRequest, kind: str | None = None, year: int | None = year_query(), region: str | None = None
):
    qs = filtered_or_422(ActivityFilter, request.GET, selectors.activities(request.user))
    return qs
