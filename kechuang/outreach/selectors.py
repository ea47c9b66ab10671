"""Reading the outreach registers: every list starts from `visible_to(user)`; the region view and the yearly
statistics aggregate in the database and group in Python (bounded queries whatever the size)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, Q, QuerySet, Sum

from kechuang.core.models import OrgUnit
from kechuang.outreach.models import (
    Activity,
    Assessment,
    BaseEvaluation,
    Commissioner,
    Dispatch,
    PopsciBase,
    ServiceLog,
)


def commissioners(user: Any) -> QuerySet[Commissioner]:
    return (
        Commissioner.objects.visible_to(user)
        .select_related("team", "region", "department")
        .annotate(
            n_dispatches=Count("dispatches", distinct=True),
        )
    )


def dispatches(user: Any) -> QuerySet[Dispatch]:
    return Dispatch.objects.visible_to(user).select_related("commissioner", "region")


def logs(user: Any) -> QuerySet[ServiceLog]:
    return ServiceLog.objects.visible_to(user).select_related("dispatch__commissioner", "dispatch__region")


def assessments(user: Any) -> QuerySet[Assessment]:
    return Assessment.objects.visible_to(user).select_related("commissioner")


def bases(user: Any) -> QuerySet[PopsciBase]:
    return PopsciBase.objects.visible_to(user).select_related("region", "department")


def activities(user: Any) -> QuerySet[Activity]:
    return Activity.objects.visible_to(user).select_related("region", "department", "base")


def log_years(user: Any) -> list[int]:
    return sorted({d.year for d in logs(user).dates("date", "year")}, reverse=True)


def activity_years(user: Any) -> list[int]:
    return sorted({d.year for d in activities(user).dates("date", "year")}, reverse=True)


def region_order() -> dict[str, int]:
    return {
        code: i
        for i, code in enumerate(OrgUnit.objects.regions().order_by("sort_order", "id").values_list("code", flat=True))
    }


def region_view(user: Any, year: int, region_code: str | None = None) -> list[dict[str, Any]]:
    """Which towns and villages (or cooperatives, enterprises) commissioners served in `year`, and how often:
    [{region, name, visits, places: n, towns: [{town, visits, places: [{name, kind, visits, commissioners,
    trained, last}]}]}], regions in the city's order, towns and places by visits."""
    qs = logs(user).filter(date__year=year)
    if region_code:
        qs = qs.filter(dispatch__region__code=region_code)
    rows = (
        qs.values(
            "dispatch__region__code",
            "dispatch__region__name",
            "dispatch__town",
            "dispatch__village",
            "dispatch__served_name",
            "dispatch__kind",
        )
        .annotate(
            visits=Count("id"),
            commissioners=Count("dispatch__commissioner", distinct=True),
            trained=Sum("people_trained"),
            last=Max("date"),
        )
        .order_by()
    )
    kinds = dict(Dispatch.Kind.choices)
    regions: dict[str, dict[str, Any]] = {}
    for r in rows:
        region = regions.setdefault(
            r["dispatch__region__code"],
            {"code": r["dispatch__region__code"], "name": r["dispatch__region__name"], "visits": 0, "towns": {}},
        )
        town = region["towns"].setdefault(r["dispatch__town"], {"town": r["dispatch__town"], "visits": 0, "places": []})
        name = r["dispatch__village"] or r["dispatch__served_name"]
        if r["dispatch__kind"] != Dispatch.Kind.VILLAGE and r["dispatch__village"]:
            name = f"{r['dispatch__served_name']}（{r['dispatch__village']}）"
        town["places"].append(
            {
                "name": name,
                "kind": kinds.get(r["dispatch__kind"], r["dispatch__kind"]),
                "visits": r["visits"],
                "commissioners": r["commissioners"],
                "trained": r["trained"] or 0,
                "last": r["last"],
            }
        )
        town["visits"] += r["visits"]
        region["visits"] += r["visits"]
    order = region_order()
    out = []
    for region in sorted(regions.values(), key=lambda g: order.get(g["code"], 999)):
        towns = sorted(region["towns"].values(), key=lambda t: (-t["visits"], t["town"]))
        for town in towns:
            town["places"].sort(key=lambda p: (-p["visits"], p["name"]))
        region["towns"] = towns
        region["places"] = sum(len(t["places"]) for t in towns)
        out.append(region)
    return out


STAT_KEYS = (
    "commissioners",
    "dispatches",
    "villages",
    "visits",
    "people_trained",
    "technologies",
    "income_wan",
)


def commissioner_stats(user: Any, year: int) -> dict[str, Any]:
    """The yearly figures for the rural-revitalisation report, by region served and for all the user sees:
    commissioners who served, dispatches in force, villages (and other places) served, visits, people trained,
    technologies introduced, income effect reported; and the assessment grades of the year."""
    logs_qs = logs(user).filter(date__year=year)
    by_region = {
        r["dispatch__region__code"]: r
        for r in logs_qs.values("dispatch__region__code")
        .annotate(
            commissioners=Count("dispatch__commissioner", distinct=True),
            visits=Count("id"),
            people_trained=Sum("people_trained"),
            technologies=Sum("technologies_introduced"),
            income_wan=Sum("income_effect_wan"),
        )
        .order_by()
    }
    # a place is what the region view lists: a village, or a cooperative or enterprise (in its village)
    places = defaultdict(set)
    for code, town, village, served, kind in logs_qs.values_list(
        "dispatch__region__code", "dispatch__town", "dispatch__village", "dispatch__served_name", "dispatch__kind"
    ).distinct():
        places[code].add((town, village, served, kind))
    in_force = dispatches(user).filter(start__year__lte=year, end__year__gte=year)
    dispatch_counts = dict(
        in_force.values("region__code").annotate(n=Count("id")).order_by().values_list("region__code", "n")
    )
    total_commissioners = logs_qs.values("dispatch__commissioner").distinct().count()
    names = dict(OrgUnit.objects.regions().values_list("code", "name"))
    order = region_order()
    rows = []
    for code in sorted(set(by_region) | set(dispatch_counts), key=lambda c: order.get(c, 999)):
        r = by_region.get(code, {})
        rows.append(
            {
                "code": code,
                "name": names.get(code, code),
                "commissioners": r.get("commissioners", 0),
                "dispatches": dispatch_counts.get(code, 0),
                "villages": len(places.get(code, ())),
                "visits": r.get("visits", 0),
                "people_trained": r.get("people_trained") or 0,
                "technologies": r.get("technologies") or 0,
                "income_wan": r.get("income_wan") or Decimal(0),
            }
        )
    total = {k: sum(row[k] for row in rows) for k in STAT_KEYS}
    total["commissioners"] = total_commissioners  # one commissioner may serve two regions: counted once
    grades = dict(
        assessments(user).filter(year=year).values("grade").annotate(n=Count("id")).order_by().values_list("grade", "n")
    )
    by_field = list(
        logs_qs.values("dispatch__commissioner__field")
        .annotate(
            visits=Count("id"),
            people_trained=Sum("people_trained"),
            commissioners=Count("dispatch__commissioner", distinct=True),
        )
        .order_by("-visits")
    )
    fields = dict(Commissioner.Field.choices)
    for row in by_field:
        row["label"] = fields.get(row["dispatch__commissioner__field"], row["dispatch__commissioner__field"])
    return {"rows": rows, "total": total, "grades": grades, "by_field": by_field}


def popsci_stats(user: Any, year: int) -> dict[str, Any]:
    """Activities of `year` by region and kind (count and participants), and the bases by region and level."""
    kinds = list(Activity.Kind)
    cells = {
        (r["region__code"], r["kind"]): r
        for r in activities(user)
        .filter(date__year=year)
        .values("region__code", "kind")
        .annotate(n=Count("id"), participants=Sum("participants"))
        .order_by()
    }
    base_counts = {
        (r["region__code"], r["level"]): r["n"]
        for r in bases(user).values("region__code", "level").annotate(n=Count("id")).order_by()
    }
    names = dict(OrgUnit.objects.regions().values_list("code", "name"))
    order = region_order()
    codes = sorted({c for c, _k in cells} | {c for c, _l in base_counts}, key=lambda c: order.get(c, 999))
    rows = []
    for code in codes:
        by_kind = [
            {
                "n": cells.get((code, k), {}).get("n", 0),
                "participants": cells.get((code, k), {}).get("participants") or 0,
            }
            for k in kinds
        ]
        rows.append(
            {
                "code": code,
                "name": names.get(code, code),
                "kinds": by_kind,
                "activities": sum(c["n"] for c in by_kind),
                "participants": sum(c["participants"] for c in by_kind),
                "bases": sum(n for (c, _l), n in base_counts.items() if c == code),
                "provincial_bases": sum(
                    n for (c, level), n in base_counts.items() if c == code and level != PopsciBase.Level.CITY
                ),
            }
        )
    total_kinds = [
        {"n": sum(r["kinds"][i]["n"] for r in rows), "participants": sum(r["kinds"][i]["participants"] for r in rows)}
        for i in range(len(kinds))
    ]
    total = {
        "kinds": total_kinds,
        "activities": sum(r["activities"] for r in rows),
        "participants": sum(r["participants"] for r in rows),
        "bases": sum(r["bases"] for r in rows),
        "provincial_bases": sum(r["provincial_bases"] for r in rows),
    }
    return {"kinds": [k.label for k in kinds], "rows": rows, "total": total}


def candidates(user: Any, threshold: Decimal, years: int) -> list[dict[str, Any]]:
    """The city bases marked as candidates for the provincial title, with their evaluations and readiness."""
    from kechuang.outreach import rules

    qs = bases(user).filter(provincial_candidate=True, level=PopsciBase.Level.CITY).order_by("name")
    base_list = list(qs)
    scores: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for base_id, year, score in BaseEvaluation.objects.filter(base__in=base_list).values_list(
        "base_id", "year", "score"
    ):
        scores[base_id][year] = score
    out = []
    for base in base_list:
        r = rules.readiness(scores.get(base.pk, {}), threshold=threshold, years=years)
        out.append({"base": base, "readiness": r, "scores": sorted(scores.get(base.pk, {}).items())})
    out.sort(key=lambda c: (not c["readiness"].ready, c["readiness"].gap, c["base"].name))
    return out


def provincial_titles(user: Any) -> QuerySet[PopsciBase]:
    return bases(user).filter(~Q(level=PopsciBase.Level.CITY)).order_by("-recognised_year", "name")
