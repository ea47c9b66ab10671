"""Demo data of the outreach module: commissioners with two years of service logs, 科普 bases and a year of
activities, over the city's regions (names from the org units and `data/demo/<city>.yaml`). `DEMO_SIZE` is the
number of commissioners; bases (40) and activities scale with it. Bulk inserts, one audit entry per kind."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from pathlib import Path

from django.utils import timezone

from kechuang.core import audit
from kechuang.core.demo import city_demo_data
from kechuang.core.models import OrgUnit
from kechuang.core.validators import credit_code_check_char
from kechuang.outreach import feed, rules
from kechuang.outreach.models import (
    Activity,
    Assessment,
    BaseEvaluation,
    Commissioner,
    Dispatch,
    PopsciBase,
    ServiceLog,
    ServiceTeam,
)

DEMO_SIZE = 300
BASES_PER_COMMISSIONER = 40 / 300
ACTIVITIES_PER_COMMISSIONER = 1.2
CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _credit_code(rng: random.Random, admin_code: str) -> str:
    body = "92" + admin_code + "".join(rng.choice(CODE_CHARS) for _ in range(9))
    return body + credit_code_check_char(body)


def _weighted(rng: random.Random, pairs: list[tuple[object, float]]):
    return rng.choices([p for p, _w in pairs], weights=[w for _p, w in pairs])[0]


def load_demo(city: OrgUnit, size: int = DEMO_SIZE, *, seed: int = 2026) -> str:
    if Commissioner.objects.filter(region__parent=city).exists():
        return "outreach demo already loaded"
    facts = city_demo_data(Path(__file__).resolve().parent, city)
    units = {u.code: u for u in OrgUnit.objects.filter(parent=city, is_active=True)}
    regions = [u for u in units.values() if u.kind == OrgUnit.Kind.REGION]
    listed = [(units[c], w, towns) for c, w, towns in facts.get("regions", []) if c in units]
    if not listed:  # a city without facts: every region, one town named after it
        listed = [(r, 1.0, [f"{r.bare_name}镇"]) for r in regions]
    if not listed:
        return "no regions: outreach demo skipped"
    departments = sorted(
        (u for u in units.values() if u.kind == OrgUnit.Kind.DEPARTMENT), key=lambda u: (u.sort_order, u.id)
    )
    if not departments:
        return "no departments: outreach demo skipped"
    programme = units.get(facts.get("commissioner_department", ""), departments[0])
    popsci = [units[c] for c in facts.get("popsci_departments", []) if c in units] or departments[:1]
    youth = units.get(facts.get("youth_department", ""), popsci[0])
    rng = random.Random(seed)  # nosec B311  # seeded pseudo-random demo data, never for secrets
    surnames = facts.get("surnames") or ["王", "李", "张"]
    given = facts.get("given") or ["明", "丽", "强"]
    employers = facts.get("employers") or {"institute": [f"{city.bare_name}农业科学研究院"]}
    tech = facts.get("technologies") or {}
    prefixes = facts.get("village_prefixes") or ["东", "西"]
    suffixes = facts.get("village_suffixes") or ["庄村"]

    teams = ServiceTeam.objects.bulk_create(
        [
            ServiceTeam(name=f"{city.bare_name}{name}", industry=industry, region=rng.choice(listed)[0], is_demo=True)
            for name, industry in facts.get("teams", [])
            if not ServiceTeam.objects.filter(name=f"{city.bare_name}{name}").exists()
        ]
    )
    teams = list(ServiceTeam.objects.filter(name__startswith=city.bare_name))

    # -- commissioners
    fields = list(Commissioner.Field)
    kinds = [k for k in Commissioner.Employer if k.value in employers]
    people = []
    for i in range(size):
        # every region served by at least one of its own commissioners, the rest by weight
        region = listed[i][0] if i < len(listed) else _weighted(rng, [(r, w) for r, w, _t in listed])
        kind = rng.choices(kinds, weights=[4 if k == "university" else 3 if k == "institute" else 2 for k in kinds])[0]
        field = rng.choice(fields)
        if kind == Commissioner.Employer.ENTERPRISE:
            employer = f"{city.bare_name}{region.bare_name}{rng.choice(employers[kind])}"
            code = _credit_code(rng, region.admin_code or city.admin_code)
        elif kind == Commissioner.Employer.AGENCY:
            employer = f"{region.name}{rng.choice(employers[kind]).removeprefix('区县')}"
            code = ""
        else:
            employer, code = rng.choice(employers[kind]), ""
        people.append(
            Commissioner(
                name=rng.choice(surnames) + rng.choice(given) + ("" if rng.random() < 0.6 else rng.choice(given)[:1]),
                field=field,
                expertise="、".join(
                    rng.sample(tech.get(field.value, ["农业技术推广"]), k=min(2, len(tech.get(field.value, ["x"]))))
                ),
                title=rng.choice(["教授", "研究员", "副教授", "副研究员", "高级农艺师", "农艺师", "高级畜牧师"]),
                level=_weighted(rng, [("national", 0.05), ("provincial", 0.25), ("city", 0.5), ("county", 0.2)]),
                employer_kind=kind,
                employer_name=employer,
                employer_credit_code=code,
                team=rng.choice(teams) if teams and rng.random() < 0.8 else None,
                region=region,
                department=programme,
                since=dt.date(rng.choice([2019, 2020, 2021, 2022, 2023, 2024]), rng.randint(1, 12), 1),
                is_demo=True,
            )
        )
    people = Commissioner.objects.bulk_create(people, batch_size=1000)
    if any(p.pk is None for p in people):
        people = list(Commissioner.objects.filter(is_demo=True, region__parent=city).order_by("id"))

    # -- dispatches and two years of logs
    today = timezone.localdate()
    first_year = today.year - 1
    start, end = dt.date(first_year, 1, 1), dt.date(today.year, 12, 31)
    region_towns = {r.pk: towns for r, _w, towns in listed}
    dispatches = []
    for person in people:
        for n in range(rng.choice([1, 1, 2])):
            served_region = person.region if n == 0 or rng.random() < 0.5 else rng.choice(listed)[0]
            town = rng.choice(region_towns[served_region.pk])
            village = rng.choice(prefixes) + rng.choice(suffixes)
            kind = _weighted(rng, [("village", 0.65), ("cooperative", 0.25), ("enterprise", 0.10)])
            served = {
                "village": village,
                "cooperative": f"{town.removesuffix('镇').removesuffix('街道')}{village.removesuffix('村')}"
                f"{person.get_field_display()[:2]}专业合作社",
                "enterprise": f"{served_region.bare_name}{village.removesuffix('村')}农业发展有限公司",
            }[kind]
            dispatches.append(
                Dispatch(
                    commissioner=person,
                    kind=kind,
                    served_name=served,
                    served_credit_code=_credit_code(rng, served_region.admin_code or city.admin_code)
                    if kind != "village"
                    else "",
                    region=served_region,
                    town=town,
                    village=village,
                    start=start,
                    end=end,
                    task=f"{person.get_field_display()}技术指导与培训",
                    is_demo=True,
                )
            )
    dispatches = Dispatch.objects.bulk_create(dispatches, batch_size=1000)
    if any(d.pk is None for d in dispatches):
        dispatches = list(
            Dispatch.objects.filter(is_demo=True, commissioner__region__parent=city).select_related("commissioner")
        )
    span = (min(today, end) - start).days
    logs = []
    for d in dispatches:
        options = tech.get(d.commissioner.field, ["农业适用技术"])
        for _n in range(rng.randint(4, 14)):
            day = start + dt.timedelta(days=rng.randint(0, span))
            introduced = min(rng.choice([0, 0, 1, 1, 2]), len(options))
            topic = rng.choice(options)
            brought = [topic, *rng.sample([o for o in options if o != topic], k=max(0, introduced - 1))]
            logs.append(
                ServiceLog(
                    dispatch=d,
                    date=day,
                    place=d.village if d.kind == "village" else d.served_name,
                    content=rng.choice(["现场技术指导", "集中培训授课", "田间观摩", "问题诊断与会商", "新品种示范推广"])
                    + "："
                    + topic,
                    people_trained=rng.choice([0, 5, 10, 15, 20, 30, 50, 80]),
                    technologies_introduced=introduced,
                    technologies="、".join(brought[:introduced]),
                    income_effect_wan=Decimal(rng.choice([0, 0, 0.5, 1, 2, 3.5, 5, 8, 12])).quantize(Decimal("0.01")),
                    is_demo=True,
                )
            )
    ServiceLog.objects.bulk_create(logs, batch_size=2000)
    assessments = []
    for person in people:
        score = Decimal(rng.randint(55, 98))
        assessments.append(
            Assessment(
                commissioner=person,
                year=first_year,
                score=score,
                grade=rules.grade(score, rules.COMMISSIONER_BANDS, rules.COMMISSIONER_FAIL),
            )
        )
    Assessment.objects.bulk_create(assessments, batch_size=1000)

    # -- popular-science bases and a year of activities
    n_bases = max(4, round(size * BASES_PER_COMMISSIONER))
    named = list(facts.get("bases", []))
    bases = []
    categories = list(PopsciBase.Category)
    province = (city.province_name or "").removesuffix("省")
    issuer = {"city": f"{city.bare_name}科协发", "provincial": f"{province}科协字", "national": "科协普字"}
    for i in range(n_bases):
        region = listed[i][0] if i < len(listed) else rng.choice(listed)[0]
        if i < len(named):
            name, organisation, category = named[i]
        else:
            category = rng.choice(categories).value
            town = rng.choice(region_towns[region.pk])
            name = f"{region.name}{town}{PopsciBase.Category(category).label}科普基地"
            organisation = (
                f"{region.name}{town}人民政府"
                if category in ("agriculture", "nature")
                else f"{region.name}科学技术协会"
            )
            if PopsciBase.objects.filter(name=name).exists() or any(b.name == name for b in bases):
                name = f"{name}{i}"
        level = "provincial" if i % 7 == 0 else ("national" if i == 1 else "city")
        recognised = rng.randint(2016, today.year - 1)
        department = youth if category == "education" else popsci[i % len(popsci)]
        bases.append(
            PopsciBase(
                name=name,
                organisation=organisation,
                category=category,
                level=level,
                recognised_year=recognised,
                document_number=issuer[level] + f"〔{recognised}〕{rng.randint(1, 60)}号",
                region=region,
                department=department,
                provincial_candidate=level == "city" and i % 4 == 0,
                is_demo=True,
            )
        )
    bases = PopsciBase.objects.bulk_create(bases)
    if any(b.pk is None for b in bases):
        bases = list(PopsciBase.objects.filter(is_demo=True, region__parent=city))
    evaluations = []
    for base in bases:
        level_bonus = rng.choice([0, 5, 9]) if base.provincial_candidate else 0
        for year in (first_year - 1, first_year):
            score = Decimal(min(99, rng.randint(65, 90) + level_bonus))
            evaluations.append(
                BaseEvaluation(
                    base=base,
                    year=year,
                    score=score,
                    grade=rules.grade(score, rules.BASE_BANDS, rules.BASE_FAIL),
                    visitors=rng.randint(2000, 120000),
                )
            )
    BaseEvaluation.objects.bulk_create(evaluations)
    activities = []
    kinds = list(Activity.Kind)
    places = facts.get("caravan_places") or ["村文化广场"]
    for _i in range(max(12, round(size * ACTIVITIES_PER_COMMISSIONER))):
        region, _w, towns = rng.choice(listed)
        kind = _weighted(rng, [(kinds[0], 0.25), (kinds[1], 0.35), (kinds[2], 0.3), (kinds[3], 0.1)])
        town = rng.choice(towns)
        if kind == Activity.Kind.TECH_WEEK:
            day = dt.date(first_year, 5, rng.randint(18, 25))
            audience, title = "public", f"{first_year}年科技活动周·{region.bare_name}主场活动"
            department = popsci[0]
        elif kind == Activity.Kind.CARAVAN:
            day = dt.date(first_year, rng.randint(3, 11), rng.randint(1, 28))
            audience, title = "farmers", f"科普大篷车进{town}"
            department = popsci[0]
        elif kind == Activity.Kind.DANDELION:
            day = dt.date(first_year, rng.choice([3, 4, 5, 6, 9, 10, 11, 12]), rng.randint(1, 28))
            audience, title = "students", f"青少年“蒲公英”科技教育·{town}"
            department = youth
        else:
            day = dt.date(first_year, rng.randint(1, 12), rng.randint(1, 28))
            audience, title = rng.choice(["public", "elderly", "workers"]), f"{town}科普讲座"
            department = rng.choice(popsci)
        own_bases = [b for b in bases if b.region_id == region.pk]
        activities.append(
            Activity(
                kind=kind,
                title=title,
                date=day,
                place=f"{town}{rng.choice(places)}",
                region=region,
                organiser=f"{region.name}科学技术协会" if department != youth else f"{region.name}教育和体育局",
                department=department,
                audience=audience,
                participants=rng.randint(40, 1500),
                base=rng.choice(own_bases) if own_bases and rng.random() < 0.3 else None,
                is_demo=True,
            )
        )
    Activity.objects.bulk_create(activities, batch_size=1000)
    summary = {
        "commissioners": len(people),
        "dispatches": len(dispatches),
        "service_logs": len(logs),
        "bases": len(bases),
        "activities": len(activities),
    }
    audit.record(
        actor=None, action=audit.Action.CREATE, object_type="outreach.demo", object_label="demo data", detail=summary
    )
    feed.bases_changed(None)
    return ", ".join(f"{n} {k}" for k, n in summary.items())
