"""What the portal shows one firm, read from the modules that keep it, for the account's own credit code only.

Every function takes the signed-in user and reads only records naming `user.credit_code` (the modules' own
`visible_to` gives an external account nothing: it has no org unit). A user without a credit code, or of another
role, gets empty results. Each function runs a fixed number of queries, whatever the size of the register.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.core.cache import cache as shared_cache
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language

from kechuang.core.registry import default_policy
from kechuang.core.roles import Role
from kechuang.enterprises import selectors as enterprise_selectors
from kechuang.enterprises.models import Enterprise, LadderResult, Qualification, Tier
from kechuang.finance.models import CapabilityScore, Loan
from kechuang.portal.push import Firm, Offer, PushItem, Verdict, push_list
from kechuang.portal.push.engine import validate_rule
from kechuang.projects.models import Application as ProjectApplication
from kechuang.projects.models import Call, Milestone, MonitoringReport, PerformanceGoal, PostSubsidyClaim, Project
from kechuang.talent.models import Application as TalentApplication
from kechuang.talent.models import SelectionRound, Talent
from kechuang.techmarket import selectors as market_selectors
from kechuang.techmarket.models import Contract, Demand, MatchCase

DATA_DIR = Path(__file__).resolve().parent / "data"
LADDER = (Tier.TECH_SME, Tier.HIGH_TECH, Tier.INNOVATIVE_SME, Tier.SPECIALIZED_SME, Tier.LITTLE_GIANT)
EXPIRY_WARNING_DAYS = 365  # qualifications expiring within a year are flagged (issue 18, "My ladder")
DEADLINE_WINDOW_DAYS = 90  # the home page's deadlines: the next three months
LIST_LIMIT = 50  # rows of one list on a page (the firm's own records; a firm rarely has more)
# The gap sentences of bulk-pass verdicts are worked out again from the register (8 queries); kept this long per
# set of verdicts (a new evaluation stores new rows, hence a new key).
GAPS_SECONDS = 3600
# Calls open for applications in the projects module (its workflow's state value).
OPEN_CALL = Call.State.OPEN


# A city without a rules file: no rule of its own (titles, finance), and the calls and talent rounds of its modules
# pushed on the plain conditions, without a clause.
NO_RULES: dict[str, Any] = {
    "calls": {"requires": {"in_register": True}, "clause": "", "document": ""},
    "talent_rounds": {"requires": {"employs_talents": True}, "clause": "", "document": ""},
    "rules": [],
}


def rules_file(city_code: str) -> Path:
    """The push rules of a city are city data, not code (DESIGN.md): `kechuang/portal/data/<city code>.yaml`."""
    return DATA_DIR / f"{city_code}.yaml"


@cache
def _rules_of(city_code: str) -> dict[str, Any]:
    """A city's push rules, checked once (a malformed rule stops the page with the rule's code)."""
    path = rules_file(city_code)
    if not city_code or not path.is_file():
        return NO_RULES
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for rule in data["rules"]:
        validate_rule(rule)
    return data


def push_rules() -> dict[str, Any]:
    """The push rules of the city the platform runs (its default policy's city; 1 query)."""
    policy = default_policy()
    return _rules_of(policy.city.code if policy is not None else "")


def credit_code_of(user: Any) -> str:
    """The firm an account acts for, or "" (not an enterprise account)."""
    if getattr(user, "role", None) != Role.ENTERPRISE:
        return ""
    return getattr(user, "credit_code", "") or ""


def today() -> dt.date:
    return timezone.localdate()


# ---------------------------------------------------------------- the firm and its ladder
@dataclass
class FirmView:
    credit_code: str
    enterprise: Enterprise | None
    verdicts: dict[str, LadderResult] = field(default_factory=dict)
    qualifications: list[Qualification] = field(default_factory=list)
    score: CapabilityScore | None = None

    @property
    def name(self) -> str:
        return self.enterprise.name if self.enterprise else ""

    @property
    def held(self) -> set[str]:
        on = today()
        return {q.tier for q in self.qualifications if not q.revoked and q.issue_date <= on <= q.expiry_date}


def firm(user: Any) -> FirmView:
    """The firm of the account with its ladder verdicts (their gaps explained), valid qualifications and latest
    score."""
    code = credit_code_of(user)
    if not code:
        return FirmView("", None)
    enterprise = Enterprise.objects.select_related("region").filter(credit_code=code).first()
    view = FirmView(code, enterprise)
    if enterprise is not None:
        view.verdicts = {r.tier: r for r in LadderResult.objects.filter(enterprise=enterprise)}
        _explain(list(view.verdicts.values()))
        view.qualifications = list(
            Qualification.objects.filter(enterprise=enterprise, revoked=False).order_by("tier", "-expiry_date")
        )
    view.score = CapabilityScore.objects.filter(credit_code=code).order_by("-as_of").first()
    return view


def _explain(verdicts: list[LadderResult]) -> None:
    """`explain_stored` once per set of verdicts, language and day: every portal page reads the firm's ladder, and
    explaining a bulk-pass verdict evaluates the firm's facts afresh (the day: a sentence may count days or years)."""
    language = get_language() or ""
    signature = sorted((r.pk, str(r.as_of), r.rule_version, r.failed, tuple(r.failed_criteria or ())) for r in verdicts)
    key = "portal:gaps:" + hashlib.sha256(repr((language, str(today()), signature)).encode()).hexdigest()
    known = shared_cache.get(key)
    if known is None:
        enterprise_selectors.explain_stored(verdicts, language)
        known = {r.pk: list(r.gaps or ()) for r in verdicts}
        shared_cache.set(key, known, GAPS_SECONDS)
    for r in verdicts:
        r.gaps = known.get(r.pk, r.gaps)


def ladder_brief(view: FirmView) -> list[dict[str, Any]]:
    """One line per tier: held (and until when, flagged within a year), eligible, one criterion away, or not yet."""
    on = today()
    rows = []
    for tier in LADDER:
        valid = [
            q for q in view.qualifications if q.tier == tier and not q.revoked and q.issue_date <= on <= q.expiry_date
        ]
        result = view.verdicts.get(tier.value)
        if valid:
            expiry = max(q.expiry_date for q in valid)
            state = "held"
        elif result is None or result.status == LadderResult.Status.NOT_EVALUABLE:
            state, expiry = "unknown", None
        elif result.status == LadderResult.Status.ELIGIBLE:
            state, expiry = "eligible", None
        elif result.failed == 1:
            state, expiry = "one_away", None
        else:
            state, expiry = "not_yet", None
        rows.append(
            {
                "tier": tier,
                "label": tier.label,
                "state": state,
                "expiry": expiry,
                "expiring": expiry is not None and (expiry - on).days <= EXPIRY_WARNING_DAYS,
                "failed": result.failed if result else None,
                "gaps": list(result.gaps) if result else [],
            }
        )
    return rows


# ---------------------------------------------------------------- the policy push
def _talents(code: str) -> int:
    return Talent.objects.filter(employer_credit_code=code, is_active=True).count()


def push_firm(view: FirmView, talents: int) -> Firm:
    """The engine's view of the firm (plain data)."""
    verdicts = {
        tier: Verdict(
            eligible=r.status == LadderResult.Status.ELIGIBLE,
            failed=None if r.status == LadderResult.Status.NOT_EVALUABLE else r.failed,
            gaps=tuple(r.gaps or ()),
        )
        for tier, r in view.verdicts.items()
    }
    score = f"{view.score.total} · {view.score.grade}" if view.score and view.score.grade else ""
    if view.score and not score:
        score = str(view.score.total)
    return Firm(
        credit_code=view.credit_code,
        in_register=view.enterprise is not None and view.enterprise.status == Enterprise.Status.ACTIVE,
        held=frozenset(view.held),
        verdicts=verdicts,
        score=score,
        talents=talents,
    )


def push_offers(view: FirmView, on: dt.date) -> list[Offer]:
    """Every offer that could concern the firm: the rules of the data file, the open project calls and the open
    talent selection rounds (3 queries)."""
    data = push_rules()
    offers = [
        Offer(
            source="rule",
            key=rule["code"],
            title=rule["title"],
            kind=rule["kind"],
            rule_text=rule["rule"],
            clause=rule["clause"],
            requires=rule["requires"],
            automatic=bool(rule.get("automatic")),
            link=rule.get("link", ""),
            verified=bool(rule.get("verified", False)),
            document=rule["document"],
            apply_at=rule.get("apply", ""),
            action=None,
        )
        for rule in data["rules"]
    ]
    code = view.credit_code
    applied = set(
        ProjectApplication.objects.filter(credit_code=code)
        .exclude(state=ProjectApplication.State.REJECTED)
        .values_list("call_id", flat=True)
    )
    calls = Call.objects.filter(state=OPEN_CALL).filter(
        Q(application_deadline__isnull=True) | Q(application_deadline__gte=on)
    )
    section = data["calls"]
    for call in calls.order_by("application_deadline", "code")[:LIST_LIMIT]:
        offers.append(
            Offer(
                source="call",
                key=f"call-{call.pk}",
                title=call.title,
                kind="call",
                rule_text=call.eligibility or call.problem,
                clause=section["clause"],
                requires=section["requires"],
                deadline=call.application_deadline,
                action=("projects:portal_apply", (call.pk,)),
                applied=call.pk in applied,
                document=f"{call.code} · {call.get_kind_display()}",
            )
        )
    section = data["talent_rounds"]
    rounds = SelectionRound.objects.filter(is_open=True, deadline__gte=on, programme__is_active=True).select_related(
        "programme"
    )
    for r in rounds.order_by("deadline", "id")[:LIST_LIMIT]:
        offers.append(
            Offer(
                source="talent_round",
                key=f"round-{r.pk}",
                title=r.title,
                kind="talent",
                rule_text=r.programme.support_text or r.programme.name,
                clause=section["clause"],
                requires=section["requires"],
                deadline=r.deadline,
                action=("talent:employer_home", ()),
                document=r.programme.name,
            )
        )
    return offers


def push_items(user: Any, view: FirmView | None = None) -> list[PushItem]:
    """The firm's push list (what it qualifies for, one gap away, or has applied for)."""
    view = view if view is not None else firm(user)
    if not view.credit_code:
        return []
    on = today()
    return push_list(push_firm(view, _talents(view.credit_code)), push_offers(view, on), on)


# ---------------------------------------------------------------- my market
def demands(user: Any) -> QuerySet[Demand]:
    return market_selectors.firm_demands(credit_code_of(user))


def matches(user: Any) -> QuerySet[MatchCase]:
    code = credit_code_of(user)
    if not code:
        return MatchCase.objects.none()
    return (
        MatchCase.objects.filter(demand__credit_code=code)
        .select_related("demand", "achievement", "expert")
        .order_by("-updated_at", "-id")
    )


def contracts(user: Any) -> QuerySet[Contract]:
    return market_selectors.firm_contracts(credit_code_of(user)).order_by("-signed_on", "-id")


# ---------------------------------------------------------------- applications and money
def project_applications(user: Any) -> QuerySet[ProjectApplication]:
    return (
        ProjectApplication.objects.filter(credit_code=credit_code_of(user) or "-")
        .select_related("call")
        .order_by("-submitted_on", "-id")
    )


def projects(user: Any) -> QuerySet[Project]:
    code = credit_code_of(user)
    if not code:
        return Project.objects.none()
    return (
        Project.objects.filter(credit_code=code)
        .select_related("call")
        .annotate(
            n_milestones=Count("milestones", distinct=True),
            n_pending=Count("milestones", filter=Q(milestones__result="pending"), distinct=True),
        )
        .order_by("-start_on", "code")
    )


def milestones(user: Any) -> QuerySet[Milestone]:
    return Milestone.objects.filter(project__credit_code=credit_code_of(user) or "-").select_related("project")


def monitoring(user: Any) -> QuerySet[MonitoringReport]:
    return MonitoringReport.objects.filter(project__credit_code=credit_code_of(user) or "-").select_related("project")


def goals(user: Any) -> QuerySet[PerformanceGoal]:
    return PerformanceGoal.objects.filter(project__credit_code=credit_code_of(user) or "-").select_related("project")


def post_subsidies(user: Any) -> QuerySet[PostSubsidyClaim]:
    return PostSubsidyClaim.objects.filter(project__credit_code=credit_code_of(user) or "-").select_related(
        "project", "appropriation"
    )


def loans(user: Any) -> QuerySet[Loan]:
    return Loan.objects.filter(credit_code=credit_code_of(user) or "-").order_by("-month", "-id")


def talent_applications(user: Any) -> QuerySet[TalentApplication]:
    return (
        TalentApplication.objects.filter(employer_credit_code=credit_code_of(user) or "-")
        .select_related("talent", "round__programme")
        .order_by("-id")
    )


# ---------------------------------------------------------------- the home page
OPEN_PROJECT_APPLICATION = ("submitted", "recommended", "formal_passed", "expert_review", "publicity")
OPEN_TALENT_APPLICATION_EXCLUDED = ("draft", "not_approved", "closed", "withdrawn", "removed")


def deadlines(user: Any, view: FirmView, items: list[PushItem], own_demands: list[Demand]) -> list[dict[str, Any]]:
    """What falls due in the next three months: open calls and rounds it qualifies for, its milestones, its
    qualifications' expiry (within a year), its demands' wanted-by dates; soonest first (1 query)."""
    on = today()
    until = on + dt.timedelta(days=DEADLINE_WINDOW_DAYS)
    rows = [
        {"on": i.offer.deadline, "kind": i.offer.kind, "title": i.offer.title, "item": i}
        for i in items
        if i.offer.deadline and i.offer.deadline <= until and i.status != "applied"
    ]
    for m in milestones(user).filter(result="pending", due_on__lte=until).order_by("due_on")[:10]:
        rows.append({"on": m.due_on, "kind": "milestone", "title": f"{m.project.title} · {m.seq}", "item": m})
    for q in view.qualifications:
        if q.issue_date <= on <= q.expiry_date and (q.expiry_date - on).days <= EXPIRY_WARNING_DAYS:
            rows.append({"on": q.expiry_date, "kind": "expiry", "title": q.get_tier_display(), "item": q})
    for d in own_demands:
        if d.deadline and on <= d.deadline <= until and d.status in Demand.OPEN_STATES:
            rows.append({"on": d.deadline, "kind": "demand", "title": d.title, "item": d})
    rows.sort(key=lambda r: (r["on"], r["title"]))
    return rows[:12]


def home(user: Any) -> dict[str, Any]:
    """Everything the portal's first page shows (a fixed number of queries)."""
    view = firm(user)
    items = push_items(user, view)
    open_apps = list(project_applications(user).filter(state__in=OPEN_PROJECT_APPLICATION)[:5])
    # the firm's demands once (a firm has a handful): the counts, the newest three and their deadlines
    own_demands = list(
        demands(user).select_related(None).only("pk", "title", "status", "deadline", "created_at")[:LIST_LIMIT]
    )
    demand_counts: dict[str, int] = {}
    for d in own_demands:
        demand_counts[d.status] = demand_counts.get(d.status, 0) + 1
    money = {
        "loans": loans(user).count(),
        "projects": Project.objects.filter(credit_code=view.credit_code or "-").count(),
        "talent_open": talent_applications(user).exclude(state__in=OPEN_TALENT_APPLICATION_EXCLUDED).count(),
    }
    return {
        "firm": view,
        "ladder": ladder_brief(view),
        "push": [i for i in items if i.status == "qualifies"][:5],
        "push_gap": [i for i in items if i.status == "gap"][:3],
        "push_total": sum(1 for i in items if i.status != "applied"),
        "applications": open_apps,
        "demand_counts": demand_counts,
        "demands": own_demands[:3],
        "money": money,
        "deadlines": deadlines(user, view, items, own_demands),
    }
