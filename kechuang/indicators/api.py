"""API: the indicator catalogue, observations (list and create, scoped), targets with progress, forecasts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from kechuang.core.api_params import Pagination, year_query
from kechuang.core.filters import filtered_or_422
from kechuang.core.http import current_policy
from kechuang.core.models import OrgUnit
from kechuang.core.permissions import get_for_user
from kechuang.indicators import selectors, services
from kechuang.indicators.filters import ObservationFilter
from kechuang.indicators.models import Indicator, Observation

router = Router(tags=["indicators"])


class IndicatorOut(Schema):
    code: str
    name: str
    unit: str
    direction: str
    aggregation: str
    formula: str
    definition: str
    responsible: str
    departments: list[str]
    framework: str
    verification: str
    derived: bool


class ObservationOut(Schema):
    id: int
    indicator: str
    region: str
    region_name: str
    year: int
    quarter: int
    month: int
    value: Decimal
    status: str
    source: str
    definition_version: str
    is_demo: bool
    updated_at: dt.datetime


class ObservationIn(Schema):
    indicator: str
    region: str
    year: int
    quarter: int = 0
    month: int = 0
    value: Decimal
    status: str = Observation.Status.PRELIMINARY
    source: str
    definition_version: str = ""
    reason: str = ""


def _indicator_out(i: Indicator) -> dict[str, Any]:
    return {
        "code": i.code,
        "name": i.name,
        "unit": i.unit,
        "direction": i.direction,
        "aggregation": i.aggregation,
        "formula": i.formula,
        "definition": i.definition,
        "responsible": i.responsible,
        "departments": [d.label for d in i.departments.all()],
        "framework": i.framework,
        "verification": i.verification,
        "derived": bool(i.formula),
    }


def _observation_out(o: Observation) -> dict[str, Any]:
    return {
        "id": o.pk,
        "indicator": o.indicator.code,
        "region": o.region.code,
        "region_name": o.region.name,
        "year": o.year,
        "quarter": o.quarter,
        "month": o.month,
        "value": o.value,
        "status": o.status,
        "source": o.source,
        "definition_version": o.definition_version,
        "is_demo": o.is_demo,
        "updated_at": o.updated_at,
    }


@router.get("/indicators", response=list[IndicatorOut])
def indicators(request: HttpRequest, catalogue_only: bool = False):
    qs = Indicator.objects.visible_to(request.user).prefetch_related("departments")
    if catalogue_only:
        qs = qs.filter(in_catalogue=True)
    return [_indicator_out(i) for i in qs]


@router.get("/indicators/{code}", response=IndicatorOut)
def indicator(request: HttpRequest, code: str):
    return _indicator_out(get_for_user(request, Indicator.objects.prefetch_related("departments"), code=code))


@router.get("/observations", response=list[ObservationOut])
@paginate(Pagination)
def observations(request: HttpRequest, indicator: str = "", region: str = "", year: int | None = year_query()):
    qs = Observation.objects.visible_to(request.user).select_related("indicator", "region")
    qs = filtered_or_422(ObservationFilter, request.GET, qs)
    return [
        _observation_out(o) for o in qs.order_by("indicator__code", "year", "quarter", "month", "region__sort_order")
    ]


@router.post("/observations", response={201: ObservationOut, 200: ObservationOut})
def observation_create(request: HttpRequest, payload: ObservationIn):
    """Create a value, or revise it (a revision needs `reason`). Scope: see `services.can_enter`."""
    policy = current_policy(request)
    found = get_for_user(request, Indicator.objects.prefetch_related("departments"), code=payload.indicator)
    units = OrgUnit.objects.filter(parent=policy.city, kind=OrgUnit.Kind.REGION) | OrgUnit.objects.filter(
        pk=policy.city.pk
    )
    region = get_object_or_404(units, code=payload.region)
    if payload.status not in Observation.Status.values:
        from django.core.exceptions import ValidationError

        raise ValidationError({"status": "preliminary or final"})
    result = services.observation_save(
        actor=request.user,
        indicator=found,
        region=region,
        year=payload.year,
        quarter=payload.quarter,
        month=payload.month,
        value=payload.value,
        status=payload.status,
        source=payload.source,
        definition_version=payload.definition_version,
        reason=payload.reason,
    )
    return Status(201 if result.created else 200, _observation_out(result.observation))


@router.get("/targets")
def targets(request: HttpRequest) -> list[dict[str, Any]]:
    """The policy's numeric targets with progress and status for the user's unit (the city, or a district
    officer's region). The status follows the rule the pages state (`status_rule`), from the probability given
    beside it for a deadline target."""
    policy = current_policy(request)
    _ctx, _unit, cards = selectors.target_cards(request.user, policy)
    out = []
    for c in cards:
        a = c.assessment
        out.append(
            {
                "target": c.target.code,
                "indicator": c.indicator.code,
                "indicator_name": c.indicator.name,
                "unit": c.unit.code,
                "comparator": c.target.comparator,
                "target_value": c.target_value,
                "target_year": c.target_year,
                "deadline_year": c.target.deadline.year if c.target.deadline else None,
                "cadence_years": c.target.cadence_years,
                "recurring_quota": c.quota,
                "latest_year": a.latest_year,
                "latest_value": a.latest_value,
                "baseline_year": a.baseline_year,
                "baseline_value": a.baseline_value,
                "planned_value": a.planned_value,
                "percent_of_target": a.percent_of_target,
                "gap": a.gap,
                "status": a.status,
                "status_basis": a.basis,  # probability / path / quota: which clause of the status rule applied
                "probability_of_meeting_target": a.probability,
                "demo_data": c.demo,
                "allocations": {al.region.code: float(al.value) for al in c.target.allocations.all()},
            }
        )
    return out


@router.get("/indicators/{code}/forecast")
def forecast(request: HttpRequest, code: str, region: str = "") -> dict[str, Any]:
    """The trend forecast of the indicator to its target year (the policy's horizon when it has no target)."""
    policy = current_policy(request)
    found = get_for_user(request, Indicator, code=code)
    ctx = selectors.context_for(request.user, policy.city)
    if not ctx.allows(code):
        raise Http404
    unit = selectors.focus_unit(request.user, policy.city)
    if region and unit.pk == policy.city.pk:
        unit = get_object_or_404(OrgUnit, parent=policy.city, code=region)
    series = ctx.resolver.series(code, unit.code)
    target = selectors.target_of(policy, found)
    value = selectors.target_value_for(target, unit, policy.city) if target else None
    deadline = selectors.deadline_year(target, policy)
    comparator = target.comparator if target else "ge"
    result = selectors.forecast_for(
        series,
        value if value is not None else (series[-1][1] if series else 0.0),
        deadline,
        comparator,
        indicator=found,
    )
    return {"indicator": code, "region": unit.code, "series": series, "has_target": value is not None, **result}
