"""Reads of the technology market. Every query starts from `Model.objects.visible_to(user)`."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext

from kechuang.core.codes import TechField
from kechuang.core.masking import mask_attr
from kechuang.core.models import OrgUnit
from kechuang.core.permissions import is_bureau
from kechuang.core.personal_data import can_unmask
from kechuang.core.roles import Role
from kechuang.techmarket.models import (
    Achievement,
    Contract,
    ContractParty,
    Demand,
    Expert,
    MatchCase,
    MatchCheck,
    VocabularyTerm,
)

PUBLIC_ACHIEVEMENT_STATES = (
    Achievement.Status.PUBLISHED,
    Achievement.Status.NEGOTIATING,
    Achievement.Status.TRANSFERRED,
)


# ---------------------------------------------------------------- personal data (security-baseline.md §2, 个人信息保护)
# Masked for everyone by default; the full values only through core.unmask (permission + reason, logged) or an
# export with a stated purpose (`unmasked=True`, decided by core.unmask.export_purpose).
def contact_of(obj: Any, *, unmasked: bool = False) -> dict[str, Any]:
    """The contact of an achievement or demand, masked unless `unmasked`."""
    if unmasked:
        return {"name": obj.contact_name, "phone": obj.contact_phone, "email": obj.contact_email, "masked": False}
    return {
        "name": mask_attr(obj, "contact_name"),
        "phone": mask_attr(obj, "contact_phone"),
        "email": mask_attr(obj, "contact_email"),
        "masked": True,
    }


def expert_contact(expert: Expert, user: Any, *, unmasked: bool = False) -> dict[str, str] | None:
    """An expert's phone and e-mail, masked unless `unmasked`; None for whoever may not unmask them (experts'
    contacts are for bureau staff only, not even masked for others)."""
    if not can_unmask(user, expert):
        return None
    if unmasked:
        return {"phone": expert.phone, "email": expert.email}
    return {"phone": mask_attr(expert, "phone"), "email": mask_attr(expert, "email")}


# ---------------------------------------------------------------- scoped querysets
def achievements(user: Any) -> QuerySet[Achievement]:
    qs = Achievement.objects.visible_to(user).select_related("region")
    if not is_bureau(user):
        qs = qs.filter(status__in=PUBLIC_ACHIEVEMENT_STATES)
    return qs


def demands(user: Any) -> QuerySet[Demand]:
    return Demand.objects.visible_to(user).select_related("region")


def firm_demands(credit_code: str) -> QuerySet[Demand]:
    """The demands of one firm: those naming its credit code, whoever entered them (staff, the public form, the
    firm itself through the enterprise portal). For the firm's own account only: the caller scopes."""
    if not credit_code:
        return Demand.objects.none()
    return Demand.objects.filter(credit_code=credit_code).select_related("region")


def firm_contracts(credit_code: str) -> QuerySet[Contract]:
    """The technology contracts where the firm is a party (buyer or seller), by credit code."""
    if not credit_code:
        return Contract.objects.none()
    return Contract.objects.filter(parties__credit_code=credit_code).distinct().select_related("region")


def experts(user: Any) -> QuerySet[Expert]:
    qs = Expert.objects.visible_to(user).select_related("region")
    return qs if is_bureau(user) else qs.filter(is_active=True)


def matches(user: Any) -> QuerySet[MatchCase]:
    return MatchCase.objects.visible_to(user).select_related("demand", "demand__region", "achievement", "expert")


def contracts(user: Any) -> QuerySet[Contract]:
    return Contract.objects.visible_to(user).select_related("region")


def visible(kind: str, user: Any) -> QuerySet:
    return {"achievement": achievements, "demand": demands, "expert": experts}[kind](user)


def city_regions() -> QuerySet[OrgUnit]:
    return OrgUnit.objects.regions().filter(is_active=True, parent__parent__isnull=True).order_by("sort_order", "id")


def with_parties(rows: list[Contract]) -> list[Contract]:
    """Attach sellers and buyers to a page of contracts with one query."""
    by_contract: dict[int, list[ContractParty]] = defaultdict(list)
    for party in ContractParty.objects.filter(contract__in=[c.pk for c in rows]).select_related("region"):
        by_contract[party.contract_id].append(party)
    for c in rows:
        parties = by_contract.get(c.pk, [])
        c.sellers = [p for p in parties if p.role == ContractParty.Role.SELLER]
        c.buyers = [p for p in parties if p.role == ContractParty.Role.BUYER]
    return rows


# ---------------------------------------------------------------- funnel and statistics
def funnel(user: Any) -> dict[str, Any]:
    """Matches per stage, by field and by region (the bureau's brokering funnel)."""
    qs = matches(user)
    stages = [s for s, _l in MatchCase.Stage.choices]
    totals = dict.fromkeys(stages, 0)
    by_field: dict[str, dict[str, int]] = {}
    by_region: dict[str, dict[str, int]] = {}
    region_names: dict[str, str] = {}
    rows = qs.values("stage", "demand__field", "demand__region__code", "demand__region__name").annotate(n=Count("id"))
    for row in rows:
        totals[row["stage"]] += row["n"]
        by_field.setdefault(row["demand__field"], dict.fromkeys(stages, 0))[row["stage"]] += row["n"]
        code = row["demand__region__code"]
        region_names[code] = row["demand__region__name"]
        by_region.setdefault(code, dict.fromkeys(stages, 0))[row["stage"]] += row["n"]
    labels = dict(TechField.choices)
    # a true funnel: how many matches reached each forward step (or a later one), whatever their stage now
    later = ("contacted_on", "negotiation_on", "signed_on")
    reached = qs.aggregate(
        recommended=Count("id"),
        **{name.removesuffix("_on"): Count("id", filter=_any_set(later[i:])) for i, name in enumerate(later)},
    )
    first = reached["recommended"] or 0
    steps = [
        (label, reached[key], round(100 * reached[key] / first, 1) if first else None)
        for key, label in (
            ("recommended", MatchCase.Stage.RECOMMENDED.label),
            ("contacted", MatchCase.Stage.CONTACTED.label),
            ("negotiation", MatchCase.Stage.NEGOTIATING.label),
            ("signed", MatchCase.Stage.SIGNED.label),
        )
    ]
    return {
        "stages": MatchCase.Stage.choices,
        "reached": steps,
        "totals": [totals[s] for s in stages],
        "by_field": [(f, labels.get(f, f), [(s, v[s]) for s in stages]) for f, v in sorted(by_field.items())],
        "by_region": [(c, region_names[c], [(s, v[s]) for s in stages]) for c, v in sorted(by_region.items())],
    }


def _any_set(fields: tuple[str, ...]) -> Q:
    condition = Q()
    for name in fields:
        condition |= Q(**{f"{name}__isnull": False})
    return condition


def contract_turnover(
    year: int | None = None, *, user: Any = None, years: Any = None, with_city: bool = False
) -> list[dict[str, Any]]:
    """Registered turnover (成交额, 万元) per year × region, on the seller (输出, 'output') and the buyer
    (吸纳, 'absorbed') bases kept apart (tech-contracts.md §5). A contract counts in the year it was registered,
    once per basis for each region in the city that has a party of that role (so a contract between two districts
    counts as output of one and absorbed by the other); parties outside the city are not counted. `years` limits
    to several years; `with_city` adds the city's rows, where a contract counts once per basis however many of
    its parties are in the city."""
    contracts_qs = Contract.objects.filter(status=Contract.Status.REGISTERED, registered_on__isnull=False)
    if user is not None:
        contracts_qs = contracts_qs.visible_to(user)
    if year is not None:
        contracts_qs = contracts_qs.filter(registered_on__year=year)
    if years is not None:
        contracts_qs = contracts_qs.filter(registered_on__year__in=list(years))
    parties = (
        ContractParty.objects.filter(contract__in=contracts_qs, region__isnull=False)
        .values_list(
            "contract_id",
            "role",
            "region__code",
            "region__parent__code",
            "contract__registered_on",
            "contract__total_amount_wan",
            "contract__technology_amount_wan",
        )
        .order_by("contract_id")
    )
    seen: set[tuple[int, str, str]] = set()
    out: dict[tuple[str, str, int], dict[str, Any]] = {}
    for contract_id, role, region, city, registered_on, total, tech in parties:
        basis = "output" if role == ContractParty.Role.SELLER else "absorbed"
        for unit in (region, city) if with_city else (region,):
            if (contract_id, basis, unit) in seen:
                continue
            seen.add((contract_id, basis, unit))
            row = out.setdefault(
                (basis, unit, registered_on.year),
                {
                    "basis": basis,
                    "region_code": unit,
                    "year": registered_on.year,
                    "amount_wan": Decimal(0),
                    "technology_amount_wan": Decimal(0),
                    "contracts": 0,
                },
            )
            row["amount_wan"] += total
            row["technology_amount_wan"] += tech or Decimal(0)
            row["contracts"] += 1
    return [out[k] for k in sorted(out)]


def turnover_of_year(user: Any, year: int) -> dict[str, Any]:
    """The one "turnover of a year" figure every page shows (cockpit, market dashboard; the statistics page's city
    output row and the indicator tech_contract_turnover_registered_output are the same numbers): contracts
    registered on this platform in `year` (registration date), output basis (the seller in the unit), for the
    user's unit — a district officer's region, otherwise the city, where a contract counts once."""

    unit = None
    if getattr(user, "role", None) == Role.DISTRICT_OFFICER and user.org_unit_id:
        unit = user.org_unit
    if unit is None:
        unit = OrgUnit.objects.cities().first()
    code = unit.code if unit is not None else ""
    row = next(
        (
            r
            for r in contract_turnover(year, user=user, with_city=True)
            if r["basis"] == "output" and r["region_code"] == code
        ),
        None,
    )
    return {
        "year": year,
        "unit": unit,
        "amount_wan": row["amount_wan"] if row else Decimal(0),
        "contracts": row["contracts"] if row else 0,
    }


def turnover_table(user: Any) -> dict[str, Any]:
    """The statistics page (tech-contracts.md §5): years × regions with output and absorbed side by side, the city
    (a contract counted once), and registered contracts by type and sub-type, by technology field and by the
    kind of seller and buyer."""
    rows = contract_turnover(user=user, with_city=True)
    cities = set(OrgUnit.objects.cities().values_list("code", flat=True))
    years = sorted({r["year"] for r in rows})
    regions = list(city_regions())
    cell: dict[tuple[str, str, int], Decimal] = {
        (r["basis"], r["region_code"], r["year"]): r["amount_wan"] for r in rows
    }
    table = []
    for region in regions:
        cells = [(cell.get(("output", region.code, y)), cell.get(("absorbed", region.code, y))) for y in years]
        if any(o is not None or a is not None for o, a in cells):
            table.append({"region": region, "cells": cells})
    city_output, city_absorbed = (
        [
            sum(
                (
                    r["amount_wan"]
                    for r in rows
                    if r["basis"] == basis and r["region_code"] in cities and r["year"] == y
                ),
                Decimal(0),
            )
            for y in years
        ]
        for basis in ("output", "absorbed")
    )
    registered = contracts(user).filter(status=Contract.Status.REGISTERED, registered_on__isnull=False)
    measures = {"n": Count("id"), "total": Sum("total_amount_wan"), "tech": Sum("technology_amount_wan")}
    by_type = [
        r | {"average": r["total"] / r["n"] if r["n"] else None}
        for r in registered.values("contract_type", "sub_type", "registered_on__year")
        .annotate(**measures)
        .order_by("registered_on__year", "contract_type", "sub_type")
    ]
    by_field = list(
        registered.values("tech_field", "registered_on__year").annotate(**measures).order_by("registered_on__year")
    )
    return {
        "years": years,
        "table": table,
        "city_output": city_output,
        "city_absorbed": city_absorbed,
        "by_type": by_type,
        "by_field": by_field,
        "by_party": _turnover_by_party(registered),
    }


def _turnover_by_party(registered: QuerySet[Contract]) -> list[dict[str, Any]]:
    """Year × side (seller / buyer) × kind of party: a contract counts once per side and kind."""
    parties = ContractParty.objects.filter(contract__in=registered).values_list(
        "contract_id", "role", "nature", "contract__registered_on__year", "contract__total_amount_wan"
    )
    out: dict[tuple[int, str, str], dict[str, Any]] = {}
    seen: set[tuple[int, str, str]] = set()
    for contract_id, role, nature, year, total in parties:
        if (contract_id, role, nature) in seen:
            continue
        seen.add((contract_id, role, nature))
        row = out.setdefault(
            (year, role, nature), {"year": year, "role": role, "nature": nature, "n": 0, "total": Decimal(0)}
        )
        row["n"] += 1
        row["total"] += total
    return [out[k] for k in sorted(out)]


def cockpit_cards(user: Any) -> list:
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from kechuang.core.registry import CockpitCard

    year = timezone.localdate().year
    turnover = turnover_of_year(user, year)
    open_demands = demands(user).filter(status__in=Demand.OPEN_STATES).count()
    pending = demands(user).filter(status=Demand.Status.PENDING).count()
    negotiating = matches(user).filter(stage=MatchCase.Stage.NEGOTIATING).count()
    return [
        CockpitCard(
            title=_("Technology contract turnover %(year)s") % {"year": year},
            value=_("%(amount)s (10k yuan)") % {"amount": f"{turnover['amount_wan']:,.2f}"},
            detail=_("registered on this platform in %(year)s, output basis (seller in %(unit)s): %(n)d contracts")
            % {"year": year, "unit": turnover["unit"], "n": turnover["contracts"]},
            url=reverse("techmarket:statistics"),
        ),
        CockpitCard(
            title=_("Open technology demands"),
            value=str(open_demands),
            detail=_("%(n)d awaiting review") % {"n": pending},
            status="at_risk" if pending else "none",
            url=reverse("techmarket:demands") + "?status=published",
        ),
        CockpitCard(
            title=_("Matches in negotiation"),
            value=str(negotiating),
            detail=_("brokered by the bureau"),
            url=reverse("techmarket:matches") + "?stage=negotiating",
        ),
    ]


def vocabulary() -> QuerySet[VocabularyTerm]:
    """The matching vocabulary (filters: techmarket.filters.VocabularyFilter)."""
    return VocabularyTerm.objects.all()


def match_checks() -> QuerySet[MatchCheck]:
    """The saved check queries (filters: techmarket.filters.MatchCheckFilter)."""
    return MatchCheck.objects.all()


def today() -> dt.date:
    return timezone.localdate()


# ---------------------------------------------------------------- search facets
SEARCH_FACETS = ("field", "chain", "maturity", "transfer_mode", "region", "status")
MATURITY_BANDS = (("research", range(1, 4)), ("development", range(4, 7)), ("ready", range(7, 10)))


def _maturity(trl: int | None) -> str:
    return next((name for name, band in MATURITY_BANDS if trl in band), "")


def facet_values(obj: Any, kind: str) -> dict[str, list[str]]:
    """The facet values of one search hit (a record may have several transfer modes)."""
    region = getattr(obj, "region", None)
    values = {"field": [obj.field], "region": [region.code] if region else []}
    if kind in ("achievement", "demand"):
        values["chain"] = [obj.industry_chain] if obj.industry_chain else []
    if kind == "achievement":
        values |= {
            "maturity": [_maturity(obj.trl)] if obj.trl else [],
            "transfer_mode": list(obj.transfer_modes or []),
            "status": [obj.status],
        }
    elif kind == "demand":
        values["status"] = [obj.status]
    else:
        values["status"] = ["active" if obj.is_active else "inactive"]
    return values


def facet_labels(kind: str) -> dict[str, dict[str, str]]:
    from .models import IndustryChain, TransferMode

    status = {
        "achievement": dict(Achievement.Status.choices),
        "demand": dict(Demand.Status.choices),
        "expert": {"active": gettext("Active"), "inactive": gettext("Inactive")},
    }[kind]
    return {
        "field": dict(TechField.choices),
        "chain": dict(IndustryChain.choices),
        "maturity": {
            "research": gettext("TRL 1–3 (research)"),
            "development": gettext("TRL 4–6 (development)"),
            "ready": gettext("TRL 7–9 (ready for use)"),
        },
        "transfer_mode": dict(TransferMode.choices),
        "region": {r.code: r.name for r in city_regions()},
        "status": {str(k): str(v) for k, v in status.items()},
    }


def search_facets(rows: list[dict[str, Any]], kind: str, selected: dict[str, str]) -> tuple[list, list]:
    """Filter resolved search hits by the selected facet values and count every facet's values.

    Counts are disjunctive, as shops do it: a facet's counts are taken over the hits that pass the *other*
    selected facets, so choosing a value does not hide its alternatives. Returns (kept rows, facets) where facets
    is [(name, [(value, label, count, is_selected)])] for the facets that apply to `kind`."""
    names = {
        "field": gettext("Field"),
        "chain": gettext("Industry chain"),
        "maturity": gettext("Maturity"),
        "transfer_mode": gettext("Transfer mode"),
        "region": gettext("Region"),
        "status": gettext("Status"),
    }
    applicable = {
        "achievement": SEARCH_FACETS,
        "demand": ("field", "chain", "region", "status"),
    }.get(kind, ("field", "region", "status"))
    values = [facet_values(r["object"], kind) for r in rows]
    active = {k: v for k, v in selected.items() if k in applicable and v}

    def passes(vals: dict[str, list[str]], skip: str | None = None) -> bool:
        return all(v in vals.get(k, []) for k, v in active.items() if k != skip)

    labels = facet_labels(kind)
    facets = []
    for name in applicable:
        counts: Counter[str] = Counter()
        for vals in values:
            if passes(vals, skip=name):
                counts.update(set(vals.get(name, [])))
        entries = [
            (value, labels[name].get(value, value), n, active.get(name) == value)
            for value, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
            if value
        ]
        facets.append((name, names[name], entries))
    kept = [r for r, vals in zip(rows, values, strict=True) if passes(vals)]
    return kept, facets


# ---------------------------------------------------------------- market dashboard
def _month_counts(qs: QuerySet, date_field: str, *, amount: str | None = None) -> dict[str, list]:
    """{'YYYY-MM': [count, Σ amount]} with one query (TruncMonth works on SQLite and PostgreSQL alike)."""
    from django.db.models.functions import TruncMonth

    rows = (
        qs.exclude(**{f"{date_field}__isnull": True})
        .annotate(month=TruncMonth(date_field))
        .values("month")
        .annotate(n=Count("id"), **({"total": Sum(amount)} if amount else {}))
        .order_by("month")
    )
    return {r["month"].strftime("%Y-%m"): [r["n"], r.get("total") or Decimal(0)] for r in rows}


def market_dashboard(user: Any, *, months: int = 24) -> dict[str, Any]:
    """The market dashboard: totals to date (all years), this year's turnover (`turnover_of_year`) and monthly
    series (postings, matches, contracts by signing date, turnover by registration date) over the last `months`
    months, everything within the user's data scope."""
    end = today().replace(day=1)
    labels = []
    y, m = end.year, end.month
    for _ in range(months):
        labels.append(f"{y:04d}-{m:02d}")
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    labels.reverse()
    start = dt.date(int(labels[0][:4]), int(labels[0][5:]), 1)
    ach = achievements(user).exclude(status=Achievement.Status.DRAFT)
    dem = demands(user).exclude(status__in=(Demand.Status.PENDING, Demand.Status.REJECTED))
    series_src = {
        "achievements": _month_counts(ach.filter(created_at__date__gte=start), "created_at"),
        "demands": _month_counts(dem.filter(created_at__date__gte=start), "created_at"),
        "matches": _month_counts(matches(user).filter(recommended_on__gte=start), "recommended_on"),
        "contracts": _month_counts(contracts(user).filter(signed_on__gte=start), "signed_on"),
        "turnover": _month_counts(
            contracts(user).filter(status=Contract.Status.REGISTERED, registered_on__gte=start),
            "registered_on",
            amount="total_amount_wan",
        ),
    }
    series = {name: [src.get(label, [0, 0])[0] for label in labels] for name, src in series_src.items()}
    series["turnover_wan"] = [float(series_src["turnover"].get(label, [0, 0])[1]) for label in labels]
    registered = contracts(user).filter(status=Contract.Status.REGISTERED)
    this_year = turnover_of_year(user, today().year)
    kpis = {
        "year": this_year["year"],
        "unit": this_year["unit"],
        "turnover_year_wan": this_year["amount_wan"],
        "achievements": ach.count(),
        "demands_open": dem.filter(status__in=Demand.OPEN_STATES).count(),
        "experts": experts(user).filter(is_active=True).count(),
        "matches": matches(user).count(),
        "contracts_registered": registered.count(),
        "turnover_wan": registered.aggregate(s=Sum("total_amount_wan"))["s"] or Decimal(0),
    }
    return {"months": labels, "series": series, "kpis": kpis}


def demand_summaries(user: Any, *, pk: int | None = None, query: str = "", limit: int = 50) -> list:
    """Published or negotiating demands as `core.registry.DemandSummary` (for the projects module's open calls)."""
    from django.urls import reverse

    from kechuang.core.registry import DemandSummary

    qs = demands(user).filter(status__in=[Demand.Status.PUBLISHED, Demand.Status.NEGOTIATING])
    if pk is not None:
        qs = qs.filter(pk=pk)
    if query:
        qs = qs.filter(title__icontains=query)
    return [
        DemandSummary(
            id=d.pk,
            title=d.title,
            description=d.description,
            enterprise_name=d.enterprise_name,
            credit_code=d.credit_code,
            region_code=d.region.code,
            budget_max_wan=d.budget_max_wan,
            deadline=d.deadline,
            url=reverse("techmarket:demand", args=[d.pk]),
        )
        for d in qs.order_by("-created_at", "-id")[:limit]
    ]


def demand_suggestions(demand: Demand, user: Any, *, k: int = 10) -> list[dict[str, Any]]:
    """The achievements the matching engine finds for a demand, with the matched terms and the field badge that
    explain each (as on the demand's page), those the user may read, best first."""
    from kechuang.techmarket import index

    if not demand.title and not demand.description:
        return []
    hits = index.search(index.query_text(demand), kind="achievement", k=k, query_field=demand.field)
    return index.resolve(hits, user)
