"""API of matchmaking: list, read, workflow steps and the funnel."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from kechuang.core.api_params import Pagination
from kechuang.core.filters import filtered_or_422
from kechuang.core.permissions import get_for_user
from kechuang.techmarket import selectors, services, workflow
from kechuang.techmarket.api._common import MatchOut
from kechuang.techmarket.filters import MatchFilter

router = Router()


class StepIn(Schema):
    on: dt.date | None = None
    note: str = ""


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
