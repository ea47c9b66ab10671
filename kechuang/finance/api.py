"""API of the finance module: the same scoped lists and filters as the pages, a firm's explained score, loans."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from kechuang.core.api_params import Pagination, year_query
from kechuang.core.entity_fields import API_IN, API_OUT
from kechuang.core.filters import filtered_or_422
from kechuang.core.permissions import get_for_user, require_bureau
from kechuang.finance import filing, selectors, services
from kechuang.finance.explain import explain
from kechuang.finance.filters import InvestmentFilter, ListingFilter, LoanFilter, PolicyFilter, ScoreFilter
from kechuang.finance.models import LOAN_FIELDS, CapabilityScore, Loan
from kechuang.finance.scoring.engine import score

router = Router(tags=["finance"])


def _code(obj: Any, context: dict) -> str:
    """A firm's credit code, only to the roles that read the register (selectors.show_codes)."""
    request = context.get("request")
    return obj.credit_code if selectors.show_codes(getattr(request, "user", None)) else ""


class ScoreOut(Schema):
    credit_code: str
    enterprise_name: str
    region: str
    total: Decimal
    grade: str
    as_of: dt.date
    scheme: str

    @staticmethod
    def resolve_credit_code(obj: Any, context: dict) -> str:
        return _code(obj, context)

    @staticmethod
    def resolve_region(obj: CapabilityScore) -> str:
        return obj.region.code

    @staticmethod
    def resolve_scheme(obj: CapabilityScore) -> str:
        return obj.scheme.version


class LineOut(Schema):
    code: str
    label: str
    measured: str
    rule: str
    working: str
    points: float
    max_points: float


class ExplainedScoreOut(Schema):
    credit_code: str
    enterprise_name: str
    total: float
    grade: str
    max_total: float
    as_of: dt.date
    scheme: str
    scheme_verified: bool
    criteria: list[LineOut]
    history: list[dict[str, Any]]


def explained(history: list[CapabilityScore]) -> dict[str, Any]:
    latest = history[0]
    scheme = selectors.scheme_of(latest.scheme)
    result = score(latest.measures, scheme)
    return {
        "credit_code": latest.credit_code,
        "enterprise_name": latest.enterprise_name,
        "total": result.total / 10,
        "grade": result.grade,
        "max_total": scheme.max_total / 10,
        "as_of": latest.as_of,
        "scheme": latest.scheme.version,
        "scheme_verified": latest.scheme.verified,
        "criteria": [
            {
                "code": r.code,
                "label": r.label,
                "measured": r.measured,
                "rule": r.rule,
                "working": r.working,
                "points": float(r.points),
                "max_points": float(r.max_points),
            }
            for r in explain(result, scheme)
        ],
        "history": [{"as_of": h.as_of.isoformat(), "total": float(h.total), "grade": h.grade} for h in history],
    }


@router.get("/finance/scores", response=list[ScoreOut])
@paginate(Pagination)
def finance_scores(
    request: HttpRequest, region: str = "", grade: str = "", min_score: int | None = None, q: str = "", sort: str = ""
):
    return filtered_or_422(ScoreFilter, request.GET, selectors.scores(request.user).select_related("scheme"))


@router.get("/finance/scores/{credit_code}", response=ExplainedScoreOut)
def finance_score_detail(request: HttpRequest, credit_code: str):
    """A firm's latest capability score explained criterion by criterion (the points add up to the total), with its
    history. Keyed by the credit code: for the roles that read the register."""
    if not selectors.show_codes(request.user):
        raise Http404
    history = list(selectors.score_history(request.user, credit_code)[:60])
    if not history:
        get_for_user(request, CapabilityScore, credit_code=credit_code, is_latest=True)
        raise Http404
    return explained(history)


@router.get("/finance/my-score", response=ExplainedScoreOut)
def finance_my_score(request: HttpRequest):
    """An enterprise account's own firm's latest score (its credit code), explained criterion by criterion."""
    from kechuang.core.roles import Role

    if request.user.role != Role.ENTERPRISE:
        raise PermissionDenied
    history = list(selectors.own_score_history(request.user)[:60])
    if not history:
        raise Http404
    return explained(history)


@router.post("/finance/score-runs", response={202: dict})
def finance_score_run(request: HttpRequest):
    """Bureau staff: score the whole register (queued on the task worker)."""
    require_bureau(request.user)
    from kechuang.finance.tasks import compute_scores

    user_id = request.user.pk
    transaction.on_commit(lambda: compute_scores.enqueue(actor_id=user_id))
    return Status(202, {"queued": True})


LoanOut = LOAN_FIELDS.schema("LoanOut", API_OUT, first={"id": int}, extra={"tech_sme_number_lost": bool})
LoanIn = LOAN_FIELDS.schema("LoanIn", API_IN)
LoanPatch = LOAN_FIELDS.schema("LoanPatch", API_IN, patch=True)


def _loan(obj: Loan, user: Any) -> dict[str, Any]:
    if not hasattr(obj, "warning"):
        selectors.with_warnings([obj])
    data = {name: getattr(obj, name) for name in LOAN_FIELDS.names(API_OUT)}
    data["region"] = obj.region.code
    if not selectors.show_codes(user):
        data["credit_code"] = ""
    return {"id": obj.pk, **data, "tech_sme_number_lost": obj.warning}


@router.get("/finance/loans", response=list[LoanOut])
@paginate(Pagination)
def finance_loans(
    request: HttpRequest,
    region: str = "",
    product: str = "",
    status: str = "",
    bank: str = "",
    month: str = "",
    warning: str = "",
    q: str = "",
    sort: str = "",
):
    return _Mapped(filtered_or_422(LoanFilter, request.GET, selectors.loans(request.user)), request.user)


class _Mapped:
    """A loan queryset the paginator slices: each page gets its warnings in one registry call."""

    def __init__(self, qs: Any, user: Any) -> None:
        self.qs, self.user = qs, user

    def __len__(self) -> int:
        return self.qs.count()

    def __getitem__(self, window: slice) -> list[dict[str, Any]]:
        return [_loan(loan, self.user) for loan in selectors.with_warnings(list(self.qs[window]))]


@router.get("/finance/loans/filing")
def finance_loan_filing(request: HttpRequest, month: str):
    """The monthly filing to the province as data: its columns (a default set, see `verified`), rows and summary."""
    try:
        year, mon = (int(p) for p in month.split("-")[:2])
        start = dt.date(year, mon, 1)
    except ValueError:
        from django.core.exceptions import ValidationError

        raise ValidationError({"month": "give the month as YYYY-MM"}) from None
    qs = selectors.loans(request.user).filter(month=start).exclude(status=Loan.Status.REVOKED)
    spec = filing.columns()
    summary = filing.summary(qs)
    return {
        "month": start.strftime("%Y-%m"),
        "columns": [c["header"] for c in spec["columns"]],
        "column_set": spec["version"],
        "verified": bool(spec.get("verified")),
        "rows": [
            [str(v) if isinstance(v, Decimal) else v for v in r]
            for r in filing.rows(qs, codes=selectors.show_codes(request.user))
        ],
        "summary": {k: (str(v) if isinstance(v, Decimal) else v) for k, v in summary.items()},
    }


@router.get("/finance/loans/{pk}", response=LoanOut)
def finance_loan(request: HttpRequest, pk: int):
    return _loan(get_for_user(request, selectors.loans(request.user), pk), request.user)


@router.post("/finance/loans", response={201: LoanOut})
def finance_loan_create(request: HttpRequest, payload: LoanIn):
    return Status(201, _loan(services.loan_create(actor=request.user, data=payload.dict()), request.user))


@router.patch("/finance/loans/{pk}", response=LoanOut)
def finance_loan_update(request: HttpRequest, pk: int, payload: LoanPatch):
    obj = get_for_user(request, selectors.loans(request.user), pk, write=True)
    data = payload.dict(exclude_unset=True)
    services.loan_update(actor=request.user, loan=obj, data=data)
    return _loan(obj, request.user)


class PolicyOut(Schema):
    id: int
    policy_number: str
    insurer: str
    product: str
    credit_code: str
    enterprise_name: str
    premium_wan: Decimal
    subsidy_wan: Decimal
    sum_insured_wan: Decimal
    start_date: dt.date
    end_date: dt.date
    claims_n: int
    paid: Decimal | None

    @staticmethod
    def resolve_credit_code(obj: Any, context: dict) -> str:
        return _code(obj, context)


@router.get("/finance/insurance/policies", response=list[PolicyOut])
@paginate(Pagination)
def finance_policies(
    request: HttpRequest,
    region: str = "",
    product: str = "",
    year: int | None = year_query(),
    q: str = "",
    sort: str = "",
):
    return filtered_or_422(PolicyFilter, request.GET, selectors.policies(request.user))


class InvestmentOut(Schema):
    id: int
    fund: str
    institution: str
    credit_code: str
    enterprise_name: str
    stage: str
    amount_wan: Decimal
    invested_on: dt.date
    yield_applies: bool
    yield_share_pct: Decimal | None

    @staticmethod
    def resolve_credit_code(obj: Any, context: dict) -> str:
        return _code(obj, context)

    @staticmethod
    def resolve_fund(obj: Any) -> str:
        return obj.fund.name

    @staticmethod
    def resolve_institution(obj: Any) -> str:
        return obj.fund.institution.name


@router.get("/finance/vc/investments", response=list[InvestmentOut])
@paginate(Pagination)
def finance_investments(
    request: HttpRequest,
    region: str = "",
    stage: str = "",
    fund: int | None = None,
    year: int | None = year_query(),
    q: str = "",
    sort: str = "",
):
    return filtered_or_422(InvestmentFilter, request.GET, selectors.investments(request.user))


class ListingOut(Schema):
    id: int
    credit_code: str
    enterprise_name: str
    stage: str
    target_board: str
    entered_on: dt.date
    services_n: int

    @staticmethod
    def resolve_credit_code(obj: Any, context: dict) -> str:
        return _code(obj, context)


@router.get("/finance/listing", response=list[ListingOut])
@paginate(Pagination)
def finance_listing(
    request: HttpRequest, region: str = "", stage: str = "", board: str = "", q: str = "", sort: str = ""
):
    return filtered_or_422(ListingFilter, request.GET, selectors.listing(request.user))


@router.get("/finance/board")
def finance_board(request: HttpRequest, year: int = year_query()):
    """The finance board's figures for a year (default: this year), in the caller's scope."""
    if not request.user.is_authenticated:
        raise PermissionDenied
    data = selectors.board(request.user, year or dt.date.today().year)

    def plain(value: Any) -> Any:
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        return value if isinstance(value, int | float | str | type(None)) else str(value)

    return plain(data)
