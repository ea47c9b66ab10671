"""Writes of the finance module: each one service in one transaction with its audit entry."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core import audit, registry
from kechuang.core.db import lock_current
from kechuang.core.models import OrgUnit
from kechuang.core.permissions import require_bureau, require_writer
from kechuang.core.scope import can_write, can_write_unit
from kechuang.finance.models import (
    LOAN_FIELDS,
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
from kechuang.finance.scoring.engine import SchemeError, measures_from_profile, parse_scheme, score_batch

DATA = Path(__file__).resolve().parent / "data"


@lru_cache(maxsize=4)
def data_file(name: str) -> dict[str, Any]:
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))


# ------------------------------------------------------------------------------------------ the scoring scheme
def current_scheme() -> ScoreScheme:
    """The scheme that scores: the newest stored version, or the default file's on first use."""
    found = ScoreScheme.objects.order_by("-created_at", "-id").first()
    if found is not None:
        return found
    default = data_file("score_scheme.yaml")
    parse_scheme(default)
    with transaction.atomic():
        found, created = ScoreScheme.objects.get_or_create(
            version=default["version"],
            defaults={"data": default, "source": default.get("source", ""), "verified": bool(default.get("verified"))},
        )
        if created:
            audit.record(actor=None, action=audit.Action.CREATE, obj=found, detail={"from": "score_scheme.yaml"})
    return found


def scheme_create(*, actor: Any, data: dict[str, Any]) -> ScoreScheme:
    """A new version of the scheme (the bureau's edit): checked by the engine, the error naming the field."""
    require_bureau(actor)
    try:
        parsed = parse_scheme(data)
    except SchemeError as exc:
        raise ValidationError({"data": f"{exc.field}: {exc.message}"}) from None
    if ScoreScheme.objects.filter(version=parsed.version).exists():
        raise ValidationError(
            {"data": _("version: %(v)s exists already; give the new scheme a new version.") % {"v": parsed.version}}
        )
    with transaction.atomic():
        scheme = ScoreScheme(version=parsed.version, data=data, source=parsed.source, verified=parsed.verified)
        audit.save(scheme, actor=actor)
    return scheme


# ------------------------------------------------------------------------------------------ scores
def scores_compute(
    *, actor: Any = None, codes: list[str] | None = None, as_of: dt.date | None = None
) -> dict[str, int]:
    """Score the register (every active firm, or those of `codes`) in one batch and keep each firm's history: one
    row per firm and day (a second run the same day replaces it), the newest marked latest."""
    if actor is not None:
        require_bureau(actor)
    as_of = as_of or timezone.localdate()
    scheme_row = current_scheme()
    scheme = parse_scheme(scheme_row.data)
    profiles = registry.enterprise_profiles(codes, as_of=as_of)
    measures = [measures_from_profile(p) for p in profiles]
    batch = score_batch(measures, scheme)
    with transaction.atomic():
        done = [p["credit_code"] for p in profiles]
        same_day = CapabilityScore.objects.filter(as_of=as_of)
        (same_day if codes is None else same_day.filter(credit_code__in=done)).delete()
        # Each firm has one latest row. A back-dated run (an earlier day than a firm's latest) adds history only.
        newer = set(
            CapabilityScore.objects.filter(is_latest=True, as_of__gt=as_of).values_list("credit_code", flat=True)
        )
        stale = CapabilityScore.objects.filter(is_latest=True, as_of__lt=as_of)
        (stale if codes is None else stale.filter(credit_code__in=done)).update(is_latest=False)
        rows = [
            CapabilityScore(
                credit_code=p["credit_code"],
                enterprise_name=p["name"],
                region_id=p["region_id"],
                scheme=scheme_row,
                as_of=as_of,
                total=Decimal(batch.totals[i]) / 10,
                grade=batch.grades[i],
                points={c.code: batch.points[c.code][i] for c in scheme.criteria},
                measures=measures[i],
                is_latest=p["credit_code"] not in newer,
            )
            for i, p in enumerate(profiles)
        ]
        CapabilityScore.objects.bulk_create(rows, batch_size=2000)
        audit.record(
            actor=actor,
            action=audit.Action.UPDATE,
            object_type="finance.capabilityscore",
            object_label=_("Capability scores"),
            detail={"scored": len(rows), "as_of": as_of.isoformat(), "scheme": scheme_row.version},
        )
    return {"scored": len(rows)}


# ------------------------------------------------------------------------------------------ firms, via the register
def firm_profile(credit_code: str) -> dict[str, Any]:
    found = registry.enterprise_profiles([credit_code])
    if not found:
        raise ValidationError({"credit_code": _("No active enterprise of the register has this credit code.")})
    return found[0]


def _firm_fields(actor: Any, credit_code: str) -> dict[str, Any]:
    """Name and region of a firm of the register; refused when the actor may not write the firm's region."""
    profile = firm_profile(credit_code)
    region = OrgUnit.objects.get(pk=profile["region_id"])
    if not can_write_unit(actor, region):
        raise ValidationError({"credit_code": _("This enterprise is outside your area.")})
    return {"enterprise_name": profile["name"], "region": region, "profile": profile}


# ------------------------------------------------------------------------------------------ loans
LOAN_EDITABLE = frozenset(LOAN_FIELDS.form_fields())


def _first_of_month(value: Any) -> Any:
    return value.replace(day=1) if isinstance(value, dt.date) else value


def loan_create(*, actor: Any, data: dict[str, Any]) -> Loan:
    require_writer(actor)
    audit.assign(Loan(), data, allowed=LOAN_EDITABLE)  # refuse unknown fields first, naming them
    firm = _firm_fields(actor, str(data.get("credit_code") or ""))
    loan = Loan(**{k: v for k, v in data.items()})
    loan.month = _first_of_month(loan.month)
    loan.enterprise_name = firm["enterprise_name"]
    loan.region = firm["region"]
    loan.tech_sme_number = firm["profile"]["tiers_held"].get("tech_sme", "")
    with transaction.atomic():
        audit.save(loan, actor=actor)
    return loan


def loan_update(*, actor: Any, loan: Loan, data: dict[str, Any]) -> dict[str, list[Any]]:
    require_writer(actor)
    if not can_write(actor, loan):
        raise ValidationError(_("You may not change this loan."))
    data = dict(data)
    if "month" in data:
        data["month"] = _first_of_month(data["month"])
    if "credit_code" in data and data["credit_code"] != loan.credit_code:
        firm = _firm_fields(actor, str(data["credit_code"]))
        loan.enterprise_name, loan.region = firm["enterprise_name"], firm["region"]
        loan.tech_sme_number = firm["profile"]["tiers_held"].get("tech_sme", "")
    with transaction.atomic():
        return audit.update(loan, data, allowed=LOAN_EDITABLE, actor=actor)


# ------------------------------------------------------------------------------------------ insurance
POLICY_FIELDS = (
    "insurer",
    "policy_number",
    "product",
    "credit_code",
    "premium_wan",
    "subsidy_wan",
    "sum_insured_wan",
    "start_date",
    "end_date",
)


def policy_create(*, actor: Any, data: dict[str, Any]) -> InsurancePolicy:
    require_writer(actor)
    audit.assign(InsurancePolicy(), data, allowed=POLICY_FIELDS)
    firm = _firm_fields(actor, str(data.get("credit_code") or ""))
    policy = InsurancePolicy(**data, enterprise_name=firm["enterprise_name"], region=firm["region"])
    if policy.subsidy_wan is not None and policy.premium_wan is not None and policy.subsidy_wan > policy.premium_wan:
        raise ValidationError({"subsidy_wan": _("The subsidy cannot exceed the premium.")})
    if policy.start_date and policy.end_date and policy.end_date < policy.start_date:
        raise ValidationError({"end_date": _("The policy cannot end before it starts.")})
    with transaction.atomic():
        audit.save(policy, actor=actor)
    return policy


def claim_create(*, actor: Any, policy: InsurancePolicy, data: dict[str, Any]) -> InsuranceClaim:
    require_writer(actor)
    if not can_write(actor, policy):
        raise ValidationError(_("You may not change this policy."))
    audit.assign(InsuranceClaim(), data, allowed=("filed_on", "amount_claimed_wan", "reason"))
    claim = InsuranceClaim(policy=policy, **data)
    if claim.amount_claimed_wan is not None and claim.amount_claimed_wan > policy.sum_insured_wan:
        raise ValidationError({"amount_claimed_wan": _("The claim exceeds the sum insured.")})
    with transaction.atomic():
        audit.save(claim, actor=actor)
    return claim


@transaction.atomic
def claim_decide(
    *, actor: Any, claim: InsuranceClaim, status: str, amount_paid_wan: Decimal | None = None, reason: str = ""
) -> InsuranceClaim:
    """Settle a filed claim: paid (with the amount, ≤ the claim) or rejected (with a reason)."""
    lock_current(claim)  # settled once, whatever a simultaneous request's copy still says
    require_writer(actor)
    if not can_write(actor, claim.policy):
        raise ValidationError(_("You may not change this policy."))
    if claim.status != InsuranceClaim.Status.FILED:
        raise ValidationError({"status": _("Only a filed claim can be settled.")})
    if status == InsuranceClaim.Status.PAID:
        if amount_paid_wan is None or amount_paid_wan <= 0 or amount_paid_wan > claim.amount_claimed_wan:
            raise ValidationError({"amount_paid_wan": _("Give the amount paid: more than 0 and at most the claim.")})
        claim.amount_paid_wan = amount_paid_wan
    elif status == InsuranceClaim.Status.REJECTED:
        if not reason.strip():
            raise ValidationError({"reason": _("Give the reason for rejecting the claim.")})
        claim.amount_paid_wan = Decimal(0)
    else:
        raise ValidationError({"status": _("Choose paid or rejected.")})
    claim.status = status
    if reason:
        claim.reason = reason
    with transaction.atomic():
        audit.save(claim, actor=actor)
    return claim


# ------------------------------------------------------------------------------------------ venture capital
YIELDING_STAGES = frozenset({Stage.SEED, Stage.EARLY})


def yield_rule_default() -> dict[str, Any]:
    return data_file("conversion_fund.yaml")


def institution_create(*, actor: Any, data: dict[str, Any]) -> VcInstitution:
    require_bureau(actor)
    audit.assign(VcInstitution(), data, allowed=("name", "credit_code", "registered_in_city"))
    institution = VcInstitution(**data)
    with transaction.atomic():
        audit.save(institution, actor=actor)
    return institution


def fund_create(*, actor: Any, data: dict[str, Any]) -> VcFund:
    """A fund; a 新旧动能转换基金 sub-fund without its own rule takes the default yielded-returns rule."""
    require_bureau(actor)
    audit.assign(
        VcFund(), data, allowed=("institution", "name", "size_wan", "conversion_fund", "yield_share_pct", "yield_rule")
    )
    fund = VcFund(**data)
    if fund.conversion_fund:
        rule = yield_rule_default()
        if fund.yield_share_pct is None:
            fund.yield_share_pct = Decimal(str(rule["share_pct"]))
        if not fund.yield_rule:
            fund.yield_rule = rule["rule"]
    with transaction.atomic():
        audit.save(fund, actor=actor)
    return fund


def investment_create(*, actor: Any, data: dict[str, Any]) -> VcInvestment:
    """An investment into a firm of the register; the fund's yielded-returns rule is recorded for seed and early."""
    require_writer(actor)
    audit.assign(VcInvestment(), data, allowed=("fund", "credit_code", "stage", "amount_wan", "invested_on"))
    firm = _firm_fields(actor, str(data.get("credit_code") or ""))
    investment = VcInvestment(**data, enterprise_name=firm["enterprise_name"], region=firm["region"])
    fund = investment.fund
    stages = set(yield_rule_default().get("stages") or YIELDING_STAGES)
    investment.yield_applies = bool(fund.conversion_fund and investment.stage in stages)
    investment.yield_share_pct = fund.yield_share_pct if investment.yield_applies else None
    with transaction.atomic():
        audit.save(investment, actor=actor)
    return investment


# ------------------------------------------------------------------------------------------ listing reserve
def listing_firm_create(*, actor: Any, data: dict[str, Any]) -> ListingFirm:
    require_writer(actor)
    audit.assign(ListingFirm(), data, allowed=("credit_code", "stage", "target_board", "entered_on", "note"))
    firm = _firm_fields(actor, str(data.get("credit_code") or ""))
    if ListingFirm.objects.filter(credit_code=data["credit_code"]).exists():
        raise ValidationError({"credit_code": _("This enterprise is already in the listing reserve.")})
    reserve = ListingFirm(**data, enterprise_name=firm["enterprise_name"], region=firm["region"])
    with transaction.atomic():
        audit.save(reserve, actor=actor)
    return reserve


def listing_firm_update(*, actor: Any, firm: ListingFirm, data: dict[str, Any]) -> dict[str, list[Any]]:
    require_writer(actor)
    if not can_write(actor, firm):
        raise ValidationError(_("You may not change this firm."))
    with transaction.atomic():
        return audit.update(firm, data, allowed=("stage", "target_board", "note"), actor=actor)


def listing_service_create(*, actor: Any, firm: ListingFirm, data: dict[str, Any]) -> ListingService:
    require_writer(actor)
    if not can_write(actor, firm):
        raise ValidationError(_("You may not change this firm."))
    audit.assign(ListingService(), data, allowed=("kind", "title", "provider", "given_on"))
    service = ListingService(firm=firm, **data)
    with transaction.atomic():
        audit.save(service, actor=actor)
    return service
