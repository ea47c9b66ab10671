"""API: the register (scoped), stored verdicts, and the self-assessment (企业自评) of one facts record."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import get_language
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from kechuang.core.api_params import Pagination
from kechuang.core.filters import filtered_or_422
from kechuang.core.permissions import get_for_user
from kechuang.enterprises import ladder, selectors, services
from kechuang.enterprises.filters import EnterpriseFilter, FactCorrectionFilter
from kechuang.enterprises.models import Enterprise, FactCorrection, LadderResult

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


# --- one firm's own ladder, what-if and corrections (enterprise accounts), and the districts' corrections ---------


class CriterionOut(Schema):
    id: str
    name: str
    kind: str
    clause: str
    passed: bool | None
    value: Any = None
    threshold: str | None
    gap: str | None = Field(None, description="what must change, in the reader's language")


class LadderStepOut(Schema):
    tier: str
    label: str
    state: str = Field(description="held | eligible | one_away | not_yet")
    status: str = Field(description="the engine's verdict: eligible | not_eligible | not_evaluable")
    score: float | None
    failing: list[str]
    missing: list[str]
    criteria: list[CriterionOut]


class QualificationOut(Schema):
    tier: str
    certificate_number: str
    issue_date: dt.date
    expiry_date: dt.date
    expiring_within_a_year: bool


class MyLadderOut(Schema):
    credit_code: str
    name: str
    as_of: dt.date
    steps: list[LadderStepOut]
    qualifications: list[QualificationOut]


def _steps(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "tier": s["tier"],
            "label": str(s["label"]),
            "state": s["state"],
            "status": s["result"].status,
            "score": s["result"].score,
            "failing": [c.id for c in s["failing"]],
            "missing": s["missing"],
            "criteria": [
                {
                    "id": c.id,
                    "name": c.shown_name,
                    "kind": c.kind,
                    "clause": c.clause,
                    "passed": c.passed,
                    "value": c.value
                    if isinstance(c.value, int | float | str | bool) or c.value is None
                    else str(c.value),
                    "threshold": c.threshold,
                    "gap": c.gap_text,
                }
                for c in s["result"].criteria
            ],
        }
        for s in steps
    ]


def _own(request: HttpRequest) -> Enterprise:
    from kechuang.core.roles import Role

    if request.user.role != Role.ENTERPRISE:
        raise PermissionDenied
    enterprise = selectors.own_enterprise(request.user)
    if enterprise is None:
        raise Http404
    return enterprise


@router.get("/my-enterprise/ladder", response=MyLadderOut)
def my_ladder(request: HttpRequest):
    """An enterprise account's own firm: every tier (held, eligible, one criterion away, not yet) with each
    criterion's measured value, threshold, gap and clause, and its qualifications (expiring within a year flagged)."""
    enterprise = _own(request)
    context = selectors.firm_ladder(enterprise, get_language())
    return {
        "credit_code": enterprise.credit_code,
        "name": enterprise.name,
        "as_of": context["today"],
        "steps": _steps(context["steps"]),
        "qualifications": [
            {
                "tier": q.tier,
                "certificate_number": q.certificate_number,
                "issue_date": q.issue_date,
                "expiry_date": q.expiry_date,
                "expiring_within_a_year": q.expiring,
            }
            for q in context["qualifications"]
        ],
    }


class WhatIfIn(Schema):
    changes: dict[str, float] = Field(
        description="lever → value: a figure of the last fiscal year (e.g. rd_expense_wan, operating_revenue_wan, "
        "st_staff, niche_market_share_pct) or IP items added (ip.class_I_added, ip.class_II_added)"
    )


class WhatIfTierOut(Schema):
    tier: str
    before: str
    after: str
    changed: bool
    failing_after: list[str]


@router.post("/my-enterprise/what-if", response=list[WhatIfTierOut])
def my_whatif(request: HttpRequest, body: WhatIfIn):
    """The firm's tiers now and with the changes, by the same engine; nothing is saved."""
    from decimal import Decimal

    from kechuang.enterprises.ladder.whatif import INTEGER_LEVERS, LEVERS

    enterprise = _own(request)
    changes: dict[str, Any] = {}
    for lever, value in body.changes.items():
        if lever not in LEVERS:
            raise ValidationError({f"changes.{lever}": "not a lever of the what-if"})
        if value < 0:
            raise ValidationError({f"changes.{lever}": "must not be negative"})
        if lever in INTEGER_LEVERS:
            changes[lever] = int(value)
        elif lever == "niche_market_share_pct":
            changes[lever] = float(value)
        else:
            changes[lever] = Decimal(str(value))
    result = selectors.firm_whatif(enterprise, changes, get_language())
    if "errors" in result:
        raise ValidationError({"changes": result["errors"]})
    return [
        {
            "tier": t["after"]["tier"],
            "before": t["before"]["state"],
            "after": t["after"]["state"],
            "changed": t["moved"],
            "failing_after": [c.id for c in t["after"]["failing"]],
        }
        for t in result["tiers"]
    ]


class CorrectionOut(Schema):
    id: int
    credit_code: str
    year: int
    field: str
    current_value: str
    proposed_value: str
    reason: str
    status: str
    proposed_by: str
    created_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_note: str

    @staticmethod
    def resolve_credit_code(obj: FactCorrection) -> str:
        return obj.enterprise.credit_code

    @staticmethod
    def resolve_proposed_by(obj: FactCorrection) -> str:
        return str(obj.proposed_by)

    @staticmethod
    def resolve_decided_by(obj: FactCorrection) -> str | None:
        return str(obj.decided_by) if obj.decided_by_id else None


class CorrectionIn(Schema):
    year: int
    field: str
    value: str
    reason: str


@router.get("/my-enterprise/corrections", response=list[CorrectionOut])
@paginate(Pagination)
def my_corrections(request: HttpRequest):
    """The firm's proposals and their decisions, newest first."""
    return selectors.own_corrections(_own(request)).select_related("enterprise")


@router.post("/my-enterprise/corrections", response={201: CorrectionOut})
def my_correction_propose(request: HttpRequest, body: CorrectionIn):
    """Propose a figure for one of the firm's yearly facts; it counts once the district confirms it."""
    _own(request)
    return Status(201, services.fact_correction_propose(actor=request.user, **body.dict()))


@router.get("/fact-corrections", response=list[CorrectionOut])
@paginate(Pagination)
def fact_corrections(request: HttpRequest, status: str = "proposed", region: str = "", year: str = "", q: str = ""):
    """Staff: the proposals in the reader's scope (the district's firms for a district officer)."""
    return filtered_or_422(FactCorrectionFilter, request.GET, selectors.corrections(request.user))


class DecisionIn(Schema):
    confirm: bool
    note: str = ""


@router.post("/fact-corrections/{correction_id}/decision", response=CorrectionOut)
def fact_correction_decision(request: HttpRequest, correction_id: int, body: DecisionIn):
    """Staff of the firm's district (or the bureau): confirm (written into the register, the ladder recomputed) or
    reject with a note."""
    correction = get_for_user(request, selectors.corrections(request.user), pk=correction_id)
    return services.fact_correction_decide(
        actor=request.user, correction=correction, confirm=body.confirm, note=body.note
    )
