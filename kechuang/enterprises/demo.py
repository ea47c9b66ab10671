"""Load the generated population (population.py) into the register, fast: bulk inserts in batches."""

from __future__ import annotations

import datetime as dt
import os
import random
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction

from kechuang.core import audit
from kechuang.core.db import analyze
from kechuang.core.demo import city_demo_data
from kechuang.core.models import OrgUnit
from kechuang.core.passwords import generate_password
from kechuang.enterprises import population
from kechuang.enterprises.models import Enterprise, EnterpriseYear, IntellectualProperty, Qualification

DEMO_SIZE = 5000


@transaction.atomic
def load_population(
    city: OrgUnit,
    n: int,
    *,
    seed: int = 2026,
    batch: int = 5000,
    progress: Callable[[int, int], None] | None = None,
    history: bool = False,
    latest_year: int | None = None,
) -> int:
    """Insert `n` generated enterprises with their facts, IP and titles; returns how many were created.

    `history` adds the earlier certificates of multi-year titles (the demo's register: the indicators it counts
    then have a past, instead of only the certificates valid today). `latest_year` is the last fiscal year with
    facts (default: last year, see population.generate)."""
    units = list(OrgUnit.objects.regions().filter(parent=city).order_by("sort_order", "id"))
    regions = {u.code: u.pk for u in units}
    known = region_weights(city, units)
    place = population.Place(name_prefix=city.bare_name, province=city.province_name)
    existing = set(Enterprise.objects.values_list("credit_code", flat=True))
    created = 0
    pending: list[population.GeneratedEnterprise] = []

    def flush() -> None:
        nonlocal created
        fresh = [g for g in pending if g.enterprise["credit_code"] not in existing]
        objs = Enterprise.objects.bulk_create(
            [Enterprise(region_id=regions[g.region_code], **g.enterprise) for g in fresh], batch_size=2000
        )
        ids = {e.credit_code: e.pk for e in objs}
        if None in ids.values():  # backends that do not return ids from bulk inserts
            ids = dict(Enterprise.objects.filter(credit_code__in=list(ids)).values_list("credit_code", "pk"))
        years, ips, quals = [], [], []
        for g in fresh:
            pk = ids[g.enterprise["credit_code"]]
            years += [EnterpriseYear(enterprise_id=pk, **row) for row in g.years]
            ips += [IntellectualProperty(enterprise_id=pk, **row) for row in g.ip]
            titles = g.qualifications
            if history:
                titles = titles + earlier_titles(g, seed)
            quals += [Qualification(enterprise_id=pk, **row) for row in titles]
        EnterpriseYear.objects.bulk_create(years, batch_size=2000)
        IntellectualProperty.objects.bulk_create(ips, batch_size=2000)
        Qualification.objects.bulk_create(quals, batch_size=2000)
        created += len(fresh)
        pending.clear()

    for i, generated in enumerate(
        population.generate(n, regions=known, place=place, seed=seed, latest_year=latest_year), start=1
    ):
        pending.append(generated)
        if len(pending) >= batch:
            flush()
            if progress:
                progress(i, n)
    flush()
    analyze()
    audit.record(
        actor=None,
        action=audit.Action.IMPORT,
        object_type="enterprises.enterprise",
        object_label="演示企业库 Demo population",
        detail={"created": created, "seed": seed},
    )
    return created


def region_weights(city: OrgUnit, units: list[OrgUnit]) -> population.RegionWeights:
    """(region code, credit-code division, weight) of the city's demo file, else every region evenly with its own
    administrative code."""
    listed = city_demo_data(Path(__file__).resolve().parent, city).get("regions", ())
    codes = {u.code for u in units}
    known = [(code, division, float(weight)) for code, weight, division in listed if code in codes]
    return known or [(u.code, u.region_code, 1.0) for u in units]


RENEWED = 0.8  # share of certificate holders that had been certified in the period before, too
FIRST_CERTIFICATES = dt.date(2008, 1, 1)  # the current high-tech certification scheme
# Tech SMEs register year by year (国科发政〔2017〕115号, evaluated from 2017): the share of this year's registered
# firms that had registered the year before, too, and the first year of the scheme.
REREGISTERED = 0.8
FIRST_REGISTRATIONS = 2017


def earlier_titles(generated: population.GeneratedEnterprise, seed: int) -> list[dict[str, Any]]:
    """The certificates a multi-year title's holder held before its current one: each renewed at expiry with
    probability RENEWED, back to the firm's first year or the scheme's start. Deterministic per firm and seed, and
    drawn apart from the population's own stream (the current register stays as it was)."""
    rng = random.Random(f"{seed}:{generated.enterprise['credit_code']}")  # nosec B311  # seeded pseudo-random draws for demo/sample data and evaluation, never for secrets
    founded = generated.enterprise["registration_date"]
    earlier = []
    for title in generated.qualifications:
        if title["tier"] == "tech_sme":  # registered year by year: one registration a year, valid to 31 December
            # its own stream, so the other titles' history stays as it was
            own = random.Random(f"{seed}:{generated.enterprise['credit_code']}:tech_sme")  # nosec B311  # demo data
            earlier += _earlier_registrations(title, founded, own)
            continue
        issued, number = title["issue_date"], title["certificate_number"]
        prefix, rest = number[:2], number[6:]
        while rng.random() < RENEWED:
            before = dt.date(issued.year - 3, issued.month, issued.day)
            if before < max(FIRST_CERTIFICATES, founded + dt.timedelta(days=365)):
                break
            earlier.append(
                {
                    **title,
                    "certificate_number": f"{prefix}{before.year}{rest}",
                    "issue_date": before,
                    "expiry_date": issued - dt.timedelta(days=1),
                }
            )
            issued = before
    return earlier


def _earlier_registrations(title: dict[str, Any], founded: dt.date, rng: random.Random) -> list[dict[str, Any]]:
    """A tech SME's registrations of the years before its current one: each year registered again with
    probability REREGISTERED, back to the firm's first full year or the scheme's first year."""
    out = []
    issued, rest = title["issue_date"], title["certificate_number"][6:]
    year = issued.year - 1
    while year >= max(FIRST_REGISTRATIONS, founded.year + 1) and rng.random() < REREGISTERED:
        day = dt.date(year, rng.randint(3, 11), rng.randint(1, 28))
        out.append(
            {
                **title,
                "certificate_number": f"TE{year}{rest}",
                "issue_date": day,
                "expiry_date": dt.date(year, 12, 31),
            }
        )
        year -= 1
    return out


# --- showcase firms and portal accounts --------------------------------------------------------------------------

SHOWCASE_INDEX = 900_000  # credit-code bodies of the showcase firms: far past any generated population's


def _showcase_specs(city: OrgUnit) -> list[dict[str, Any]]:
    return list(city_demo_data(Path(__file__).resolve().parent, city).get("showcase", ()))


def showcase_code(city: OrgUnit, index: int, region_code: str) -> str:
    units = list(OrgUnit.objects.regions().filter(parent=city).order_by("sort_order", "id"))
    divisions = {code: division for code, division, _w in region_weights(city, units)}
    return population.credit_code(divisions[region_code], SHOWCASE_INDEX + index)


def _showcase_ip(i: int, spec: dict[str, Any], founded: dt.date, latest_year: int) -> list[dict[str, Any]]:
    items = []
    first = max(founded.year, latest_year - 8)
    for k in range(int(spec.get("class_I", 0))):
        year = first + k % max(1, latest_year - first + 1)
        items.append(
            {
                "ip_class": "I",
                "kind": "invention_patent",
                "number": f"ZL{year}9{i:02d}{k:04d}",
                "grant_date": dt.date(year, 1 + k % 12, 10),
                "acquisition": "self_developed",
                "high_value": k < int(spec.get("class_I_high_value", 0)),
            }
        )
    for k in range(int(spec.get("class_II", 0))):
        year = first + k % max(1, latest_year - first + 1)
        items.append(
            {
                "ip_class": "II",
                "kind": "utility_model",
                "number": f"ZL{year}8{i:02d}{k:04d}",
                "grant_date": dt.date(year, 1 + k % 12, 20),
                "acquisition": "self_developed",
                "used_in_prior_hte": k < int(spec.get("class_II_used_before", 0)),
            }
        )
    return items


def _title(tier: str, spec: dict[str, Any], i: int, today: dt.date, province: str) -> dict[str, Any]:
    month, day = (int(x) for x in str(spec.get("on", "03-15")).split("-"))
    issued = dt.date(today.year - int(spec["years_ago"]), month, day)
    expiry = (
        dt.date(issued.year, 12, 31) if tier == "tech_sme" else dt.date(issued.year + 3, month, day) - dt.timedelta(1)
    )
    issuer = "工业和信息化部" if tier == "little_giant" else f"{province}高新技术企业认定管理机构"
    if tier in ("innovative_sme", "specialized_sme"):
        issuer = f"{province}工业和信息化厅"
    return {
        "tier": tier,
        "certificate_number": f"{tier[:2].upper()}{issued.year}9{i:05d}",
        "issue_date": issued,
        "expiry_date": expiry,
        "issuer": issuer,
    }


@transaction.atomic
def load_showcase(city: OrgUnit, today: dt.date | None = None) -> int:
    """The city's showcase firms (its demo file's `showcase`), each a shape of the ladder someone trying the portal
    should meet; idempotent by credit code. Returns how many were created (their verdicts are computed by the
    caller's register evaluation)."""
    from kechuang.enterprises.models import RdInstitution

    today = today or dt.date.today()
    latest = today.year - 1
    regions = {u.code: u for u in OrgUnit.objects.regions().filter(parent=city)}
    created = 0
    for i, spec in enumerate(_showcase_specs(city)):
        code = showcase_code(city, i, spec["region"])
        if Enterprise.objects.filter(credit_code=code).exists():
            continue
        if "registered" in spec:
            founded = dt.date.fromisoformat(str(spec["registered"]))
        else:
            founded = dt.date(today.year - int(spec["registered_years_ago"]), 4, 12)
        enterprise = Enterprise.objects.create(
            credit_code=code,
            name=spec["name"],
            region=regions[spec["region"]],
            industry=spec.get("industry", ""),
            tech_field=spec.get("tech_field", ""),
            registration_date=founded,
            resident_enterprise_mainland=True,
            is_sme_per_2011_standard=bool(spec.get("sme")),
        )
        for offset, figures in sorted((spec.get("years") or {}).items()):
            year = latest + int(offset)
            if dt.date(year, 12, 31) < founded:
                continue
            row = {k: (Decimal(str(v)) if k.endswith("_wan") else v) for k, v in figures.items()}
            if int(offset) == 0:
                row.setdefault("prohibited_or_restricted_product", False)
                row.setdefault("rd_deduction_negative_list_industry", False)
                row.setdefault("major_incident_or_violation_recent", False)
                row.setdefault("major_incident_or_violation_3y", False)
                row.setdefault("abnormal_or_serious_dishonesty_list", False)
            EnterpriseYear.objects.create(enterprise=enterprise, year=year, source="演示数据 Demo data", **row)
        for item in _showcase_ip(i, spec.get("ip") or {}, founded, latest):
            IntellectualProperty.objects.create(enterprise=enterprise, **item)
        for title in spec.get("titles") or ():
            Qualification.objects.create(
                enterprise=enterprise, **_title(title["tier"], title, i, today, city.province_name)
            )
        for inst in spec.get("institutions") or ():
            RdInstitution.objects.create(
                enterprise=enterprise,
                name=inst["name"],
                level=inst["level"],
                recognised_on=dt.date.fromisoformat(str(inst["recognised"])),
            )
        audit.record(actor=None, action=audit.Action.CREATE, obj=enterprise, changes={"showcase": [None, spec["key"]]})
        created += 1
    return created


def showcase_firms(city: OrgUnit | None = None) -> dict[str, str]:
    """{showcase key: credit code} of the city's showcase firms present in the register."""
    from kechuang.core.registry import default_policy

    if city is None:
        policy = default_policy()
        if policy is None:
            return {}
        city = policy.city
    found = {}
    for i, spec in enumerate(_showcase_specs(city)):
        try:
            code = showcase_code(city, i, spec["region"])
        except KeyError:
            continue
        if Enterprise.objects.filter(credit_code=code).exists():
            found[spec["key"]] = code
    return found


def showcase_account_firm(city: OrgUnit | None = None) -> str | None:
    """The credit code of the firm the demo enterprise accounts act for (the demo file's `account_firm`)."""
    from kechuang.core.registry import default_policy

    if city is None:
        policy = default_policy()
        if policy is None:
            return None
        city = policy.city
    key = city_demo_data(Path(__file__).resolve().parent, city).get("account_firm")
    return showcase_firms(city).get(key) if key else None


def portal_account_name(n: int) -> str:
    return f"firm{n:03d}"


@transaction.atomic
def load_portal_accounts(city: OrgUnit) -> int:
    """Portal accounts for demo firms, `firm001`…: one administrator per firm, the showcase firms first (all but the
    one the demo enterprise accounts act for), then the register's first active firms in order. Idempotent by user
    name. Their password is KECHUANG_ADMIN_PASSWORD when it is set (like every demo account, and kept to it), else
    none that can sign in: they are not printed one by one, and the system administrator sets one when needed
    (README, "Demo enterprise portal accounts")."""
    from django.conf import settings

    from kechuang.core.models import User
    from kechuang.core.roles import Role
    from kechuang.core.services import user_create

    wanted = int(city_demo_data(Path(__file__).resolve().parent, city).get("portal_accounts", 0))
    if not wanted:
        return 0
    password = os.environ.get("KECHUANG_ADMIN_PASSWORD") or None
    own = showcase_account_firm(city)
    codes = [c for c in showcase_firms(city).values() if c != own]
    taken = set(User.objects.filter(role=Role.ENTERPRISE).exclude(credit_code="").values_list("credit_code", flat=True))
    taken -= set(codes)
    firms = {e.credit_code: e for e in Enterprise.objects.filter(credit_code__in=codes)}
    rest = (
        Enterprise.objects.filter(status=Enterprise.Status.ACTIVE, region__parent=city)
        .exclude(credit_code__in=[*codes, *taken])
        .order_by("pk")
    )
    chosen = [firms[c] for c in codes if c in firms] + list(rest[: max(0, wanted - len(codes))])
    existing = {
        u.username: u for u in User.objects.filter(username__in=[portal_account_name(n) for n in range(1, wanted + 1)])
    }
    created = 0
    for n, firm in enumerate(chosen[:wanted], start=1):
        username = portal_account_name(n)
        user = existing.get(username)
        if user is not None:
            if password is not None and not user.check_password(password):
                user.set_password(password)
                user.save(update_fields=["password"])
            continue
        user = user_create(
            username=username,
            role=Role.ENTERPRISE,
            display_name=f"{firm.name} 管理员",
            password=password or generate_password(),
            must_change_password=settings.PRODUCTION,
            is_demo=True,
            credit_code=firm.credit_code,
            organisation=firm.name,
            # one administrator per firm (core.firm_accounts): a firm whose demo account exists already keeps it
            is_org_admin=not User.objects.filter(credit_code=firm.credit_code, is_org_admin=True).exists(),
        )
        if password is None:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        created += 1
    return created


# (showcase key, fiscal year offset, figure, proposed value, reason, decision): proposals of the showcase firms' portal
# accounts, so the districts' queue and a firm's history show something after `make run`.
DEMO_CORRECTIONS = (
    ("little_giant_candidate", 0, "niche_market_share_pct", "10.6", "据行业协会发布的细分市场统计报告更正", None),
    ("hte_expiring", 0, "rd_expense_wan", "640", "研发费用专项审计报告更正", None),
    ("young_sme", 0, "st_staff", "9", "新入职研发人员已缴纳社保", "reject"),
)


@transaction.atomic
def load_demo_corrections(city: OrgUnit) -> int:
    """A few proposals by the showcase firms' portal accounts (two awaiting their district, one rejected by the
    bureau); once per firm and figure."""
    from kechuang.core.models import User
    from kechuang.core.roles import Role
    from kechuang.enterprises.models import FactCorrection
    from kechuang.enterprises.services import fact_correction_decide, fact_correction_propose

    firms = showcase_firms(city)
    bureau = User.objects.filter(role=Role.BUREAU_STAFF, is_active=True).order_by("pk").first()
    created = 0
    latest = dt.date.today().year - 1
    for key, offset, field, value, reason, decision in DEMO_CORRECTIONS:
        code = firms.get(key)
        account = User.objects.filter(role=Role.ENTERPRISE, credit_code=code, is_org_admin=True).first()
        if code is None or account is None:
            continue
        if FactCorrection.objects.filter(enterprise__credit_code=code, field=field).exists():
            continue
        correction = fact_correction_propose(
            actor=account, year=latest + offset, field=field, value=value, reason=reason
        )
        if decision == "reject" and bureau is not None:
            fact_correction_decide(
                actor=bureau, correction=correction, confirm=False, note="请补充社保缴纳证明后重新申报"
            )
        created += 1
    return created
