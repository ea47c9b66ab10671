"""Reads of the projects module; every one starts from the scoped queryset (`visible_to(user)`)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, Exists, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core.registry import CockpitCard
from kechuang.core.roles import Role
from kechuang.projects.engine import rules as engine
from kechuang.projects.engine import workflow as wf
from kechuang.projects.models import (
    Application,
    Appropriation,
    Call,
    CaseDecision,
    Correction,
    Evaluation,
    Milestone,
    MonitoringReport,
    PerformanceGoal,
    PoolLoan,
    Project,
    ReviewAssignment,
    RiskPool,
    RuleParameter,
)

ZERO = Value(Decimal(0), output_field=DecimalField(max_digits=14, decimal_places=2))


def _sum(qs: QuerySet, field: str) -> Subquery:
    return Coalesce(
        Subquery(qs.values("project").annotate(s=Sum(field)).values("s")[:1], output_field=DecimalField()), ZERO
    )


def projects(user: Any, today: dt.date | None = None) -> QuerySet[Project]:
    """Projects the user may read, with money paid/planned and overdue milestones annotated."""
    today = today or timezone.localdate()
    appropriations = Appropriation.objects.filter(project=OuterRef("pk"))
    # overdue: a pending milestone past its date, of a project still running (a closed one's are moot)
    overdue = Milestone.objects.filter(
        project=OuterRef("pk"),
        project__state__in=[wf.P_APPROVED, wf.IN_PROGRESS, wf.SUSPENDED],
        result="pending",
        due_on__lt=today,
    )
    return (
        Project.objects.visible_to(user)
        .select_related("region", "call", "department")
        .annotate(
            paid_wan=_sum(appropriations.filter(paid_on__isnull=False), "amount_wan"),
            planned_wan=_sum(appropriations, "amount_wan"),
            overdue_count=Coalesce(
                Subquery(overdue.values("project").annotate(n=Count("pk")).values("n")[:1]), Value(0)
            ),
            has_goals=Exists(PerformanceGoal.objects.filter(project=OuterRef("pk"))),
            warnings=Coalesce(
                Subquery(
                    MonitoringReport.objects.filter(project=OuterRef("pk"), warning=True)
                    .values("project")
                    .annotate(n=Count("pk"))
                    .values("n")[:1]
                ),
                Value(0),
            ),
            last_grade=Subquery(
                Evaluation.objects.filter(project=OuterRef("pk")).order_by("-evaluated_on", "-id").values("grade")[:1]
            ),
        )
    )


def calls(user: Any) -> QuerySet[Call]:
    return (
        Call.objects.visible_to(user)
        .select_related("region")
        .annotate(
            n_applications=Count("applications", distinct=True),
            n_projects=Count("projects", distinct=True),
        )
        .order_by("-year", "code")
    )


def applications(user: Any) -> QuerySet[Application]:
    return Application.objects.visible_to(user).select_related("call", "region")


def appropriations(user: Any) -> QuerySet[Appropriation]:
    return Appropriation.objects.visible_to(user).select_related("project", "project__region")


def pool_loans(user: Any) -> QuerySet[PoolLoan]:
    return PoolLoan.objects.visible_to(user).select_related("pool", "region")


def decisions(user: Any) -> QuerySet[CaseDecision]:
    return CaseDecision.objects.visible_to(user).select_related("region", "project")


def pools(user: Any) -> list[dict[str, Any]]:
    """Each pool with its loans (those the user may read) and its balance (capital − compensation paid, all loans:
    the balance is the pool's, whoever reads it)."""
    out = []
    for pool in RiskPool.objects.visible_to(user).order_by("established_on", "id"):
        every = PoolLoan.objects.filter(pool=pool)
        agg = every.aggregate(
            filed=Count("pk"),
            amount=Coalesce(Sum("amount_wan"), ZERO),
            defaults=Count("pk", filter=Q(state__in=["defaulted", "claimed", "compensated"])),
            claims=Coalesce(Sum("claim_wan"), ZERO),
            paid=Coalesce(Sum("compensation_wan"), ZERO),
        )
        out.append(
            {
                "pool": pool,
                **agg,
                "balance": engine.pool_balance(pool.capital_wan, [agg["paid"]]),
            }
        )
    return out


def past_grades(credit_code: str, *, before: Any = None) -> list[Evaluation]:
    """An applicant's earlier evaluations, newest first (shown in the next application's review). Read for the
    bureau and the application's assigned experts, who review the applicant."""
    qs = Evaluation.objects.filter(project__credit_code=credit_code).select_related("project")
    if before is not None:
        qs = qs.exclude(project__application=before)
    return list(qs.order_by("-evaluated_on", "-id")[:10])


def review_assignments(user: Any) -> QuerySet[ReviewAssignment]:
    """An expert's own assignments, never of their own organisation's applications."""
    qs = ReviewAssignment.objects.filter(expert=user).select_related("application", "application__call")
    code = getattr(user, "credit_code", "") or ""
    if code:
        qs = qs.exclude(application__credit_code=code)
    return qs


def enterprise_applications(user: Any) -> QuerySet[Application]:
    code = getattr(user, "credit_code", "") or ""
    if not code:
        return Application.objects.none()
    return Application.objects.filter(credit_code=code).select_related("call", "region")


def enterprise_corrections(user: Any) -> QuerySet[Correction]:
    """The correction orders on an enterprise account's own firm's projects (its credit code), open ones first."""
    from kechuang.core.scope import mark_scoped

    code = getattr(user, "credit_code", "") or ""
    if getattr(user, "role", None) != Role.ENTERPRISE or not code:
        return Correction.objects.none()
    found = Correction.objects.filter(project__credit_code=code).select_related("project", "report")
    return mark_scoped(found.order_by("state", "due_on", "id"), user)


def corrections(user: Any) -> QuerySet[Correction]:
    return Correction.objects.visible_to(user).select_related("project", "report")


def rule_rows() -> list[dict[str, Any]]:
    stored = {r.code: r for r in RuleParameter.objects.all()}
    rows = []
    for code, default in engine.DEFAULTS.items():
        row = stored.get(code)
        rows.append(
            {
                "code": code,
                "value": row.value if row else default.value,
                "default": default.value,
                "source": (row.source if row else "") or default.source,
                "verified": row.verified if row else default.verified,
                "note": row.note if row else "",
            }
        )
    return rows


# ---------------------------------------------------------------- boards
def pipeline_counts(qs: QuerySet[Project]) -> dict[str, Any]:
    by_state = Counter(dict(qs.order_by().values_list("state").annotate(n=Count("pk"))))
    return {
        "states": [(value, label, by_state.get(value, 0)) for value, label in Project.State.choices],
        "total": sum(by_state.values()),
        "overdue": qs.filter(overdue_count__gt=0).count(),
    }


def call_board(user: Any) -> dict[str, Any]:
    """The 揭榜挂帅 board: open calls published / taken / in progress / accepted; money committed vs paid."""
    challenges = Call.objects.visible_to(user).filter(kind=Call.Kind.CHALLENGE)
    published = challenges.filter(state__in=[wf.PUBLISHED, wf.OPEN, wf.CLOSED])
    project_qs = Project.objects.visible_to(user).filter(call__kind=Call.Kind.CHALLENGE)
    taken = published.filter(projects__in=project_qs).distinct()
    money = Appropriation.objects.visible_to(user).filter(project__call__kind=Call.Kind.CHALLENGE)
    return {
        "published": published.count(),
        "taken": taken.count(),
        "in_progress": project_qs.filter(state__in=[wf.IN_PROGRESS, wf.SUSPENDED, wf.ACCEPTANCE_REVIEW]).count(),
        "accepted": project_qs.filter(state=wf.ACCEPTED).count(),
        "committed": project_qs.aggregate(s=Coalesce(Sum("budget_fiscal_wan"), ZERO))["s"],
        "paid": money.filter(paid_on__isnull=False).aggregate(s=Coalesce(Sum("amount_wan"), ZERO))["s"],
    }


def funds_board(user: Any) -> dict[str, Any]:
    """Money by funding mode, source and year: planned, paid and the execution rate (paid ÷ planned)."""
    qs = Appropriation.objects.visible_to(user)

    def grouped(field: str, labels: dict[str, str] | None = None) -> list[dict[str, Any]]:
        rows = (
            qs.order_by()
            .values(field)
            .annotate(
                planned=Coalesce(Sum("amount_wan"), ZERO),
                paid=Coalesce(Sum("amount_wan", filter=Q(paid_on__isnull=False)), ZERO),
                n=Count("pk"),
            )
            .order_by(field)
        )
        out = []
        for r in rows:
            key = r[field]
            rate = (r["paid"] / r["planned"] * 100).quantize(Decimal("0.1")) if r["planned"] else None
            out.append({"key": key, "label": (labels or {}).get(key, key), **r, "rate": rate})
        return out

    from kechuang.projects.models import FundingMode, Source

    by_year = []
    for r in (
        qs.order_by()
        .values("planned_on__year")
        .annotate(
            planned=Coalesce(Sum("amount_wan"), ZERO),
            paid=Coalesce(Sum("amount_wan", filter=Q(paid_on__isnull=False)), ZERO),
            n=Count("pk"),
        )
        .order_by("planned_on__year")
    ):
        rate = (r["paid"] / r["planned"] * 100).quantize(Decimal("0.1")) if r["planned"] else None
        by_year.append({"label": r["planned_on__year"], **r, "rate": rate})
    total = qs.aggregate(
        planned=Coalesce(Sum("amount_wan"), ZERO),
        paid=Coalesce(Sum("amount_wan", filter=Q(paid_on__isnull=False)), ZERO),
    )
    total["rate"] = (total["paid"] / total["planned"] * 100).quantize(Decimal("0.1")) if total["planned"] else None
    return {
        "by_mode": grouped("mode", dict(FundingMode.choices)),
        "by_source": grouped("source", dict(Source.choices)),
        "by_year": by_year,
        "total": total,
    }


def performance_board(user: Any) -> dict[str, Any]:
    """Share of funded projects with a goal table (target 100 %), warnings, grades, result use."""
    qs = Project.objects.visible_to(user)
    funded = qs.filter(appropriations__isnull=False).distinct()
    with_goals = funded.filter(goals__isnull=False).distinct().count()
    n_funded = funded.count()
    evaluations = Evaluation.objects.visible_to(user)
    grades = Counter(dict(evaluations.order_by().values_list("grade").annotate(n=Count("pk"))))
    uses = Counter(dict(evaluations.order_by().values_list("result_use").annotate(n=Count("pk"))))
    warnings = MonitoringReport.objects.visible_to(user).filter(warning=True)
    today = timezone.localdate()
    pending = corrections(user).exclude(state=wf.C_CLOSED)
    overdue = pending.filter(state=wf.C_OPEN, due_on__lt=today)
    return {
        "corrections": list(pending.select_related("project").order_by("due_on", "id")[:20]),
        "n_corrections": pending.count(),
        "n_overdue": overdue.count(),
        "today": today,
        "funded": n_funded,
        "with_goals": with_goals,
        "share": (Decimal(with_goals) / n_funded * 100).quantize(Decimal("0.1")) if n_funded else None,
        "without_goals": funded.exclude(goals__isnull=False).select_related("region")[:20],
        "grades": [(v, lbl, grades.get(v, 0)) for v, lbl in Evaluation.Grade.choices],
        "uses": [(v, lbl, uses.get(v, 0)) for v, lbl in Evaluation.Use.choices],
        "warnings": warnings.select_related("project").order_by("-reported_on")[:20],
        "n_warnings": warnings.count(),
        "n_evaluations": evaluations.count(),
    }


def cockpit_cards(user: Any) -> list[CockpitCard]:
    board = performance_board(user)
    if not board["funded"]:
        return []
    share = board["share"]
    status = "on_track" if share == 100 else ("at_risk" if share and share >= 90 else "off_track")
    return [
        CockpitCard(
            title=_("Funded projects with a goal table"),
            value=f"{share}%",
            detail=_("%(n)s of %(total)s funded projects (target 100 %%, task 22)")
            % {"n": board["with_goals"], "total": board["funded"]},
            status=status,
            url=reverse("projects:performance"),
        )
    ]
