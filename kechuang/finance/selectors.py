"""Reading the finance registers: scoped lists, one firm's score with its history, the board's figures."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from kechuang.core import registry
from kechuang.core.roles import CITY_WIDE, Role
from kechuang.core.scope import reads_by_task, reads_register
from kechuang.finance.models import (
    CapabilityScore,
    InsuranceClaim,
    InsurancePolicy,
    ListingFirm,
    ListingService,
    Loan,
    ScoreScheme,
    Stage,
    VcFund,
    VcInstitution,
    VcInvestment,
)
from kechuang.finance.scoring.engine import Scheme, parse_scheme


def show_codes(user: Any) -> bool:
    """Firms' credit codes only to the roles that read the register (core.scope.reads_register): a department
    officer reading a register of its policy task sees the firms by name."""
    return reads_register(user)


def history(user: Any, obj: Any) -> list[Any]:
    """The record's history table; for a reader of names only, without the changes of its credit code."""
    from kechuang.core import audit

    entries = audit.history_for(obj)
    if not show_codes(user):
        for entry in entries:  # in memory only: the stored entry is untouched
            entry.changes = {k: v for k, v in (entry.changes or {}).items() if k != "credit_code"}
    return entries


def scores(user: Any) -> QuerySet[CapabilityScore]:
    return CapabilityScore.objects.visible_to(user).filter(is_latest=True).select_related("region")


def score_history(user: Any, credit_code: str) -> QuerySet[CapabilityScore]:
    return (
        CapabilityScore.objects.visible_to(user)
        .filter(credit_code=credit_code)
        .select_related("scheme", "region")
        .order_by("-as_of")
    )


def own_score_history(user: Any) -> QuerySet[CapabilityScore]:
    """An enterprise account's own firm's scores (its credit code), newest first; nothing for any other account."""
    from kechuang.core.roles import Role
    from kechuang.core.scope import mark_scoped

    if getattr(user, "role", None) != Role.ENTERPRISE or not getattr(user, "credit_code", ""):
        return CapabilityScore.objects.none()
    found = CapabilityScore.objects.filter(credit_code=user.credit_code).select_related("scheme", "region")
    return mark_scoped(found.order_by("-as_of"), user)


def scheme_of(row: ScoreScheme) -> Scheme:
    return parse_scheme(row.data)


def loans(user: Any) -> QuerySet[Loan]:
    return Loan.objects.visible_to(user).select_related("region")


def with_warnings(items: list[Loan], today: dt.date | None = None) -> list[Loan]:
    """`.warning` on each loan still running whose borrower no longer holds a valid tech-SME number."""
    holders = registry.tier_holders("tech_sme", today or timezone.localdate())
    for loan in items:
        loan.warning = loan.status in (Loan.Status.GRANTED, Loan.Status.OVERDUE) and loan.credit_code not in holders
    return items


def policies(user: Any) -> QuerySet[InsurancePolicy]:
    return (
        InsurancePolicy.objects.visible_to(user)
        .select_related("region")
        .annotate(claims_n=Count("claims"), paid=Sum("claims__amount_paid_wan"))
        .order_by("-start_date", "-id")
    )


def claims(user: Any) -> QuerySet[InsuranceClaim]:
    return InsuranceClaim.objects.visible_to(user).select_related("policy")


def investments(user: Any) -> QuerySet[VcInvestment]:
    return VcInvestment.objects.visible_to(user).select_related("region", "fund", "fund__institution")


def funds(user: Any) -> QuerySet[VcFund]:
    """Every fund (public), with the investments the user may see counted and summed."""
    mine = Q(investments__pk__in=VcInvestment.objects.visible_to(user).values("pk"))
    return (
        VcFund.objects.select_related("institution")
        .annotate(investments_n=Count("investments", filter=mine), invested=Sum("investments__amount_wan", filter=mine))
        .order_by("name")
    )


def institutions() -> QuerySet[VcInstitution]:
    return VcInstitution.objects.annotate(funds_n=Count("funds")).order_by("name")


def listing(user: Any) -> QuerySet[ListingFirm]:
    return (
        ListingFirm.objects.visible_to(user)
        .select_related("region")
        .annotate(services_n=Count("services"))
        .order_by("enterprise_name", "id")
    )


def listing_services(user: Any) -> QuerySet[ListingService]:
    return ListingService.objects.visible_to(user)


def _d(value: Any) -> Decimal:
    """A sum as the board shows it: to the cent (SQLite sums decimals as floats), 0 for none."""
    return Decimal(0) if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


# The board's sections, each the register (and its model) whose list it sums.
REGISTERS = {
    "loans": Loan,
    "scores": CapabilityScore,
    "insurance": InsurancePolicy,
    "venture_capital": VcInvestment,
    "listing_reserve": ListingFirm,
}


def readable_registers(user: Any) -> frozenset[str]:
    """The finance registers `user` reads, by the lists' own rule (core.scope): every one for the city-wide roles
    and a district officer (its region's records); for a department officer, those whose policy tasks it leads or
    supports (the model's `task_readers`, data/competence.yaml); none for anyone else."""
    role = getattr(user, "role", None)
    if role in CITY_WIDE or (role == Role.DISTRICT_OFFICER and getattr(user, "org_unit_id", None)):
        return frozenset(REGISTERS)
    if role == Role.DEPARTMENT_OFFICER:
        return frozenset(k for k, m in REGISTERS.items() if reads_by_task(user, m.data_scope.task_readers))
    return frozenset()


def competence_tasks() -> list[int]:
    """The policy tasks whose departments read some finance register (what the board's empty state names)."""
    return sorted({n for m in REGISTERS.values() for n in m.data_scope.task_readers})


def board(user: Any, year: int) -> dict[str, Any]:
    """The finance board of `year`: loans by month and product, firms served, the score distribution, insurance,
    VC by stage, the listing reserve by stage; everything in the user's scope, and only the sections of the
    registers the user reads (`readable_registers`): a section it may not read is None, never a row of zeros."""
    sections = readable_registers(user)
    out: dict[str, Any] = {
        "year": year,
        "sections": sorted(sections),
        "hidden": [k for k in REGISTERS if k not in sections],
        "tasks": competence_tasks(),
        "months": None,
        "loans": None,
        "warnings": None,
        "insurance": None,
        "vc": None,
        "vc_total": None,
        "reserve": None,
        "reserve_total": None,
        "scored": None,
        "grades": None,
        "distribution": None,
        "firms_served": None,
    }
    firms_served: set[str] = set()
    if "loans" in sections:
        out |= _board_loans(user, year, firms_served)
    if "insurance" in sections:
        out |= _board_insurance(user, year, firms_served)
    if "venture_capital" in sections:
        out |= _board_vc(user, year, firms_served)
    if "listing_reserve" in sections:
        reserve = Counter(ListingFirm.objects.visible_to(user).values_list("stage", flat=True))
        out["reserve"] = [{"stage": s, "label": s.label, "n": reserve.get(s.value, 0)} for s in ListingFirm.Stage]
        out["reserve_total"] = sum(reserve.values())
    if "scores" in sections:
        out |= _board_scores(user)
    if sections & {"loans", "insurance", "venture_capital"}:
        out["firms_served"] = len(firms_served)
    return out


def _board_loans(user: Any, year: int, firms_served: set[str]) -> dict[str, Any]:
    loan_qs = loans(user).filter(month__year=year)
    by_month: dict[int, dict[str, Any]] = {
        m: {"month": m, "lukedai": Decimal(0), "rd_loan": Decimal(0), "count": 0} for m in range(1, 13)
    }
    for row in (
        loan_qs.annotate(m=TruncMonth("month")).values("m", "product").annotate(amount=Sum("amount_wan"), n=Count("id"))
    ):
        cell = by_month[row["m"].month]
        cell[row["product"]] += _d(row["amount"])
        cell["count"] += row["n"]
    totals = loan_qs.aggregate(
        amount=Sum("amount_wan"),
        n=Count("id"),
        firms=Count("credit_code", distinct=True),
        banks=Count("bank", distinct=True),
    )
    firms_served |= set(loan_qs.values_list("credit_code", flat=True))
    warnings = (
        loans(user)
        .filter(status__in=(Loan.Status.GRANTED, Loan.Status.OVERDUE))
        .exclude(credit_code__in=registry.tier_holders("tech_sme"))
        .count()
    )
    return {
        "months": list(by_month.values()),
        "loans": {
            "amount": _d(totals["amount"]),
            "n": totals["n"],
            "firms": totals["firms"],
            "banks": totals["banks"],
        },
        "warnings": warnings,
    }


def _board_insurance(user: Any, year: int, firms_served: set[str]) -> dict[str, Any]:
    policy_qs = InsurancePolicy.objects.visible_to(user).filter(start_date__year=year)
    firms_served |= set(policy_qs.values_list("credit_code", flat=True))
    insurance = policy_qs.aggregate(
        n=Count("id"), premium=Sum("premium_wan"), subsidy=Sum("subsidy_wan"), insured=Sum("sum_insured_wan")
    )
    claim_qs = InsuranceClaim.objects.visible_to(user).filter(filed_on__year=year)
    claims_agg = claim_qs.aggregate(
        n=Count("id"), paid=Sum("amount_paid_wan"), paid_n=Count("id", filter=Q(status=InsuranceClaim.Status.PAID))
    )
    return {
        "insurance": {
            "n": insurance["n"],
            "premium": _d(insurance["premium"]),
            "subsidy": _d(insurance["subsidy"]),
            "insured": _d(insurance["insured"]),
            "claims": claims_agg["n"],
            "claims_paid": claims_agg["paid_n"],
            "paid": _d(claims_agg["paid"]),
        }
    }


def _board_vc(user: Any, year: int, firms_served: set[str]) -> dict[str, Any]:
    invest_qs = VcInvestment.objects.visible_to(user).filter(invested_on__year=year)
    firms_served |= set(invest_qs.values_list("credit_code", flat=True))
    vc = {row["stage"]: row for row in invest_qs.values("stage").annotate(n=Count("id"), amount=Sum("amount_wan"))}
    vc_rows = [
        {
            "stage": s,
            "label": s.label,
            "n": vc.get(s.value, {}).get("n", 0),
            "amount": _d(vc.get(s.value, {}).get("amount")),
        }
        for s in Stage
    ]
    return {"vc": vc_rows, "vc_total": sum((r["amount"] for r in vc_rows), Decimal(0))}


def _board_scores(user: Any) -> dict[str, Any]:
    score_qs = scores(user)
    grades = Counter(score_qs.values_list("grade", flat=True))
    buckets: Counter[int] = Counter()
    for total in score_qs.values_list("total", flat=True):
        buckets[min(9, int(total) // 10)] += 1
    distribution = [{"band": f"{b * 10}–{b * 10 + 9 if b < 9 else 100}", "n": buckets.get(b, 0)} for b in range(10)]
    return {"scored": score_qs.count(), "grades": sorted(grades.items()), "distribution": distribution}
