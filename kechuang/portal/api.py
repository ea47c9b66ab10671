"""The enterprise portal's API: the same data as its pages, for the firm's own systems, its own firm only.

An enterprise account uses it with its session; the firm's own systems with an API token its administrator
issued (core.firm_tokens: bound to the firm, read only or read and write). Every endpoint answers the firm of
`request.user.credit_code`; another role gets 403, another firm's demand 404. Demands are posted and edited through
the technology market's form and service (`FirmDemandForm`, `demand_save_for_firm`), as on the portal's page.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from ninja import Router, Schema
from ninja.responses import Status

from kechuang.core.roles import Role
from kechuang.portal import market, present, selectors
from kechuang.techmarket import selectors as market_selectors
from kechuang.techmarket.models import Demand

router = Router(tags=["portal"])


def _firm_user(request: HttpRequest):
    if request.user.role != Role.ENTERPRISE or not request.user.credit_code:
        raise PermissionDenied
    return request.user


class PortalTierOut(Schema):
    tier: str
    label: str
    state: str  # held, eligible, one_away, not_yet, unknown
    expiry: dt.date | None
    expiring: bool
    failed: int | None
    gaps: list[str]


class PortalScoreOut(Schema):
    total: Decimal
    grade: str
    as_of: dt.date


class PortalDeadlineOut(Schema):
    on: dt.date
    kind: str
    title: str


class PortalHomeOut(Schema):
    credit_code: str
    name: str
    region: str
    in_register: bool
    tiers: list[PortalTierOut]
    score: PortalScoreOut | None
    push_qualifies: int
    push_gap: int
    open_applications: int
    demands_by_status: dict[str, int]
    projects: int
    loans: int
    talent_applications_open: int
    deadlines: list[PortalDeadlineOut]


class PortalPushOut(Schema):
    key: str
    kind: str
    title: str
    status: str  # qualifies, gap, applied
    automatic: bool
    rule: str
    clause: str
    document: str
    verified: bool
    deadline: dt.date | None
    reasons: list[str]
    gaps: list[str]
    apply_url: str
    apply_at: str


class PortalDemandOut(Schema):
    id: int
    title: str
    description: str
    status: str
    status_reason: str
    field: str
    cooperation_mode: str
    deadline: dt.date | None
    budget_min_wan: Decimal | None
    budget_max_wan: Decimal | None
    created_at: dt.datetime


class PortalSuggestionOut(Schema):
    achievement_id: int
    title: str
    owner: str
    score: float
    field_match: bool
    weak: bool
    matched_terms: list[str]


class PortalMatchOut(Schema):
    id: int
    stage: str
    achievement: str
    expert: str
    matched_terms: list[str]


class PortalDemandDetailOut(PortalDemandOut):
    suggestions: list[PortalSuggestionOut]
    matches: list[PortalMatchOut]


class PortalApplicationOut(Schema):
    id: int
    call_code: str
    call_title: str
    project_title: str
    state: str
    submitted_on: dt.date


class PortalProjectOut(Schema):
    code: str
    title: str
    state: str
    start_on: dt.date
    end_on: dt.date
    budget_fiscal_wan: Decimal
    milestones: int
    milestones_pending: int


class PortalSubsidyOut(Schema):
    project_code: str
    year: int
    verified_spending_wan: Decimal
    amount_wan: Decimal
    formula: str


class PortalLoanOut(Schema):
    product: str
    bank: str
    month: dt.date
    amount_wan: Decimal
    rate_pct: Decimal
    status: str


class PortalTalentApplicationOut(Schema):
    id: int
    programme: str
    round: str
    state: str
    paid_wan: Decimal


class PortalApplicationsOut(Schema):
    applications: list[PortalApplicationOut]
    projects: list[PortalProjectOut]
    post_subsidies: list[PortalSubsidyOut]
    loans: list[PortalLoanOut]
    score: PortalScoreOut | None
    talent_applications: list[PortalTalentApplicationOut]


def _score(view: selectors.FirmView) -> dict | None:
    s = view.score
    return {"total": s.total, "grade": s.grade, "as_of": s.as_of} if s else None


@router.get("/portal/home", response=PortalHomeOut)
def portal_home(request: HttpRequest):
    """The portal's first page as data: the firm, its tiers, what it qualifies for, its applications and deadlines."""
    user = _firm_user(request)
    data = selectors.home(user)
    view = data["firm"]
    items = selectors.push_items(user, view)
    return {
        "credit_code": view.credit_code,
        "name": view.name,
        "region": view.enterprise.region.name if view.enterprise else "",
        "in_register": view.enterprise is not None,
        "tiers": [{**t, "tier": t["tier"].value, "label": str(t["label"])} for t in data["ladder"]],
        "score": _score(view),
        "push_qualifies": sum(1 for i in items if i.status == "qualifies"),
        "push_gap": sum(1 for i in items if i.status == "gap"),
        "open_applications": len(data["applications"]),
        "demands_by_status": data["demand_counts"],
        "projects": data["money"]["projects"],
        "loans": data["money"]["loans"],
        "talent_applications_open": data["money"]["talent_open"],
        "deadlines": [{"on": d["on"], "kind": d["kind"], "title": d["title"]} for d in data["deadlines"]],
    }


@router.get("/portal/push", response=list[PortalPushOut])
def portal_push(request: HttpRequest):
    """What the firm qualifies for now, is one gap away from, or has applied for, each with its rule and clause."""
    user = _firm_user(request)
    out = []
    for i in selectors.push_items(user):
        shown = present.item(i)
        o = i.offer
        out.append(
            {
                "key": o.key,
                "kind": o.kind,
                "title": o.title,
                "status": i.status,
                "automatic": o.automatic,
                "rule": o.rule_text,
                "clause": o.clause,
                "document": o.document,
                "verified": o.verified,
                "deadline": o.deadline,
                "reasons": shown["reasons"],
                "gaps": shown["gaps"],
                "apply_url": shown["apply_url"],
                "apply_at": o.apply_at,
            }
        )
    return out


@router.get("/portal/demands", response=list[PortalDemandOut])
def portal_demands(request: HttpRequest):
    """The firm's own technology demands, newest first."""
    return list(selectors.demands(_firm_user(request))[: selectors.LIST_LIMIT])


@router.get("/portal/demands/{pk}", response=PortalDemandDetailOut)
def portal_demand(request: HttpRequest, pk: int):
    """One of the firm's demands with the achievements the engine matches to it (and why) and its matchmaking."""
    user = _firm_user(request)
    d = selectors.demands(user).filter(pk=pk).first()
    if d is None:
        raise Http404
    found = market_selectors.demand_suggestions(d, user) if d.status in Demand.OPEN_STATES else []
    suggestions = [
        {
            "achievement_id": r["object"].pk,
            "title": r["object"].title,
            "owner": r["object"].owner_name,
            "score": round(r["match"].score, 4),
            "field_match": bool(r["explanation"] and r["explanation"].field_match),
            "weak": r["match"].weak,
            "matched_terms": list(r["explanation"].matched_terms if r["explanation"] else r["match"].matched_terms),
        }
        for r in found
    ]
    matches = [
        {
            "id": m.pk,
            "stage": m.stage,
            "achievement": m.achievement.title if m.achievement else "",
            "expert": m.expert.name if m.expert else "",
            "matched_terms": list(m.matched_terms or []),
        }
        for m in d.matches.select_related("achievement", "expert").order_by("-updated_at")
    ]
    return {
        **{f: getattr(d, f) for f in PortalDemandOut.model_fields if f != "id"},
        "id": d.pk,
        "suggestions": suggestions,
        "matches": matches,
    }


class PortalDemandIn(Schema):
    """A demand's fields, as on the portal's form; the firm's name, credit code and district come from the account.
    Every field is checked by the technology market's form: an error names the field."""

    title: str | None = None
    description: str | None = None
    field: str | None = None
    cooperation_mode: str | None = None
    budget_min_wan: Decimal | None = None
    budget_max_wan: Decimal | None = None
    deadline: dt.date | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None


def _demand_out(d: Demand) -> dict:
    return {**{f: getattr(d, f) for f in PortalDemandOut.model_fields if f != "id"}, "id": d.pk}


@router.post("/portal/demands", response={201: PortalDemandOut})
def portal_demand_create(request: HttpRequest, body: PortalDemandIn):
    """Post a demand for the firm: it waits for the bureau's review (status "pending") before it is published."""
    _firm_user(request)
    return Status(201, _demand_out(market.demand_save(request.user, None, body.dict(exclude_unset=True))))


@router.patch("/portal/demands/{pk}", response=PortalDemandOut)
def portal_demand_update(request: HttpRequest, pk: int, body: PortalDemandIn):
    """Change some fields of one of the firm's demands (another firm's: 404); a change sends it to review again. A
    demand in negotiation, signed or closed can no longer be edited (422, field "status")."""
    user = _firm_user(request)
    d = selectors.demands(user).filter(pk=pk).first()
    if d is None:
        raise Http404
    return _demand_out(market.demand_save(request.user, d, body.dict(exclude_unset=True)))


@router.get("/portal/applications", response=PortalApplicationsOut)
def portal_applications(request: HttpRequest):
    """The firm's applications to calls, projects, post-subsidies, loans, score and talent-programme applications."""
    user = _firm_user(request)
    limit = selectors.LIST_LIMIT
    return {
        "applications": [
            {
                "id": a.pk,
                "call_code": a.call.code,
                "call_title": a.call.title,
                "project_title": a.project_title,
                "state": a.state,
                "submitted_on": a.submitted_on,
            }
            for a in selectors.project_applications(user)[:limit]
        ],
        "projects": [
            {
                "code": p.code,
                "title": p.title,
                "state": p.state,
                "start_on": p.start_on,
                "end_on": p.end_on,
                "budget_fiscal_wan": p.budget_fiscal_wan,
                "milestones": p.n_milestones,
                "milestones_pending": p.n_pending,
            }
            for p in selectors.projects(user)[:limit]
        ],
        "post_subsidies": [
            {
                "project_code": c.project.code,
                "year": c.year,
                "verified_spending_wan": c.verified_spending_wan,
                "amount_wan": c.amount_wan,
                "formula": c.formula,
            }
            for c in selectors.post_subsidies(user).order_by("-year", "-id")[:limit]
        ],
        "loans": list(
            selectors.loans(user).values("product", "bank", "month", "amount_wan", "rate_pct", "status")[:limit]
        ),
        "score": _score(selectors.firm(user)),
        "talent_applications": [
            {
                "id": a.pk,
                "programme": a.round.programme.name,
                "round": a.round.title,
                "state": a.state,
                "paid_wan": a.paid_wan,
            }
            for a in selectors.talent_applications(user)[:limit]
        ],
    }
