"""Reads of the talent module, always from what the user may see."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils import timezone

from kechuang.core.models import OrgUnit
from kechuang.core.roles import Role
from kechuang.core.scope import mark_scoped
from kechuang.talent import feed
from kechuang.talent.engines import workflow as wf
from kechuang.talent.models import (
    Application,
    ForeignExpert,
    ForeignProject,
    Membership,
    Programme,
    SelectionRound,
    ServiceItem,
    ServiceRequest,
    Talent,
    TalentCard,
    Team,
    Tier,
    Visit,
)

# The policy's quotas (淄科发〔2023〕22号 tasks 11 and 13): yearly (or per two years) numbers.
POLICY_QUOTAS = (
    ("provincial_plus", "talents_provincial_plus_new", 30, 1),
    ("young", "young_talents_selected", 50, 2),
    ("visits", feed.VISITS, 300, 1),
    ("projects", feed.PROJECTS, 30, 1),
)


def talents(user: Any):
    return Talent.objects.visible_to(user).select_related("region", "tier")


def teams(user: Any):
    return (
        Team.objects.visible_to(user)
        .select_related("leader__region", "programme")
        .prefetch_related("members")
        .annotate(n_members=Count("members", distinct=True))
        .order_by("name", "id")  # an aggregate drops the model's ordering
    )


def applications(user: Any):
    return Application.objects.visible_to(user).select_related("talent", "region", "round__programme")


def memberships(user: Any):
    return Membership.objects.visible_to(user).select_related("talent__region", "programme")


def visits(user: Any):
    return Visit.objects.visible_to(user).select_related("expert__talent", "expert__region")


def projects(user: Any):
    return ForeignProject.objects.visible_to(user).select_related("region")


def outcomes(user: Any):
    """The 引智 outcomes library: projects with outcomes that the bureau shares; every government reader sees the
    shared outcomes of the whole city (that is what the library is for)."""
    from kechuang.core.scope import mark_scoped

    shared = ForeignProject.objects.filter(in_library=True).exclude(outcomes="").select_related("region")
    return mark_scoped(shared.prefetch_related("experts__talent"), user)


def foreign_experts(user: Any):
    return (
        ForeignExpert.objects.visible_to(user)
        .select_related("talent", "region", "programme")
        .annotate(n_visits=Count("visits", distinct=True))
        .order_by("-id")
    )


def regions() -> list[OrgUnit]:
    return list(OrgUnit.objects.regions().order_by("sort_order", "code"))


def tier_by_region(user: Any) -> dict[str, Any]:
    """Talents in the city by tier × region (what the user may see)."""
    counts = (
        talents(user)
        .filter(is_active=True, status=Talent.Status.ACTIVE)
        .values("region__code", "tier__code")
        .annotate(n=Count("id"))
    )
    grid: dict[tuple[str, str | None], int] = {(r["region__code"], r["tier__code"]): r["n"] for r in counts}
    tier_list = list(Tier.objects.all())
    region_list = [r for r in regions() if any(k[0] == r.code for k in grid)]
    rows = []
    for region in region_list:
        cells = [grid.get((region.code, t.code), 0) for t in tier_list]
        rows.append(
            {
                "region": region,
                "cells": cells,
                "none": grid.get((region.code, None), 0),
                "total": sum(cells) + grid.get((region.code, None), 0),
            }
        )
    totals = [sum(r["cells"][i] for r in rows) for i in range(len(tier_list))]
    return {
        "tiers": tier_list,
        "rows": rows,
        "totals": totals,
        "none": sum(r["none"] for r in rows),
        "total": sum(r["total"] for r in rows),
    }


def quota_progress(user: Any, year: int | None = None) -> list[dict[str, Any]]:
    """Each policy quota: this year's (or this cycle's) count against the policy's number, city-wide and by region
    for the regions the user may see. The same counts the indicator feeds write."""
    year = year or timezone.localdate().year
    counters = {
        "provincial_plus": lambda ys: feed.quota_counts("provincial_plus", ys),
        "young": lambda ys: feed.quota_counts("young", ys),
        "visits": feed.visit_counts,
        "projects": feed.project_counts,
    }
    visible_regions = (
        set(talents(user).values_list("region__code", flat=True).distinct()) if not _city_wide(user) else None
    )
    names = dict(OrgUnit.objects.regions().values_list("code", "name"))
    out = []
    for key, code, target, span in POLICY_QUOTAS:
        years = set(range(year - span + 1, year + 1))
        counts = counters[key](years)
        by_region: dict[str, int] = defaultdict(int)
        for (region, _y), n in counts.items():
            by_region[region] += n
        city = sum(by_region.values())
        shown = {r: n for r, n in by_region.items() if visible_regions is None or r in visible_regions}
        out.append(
            {
                "key": key,
                "indicator": code,
                "target": target,
                "span": span,
                "years": (min(years), max(years)),
                "value": city,
                "share": min(100, round(100 * city / target)) if target else 0,
                "met": city >= target,
                "regions": [(names.get(r, r), n) for r, n in sorted(shown.items(), key=lambda kv: -kv[1])],
            }
        )
    return out


def _city_wide(user: Any) -> bool:
    from kechuang.core.roles import CITY_WIDE

    return getattr(user, "role", None) in CITY_WIDE


def programme_funnel(user: Any, programme: Programme) -> dict[str, Any]:
    """Applicant → approved funnel (each application counted at every stage it reached) and money approved vs
    paid, per round year."""
    qs = applications(user).filter(round__programme=programme)
    reached = {s: 0 for s in wf.FUNNEL}
    for state, n in qs.values_list("state").annotate(n=Count("id")):
        order = wf.ORDER[state]
        if state == wf.NOT_APPROVED:
            continue  # counted at the stages it passed: unknown here, so only as an applicant
        for stage in wf.FUNNEL:
            if wf.ORDER[stage] <= order:
                reached[stage] += n
    rejected = qs.filter(state=wf.NOT_APPROVED).count()
    reached[wf.SUBMITTED] += rejected
    money = qs.aggregate(
        approved=Sum("approved_wan", filter=Q(state__in=wf.MEMBER_STATES | {wf.WITHDRAWN, wf.SUSPENDED, wf.REMOVED})),
        paid=Sum("paid_wan"),
        clawback=Sum("clawback_wan"),
    )
    labels = dict(Application.State.choices)
    return {
        "stages": [(labels[s], reached[s]) for s in wf.FUNNEL],
        "rejected": rejected,
        "approved_wan": money["approved"] or Decimal(0),
        "paid_wan": money["paid"] or Decimal(0),
        "clawback_wan": money["clawback"] or Decimal(0),
        "rounds": SelectionRound.objects.filter(programme=programme).annotate(
            n=Count("applications", filter=Q(applications__in=qs))
        ),
    }


def talent_view(user: Any, talent: Talent) -> dict[str, Any]:
    """The single-talent “百事通” view: memberships, applications, teams, foreign-expert record."""
    return {
        "memberships": Membership.objects.filter(talent=talent).select_related("programme__tier"),
        "applications": applications(user).filter(talent=talent),
        "teams": list(talent.teams_led.all()) + list(talent.teams.all()),
        "cards": cards(user).filter(talent=talent),
        "requests": service_requests(user).filter(talent=talent)[:20],
        "foreign_projects": ForeignProject.objects.filter(experts__talent=talent),
    }


def _own_or_visible(model: Any, user: Any):
    """What `user` reads of a talent's records: a talent account only its own (the record bound to it), everyone
    else the data scope."""
    if getattr(user, "role", None) == Role.TALENT:
        return mark_scoped(model.objects.filter(talent__account=user, talent__is_active=True), user)
    return model.objects.visible_to(user)


def cards(user: Any):
    return _own_or_visible(TalentCard, user).select_related("talent__region", "card_type__issuer", "grade")


def card_counts(user: Any) -> list[tuple[str, int]]:
    labels = dict(TalentCard.State.choices)
    rows = dict(cards(user).values_list("state").annotate(n=Count("id")))
    return [(labels[s], rows.get(s, 0), s) for s in labels]


def cards_due_for_renewal(user: Any, today=None):
    """Issued cards within their type's reminder period before the expiry (renewal reminders)."""
    from datetime import timedelta

    today = today or timezone.localdate()
    qs = cards(user).filter(state="issued", expires_on__gte=today, expires_on__lte=today + timedelta(days=366))
    return [c for c in qs.order_by("expires_on") if c.expires_on <= today + timedelta(days=c.card_type.reminder_days)]


def services_of_card(card: Any) -> list[Any]:
    """The service items the card unlocks."""
    return list(card.card_type.service_items.filter(is_active=True))


def service_requests(user: Any):
    return _own_or_visible(ServiceRequest, user).select_related("talent__region", "item__provider")


def service_desk(user: Any) -> list[dict[str, Any]]:
    """Per provider department (the user's queue only): open requests, time-limit breaches, completion rate, average
    working days to complete, satisfaction.

    One grouped read by (item, state, breached), which the index on those columns (and the rating) answers without
    touching the table, and no join to the provider: a few hundred groups, folded per provider here (the items are
    the catalogue's, a few dozen). At a million requests this read still walks the index (the bureau's whole queue),
    so its result is kept per user until any request changes: the stamp is the latest change (`updated_at`, set by
    every save and by `bulk_create`; requests are never deleted), read from the end of its index."""
    from django.core.cache import cache
    from django.db.models import Max

    # MAX alone: the database reads it from the index's end (with a COUNT beside it, it would scan the index)
    last = ServiceRequest.objects.aggregate(last=Max("updated_at"))["last"]
    key = f"talent:desk:{getattr(user, 'pk', None)}:{last and last.isoformat()}"
    found = cache.get(key)
    if found is None:
        found = _service_desk(user)
        cache.set(key, found, 3600)
    return found


def _service_desk(user: Any) -> list[dict[str, Any]]:
    from django.db.models import Sum

    from kechuang.talent.engines import requests as reqflow

    groups = (
        _own_or_visible(ServiceRequest, user)
        .order_by()
        .values_list("item_id", "state", "breached")
        .annotate(n=Count("id"), rated=Count("rating"), rating_sum=Sum("rating"))
    )
    groups = list(groups)
    providers = dict(ServiceItem.objects.filter(pk__in={g[0] for g in groups}).values_list("pk", "provider__name"))
    per: dict[str, dict[str, Any]] = {}
    for item_id, state, breached, n, rated, rating_sum in groups:
        name = providers[item_id]
        row = per.setdefault(
            name,
            {"item__provider__name": name, "total": 0, "open": 0, "late": 0, "done": 0, "rated": 0, "rating_sum": 0},
        )
        row["total"] += n
        row["open"] += n if state in reqflow.OPEN else 0
        row["late"] += n if breached else 0
        row["done"] += n if state in (reqflow.COMPLETED, reqflow.RATED) else 0
        row["rated"] += rated
        row["rating_sum"] += rating_sum or 0
    out = []
    for name in sorted(per):
        r = per[name]
        closed = r["total"] - r["open"]
        rated, rating_sum = r.pop("rated"), r.pop("rating_sum")
        out.append(
            {
                **r,
                "rate": round(100 * r["done"] / closed) if closed else None,
                "rating": round(rating_sum / rated, 1) if rated else None,
            }
        )
    return out


def items_for(talent: Talent) -> list[tuple[Any, bool, str]]:
    """Every active service item with whether the talent may use it and why (the policy push of services)."""
    from kechuang.talent.services import item_open_to

    out = []
    for item in (
        ServiceItem.objects.filter(is_active=True)
        .select_related("provider")
        .prefetch_related("eligible_tiers", "eligible_cards")
    ):
        ok, why = item_open_to(item, talent)
        out.append((item, ok, why))
    return out


def policy_push(talent: Talent, today=None) -> list[tuple[Any, list[tuple[str, Any]]]]:
    """The programmes the talent may apply for now, with the reasons (engines.push on the programme rules)."""
    from kechuang.talent.engines import push

    today = today or timezone.localdate()
    rounds = {
        r.programme_id: r for r in SelectionRound.objects.filter(is_open=True, deadline__gte=today).order_by("deadline")
    }
    programmes = list(Programme.objects.filter(is_active=True).select_related("tier"))
    rules = [
        push.ProgrammeRule(
            p.code, p.name, p.tier.code, p.tier.rank, p.max_age, rounds[p.pk].deadline if p.pk in rounds else None
        )
        for p in programmes
    ]
    held = Membership.objects.filter(talent=talent, status__in=Membership.LIVE)
    applied = Application.objects.filter(talent=talent, round__in=list(rounds.values()))
    facts = push.TalentFacts(
        birth_date=talent.birth_date,
        tier_code=talent.tier.code if talent.tier_id else None,
        tier_rank=talent.tier.rank if talent.tier_id else None,
        in_city=talent.status == Talent.Status.ACTIVE and talent.is_active,
        programmes_held=frozenset(held.values_list("programme__code", flat=True)),
        applied=frozenset(applied.values_list("round__programme__code", flat=True)),
    )
    by_code = {p.code: p for p in programmes}
    return [
        (by_code[rule.code], rounds[by_code[rule.code].pk], reasons)
        for rule, reasons in push.qualifying(facts, rules, today)
    ]
