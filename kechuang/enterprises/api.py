"""API: the register (scoped), stored verdicts, and the self-assessment (企业自评) of one facts record."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from kechuang.core.api_params import Pagination
from kechuang.core.filters import filtered_or_422
from kechuang.core.permissions import get_for_user
from kechuang.enterprises import ladder, selectors
from kechuang.enterprises.filters import EnterpriseFilter
from kechuang.enterprises.models import Enterprise, LadderResult

router = Router(tags=["enterprises"])


class EnterpriseOut(Schema):
    credit_code: str
    name: str
    region: str
    industry: str
    tech_field: str = Field(description="a TechField code (kechuang.core.codes), or empty")
    tech_field_label: str
    registration_date: dt.date | None
    status: str

    @staticmethod
    def resolve_region(obj: Enterprise) -> str:
        return obj.region.code

    @staticmethod
    def resolve_tech_field_label(obj: Enterprise) -> str:
        return str(obj.get_tech_field_display())


class VerdictOut(Schema):
    tier: str
    status: str
    score: float | None
    route: str
    rule_version: str
    as_of: dt.date
    failed: int
    failed_criteria: list[str]
    missing: list[str]


@router.get("/enterprises", response=list[EnterpriseOut])
@paginate(Pagination)
def enterprises(
    request: HttpRequest,
    region: str = "",
    held: str = "",
    eligible: str = "",
    near: str = "",
    status: str = "active",
    field: str = Query("", description="a TechField code (kechuang.core.codes)"),
    q: str = "",
):
    return filtered_or_422(EnterpriseFilter, request.GET, selectors.enterprises(request.user))


@router.get("/enterprises/{credit_code}", response=EnterpriseOut)
def enterprise(request: HttpRequest, credit_code: str):
    return get_for_user(request, Enterprise.objects.select_related("region"), credit_code=credit_code)


@router.get("/enterprises/{credit_code}/ladder", response=list[VerdictOut])
def enterprise_ladder(request: HttpRequest, credit_code: str):
    found = get_for_user(request, Enterprise, credit_code=credit_code)
    return LadderResult.objects.visible_to(request.user).filter(enterprise=found)


@router.post(
    "/ladder/self-assessment",
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}}},
)
def self_assessment(request: HttpRequest, as_of: dt.date | None = None) -> dict[str, Any]:
    """企业自评: the body is one facts record in the shared facts format (ladder-facts-format.md); the answer is
    the verdict of every tier with each criterion, its gap and the missing data."""
    try:
        record = json.loads(request.body or b"null")
    except json.JSONDecodeError as exc:
        raise ValidationError({"(body)": f"not JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"}) from None
    except UnicodeDecodeError:
        raise ValidationError({"(body)": "not JSON: the body is not UTF-8 text"}) from None
    if not isinstance(record, dict):
        raise ValidationError({"(body)": "send one facts record, a JSON object"})
    try:
        return ladder.evaluate_record_json(record, as_of)
    except ladder.FactsError as exc:
        raise ValidationError({path: message for path, message in exc.errors}) from None
