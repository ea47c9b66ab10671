"""Reading the register: the filtered list, the funnel, the reserve pool, expiring titles, the indicator feed."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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


def capability_profiles(codes: Any = None, *, as_of: dt.date | None = None) -> list[dict[str, Any]]:
    """Each active firm's profile (all, or those of the credit codes `codes`) as plain data, for other modules
    (the finance module's capability score, its loan checks) through `core.registry.enterprise_profiles`:
    credit_code, name, region_id, region_code, years {year: {operating_revenue, rd_expense, employees, rd_staff}}
    (the last four years), ip {class_i, class_ii, high_value} (valid), tiers_held {tier: certificate number} (on
    `as_of`), tiers_eligible [tier] (the ladder's stored verdicts), institutions {level: n} (not revoked)."""
    from kechuang.enterprises.models import EnterpriseYear, IntellectualProperty, RdInstitution

    as_of = as_of or timezone.localdate()
    firms = Enterprise.objects.filter(status=Enterprise.Status.ACTIVE)
    chunks: list[Any] = [None]
    if codes is not None:
        wanted = sorted(set(codes))
        chunks = [wanted[i : i + 500] for i in range(0, len(wanted), 500)]
    out: list[dict[str, Any]] = []
    for chunk in chunks:
        part = firms if chunk is None else firms.filter(credit_code__in=chunk)
        profiles: dict[int, dict[str, Any]] = {}
        for pk, code, name, region_id, region_code in part.values_list(
            "pk", "credit_code", "name", "region_id", "region__code"
        ).order_by("pk"):
            profiles[pk] = {
                "credit_code": code,
                "name": name,
                "region_id": region_id,
                "region_code": region_code,
                "years": {},
                "ip": {},
                "tiers_held": {},
                "tiers_eligible": [],
                "institutions": {},
            }
        if not profiles:
            continue
        ids = (
            Q(enterprise_id__in=list(profiles)) if chunk is not None else Q(enterprise__status=Enterprise.Status.ACTIVE)
        )
        for pk, year, revenue, rd, employees, rd_staff in EnterpriseYear.objects.filter(
            ids, year__gte=as_of.year - 4, year__lte=as_of.year
        ).values_list(
            "enterprise_id", "year", "operating_revenue_wan", "rd_expense_wan", "employees_total", "rd_staff"
        ):
            if pk in profiles:
                profiles[pk]["years"][year] = {
                    "operating_revenue": None if revenue is None else float(revenue),
                    "rd_expense": None if rd is None else float(rd),
                    "employees": employees,
                    "rd_staff": rd_staff,
                }
        for row in (
            IntellectualProperty.objects.filter(ids, is_valid=True, grant_date__lte=as_of)
            .values("enterprise_id", "ip_class", "high_value")
            .annotate(n=Count("id"))
        ):
            if row["enterprise_id"] in profiles:
                ip = profiles[row["enterprise_id"]]["ip"]
                key = "class_i" if row["ip_class"] == IntellectualProperty.IPClass.CLASS_I else "class_ii"
                ip[key] = ip.get(key, 0) + row["n"]
                if row["high_value"]:
                    ip["high_value"] = ip.get("high_value", 0) + row["n"]
        for pk, tier, number in Qualification.objects.filter(
            ids, revoked=False, issue_date__lte=as_of, expiry_date__gte=as_of
        ).values_list("enterprise_id", "tier", "certificate_number"):
            if pk in profiles:
                profiles[pk]["tiers_held"][tier] = number
        for pk, tier in LadderResult.objects.filter(ids, status=LadderResult.Status.ELIGIBLE).values_list(
            "enterprise_id", "tier"
        ):
            if pk in profiles:
                profiles[pk]["tiers_eligible"].append(tier)
        for row in (
            RdInstitution.objects.filter(ids, recognised_on__lte=as_of)
            .filter(Q(revoked_on__isnull=True) | Q(revoked_on__gt=as_of))
            .values("enterprise_id", "level")
            .annotate(n=Count("id"))
        ):
            if row["enterprise_id"] in profiles:
                profiles[row["enterprise_id"]]["institutions"][row["level"]] = row["n"]
        out.extend(profiles.values())
    return out


def tier_holders(tier: str, on: dt.date | None = None) -> set[str]:
    """The credit codes of the firms holding `tier` (a valid, unrevoked qualification) on the day `on`."""
    on = on or timezone.localdate()
    return set(
        Qualification.objects.filter(tier=tier, revoked=False, issue_date__lte=on, expiry_date__gte=on).values_list(
            "enterprise__credit_code", flat=True
        )
    )


# --- one firm's own view (the enterprise portal) -----------------------------------------------------------------

# Where a firm stands on a tier, in the words of the portal: it holds the title, qualifies now, misses it by one
# criterion, or not yet (several criteria short, or data missing).
STEP_STATES = {
    "held": gettext_lazy("Held"),
    "eligible": gettext_lazy("Eligible"),
    "one_away": gettext_lazy("One criterion away"),
    "not_yet": gettext_lazy("Not yet"),
}
EXPIRY_WARNING_DAYS = 365


def own_enterprise(user: Any) -> Enterprise | None:
    """The active firm an enterprise account acts for (its credit code), or None: never any other firm."""
    from kechuang.core.roles import Role

    code = getattr(user, "credit_code", "") or ""
    if getattr(user, "role", None) != Role.ENTERPRISE or not code:
        return None
    return (
        Enterprise.objects.filter(credit_code=code, status=Enterprise.Status.ACTIVE)
        .select_related("region")
        .prefetch_related("years", "qualifications")
        .first()
    )


def step_state(held: bool, result: Any) -> str:
    if held:
        return "held"
    if result.status == "eligible":
        return "eligible"
    if result.status == "not_eligible" and len(result.failed_criteria()) == 1:
        return "one_away"
    return "not_yet"


_FLAG_WORDS = re.compile(r"\b(true|false)\b")


def explain(results: list[Any], language: str | None) -> None:
    """Name each criterion and its gap in the reader's language (the rule modules speak Chinese)."""
    from kechuang.enterprises.ladder.labels import criterion_name, gap_sentence

    for r in results:
        for c in r.criteria:
            c.shown_name = criterion_name(r.tier, c.id, c.name, language)
            c.gap_text = gap_sentence(c.gap, c.shown_name, language)
            # The rule modules write a flag's threshold as "= true": a firm reads yes / no.
            c.shown_threshold = _FLAG_WORDS.sub(
                lambda m: str(_("Yes") if m[0] == "true" else _("No")), c.threshold or ""
            )


def explain_stored(results: list[LadderResult], language: str | None) -> None:
    """Give stored verdicts their gap sentences (`gaps`) and failing criteria's names (`failing_names`) in the
    reader's language. The bulk pass stores verdicts without sentences, and the stored ones are Chinese: those
    are explained afresh by the per-record engine, reading the register once for all of them."""
    from kechuang.enterprises import ladder
    from kechuang.enterprises.ladder.labels import criterion_name, english, gap_sentence
    from kechuang.enterprises.services import default_as_of, facts_records

    unexplained = [r for r in results if r.failed and (not r.gaps or english(language))]
    if not unexplained:
        return
    as_of = default_as_of()
    records = facts_records(sorted({r.enterprise_id for r in unexplained}), as_of)
    evaluated: dict[int, dict[str, Any]] = {}
    for result in unexplained:
        if result.enterprise_id not in evaluated:
            tiers = ladder.evaluate(records[result.enterprise_id], as_of)
            evaluated[result.enterprise_id] = {t.tier: t for t in tiers}
        tier_result = evaluated[result.enterprise_id].get(result.tier)
        if tier_result is None:
            continue
        failing = tier_result.failed_criteria()
        names = [criterion_name(result.tier, c.id, c.name, language) for c in failing]
        result.gaps = [t for c, n in zip(failing, names, strict=True) if (t := gap_sentence(c.gap, n, language))]
        result.failing_names = names


def ladder_steps(results: list[Any], held: set[str], language: str | None) -> list[dict[str, Any]]:
    """The staircase: one step per tier in ladder order, with its state, failing criteria and missing data."""
    from kechuang.enterprises.ladder.labels import fact_label

    explain(results, language)
    order = [t.value for t in LADDER_TIERS]
    steps = []
    for r in sorted(results, key=lambda r: order.index(r.tier) if r.tier in order else len(order)):
        if r.tier not in order:
            continue
        state = step_state(r.tier in held, r)
        steps.append(
            {
                "tier": r.tier,
                "label": Tier(r.tier).label,
                "result": r,
                "held": r.tier in held,
                "state": state,
                "state_label": STEP_STATES[state],
                "failing": r.failed_criteria(),
                "missing": [fact_label(path, language) for path in r.missing],
            }
        )
    return steps


def held_tiers(enterprise: Enterprise, today: dt.date) -> set[str]:
    return {q.tier for q in enterprise.qualifications.all() if not q.revoked and q.issue_date <= today <= q.expiry_date}


def firm_ladder(enterprise: Enterprise, language: str | None, today: dt.date | None = None) -> dict[str, Any]:
    """A firm's staircase of tiers (computed now by the per-record engine, with every criterion explained) and its
    qualifications, those expiring within a year flagged."""
    from kechuang.enterprises.services import ladder_evaluate

    today = today or timezone.localdate()
    record, results = ladder_evaluate(enterprise, today)
    held = held_tiers(enterprise, today)
    horizon = today + dt.timedelta(days=EXPIRY_WARNING_DAYS)
    qualifications = []
    for q in sorted(enterprise.qualifications.all(), key=lambda q: (q.expiry_date, q.tier), reverse=True):
        valid = not q.revoked and q.issue_date <= today <= q.expiry_date
        renewed = any(
            o.tier == q.tier and not o.revoked and o.expiry_date > q.expiry_date
            for o in enterprise.qualifications.all()
        )
        q.valid = valid
        q.expiring = valid and q.expiry_date <= horizon and not renewed
        q.days_left = (q.expiry_date - today).days
        qualifications.append(q)
    return {
        "record": record,
        "steps": ladder_steps(results, held, language),
        "qualifications": qualifications,
        "expiring": [q for q in qualifications if q.expiring],
        "today": today,
        "latest_year": today.year - 1,
    }


def firm_whatif(
    enterprise: Enterprise, changes: dict[str, Any], language: str | None, today: dt.date | None = None
) -> dict[str, Any]:
    """The firm's tiers now and with `changes` applied to its facts (ladder.whatif), tier by tier and criterion by
    criterion. Nothing is saved."""
    from kechuang.enterprises.ladder import FactsError
    from kechuang.enterprises.ladder.labels import fact_label as label
    from kechuang.enterprises.ladder.whatif import what_if
    from kechuang.enterprises.services import facts_records

    today = today or timezone.localdate()
    record = facts_records([enterprise.pk], today)[enterprise.pk]
    try:
        result = what_if(record, changes, today)
    except FactsError as exc:
        # The changed record breaks a rule of the facts format (R&D in China above all R&D, …): say which.
        return {"errors": [f"{label(path, language)}: {message}" for path, message in exc.errors], "record": record}
    held = held_tiers(enterprise, today)
    before = ladder_steps(result.before, held, language)
    after = ladder_steps(result.after, held, language)
    tiers = []
    for b, a in zip(before, after, strict=True):
        criteria = []
        for cb, ca in zip(b["result"].criteria, a["result"].criteria, strict=True):
            criteria.append({"before": cb, "after": ca, "moved": (cb.passed, cb.value) != (ca.passed, ca.value)})
        moved = (b["result"].status, len(b["failing"])) != (a["result"].status, len(a["failing"]))
        tiers.append({"before": b, "after": a, "criteria": criteria, "moved": moved})
    return {"changes": result.changes, "tiers": tiers, "changed_tiers": result.changed_tiers(), "record": record}


def corrections(user: Any) -> QuerySet:
    """The fact corrections a user may read: the district's firms' for a district officer, all for the bureau."""
    from kechuang.enterprises.models import FactCorrection

    return FactCorrection.objects.visible_to(user).select_related(
        "enterprise", "enterprise__region", "proposed_by", "decided_by"
    )


def own_corrections(enterprise: Enterprise) -> QuerySet:
    from kechuang.enterprises.models import FactCorrection

    return FactCorrection.objects.filter(enterprise=enterprise).select_related("proposed_by", "decided_by")


def whatif_levers(record: dict[str, Any], language: str | None, today: dt.date | None = None) -> list[dict[str, Any]]:
    """The what-if's levers with their label in the reader's language and the firm's value now."""
    from kechuang.enterprises.ladder.labels import fact_label
    from kechuang.enterprises.ladder.whatif import INTEGER_LEVERS, IP_LEVERS, LEVERS, lever_value

    latest = (today or timezone.localdate()).year - 1
    ip = record.get("ip") or {}
    now = {"ip.class_I_added": ip.get("class_I"), "ip.class_II_added": ip.get("class_II")}
    added = {
        "ip.class_I_added": _("Invention patents added (class I IP)"),
        "ip.class_II_added": _("Utility models, software copyrights added (class II IP)"),
    }
    return [
        {
            "name": lever,
            "label": added[lever] if lever in IP_LEVERS else fact_label(lever, language),
            "current": now[lever] if lever in IP_LEVERS else lever_value(record, lever, latest),
            "integer": lever in INTEGER_LEVERS,
            "added": lever in IP_LEVERS,
        }
        for lever in LEVERS
    ]


def proposable_fields(language: str | None) -> list[tuple[str, str]]:
    """(field, label) of the figures a firm may propose, in the reader's language."""
    from kechuang.enterprises.ladder.labels import fact_label
    from kechuang.enterprises.services import PROPOSABLE_FIELDS

    return [(name, fact_label(name, language)) for name in PROPOSABLE_FIELDS]


def proposable_years(today: dt.date | None = None) -> list[int]:
    from kechuang.enterprises.services import proposable_years as years

    return years(today)


def fact_label(field: str, language: str | None) -> str:
    from kechuang.enterprises.ladder.labels import fact_label as label

    return label(field, language)


def fact_shown(text: str) -> str:
    """A correction's stored figure for people: Yes / No for a declaration, "—" for none."""
    return {"": "—", "true": _("Yes"), "false": _("No")}.get(text, text)


def describe_corrections(corrections: list[Any], language: str | None) -> list[Any]:
    """Attach the figure's label and its values in words to each correction of a page."""
    for c in corrections:
        c.field_label = fact_label(c.field, language)
        c.current_shown = fact_shown(c.current_value)
        c.proposed_shown = fact_shown(c.proposed_value)
    return corrections
