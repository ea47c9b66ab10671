"""Reading the register: the filtered list, the funnel, the reserve pool, expiring titles, the indicator feed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core.models import OrgUnit
from kechuang.core.registry import CockpitCard
from kechuang.enterprises.models import Enterprise, LadderResult, Qualification, Tier

# The tiers the engine evaluates, in ladder order (high-tech sits beside the MIIT line).
LADDER_TIERS = (Tier.TECH_SME, Tier.HIGH_TECH, Tier.INNOVATIVE_SME, Tier.SPECIALIZED_SME, Tier.LITTLE_GIANT)


def enterprises(user: Any) -> QuerySet[Enterprise]:
    """The register a user sees (filters: enterprises.filters.EnterpriseFilter)."""
    return Enterprise.objects.visible_to(user).select_related("region")


def with_ladder(enterprises: list[Enterprise], today: dt.date | None = None) -> list[Enterprise]:
    """Attach `.verdicts` {tier: LadderResult} and `.held` {tier} to a page of enterprises (2 queries)."""
    today = today or timezone.localdate()
    ids = [e.pk for e in enterprises]
    verdicts: dict[int, dict[str, LadderResult]] = {pk: {} for pk in ids}
    for result in LadderResult.objects.filter(enterprise_id__in=ids):
        verdicts[result.enterprise_id][result.tier] = result
    held: dict[int, set[str]] = {pk: set() for pk in ids}
    for pk, tier in Qualification.objects.filter(
        enterprise_id__in=ids, revoked=False, issue_date__lte=today, expiry_date__gte=today
    ).values_list("enterprise_id", "tier"):
        held[pk].add(tier)
    for e in enterprises:
        e.verdicts = verdicts[e.pk]
        e.held = held[e.pk]
        e.ladder = [
            {"tier": t, "label": t.label, "held": t.value in e.held, "result": e.verdicts.get(t.value)}
            for t in LADDER_TIERS
        ]
    return enterprises


def enterprise_detail(user: Any, credit_code: str) -> Enterprise | None:
    return (
        Enterprise.objects.visible_to(user)
        .select_related("region")
        .prefetch_related(
            "years",
            Prefetch("ip_items"),
            Prefetch("qualifications"),
            "awards",
            "standards",
            "rd_institutions",
            "compliance_events",
        )
        .filter(credit_code=credit_code)
        .first()
    )


@dataclass
class FunnelCell:
    held: int = 0
    eligible: int = 0
    near: int = 0


def funnel(user: Any, today: dt.date | None = None) -> dict[str, Any]:
    """Counts per tier × region: held (valid qualification), eligible now, one criterion away."""
    today = today or timezone.localdate()
    visible = Enterprise.objects.visible_to(user).filter(status=Enterprise.Status.ACTIVE)
    regions = list(OrgUnit.objects.regions().filter(pk__in=visible.values("region")).order_by("sort_order"))
    cells: dict[tuple[str, int], FunnelCell] = {}
    held = (
        Qualification.objects.filter(
            enterprise__in=visible, revoked=False, issue_date__lte=today, expiry_date__gte=today
        )
        .values("tier", "enterprise__region")
        .annotate(n=Count("enterprise", distinct=True))
    )
    for row in held:
        cells.setdefault((row["tier"], row["enterprise__region"]), FunnelCell()).held = row["n"]
    results = (
        LadderResult.objects.filter(enterprise__in=visible)
        .filter(Q(status="eligible") | Q(status="not_eligible", failed=1))
        .values("tier", "status", "enterprise__region")
        .annotate(n=Count("id"))
    )
    for row in results:
        cell = cells.setdefault((row["tier"], row["enterprise__region"]), FunnelCell())
        if row["status"] == "eligible":
            cell.eligible = row["n"]
        else:
            cell.near = row["n"]
    total_by_region = dict(visible.values_list("region").annotate(n=Count("id")))
    rows = []
    for tier in LADDER_TIERS:
        row_cells = [cells.get((tier.value, r.pk), FunnelCell()) for r in regions]
        rows.append(
            {
                "tier": tier,
                "cells": list(zip(regions, row_cells, strict=True)),
                "total": FunnelCell(
                    held=sum(c.held for c in row_cells),
                    eligible=sum(c.eligible for c in row_cells),
                    near=sum(c.near for c in row_cells),
                ),
            }
        )
    return {
        "regions": regions,
        "rows": rows,
        "enterprises": [total_by_region.get(r.pk, 0) for r in regions],
        "enterprises_total": sum(total_by_region.values()),
    }


def _pool(results: QuerySet[LadderResult], max_failed: int, today: dt.date) -> QuerySet[LadderResult]:
    """Verdicts of active enterprises that fail their tier by 1..max_failed criteria and do not hold it today."""
    return results.filter(
        status="not_eligible",
        failed__gte=1,
        failed__lte=max_failed,
        enterprise__status=Enterprise.Status.ACTIVE,
    ).exclude(
        Exists(
            Qualification.objects.filter(
                enterprise=OuterRef("enterprise"),
                tier=OuterRef("tier"),
                revoked=False,
                issue_date__lte=today,
                expiry_date__gte=today,
            )
        )
    )


def reserve_pool(user: Any, tier: str, *, region: str = "", max_failed: int = 2) -> QuerySet[LadderResult]:
    """后备库: enterprises that do not hold `tier`, are not eligible, and fail it by 1..max_failed criteria.

    Closest first: fewer failed criteria, then the smaller relative shortfall, then the higher score.
    """
    qs = _pool(LadderResult.objects.visible_to(user).filter(tier=tier), max_failed, timezone.localdate())
    qs = qs.select_related("enterprise", "enterprise__region")
    if region:
        qs = qs.filter(enterprise__region__code=region)
    # NULLs placed explicitly: SQLite and PostgreSQL put them at opposite ends, and the what-if reads a missing
    # shortfall as none (closest) and a missing score as the lowest
    return qs.order_by(
        "failed",
        F("shortfall").asc(nulls_first=True),
        F("score").desc(nulls_last=True),
        "enterprise__name",
        "enterprise__credit_code",
    )


def expiring(user: Any, *, months: int = 6, today: dt.date | None = None) -> dict[str, Any]:
    """High-tech certificates expiring within `months`, and last year's tech-SME registrations not renewed."""
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=round(months * 30.44))
    visible = Enterprise.objects.visible_to(user).filter(status=Enterprise.Status.ACTIVE)
    certificates = (
        Qualification.objects.filter(
            enterprise__in=visible, tier=Tier.HIGH_TECH, revoked=False, expiry_date__gte=today, expiry_date__lte=horizon
        )
        .exclude(
            Exists(
                Qualification.objects.filter(
                    enterprise=OuterRef("enterprise"), tier=Tier.HIGH_TECH, revoked=False, expiry_date__gt=horizon
                )
            )
        )
        .select_related("enterprise", "enterprise__region")
        .order_by("expiry_date", "enterprise__name")
    )
    last_year = today.year - 1
    not_renewed = (
        visible.filter(qualifications__tier=Tier.TECH_SME, qualifications__expiry_date__year=last_year)
        .exclude(
            Exists(
                Qualification.objects.filter(
                    enterprise=OuterRef("pk"), tier=Tier.TECH_SME, revoked=False, expiry_date__year__gte=today.year
                )
            )
        )
        .select_related("region")
        .distinct()
        .order_by("region__sort_order", "name")
    )
    return {"certificates": certificates, "not_renewed": not_renewed, "horizon": horizon, "last_year": last_year}


def cockpit_cards(user: Any) -> list[CockpitCard]:
    today = timezone.localdate()
    visible = Enterprise.objects.visible_to(user).filter(status=Enterprise.Status.ACTIVE)
    if not visible.exists():
        return []
    held = dict(
        Qualification.objects.filter(
            enterprise__in=visible, revoked=False, issue_date__lte=today, expiry_date__gte=today
        )
        .values_list("tier")
        .annotate(n=Count("enterprise", distinct=True))
    )
    # the reserve pool's definition: a holder one criterion short of its own title is not a candidate for it
    near = dict(
        _pool(LadderResult.objects.filter(enterprise__in=visible), 1, today).values_list("tier").annotate(n=Count("id"))
    )
    url = reverse("enterprises:funnel")
    return [
        CockpitCard(
            _("Tech SMEs (valid registration)"),
            f"{held.get('tech_sme', 0):,}",
            _("one criterion away: %(n)s") % {"n": f"{near.get('tech_sme', 0):,}"},
            url=url,
        ),
        CockpitCard(
            _("High-tech enterprises (valid certificate)"),
            f"{held.get('high_tech', 0):,}",
            _("one criterion away: %(n)s") % {"n": f"{near.get('high_tech', 0):,}"},
            url=url,
        ),
        CockpitCard(
            _("Specialized SMEs"),
            f"{held.get('specialized_sme', 0):,}",
            _("little giants: %(n)s") % {"n": held.get("little_giant", 0)},
            url=url,
        ),
    ]


# --- the feed for the indicator module -------------------------------------------------------------


def qualification_counts(
    year: int | None = None, *, years: set[int] | None = None, today: dt.date | None = None
) -> list[dict[str, Any]]:
    """Enterprises holding a valid title of each ladder tier, per region and year: {tier, region_code, year, count}.

    A past year counts the titles valid on its 31 December (high-tech enterprises are a stock of valid
    certificates; a tech-SME registration is valid for its year; innovative-city-indicators.md §4). The current
    year counts those valid today among active enterprises, the figure the register's pages show. A future year
    counts those of active enterprises still valid on its 31 December without renewal (what a target year has
    already secured)."""
    today = today or timezone.localdate()
    wanted = {year} if year is not None else years
    quals = Qualification.objects.filter(revoked=False, tier__in=[t.value for t in LADDER_TIERS])
    if wanted:  # only the titles that cover one of the wanted years
        quals = quals.filter(issue_date__year__lte=max(wanted), expiry_date__year__gte=min(wanted))
    seen: dict[tuple[str, str, int], set[int]] = {}
    for tier, region, enterprise_id, status, issued, expires in quals.values_list(
        "tier", "enterprise__region__code", "enterprise_id", "enterprise__status", "issue_date", "expiry_date"
    ):
        for y in range(issued.year, expires.year + 1):
            if wanted is not None and y not in wanted:
                continue
            if y >= today.year and status != Enterprise.Status.ACTIVE:
                continue
            day = today if y == today.year else dt.date(y, 12, 31)
            if issued <= day <= expires:
                seen.setdefault((tier, region, y), set()).add(enterprise_id)
    return [
        {"tier": tier, "region_code": region, "year": y, "count": len(ids)}
        for (tier, region, y), ids in sorted(seen.items())
    ]


def reserve_pool_counts() -> list[dict[str, Any]]:
    """Per tier and region: the reserve pool's enterprises one and two criteria away (as on the reserve-pool page)."""
    rows = (
        _pool(LadderResult.objects.all(), 2, timezone.localdate())
        .values("tier", "enterprise__region__code", "failed")
        .annotate(n=Count("id"))
    )
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        key = (row["tier"], row["enterprise__region__code"])
        entry = out.setdefault(key, {"tier": key[0], "region_code": key[1], "one_away": 0, "two_away": 0})
        entry["one_away" if row["failed"] == 1 else "two_away"] = row["n"]
    return sorted(out.values(), key=lambda e: (e["tier"], e["region_code"]))
