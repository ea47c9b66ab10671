"""Demo data for `load_demo`: loans, insurance policies and claims, VC institutions, funds and investments, a
listing reserve, and two rounds of capability scores (a year ago and today), all of firms of the demo register.
Idempotent (nothing is added once loans exist). `DEMO_SCALE` sizes it: 1.0 gives 200 loans, 50 policies, 30
investments and 40 reserve firms; tests/demo_site.py loads a smaller share."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from django.utils import timezone

from kechuang.core import audit, registry
from kechuang.core.models import OrgUnit
from kechuang.finance.models import (
    InsuranceClaim,
    InsurancePolicy,
    ListingFirm,
    ListingService,
    Loan,
    Stage,
    VcFund,
    VcInstitution,
    VcInvestment,
)
from kechuang.finance.services import current_scheme, scores_compute, yield_rule_default

DEMO_SCALE = 1.0
SIZES = {"loans": 200, "policies": 50, "investments": 30, "listing": 40}
DATA = Path(__file__).resolve().parent / "data" / "demo"


def _city_data(city: OrgUnit) -> dict[str, Any]:
    path = DATA / f"{city.code}.yaml"
    if path.exists():
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    name = city.name
    return {
        "banks": [f"{name}商业银行", f"{name}农商银行", f"{name}科技支行"],
        "insurers": [f"{name}财产保险公司"],
        "institutions": [
            {
                "name": f"{name}创业投资有限公司",
                "funds": [
                    {"name": f"{name}新旧动能转换子基金", "size_wan": 30000, "conversion_fund": True},
                    {"name": f"{name}天使投资基金", "size_wan": 10000, "conversion_fund": False},
                ],
            }
        ],
        "listing_trainings": ["上市政策专题培训", "股份制改造辅导"],
        "listing_providers": ["证券公司", "区域性股权市场"],
    }


def _spread(profiles: list[dict[str, Any]], n: int, rng: random.Random) -> list[dict[str, Any]]:
    """`n` firms taken region by region in turn, so that every region has some (the walk needs each district's)."""
    by_region: dict[str, list[dict[str, Any]]] = {}
    for p in profiles:
        by_region.setdefault(p["region_code"], []).append(p)
    for firms in by_region.values():
        rng.shuffle(firms)
    chosen: list[dict[str, Any]] = []
    while len(chosen) < n and any(by_region.values()):
        for firms in by_region.values():
            if firms and len(chosen) < n:
                chosen.append(firms.pop())
    return chosen


def _size(key: str) -> int:
    return max(4, round(SIZES[key] * DEMO_SCALE))


def load_demo(city: OrgUnit) -> str:
    if Loan.objects.exists():
        return "finance demo present"
    profiles = registry.enterprise_profiles()
    if not profiles:
        return "no enterprise register: no finance demo"
    rng = random.Random(20)  # nosec B311  # seeded pseudo-random demo records, never for secrets
    data = _city_data(city)
    regions = {u.pk: u for u in OrgUnit.objects.filter(pk__in={p["region_id"] for p in profiles})}
    today = timezone.localdate()
    this_month = today.replace(day=1)

    def months_ago(k: int) -> dt.date:
        y, m = divmod(this_month.year * 12 + this_month.month - 1 - k, 12)
        return dt.date(y, m + 1, 1)

    # Loans: mostly to tech SMEs (the 鲁科贷 rule); a few to firms without a number, which the register then warns of.
    tech = [p for p in profiles if "tech_sme" in p["tiers_held"]]
    others = [p for p in profiles if "tech_sme" not in p["tiers_held"]]
    n_loans = _size("loans")
    borrowers = _spread(tech, n_loans - n_loans // 10, rng) + _spread(others, n_loans // 10, rng)
    loans = []
    for i, p in enumerate(borrowers):
        product = Loan.Product.LUKEDAI if i % 3 else Loan.Product.RD_LOAN
        month = months_ago(rng.randint(0, 14))
        term = rng.choice([6, 12, 12, 24, 36])
        status = Loan.Status.GRANTED
        if month < months_ago(term):
            status = Loan.Status.REPAID
        elif rng.random() < 0.04:
            status = Loan.Status.OVERDUE
        loans.append(
            Loan(
                product=product,
                bank=rng.choice(data["banks"]),
                credit_code=p["credit_code"],
                enterprise_name=p["name"],
                region=regions[p["region_id"]],
                amount_wan=Decimal(rng.choice([100, 200, 300, 500, 800, 1000, 1500, 2000])),
                rate_pct=Decimal(f"{rng.uniform(2.8, 4.6):.2f}"),
                term_months=term,
                purpose=rng.choice(Loan.Purpose.values),
                month=month,
                status=status,
                tech_sme_number=p["tiers_held"].get("tech_sme", ""),
            )
        )
    Loan.objects.bulk_create(loans)

    policies = []
    for i, p in enumerate(_spread(profiles, _size("policies"), rng)):
        start = today - dt.timedelta(days=rng.randint(0, 500))
        premium = Decimal(rng.choice([2, 3, 5, 8, 10, 15]))
        policies.append(
            InsurancePolicy(
                insurer=rng.choice(data["insurers"]),
                policy_number=f"KC-INS-{start.year}-{i + 1:05d}",
                product=rng.choice([InsurancePolicy.Product.RD_INNOVATION, InsurancePolicy.Product.STARTUP_FAILURE]),
                credit_code=p["credit_code"],
                enterprise_name=p["name"],
                region=regions[p["region_id"]],
                premium_wan=premium,
                subsidy_wan=(premium * Decimal("0.5")).quantize(Decimal("0.01")),
                sum_insured_wan=premium * 40,
                start_date=start,
                end_date=start + dt.timedelta(days=364),
            )
        )
    InsurancePolicy.objects.bulk_create(policies)
    claims = []
    # one claim in each region's first policy, then a few more
    firsts = list({p.region_id: p for p in reversed(policies)}.values())
    extra = rng.sample(policies, max(0, len(policies) // 6 - len(firsts)))
    for policy in firsts + [p for p in extra if p not in firsts]:
        amount = (policy.sum_insured_wan * Decimal(rng.uniform(0.1, 0.5))).quantize(Decimal("0.01"))
        status = rng.choice([InsuranceClaim.Status.FILED, InsuranceClaim.Status.PAID, InsuranceClaim.Status.PAID])
        claims.append(
            InsuranceClaim(
                policy=policy,
                filed_on=min(today, policy.start_date + dt.timedelta(days=rng.randint(30, 300))),
                amount_claimed_wan=amount,
                status=status,
                amount_paid_wan=(amount * Decimal("0.8")).quantize(Decimal("0.01")) if status == "paid" else Decimal(0),
            )
        )
    InsuranceClaim.objects.bulk_create(claims)

    rule = yield_rule_default()
    funds: list[VcFund] = []
    for spec in data["institutions"]:
        institution = VcInstitution.objects.create(name=spec["name"])
        for f in spec["funds"]:
            funds.append(
                VcFund.objects.create(
                    institution=institution,
                    name=f["name"],
                    size_wan=Decimal(f["size_wan"]),
                    conversion_fund=f["conversion_fund"],
                    yield_share_pct=Decimal(str(rule["share_pct"])) if f["conversion_fund"] else None,
                    yield_rule=rule["rule"] if f["conversion_fund"] else "",
                )
            )
    stages = set(rule.get("stages") or ())
    investments = []
    for p in _spread(profiles, _size("investments"), rng):
        fund = rng.choice(funds)
        stage = rng.choice([Stage.SEED, Stage.EARLY, Stage.EARLY, Stage.GROWTH])
        applies = fund.conversion_fund and stage in stages
        investments.append(
            VcInvestment(
                fund=fund,
                credit_code=p["credit_code"],
                enterprise_name=p["name"],
                region=regions[p["region_id"]],
                stage=stage,
                amount_wan=Decimal(rng.choice([200, 500, 800, 1000, 2000, 3000])),
                invested_on=today - dt.timedelta(days=rng.randint(0, 700)),
                yield_applies=applies,
                yield_share_pct=fund.yield_share_pct if applies else None,
            )
        )
    VcInvestment.objects.bulk_create(investments)

    biggest = sorted(
        profiles, key=lambda p: -max([y.get("operating_revenue") or 0 for y in p["years"].values()] or [0])
    )
    reserve = []
    for p in _spread(biggest[: max(200, _size("listing") * 3)], _size("listing"), rng):
        reserve.append(
            ListingFirm(
                credit_code=p["credit_code"],
                enterprise_name=p["name"],
                region=regions[p["region_id"]],
                stage=rng.choice(ListingFirm.Stage.values[:5]),
                target_board=rng.choice(ListingFirm.Board.values),
                entered_on=today - dt.timedelta(days=rng.randint(30, 900)),
            )
        )
    ListingFirm.objects.bulk_create(reserve)
    services_given = [
        ListingService(
            firm=f,
            kind=rng.choice(ListingService.Kind.values),
            title=rng.choice(data["listing_trainings"]),
            provider=rng.choice(data["listing_providers"]),
            given_on=today - dt.timedelta(days=rng.randint(0, 300)),
        )
        for f in ListingFirm.objects.all()
        for _k in range(rng.randint(0, 3))
    ]
    ListingService.objects.bulk_create(services_given)
    audit.record(
        actor=None,
        action=audit.Action.IMPORT,
        object_type="finance.loan",
        object_label="demo",
        detail={
            "loans": len(loans),
            "policies": len(policies),
            "investments": len(investments),
            "listing": len(reserve),
        },
    )

    current_scheme()
    scores_compute(as_of=today - dt.timedelta(days=365))
    scored = scores_compute(as_of=today)["scored"]
    return (
        f"{len(loans)} loans, {len(policies)} insurance policies, {len(investments)} VC investments, "
        f"{len(reserve)} listing-reserve firms, {scored} firms scored"
    )
